//! Pieces of the pages: the top bar, the agents table, the live feed, the link badge and the
//! error state.

pub mod agents_table;
pub mod error_state;
pub mod header;
pub mod link_badge;
pub mod live_feed;
