//! The `humanaios` command line.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// HumanAIOS: the operating system for human–AI work.
#[derive(Debug, Parser)]
#[command(name = "humanaios", version, about)]
pub struct Cli {
    /// A TOML configuration file (also `HUMANAIOS_CONFIG`); the environment overrides it.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate the database and serve the API and the dashboard.
    Serve {
        /// Address to listen on (also `HUMANAIOS_BIND`; default 127.0.0.1:8080).
        #[arg(long, value_name = "ADDR")]
        bind: Option<SocketAddr>,
        /// Load the demo organization when the database is empty (also `HUMANAIOS_DEMO`).
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the GraphQL schema (SDL) and exit.
    Schema,
    /// Load the demo organization (an admin, three agents, a week of activity, tasks).
    Demo,
}
