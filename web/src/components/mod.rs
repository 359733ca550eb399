//! Pieces of the pages: the top bar and navigation, the agents table, the live feed and its
//! link badge, task cards with their actions, the API keys section and the error state.

pub mod agents_table;
pub mod api_keys;
pub mod charts;
pub mod error_state;
pub mod header;
pub mod link_badge;
pub mod live_feed;
pub mod loaded;
pub mod nav;
pub mod overview_figures;
pub mod task_card;
pub mod window_picker;
