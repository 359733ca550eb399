//! Group commit for ingest: concurrent `record` calls hand their prepared rows to a writer
//! task, which stores everything waiting in ONE transaction and answers each caller after
//! the commit. Under load a commit (the expensive, fsync-bound part) is shared by many
//! requests, so throughput grows with load instead of collapsing on lock waits.
//!
//! Nothing here is acknowledged before its commit. If a group's transaction fails, each of
//! its requests is retried alone, so one bad request cannot fail its neighbours.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use entity::{OrgId, agent_activity, human_task};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait as _, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, EntityTrait as _, IntoActiveModel as _, QueryTrait as _,
};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::db::WriteGate;
use crate::error::{ApiError, ApiResult};

/// Most rows one multi-row INSERT carries: SQLite allows 32,766 bound values (PostgreSQL
/// 65,535) and an activity binds about 25. On PostgreSQL a statement this large goes out
/// without waiting for a delayed ACK because the pool's sockets have `TCP_NODELAY`
/// (`crate::db` sets it, see `db/nodelay.rs`).
const ROWS_PER_STATEMENT: usize = 1_000;
/// Most rows one group transaction takes; the rest wait for the next group.
const ROWS_PER_GROUP: usize = 10_000;
/// Requests that may wait for a writer before callers are slowed down (backpressure).
const QUEUE_DEPTH: usize = 1_024;

/// One request's rows (already validated, priced and redacted, no id repeated) and the
/// human tasks they raise.
struct Job {
    org: OrgId,
    rows: Vec<agent_activity::Model>,
    tasks: Vec<human_task::Model>,
    reply: oneshot::Sender<ApiResult<Stored>>,
}

/// What one request stored: its activities that were new, with their feed positions, and
/// the tasks those raised. A retried activity raises nothing again.
#[derive(Debug, Default)]
pub struct Stored {
    pub activities: Vec<agent_activity::Model>,
    pub tasks: Vec<human_task::Model>,
}

/// The queues in front of the writer tasks, one each; cheap to clone.
#[derive(Clone)]
pub struct GroupCommitter {
    queues: Arc<[mpsc::Sender<Job>]>,
}

impl GroupCommitter {
    /// Starts the writers: one on SQLite (it has one writer anyway), `writers` on PostgreSQL,
    /// where groups of different organizations can commit side by side.
    /// On SQLite the writer commits only in its turn at `gate`.
    ///
    /// Each organization's requests always go to the same writer. Two writers sharing one
    /// organization would each take part of what is waiting and then queue on its feed
    /// counter's row lock in turn (measured on PostgreSQL: median group one request, 21 s
    /// of lock waits in a 50,000-activity run), so the group would not be a group.
    pub fn start(db: DatabaseConnection, writers: usize, gate: WriteGate) -> Self {
        let writers = match db.get_database_backend() {
            DbBackend::Sqlite => 1,
            _ => writers.max(1),
        };
        let queues = (0..writers)
            .map(|_| {
                let (queue, jobs) = mpsc::channel(QUEUE_DEPTH);
                tokio::spawn(write_groups(db.clone(), jobs, gate.clone()));
                queue
            })
            .collect();
        GroupCommitter { queues }
    }

    /// The queue of the writer that stores `org`'s activities.
    fn queue_of(&self, org: OrgId) -> &mpsc::Sender<Job> {
        // Organization ids are random in their low bits (UUID v4 or v7).
        let writer = (org.0.as_u128() % self.queues.len() as u128) as usize;
        &self.queues[writer]
    }

