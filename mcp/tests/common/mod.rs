//! Helpers the mcp crate's integration tests share; each test binary uses a part of them.
#![allow(dead_code)]

pub mod api;
pub mod session;
