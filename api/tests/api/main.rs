//! The api's integration tests: one binary, the real server on port 0, a fresh database per
//! test (SQLite file and PostgreSQL alike).

mod helpers;

mod activities;
mod alerts;
mod analytics;
mod api_keys;
mod audit;
mod auth;
mod bad_input;
mod browser;
mod browser_flows;
mod cli;
mod conformance;
mod demo;
mod durability;
mod hardening;
mod introspection;
mod isolation;
mod mcp;
mod mcp_governance;
mod members;
mod metrics;
mod oauth;
mod otlp;
mod probes;
mod project_files;
mod rate_limits;
mod redaction;
mod replicas;
mod rest_parity;
mod roles;
mod runs;
mod sessions;
mod subscriptions;
mod tasks;
