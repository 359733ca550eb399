//! Keeps SQLite's full-text index (`activity_fts`) up to date outside the ingest transaction.
//!
//! Indexing each activity inside the ingest transaction (an FTS5 insert per row) took about a
//! third of the one SQLite writer's time per row. Instead, each organization has a position,
//! the feed sequence number up to which all its activities are indexed
//! (`search_index_positions`, migration `m20261125_000018`), and activities are indexed in feed
//! order, at most [`ROWS_PER_TRANSACTION`] per transaction, by:
//! - a background task woken after ingest commits, which first waits
//!   `Config::search_index_delay_ms` so one of its transactions covers many commits;
//! - every search, for the searcher's organization, before it reads: a search right after an
//!   acknowledgement finds the activity even when the background task has not run yet.
//!
//! Each transaction reads the position and advances it together with the rows it adds, as a
//! SQLite write transaction (one at a time), so no activity is indexed twice or skipped, by
//! one server or several sharing the file. Feed numbers become visible in order (see
//! [`crate::activities::sequence`]), so "everything up to the counter" is never missing a row
//! still being written.
//!
//! PostgreSQL keeps its generated `tsvector` column in the ingest transaction (measured: not
//! its bottleneck, see BENCHMARKS.md); there every call here does nothing.

use std::sync::Arc;
use std::time::Duration;

use entity::OrgId;
use sea_orm::{ConnectionTrait as _, DatabaseConnection, DbBackend, DbErr, Statement};
use tokio::sync::Notify;

use crate::db::WriteGate;

/// Most activities indexed in one transaction: the ingest writer waits for at most one such
/// transaction (milliseconds), never for a whole backlog.
pub const ROWS_PER_TRANSACTION: i64 = 2_000;

/// The handle ingest wakes and search calls; cheap to clone.
#[derive(Clone)]
pub struct SearchIndexer {
    /// `None` on PostgreSQL, which indexes in the ingest transaction.
    inner: Option<Arc<Inner>>,
}

struct Inner {
    db: DatabaseConnection,
    gate: WriteGate,
    wake: Notify,
}

impl SearchIndexer {
    /// On SQLite, starts the background indexer; it waits `delay` after being woken before it
    /// indexes. `gate` is the one the ingest writer takes turns with.
    pub fn start(db: DatabaseConnection, gate: WriteGate, delay: Duration) -> Self {
        if db.get_database_backend() != DbBackend::Sqlite {
            return SearchIndexer { inner: None };
        }
        let inner = Arc::new(Inner {
            db,
            gate,
            wake: Notify::new(),
        });
        // Whatever was stored while no server ran (or by a crashed one) is indexed at start.
        inner.wake.notify_one();
        tokio::spawn(run(inner.clone(), delay));
        SearchIndexer { inner: Some(inner) }
    }

    /// Tells the background indexer that activities were committed.
    pub fn wake(&self) {
        if let Some(inner) = &self.inner {
            inner.wake.notify_one();
        }
    }

    /// Indexes every activity of `org` committed before this call; a search calls it first.
    /// Costs one read when nothing is missing.
    pub async fn catch_up(&self, org: OrgId) -> Result<(), DbErr> {
        let Some(inner) = &self.inner else {
            return Ok(());
        };
        if behind(&inner.db, Some(org)).await?.is_empty() {
            return Ok(());
        }
        while index_some(inner, org).await? {}
        Ok(())
    }
}

/// The background task: after each wake-up and `delay`, indexes every organization that is
/// behind; wake-ups during a pass start another one.
async fn run(inner: Arc<Inner>, delay: Duration) {
    loop {
        inner.wake.notified().await;
        tokio::time::sleep(delay).await;
        if let Err(err) = index_everything(&inner).await {
            // Searches still catch up their own organization; the next wake-up retries.
            tracing::warn!(error = ?err, "background search indexing failed");
        }
    }
}

async fn index_everything(inner: &Inner) -> Result<(), DbErr> {
    for org in behind(&inner.db, None).await? {
        while index_some(inner, org).await? {}
    }
    Ok(())
}

/// The organizations (only `org`, when given) with activities not indexed yet.
async fn behind(
    db: &impl sea_orm::ConnectionTrait,
    org: Option<OrgId>,
) -> Result<Vec<OrgId>, DbErr> {
    let mut sql = "SELECT s.org_id FROM feed_sequences AS s \
                   LEFT JOIN search_index_positions AS p ON p.org_id = s.org_id \
                   WHERE s.last > coalesce(p.indexed_seq, 0)"
        .to_owned();
    let mut values = Vec::new();
    if let Some(org) = org {
        sql.push_str(" AND s.org_id = ?");
        values.push(org.0.into());
    }
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            sql,
            values,
        ))
        .await?;
    rows.iter()
        .map(|row| row.try_get_by_index::<uuid::Uuid>(0).map(OrgId))
        .collect()
}

/// Indexes the next (at most) [`ROWS_PER_TRANSACTION`] activities of `org` in one write
/// transaction; whether more are left.
async fn index_some(inner: &Inner, org: OrgId) -> Result<bool, DbErr> {
    let _turn = inner.gate.enter().await;
    // How long ingest waits behind the indexer (`HUMANAIOS_LOG=humanaios::runs=debug`).
    let started = std::time::Instant::now();
    let txn = crate::db::begin_write(&inner.db).await?;
    let query = |sql: &str, values: Vec<sea_orm::Value>| {
        Statement::from_sql_and_values(DbBackend::Sqlite, sql, values)
    };
    // Read under the write lock: nothing commits between this and the commit below.
    let Some(row) = txn
        .query_one_raw(query(
            "SELECT s.last, coalesce(p.indexed_seq, 0) FROM feed_sequences AS s \
             LEFT JOIN search_index_positions AS p ON p.org_id = s.org_id WHERE s.org_id = ?",
            vec![org.0.into()],
        ))
        .await?
    else {
        return Ok(false);
    };
    let last: i64 = row.try_get_by_index(0)?;
    let indexed: i64 = row.try_get_by_index(1)?;
    if last <= indexed {
        return Ok(false);
    }
    // The batch ends at the feed number of its last activity, or at the counter when fewer
    // are left (numbers between are gaps: reserved for duplicates, never used).
    let upper = match txn
        .query_one_raw(query(
            "SELECT feed_seq FROM agent_activities WHERE org_id = ? AND feed_seq > ? \
             ORDER BY feed_seq LIMIT 1 OFFSET ?",
            vec![
                org.0.into(),
                indexed.into(),
                (ROWS_PER_TRANSACTION - 1).into(),
            ],
        ))
        .await?
    {
        Some(row) => row.try_get_by_index::<i64>(0)?,
        None => last,
    };
    txn.execute_raw(query(
        &format!(
            "INSERT INTO activity_fts (content, activity_id, id_key) SELECT {}, a.id, hex(a.id) \
             FROM agent_activities AS a WHERE a.org_id = ? AND a.feed_seq > ? AND a.feed_seq <= ?",
            migration::sqlite_search_document("a")
        ),
        vec![org.0.into(), indexed.into(), upper.into()],
    ))
    .await?;
    txn.execute_raw(query(
        "INSERT INTO search_index_positions (org_id, indexed_seq) VALUES (?, ?) \
         ON CONFLICT (org_id) DO UPDATE SET indexed_seq = excluded.indexed_seq",
        vec![org.0.into(), upper.into()],
    ))
    .await?;
    txn.commit().await?;
    tracing::debug!(
        up_to = upper,
        held_write_turn_ms = started.elapsed().as_secs_f64() * 1e3,
        "search index caught up"
    );
    Ok(upper < last)
}
