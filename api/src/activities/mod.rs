//! Agent activity: recording batches idempotently, reading them back, and the live feed.

pub mod graphql;
pub mod rest;
pub mod service;
