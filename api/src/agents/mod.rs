//! Agents: registering them, listing them, changing their status and configuration, and
//! what they spend against their daily budget.

pub mod graphql;
pub mod rest;
pub mod service;
pub mod spend;
