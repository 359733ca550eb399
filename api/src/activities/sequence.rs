//! The per-organization feed sequence: the live feed's position.
//!
//! An ingest transaction reserves a block of numbers by advancing its organization's counter
//! row. The upsert holds that row until the transaction ends, so a second transaction of the
//! same organization waits and gets the next block only after the first committed: numbers
//! become visible in order, and "everything after N" never skips one that was still being
//! written. Timestamps cannot promise that (a transaction stamped earlier may commit later).

use entity::OrgId;
use sea_orm::sea_query::{Alias, Expr, ExprTrait as _, OnConflict, Query};
use sea_orm::{ConnectionTrait, DbErr};

/// Reserves `count` numbers for `org` and returns the first; the caller uses
/// `first..first + count`. Reserved numbers a transaction leaves unused are gaps, which the
/// feed allows.
pub async fn reserve(db: &impl ConnectionTrait, org: OrgId, count: u64) -> Result<i64, DbErr> {
    let count =
        i64::try_from(count).map_err(|_| DbErr::Custom("sequence block too large".into()))?;
    let table = Alias::new("feed_sequences");
    let last = Alias::new("last");
    let statement = Query::insert()
        .into_table(table.clone())
        .columns([Alias::new("org_id"), last.clone()])
        .values_panic([org.0.into(), count.into()])
        .on_conflict(
            OnConflict::column(Alias::new("org_id"))
                .value(
                    last.clone(),
                    Expr::col((table, last.clone()))
                        .add(Expr::col((Alias::new("excluded"), last.clone()))),
                )
                .to_owned(),
        )
        .returning_col(last)
        .to_owned();
    let row = db
        .query_one(&statement)
        .await?
        .ok_or_else(|| DbErr::Custom("the feed sequence upsert returned no row".into()))?;
    let last: i64 = row.try_get_by_index(0)?;
    Ok(last - count + 1)
}
