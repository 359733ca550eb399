//! Agent activity: recording batches idempotently (group-committed), reading them back, and
//! the live feed with its per-organization sequence.

pub mod graphql;
pub mod group_commit;
pub mod rest;
pub mod sequence;
pub mod service;
pub mod tokens;
