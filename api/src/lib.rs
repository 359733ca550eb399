//! HumanAIOS server library: everything `humanaios` runs, organised by feature
//! (`agents`, `activities`, `auth`, `orgs`) with cross-cutting plumbing beside them.

pub mod activities;
pub mod agents;
pub mod audit;
pub mod auth;
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
pub mod orgs;
pub mod pagination;
pub mod rollups;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod time;
