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
    /// Benchmark a real server over loopback and print Markdown rows for BENCHMARKS.md.
    Bench {
        #[command(subcommand)]
        what: BenchCommand,
        /// Databases to run on, comma-separated.
        #[arg(
            long,
            global = true,
            value_delimiter = ',',
            default_value = "sqlite,postgres"
        )]
        on: Vec<BenchDatabase>,
        /// A PostgreSQL server to create scratch databases on (any database's URL on it).
        #[arg(
            long,
            global = true,
            env = "HUMANAIOS_BENCH_POSTGRES_URL",
            default_value = "postgres://postgres@127.0.0.1:5432/postgres"
        )]
        postgres_url: String,
    },
}

/// A database kind to benchmark on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BenchDatabase {
    Sqlite,
    Postgres,
}

/// What to benchmark.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Ingest throughput: one client, many clients, and (PostgreSQL) a raw COPY baseline.
    Ingest {
        /// Activities in the many-clients run (the one-client run sends a quarter).
        #[arg(long, default_value_t = 50_000)]
        events: usize,
        /// Activities per request (1 to 1000).
        #[arg(long, default_value_t = 100)]
        batch: usize,
        /// Clients sending at once in the many-clients run.
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
    },
    /// Cost and performance reports over many stored activities (PostgreSQL: the 10-million
    /// figure in BENCHMARKS.md), beside a GROUP BY over the raw activities.
    Analytics {
        #[arg(long, default_value_t = 1_000_000)]
        activities: usize,
        /// Days the activities are spread over, ending now.
        #[arg(long, default_value_t = 30)]
        days: i64,
        #[arg(long, default_value_t = 20)]
        agents: usize,
        /// Times each report is asked for.
        #[arg(long, default_value_t = 20)]
        runs: usize,
    },
    /// Live feed latency: many subscribers, one activity per request.
    Feed {
        #[arg(long, default_value_t = 1_000)]
        subscribers: usize,
        #[arg(long, default_value_t = 200)]
        events: usize,
        /// Milliseconds between two ingests.
        #[arg(long, default_value_t = 10)]
        interval_ms: u64,
    },
}
