//! Rolling activities up as they are stored, inside the ingest's transaction: the batch is
//! summed per (agent, minute) in memory, then each table gets one multi-row upsert that adds
//! those sums to the stored rows (`SET x = table.x + excluded.x`). Nothing is read first, so
//! concurrent ingests on PostgreSQL add up instead of overwriting each other.

use std::collections::BTreeMap;

use entity::agent_activity;
use sea_orm::sea_query::{InsertStatement, Query, SimpleExpr, Value};
use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

use super::histogram;
use super::sums::{self, Sums};
use super::tables::Rollup;
use super::window::minute_of;

/// Rows per statement: 1,000 rows of 15 columns stay far below the bind-parameter limits
/// of SQLite (32,766) and PostgreSQL (65,535).
const ROWS_PER_STATEMENT: usize = 1_000;

/// Adds `inserted` (activities stored in this transaction for the first time) to the
/// rollups, in the same transaction, so the rollups count exactly what was committed.
pub async fn apply<'a>(
    txn: &impl ConnectionTrait,
    inserted: impl IntoIterator<Item = &'a agent_activity::Model>,
) -> Result<(), DbErr> {
    let (minutes, latencies) = aggregate(inserted);
    let layout = Layout {
        table: Rollup::AgentMinute,
        key: &[Rollup::AgentId, Rollup::Minute],
        sums: &sums::COLUMNS,
    };
    let rows = minutes.into_iter().map(|((agent, minute), (org, totals))| {
        let mut row = vec![agent.into(), minute.into(), org.into()];
        row.extend(totals.values().map(Value::from));
        row
    });
    upsert(txn, &layout, rows).await?;

    let layout = Layout {
        table: Rollup::AgentMinuteLatency,
        key: &[Rollup::AgentId, Rollup::Minute, Rollup::Bucket],
        sums: &[Rollup::Count],
    };
    let rows = latencies
        .into_iter()
        .map(|((agent, minute, bucket), (org, count))| {
            vec![
                agent.into(),
                minute.into(),
                i32::from(bucket).into(),
                org.into(),
                count.into(),
            ]
        });
    upsert(txn, &layout, rows).await
}

/// A rollup table's columns, in the order of a row's values: the key, `org_id` (the same
/// for every row of a key), then the sums.
struct Layout<'a> {
    table: Rollup,
    key: &'a [Rollup],
    /// Added to the stored row when the key exists.
    sums: &'a [Rollup],
}

impl Layout<'_> {
    fn columns(&self) -> impl Iterator<Item = Rollup> + '_ {
        self.key
            .iter()
            .copied()
            .chain([Rollup::OrgId])
            .chain(self.sums.iter().copied())
    }
}

/// Writes `rows` (values in `columns` order) into `table`, in key order (the BTreeMaps'), so
/// concurrent transactions lock shared rows in the same order and cannot deadlock.
async fn upsert(
    txn: &impl ConnectionTrait,
    layout: &Layout<'_>,
    rows: impl Iterator<Item = Vec<Value>>,
) -> Result<(), DbErr> {
    let rows: Vec<Vec<Value>> = rows.collect();
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        txn.execute(&statement(layout, chunk)).await?;
    }
    Ok(())
}

/// `INSERT INTO table (key, org, sums) VALUES rows ON CONFLICT (key) DO UPDATE SET sum =
/// table.sum + excluded.sum, …`.
fn statement(layout: &Layout<'_>, rows: &[Vec<Value>]) -> InsertStatement {
    let mut insert = Query::insert();
    insert.into_table(layout.table).columns(layout.columns());
    for row in rows {
        insert.values_panic(row.iter().cloned().map(SimpleExpr::from));
    }
    insert.on_conflict(crate::db::add_on_conflict(
        layout.table,
        layout.key.iter().copied(),
        layout.sums.iter().copied(),
    ));
    insert
}

/// Sums per (agent, minute) and latency counts per (agent, minute, bucket), each with the
/// agent's organization.
type Aggregate = (
    BTreeMap<(Uuid, i64), (Uuid, Sums)>,
    BTreeMap<(Uuid, i64, u16), (Uuid, i64)>,
);

/// The batch, summed per key.
fn aggregate<'a>(activities: impl IntoIterator<Item = &'a agent_activity::Model>) -> Aggregate {
    let (mut minutes, mut latencies) = Aggregate::default();
    for activity in activities {
        let minute = minute_of(activity.timestamp);
        minutes
            .entry((activity.agent_id, minute))
            .or_insert((activity.org_id, Sums::default()))
            .1
            .add(&Sums::of(activity));
        if let Some(ms) = activity.duration_ms {
            let bucket = histogram::bucket_of(ms);
            latencies
                .entry((activity.agent_id, minute, bucket))
                .or_insert((activity.org_id, 0))
                .1 += 1;
        }
    }
    (minutes, latencies)
}

#[cfg(test)]
mod tests {
    use sea_orm::sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};

    use super::*;

    #[test]
    fn upserts_add_to_the_stored_row_on_both_backends() {
        let row = vec![
            Uuid::nil().into(),
            1_i64.into(),
            Uuid::nil().into(),
            2_i64.into(),
        ];
        let layout = Layout {
            table: Rollup::AgentMinute,
            key: &[Rollup::AgentId, Rollup::Minute],
            sums: &[Rollup::Activities],
        };
        let insert = statement(&layout, &[row]);
        let expected = r#"ON CONFLICT ("agent_id", "minute") DO UPDATE SET "activities" = "agent_minute"."activities" + "excluded"."activities""#;
        for sql in [
            insert.to_string(SqliteQueryBuilder),
            insert.to_string(PostgresQueryBuilder),
        ] {
            assert!(sql.ends_with(expected), "{sql}");
        }
    }
}
