//! Helpers the mcp crate's integration tests share.

pub mod api;
