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
// Sign-in forms and the admin settings sections.
pub mod alert_rule_form;
pub mod audit_table;
pub mod auth_form;
pub mod data_table;
pub mod members;
pub mod org_settings;
pub mod redaction;
pub mod task_extras;
pub mod webhooks;
