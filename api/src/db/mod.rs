//! Connecting to the database (SQLite file or PostgreSQL) and migrating it.

mod nodelay;

use std::time::Duration;

use anyhow::Context as _;
use migration::{Migrator, MigratorTrait as _};
use sea_orm::{
    ConnectOptions, ConnectionTrait as _, Database, DatabaseConnection, DatabaseTransaction,
    DbBackend, EntityTrait as _, QuerySelect as _, SqliteTransactionMode, TransactionOptions,
    TransactionTrait as _,
};

use sea_orm::sea_query::{Alias, Expr, ExprTrait as _, Func, IntoIden, OnConflict};

use crate::config::Config;

/// Opens a pool for the configured database, creating the SQLite file and its folder when
/// needed, and applies every pending migration.
pub async fn connect_and_migrate(config: &Config) -> anyhow::Result<DatabaseConnection> {
    let db = connect(config).await?;
    Migrator::up(&db, None)
        .await
        .context("applying database migrations")?;
    Ok(db)
}

/// Opens a pool without migrating.
pub async fn connect(config: &Config) -> anyhow::Result<DatabaseConnection> {
    let url = config.effective_database_url();
    let is_sqlite = url.starts_with("sqlite:");
    if is_sqlite && config.database_url.is_none() {
        std::fs::create_dir_all(&config.data_dir).with_context(|| {
            format!("creating the data directory {}", config.data_dir.display())
        })?;
    }
    let mut options = ConnectOptions::new(url.clone());
    options
        .max_connections(config.db_max_connections)
        .connect_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    if is_sqlite {
        options.map_sqlx_sqlite_opts(|o| {
            // WAL lets readers run beside the writer; FULL syncs the log at every commit, so
            // an acknowledged write survives a power cut (NORMAL may lose the last ones); the
            // busy timeout makes a second writer wait for the lock instead of failing; SQLite
            // leaves foreign keys off unless asked.
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                .create_if_missing(true)
        });
    } else if let Some((hosts, port)) = postgres_address(&url).await {
        options.map_sqlx_postgres_pool_opts(move |o| {
            let hosts = hosts.clone();
            o.after_connect(move |_, _| {
                let hosts = hosts.clone();
                Box::pin(async move {
                    nodelay::set_on_connections_to(&hosts, port);
                    Ok(())
                })
            })
        });
    }
    Database::connect(options)
        .await
        .with_context(|| format!("connecting to the database at {}", redact_url(&url)))
}

/// The addresses and port a PostgreSQL URL connects to over TCP; `None` for a Unix socket or
/// a host that does not resolve (connecting then reports the error).
async fn postgres_address(url: &str) -> Option<(Vec<std::net::IpAddr>, u16)> {
    use std::str::FromStr as _;
    let options = sea_orm::sqlx::postgres::PgConnectOptions::from_str(url).ok()?;
    let (host, port) = (options.get_host().to_owned(), options.get_port());
    if host.starts_with('/') {
        return None;
    }
    let hosts = tokio::net::lookup_host((host, port)).await.ok()?;
    Some((hosts.map(|a| a.ip()).collect(), port))
}

/// The URL without its password, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Serializes writers that must see each other per organization (the audit chain, the
/// last-admin rule): on PostgreSQL by locking the organization's row until commit; SQLite
/// write transactions are serialized already ([`begin_write`]).
pub async fn lock_org(txn: &DatabaseTransaction, org: entity::OrgId) -> Result<(), sea_orm::DbErr> {
    if txn.get_database_backend() == DbBackend::Postgres {
        entity::organization::Entity::find_by_id(org.0)
            .lock_exclusive()
            .one(txn)
            .await?;
    }
    Ok(())
}

/// Starts a transaction that will write. On SQLite it takes the write lock at `BEGIN`
/// (`BEGIN IMMEDIATE`): a deferred transaction that reads first and writes later fails with
/// `SQLITE_BUSY` when another writer committed in between, whereas waiting for the lock up
/// front lets the busy timeout do its job. PostgreSQL needs nothing special.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, sea_orm::DbErr> {
    let options = TransactionOptions {
        sqlite_transaction_mode: matches!(db.get_database_backend(), DbBackend::Sqlite)
            .then_some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    };
    db.begin_with_options(options).await
}

/// Lets this process's busy SQLite writers (the ingest group committer, the search indexer)
/// take turns in arrival order in-process. Without it they would meet in SQLite's busy
/// handler, which retries with sleeps of up to 100 ms, so a writer could idle long after the
/// lock was free. Rare writes (sign-ups, settings) still rely on the busy timeout. On
/// PostgreSQL, which has no single writer, the gate is open.
#[derive(Clone)]
pub struct WriteGate(Option<std::sync::Arc<tokio::sync::Mutex<()>>>);

impl WriteGate {
    /// A gate for `backend`: closed-and-shared on SQLite, open on anything else.
    pub fn for_backend(backend: DbBackend) -> Self {
        WriteGate((backend == DbBackend::Sqlite).then(Default::default))
    }

    /// Waits for this process's turn to write; the turn lasts as long as the guard.
    pub async fn enter(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match &self.0 {
            Some(turn) => Some(turn.lock().await),
            None => None,
        }
    }
}

/// `CAST(SUM(column) AS BIGINT)`: an exact 64-bit sum on every backend (PostgreSQL sums
/// BIGINTs into NUMERIC, which does not decode as `i64`). `NULL` when no row matched.
pub fn exact_sum(column: impl sea_orm::sea_query::IntoColumnRef) -> Expr {
    Func::cast_as(Func::sum(Expr::col(column)), Alias::new("BIGINT")).into()
}

/// `ON CONFLICT (keys) DO UPDATE SET c = table.c + excluded.c` for every column in `sums`:
/// rollup rows that concurrent transactions write simply add up, with no read-modify-write
/// (PostgreSQL and SQLite alike).
pub fn add_on_conflict<T, C>(
    table: T,
    keys: impl IntoIterator<Item = C>,
    sums: impl IntoIterator<Item = C>,
) -> OnConflict
where
    T: IntoIden + Copy,
    C: IntoIden + Copy,
{
    let mut on_conflict = OnConflict::columns(keys);
    on_conflict.values(sums.into_iter().map(|column| {
        (
            column,
            Expr::col((table, column)).add(Expr::col((Alias::new("excluded"), column))),
        )
    }));
    on_conflict
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/humanaios"),
            "postgres://app:***@db:5432/humanaios"
        );
        assert_eq!(
            redact_url("sqlite://data/humanaios.db?mode=rwc"),
            "sqlite://data/humanaios.db?mode=rwc"
        );
    }
}
