//! A fresh database per test, for this crate's tests and its sibling crates' (the MCP
//! proxy's tests start a real server too): an SQLite file in its own directory, or a
//! PostgreSQL database created on the server at `HUMANAIOS_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`) and dropped when the value is dropped.
//! Also where the tests find the Python that drives the official SDK clients, and
//! [`conformance`] runs the official MCP conformance suite against an MCP server.

pub mod conformance;

use std::path::PathBuf;

use sea_orm::{ConnectionTrait as _, Database};
use uuid::Uuid;

/// Runs an `async fn(Backend)` test once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($test:ident),+ $(,)?) => {$(
        mod $test {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$test($crate::testing::Backend::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$test($crate::testing::Backend::Postgres).await
            }
        }
    )+};
}

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database that exists for as long as this value does.
pub struct TestDatabase {
    /// Its connection URL.
    pub url: String,
    /// A scratch directory that goes with it (the SQLite file lives there).
    pub dir: PathBuf,
    postgres_name: Option<String>,
}

fn postgres_admin_url() -> String {
    std::env::var("HUMANAIOS_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

impl TestDatabase {
    /// No database: for a value that must hold one but shares another's.
    pub fn none() -> TestDatabase {
        TestDatabase {
            url: String::new(),
            dir: std::env::temp_dir().join("humanaios-replica-none"),
            postgres_name: None,
        }
    }

    /// Creates a database on `backend`.
    ///
    /// # Panics
    /// When PostgreSQL is unreachable: a test cannot run without its database.
    pub async fn create(backend: Backend) -> TestDatabase {
        let id = Uuid::now_v7().simple().to_string();
        let dir = std::env::temp_dir().join(format!("humanaios-test-{id}"));
        std::fs::create_dir_all(&dir).unwrap();
        match backend {
            Backend::Sqlite => TestDatabase {
                url: format!("sqlite://{}?mode=rwc", dir.join("test.db").display()),
                dir,
                postgres_name: None,
            },
            Backend::Postgres => {
                let admin_url = postgres_admin_url();
                let admin = Database::connect(&admin_url).await.unwrap_or_else(|err| {
                    panic!(
                        "PostgreSQL is not reachable at {admin_url} ({err}); start it or set \
                         HUMANAIOS_TEST_POSTGRES_URL"
                    )
                });
                let name = format!("humanaios_test_{id}");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("test database created");
                let base = admin_url.rsplit_once('/').map(|(b, _)| b).unwrap();
                TestDatabase {
                    url: format!("{base}/{name}"),
                    dir,
                    postgres_name: Some(name),
                }
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some(name) = self.postgres_name.take() {
            // Drop runs outside async; a short-lived runtime on its own thread does the I/O.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                runtime.block_on(async {
                    if let Ok(admin) = Database::connect(&postgres_admin_url()).await {
                        let _ = admin
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                            ))
                            .await;
                    }
                });
            })
            .join();
        }
    }
}

/// The Python of the virtualenv that scripts/setup.sh installs the tests' Python packages
/// into (the OpenTelemetry SDK, the MCP SDK): `$HUMANAIOS_TEST_VENV`, by default
/// `~/.cache/humanaios/venv`.
pub fn python() -> PathBuf {
    let venv = std::env::var_os("HUMANAIOS_TEST_VENV").map_or_else(
        || {
            let cache = std::env::var_os("HUMANAIOS_CACHE").map_or_else(
                || {
                    PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                        .join(".cache/humanaios")
                },
                PathBuf::from,
            );
            cache.join("venv")
        },
        PathBuf::from,
    );
    let python = venv.join("bin/python");
    assert!(
        python.exists(),
        "{} is missing: run `scripts/setup.sh --with-browser` to install the tests' Python \
         packages into the virtualenv at $HUMANAIOS_TEST_VENV (default \
         ~/.cache/humanaios/venv)",
        python.display()
    );
    python
}