    /// Stores `rows` for `org`, and each of `tasks` whose source activity is new, and returns
    /// what was new (activity ids not stored before, with their feed positions) once it is
    /// committed.
    pub async fn commit(
        &self,
        org: OrgId,
        rows: Vec<agent_activity::Model>,
        tasks: Vec<human_task::Model>,
    ) -> ApiResult<Stored> {
        let (reply, answer) = oneshot::channel();
        let stopped = || ApiError::from(anyhow::anyhow!("the ingest writer has stopped"));
        self.queue_of(org)
            .send(Job {
                org,
                rows,
                tasks,
                reply,
            })
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// A writer: takes whatever is waiting (at least one request), commits it as one group,
/// answers, and goes again until every sender is gone.
async fn write_groups(db: DatabaseConnection, mut jobs: mpsc::Receiver<Job>, gate: WriteGate) {
    loop {
        let Some(first) = jobs.recv().await else {
            return;
        };
        let mut rows = first.rows.len();
        let mut group = vec![first];
        while rows < ROWS_PER_GROUP {
            match jobs.try_recv() {
                Ok(job) => {
                    rows += job.rows.len();
                    group.push(job);
                }
                Err(_) => break,
            }
        }
        metrics::histogram!("humanaios_ingest_group_requests").record(group.len() as f64);
        let asked = Instant::now();
        let _turn = gate.enter().await;
        let gate_wait = asked.elapsed();
        let requests = group.len();
        commit_group(&db, group).await;
        // Where a group's time goes, for `HUMANAIOS_LOG=humanaios::activities=debug humanaios
        // bench ingest` (BENCHMARKS.md): waiting for the write turn, then `store`'s phases.
        tracing::debug!(
            requests,
            gate_wait_ms = millis(gate_wait),
            total_ms = millis(asked.elapsed()),
            "ingest group answered"
        );
    }
}

/// Commits `group` in one transaction and answers every request; on failure, retries each
/// request in a transaction of its own.
async fn commit_group(db: &DatabaseConnection, group: Vec<Job>) {
    let batches: Vec<Batch> = group
        .iter()
        .map(|job| (job.org, job.rows.as_slice(), job.tasks.as_slice()))
        .collect();
    match store(db, &batches).await {
        Ok(inserted) => {
            for (job, inserted) in group.into_iter().zip(inserted) {
                let _ = job.reply.send(Ok(inserted));
            }
        }
        Err(err) if group.len() == 1 => {
            let job = group.into_iter().next().expect("one job");
            let _ = job.reply.send(Err(err));
        }
        Err(err) => {
            tracing::warn!(error = ?err, requests = group.len(), "group commit failed; retrying each request alone");
            for job in group {
                let answer = store(db, &[(job.org, job.rows.as_slice(), job.tasks.as_slice())])
                    .await
                    .map(|mut stored| stored.pop().unwrap_or_default());
                let _ = job.reply.send(answer);
            }
        }
    }
}

/// One request's part of a group: its organization, activities and tasks.
type Batch<'a> = (OrgId, &'a [agent_activity::Model], &'a [human_task::Model]);

/// Stores the batches in one transaction; for each batch, what was new.
async fn store(db: &DatabaseConnection, batches: &[Batch<'_>]) -> ApiResult<Vec<Stored>> {
    let started = Instant::now();
    let txn = crate::db::begin_write(db).await?;
    // An id sent by two requests of this group is the first one's; the second counts it as
    // a duplicate, exactly as if it had come after the commit.
    let mut claimed = HashSet::new();
    let mut candidates: Vec<Vec<agent_activity::Model>> = batches
        .iter()
        .map(|(_, rows, _)| {
            rows.iter()
                .filter(|row| claimed.insert(row.id))
                .cloned()
                .collect()
        })
        .collect();

    // Feed positions, one block per organization, taken in organization order so that two
    // writers' groups never wait for each other in a cycle.
    let mut per_org: BTreeMap<OrgId, u64> = BTreeMap::new();
    for ((org, _, _), rows) in batches.iter().zip(&candidates) {
        *per_org.entry(*org).or_default() += rows.len() as u64;
    }
    let mut next_seq: BTreeMap<OrgId, i64> = BTreeMap::new();
    for (org, count) in per_org {
        if count > 0 {
            next_seq.insert(org, super::sequence::reserve(&txn, org, count).await?);
        }
    }
    for ((org, _, _), rows) in batches.iter().zip(&mut candidates) {
        for row in rows.iter_mut() {
            let seq = next_seq.get_mut(org).expect("reserved above");
            row.feed_seq = *seq;
            *seq += 1;
        }
    }

    let reserved = started.elapsed();
    let all: Vec<&agent_activity::Model> = candidates.iter().flatten().collect();
    let mut new_ids = HashSet::with_capacity(all.len());
    for chunk in all.chunks(ROWS_PER_STATEMENT) {
        new_ids.extend(insert_new(&txn, chunk).await?);
    }
    let inserted: Vec<Vec<agent_activity::Model>> = candidates
        .into_iter()
        .map(|rows| {
            rows.into_iter()
                .filter(|row| new_ids.contains(&row.id))
                .collect()
        })
        .collect();
    let written = started.elapsed();
    add_to_rollups(&txn, inserted.iter().flatten()).await?;
    let rolled_up = started.elapsed();
    let raised: Vec<Vec<human_task::Model>> = batches
        .iter()
        .map(|(_, _, tasks)| {
            tasks
                .iter()
                .filter(|t| t.source_activity_id.is_some_and(|id| new_ids.contains(&id)))
                .cloned()
                .collect()
        })
        .collect();
    let all_raised: Vec<human_task::ActiveModel> = raised
        .iter()
        .flatten()
        .map(|t| t.clone().into_active_model())
        .collect();
    if !all_raised.is_empty() {
        human_task::Entity::insert_many(all_raised)
            .exec_without_returning(&txn)
            .await?;
    }
    let before_commit = started.elapsed();
    txn.commit().await?;
    tracing::debug!(
        rows = new_ids.len(),
        reserve_ms = millis(reserved),
        insert_ms = millis(written - reserved),
        rollups_ms = millis(rolled_up - written),
        tasks_ms = millis(before_commit - rolled_up),
        commit_ms = millis(started.elapsed() - before_commit),
        "ingest group stored"
    );
    Ok(inserted
        .into_iter()
        .zip(raised)
        .map(|(activities, tasks)| Stored { activities, tasks })
        .collect())
}

fn millis(duration: std::time::Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

/// Adds newly stored activities to every rollup (per-minute metrics, daily analytics), in
/// the transaction that stores them and once per transaction, so every rollup row is written
/// in one key order. Whatever stores activities calls it: ingest, the demo, the benchmarks.
pub async fn add_to_rollups<'a, I>(db: &impl ConnectionTrait, inserted: I) -> Result<(), DbErr>
where
    I: IntoIterator<Item = &'a agent_activity::Model> + Clone,
{
    crate::analytics::rollup::apply(db, inserted.clone()).await?;
    crate::rollups::apply(db, inserted).await
}

/// Inserts `rows`, skipping ids already stored, and returns the ids it stored. `RETURNING`
/// names exactly the rows this statement wrote, so a concurrent retry committed by another
/// writer (or replica) is counted as a duplicate here, never twice.
async fn insert_new(
    txn: &DatabaseTransaction,
    rows: &[&agent_activity::Model],
) -> ApiResult<Vec<Uuid>> {
    let models = rows
        .iter()
        .map(|row| (*row).clone().into_active_model().reset_all());
    let mut statement = agent_activity::Entity::insert_many(models)
        .on_conflict(
            OnConflict::column(agent_activity::Column::Id)
                .do_nothing()
                .to_owned(),
        )
        .into_query();
    statement.returning_col(agent_activity::Column::Id);
    let stored = txn.query_all(&statement).await?;
    stored
        .iter()
        .map(|row| row.try_get_by_index::<Uuid>(0).map_err(ApiError::from))
        .collect()
}
