//! HumanAIOS server library: everything `humanaios` runs, organised by feature
//! (`agents`, `activities`, `runs`, `auth`, `orgs`) with cross-cutting plumbing beside them.

pub mod activities;
pub mod agents;
pub mod alerts;
pub mod analytics;
pub mod audit;
pub mod auth;
pub mod bench;
pub mod cli;
pub mod config;
pub mod costs;
pub mod db;
pub mod demo;
pub mod error;
pub mod events;
pub mod graphql;
pub mod http;
pub mod limits;
pub mod mcp;
pub mod orgs;
pub mod otlp;
pub mod outbound;
pub mod pagination;
pub mod redaction;
pub mod rollups;
pub mod runs;
pub mod startup;
pub mod state;
pub mod stats;
pub mod tasks;
pub mod telemetry;
pub mod testing;
pub mod time;
