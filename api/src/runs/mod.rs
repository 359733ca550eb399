//! Runs and conversation history: an agent's activities grouped by `runId` into runs, each
//! readable whole as a tree of spans with cost, tokens and time rolled up; and full-text
//! search over activities (PostgreSQL full-text search, SQLite FTS5) behind one query.

pub mod graphql;
pub mod rest;
pub mod search;
pub mod search_index;
pub mod service;
pub mod tree;
