//! Agents: registering them, listing them, changing their status and configuration.

pub mod graphql;
pub mod rest;
pub mod service;
