//! Organizations: the tenant every record belongs to.

pub mod graphql;
pub mod members;
pub mod rest;
pub mod service;
