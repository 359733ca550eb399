//! The `humanaios` binary: parse the command line, load the config, hand over to the library.

use anyhow::Context as _;
use clap::Parser as _;
use humanaios::cli::{Cli, Command};
use humanaios::config::Config;
use humanaios::demo::{self, DemoOutcome};
use humanaios::{db, graphql, startup::App, telemetry};

// Ingest allocates and frees many small values per event (JSON, rows, statements); glibc's
// allocator spent about a fifth of the ingest benchmark's CPU in malloc and free.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Schema => {
            print!("{}", graphql::sdl());
            return Ok(());
        }
        // Benchmarks configure their own servers and log only when asked (`HUMANAIOS_LOG`,
        // e.g. the ingest phases in BENCHMARKS.md): logs would slow them down.
        Command::Bench {
            what,
            on,
            postgres_url,
        } => {
            if std::env::var_os("HUMANAIOS_LOG").is_some() {
                telemetry::init(&Config::load(cli.config.as_deref())?);
            }
            return humanaios::bench::run(what, on, postgres_url).await;
        }
        _ => {}
    }
    let mut config = Config::load(cli.config.as_deref()).context("reading the configuration")?;
    telemetry::init(&config);
    match cli.command {
        Command::Serve { bind, demo } => {
            if let Some(bind) = bind {
                config.bind = bind;
            }
            config.demo |= demo;
            let app = App::build(config).await?;
            let url = format!("http://{}", app.local_addr());
            tracing::info!(%url, database = %db::redact_url(&app.state().config.effective_database_url()), "HumanAIOS is serving");
            println!("HumanAIOS is running at {url}  (GraphiQL: {url}/graphql)");
            if demo::demo_admin_exists(&app.state().db).await? {
                println!(
                    "Demo admin login: {} / {}",
                    demo::DEMO_EMAIL,
                    demo::DEMO_PASSWORD
                );
            }
            app.run_until_stopped().await
        }
        Command::Migrate => {
            db::connect_and_migrate(&config).await?;
            println!("database is up to date");
            Ok(())
        }
        Command::Demo => {
            let db = db::connect_and_migrate(&config).await?;
            match demo::load(&db).await? {
                DemoOutcome::Loaded { activities, tasks } => println!(
                    "loaded the demo organization: 3 agents, {activities} activities, {tasks} tasks\n\
                     log in as {} / {}",
                    demo::DEMO_EMAIL,
                    demo::DEMO_PASSWORD
                ),
                DemoOutcome::AlreadyPresent => println!(
                    "the demo organization is already loaded; log in as {} / {}",
                    demo::DEMO_EMAIL,
                    demo::DEMO_PASSWORD
                ),
            }
            Ok(())
        }
        Command::Schema | Command::Bench { .. } => {
            unreachable!("handled before the config is read")
        }
    }
}
