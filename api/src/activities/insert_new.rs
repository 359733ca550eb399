//! The one statement that stores a chunk of activities, skipping ids already stored, on each
//! backend:
//! - SQLite: a multi-row `INSERT … VALUES … ON CONFLICT DO NOTHING RETURNING id`.
//! - PostgreSQL: `INSERT … SELECT … FROM json_populate_recordset(NULL::agent_activities, $1)`,
//!   the rows as ONE JSON parameter. The same statement text for any number of rows, so it
//!   is parsed and planned once per connection; a 1,000-row `VALUES` list binds 25,000
//!   parameters that PostgreSQL parses, plans and type-checks on every execution (measured in
//!   BENCHMARKS.md, "PostgreSQL ingest as one JSON parameter"). Arrays per column
//!   (`UNNEST($1::uuid[], …)`) would do the same, but sea-query's array values cannot carry
//!   the NULLs of the optional columns.
//!
//! Both take the columns from the entity, so a column added to `agent_activity` is stored by
//! both without touching this file.

use entity::agent_activity;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait as _, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait as _,
    Iden as _, IntoActiveModel as _, Iterable as _, ModelTrait as _, QueryTrait as _, Statement,
    Value,
};
use serde_json::{Map, Value as Json};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

/// Most rows one statement carries: SQLite allows 32,766 bound values and an activity binds
/// about 25. On PostgreSQL it bounds the size of the JSON parameter (about 1 MiB).
pub const ROWS_PER_STATEMENT: usize = 1_000;

/// Inserts `rows`, skipping ids already stored, and returns the ids it stored. `RETURNING`
/// names exactly the rows this statement wrote, so a concurrent retry committed by another
/// writer (or replica) is counted as a duplicate here, never twice.
pub async fn insert_new(
    txn: &DatabaseTransaction,
    rows: &[&agent_activity::Model],
) -> ApiResult<Vec<Uuid>> {
    let statement = match txn.get_database_backend() {
        DbBackend::Postgres => postgres_statement(rows)?,
        backend => {
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
            backend.build(&statement)
        }
    };
    let stored = txn.query_all_raw(statement).await?;
    stored
        .iter()
        .map(|row| row.try_get_by_index::<Uuid>(0).map_err(ApiError::from))
        .collect()
}

/// The PostgreSQL statement: every entity column, read from a JSON array of rows typed by
/// the table's own row type.
fn postgres_statement(rows: &[&agent_activity::Model]) -> ApiResult<Statement> {
    let columns: Vec<String> = agent_activity::Column::iter()
        .map(|c| format!("\"{}\"", c.to_string()))
        .collect();
    let columns = columns.join(", ");
    let sql = format!(
        "INSERT INTO \"agent_activities\" ({columns}) SELECT {columns} \
         FROM json_populate_recordset(NULL::\"agent_activities\", $1::json) \
         ON CONFLICT (\"id\") DO NOTHING RETURNING \"id\""
    );
    let json = rows
        .iter()
        .map(|row| row_json(row))
        .collect::<Result<Vec<_>, _>>()?;
    let body = serde_json::to_string(&json).map_err(ApiError::internal)?;
    Ok(Statement::from_sql_and_values(
        DbBackend::Postgres,
        sql,
        [Value::String(Some(body))],
    ))
}

/// One row as a JSON object keyed by column name, each value as PostgreSQL reads it back
/// into the column's type.
fn row_json(row: &agent_activity::Model) -> ApiResult<Json> {
    let mut object = Map::with_capacity(32);
    for column in agent_activity::Column::iter() {
        let value = column_json(row.get(column)).ok_or_else(|| {
            ApiError::internal(anyhow::anyhow!(
                "activity column {} has a type the PostgreSQL insert does not write",
                column.to_string()
            ))
        })?;
        object.insert(column.to_string(), value);
    }
    Ok(Json::Object(object))
}

/// A column value as JSON for `json_populate_recordset`: strings in each type's input
/// format, numbers as numbers, JSON as itself; `None` for a type this table does not use.
fn column_json(value: Value) -> Option<Json> {
    Some(match value {
        Value::Bool(v) => v.map_or(Json::Null, Json::from),
        Value::Int(v) => v.map_or(Json::Null, Json::from),
        Value::BigInt(v) => v.map_or(Json::Null, Json::from),
        Value::String(v) => v.map_or(Json::Null, Json::from),
        Value::Uuid(v) => v.map_or(Json::Null, |v| Json::from(v.to_string())),
        // RFC 3339 with microseconds: what the column keeps, exactly.
        Value::ChronoDateTimeUtc(v) => v.map_or(Json::Null, |v| {
            Json::from(v.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
        }),
        Value::Json(v) => v.map_or(Json::Null, |v| *v),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_written_in_the_columns_input_formats() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-25T01:02:03.456789Z")
            .unwrap()
            .to_utc();
        assert_eq!(
            column_json(Value::ChronoDateTimeUtc(Some(at))),
            Some(Json::from("2026-11-25T01:02:03.456789Z"))
        );
        assert_eq!(column_json(Value::BigInt(None)), Some(Json::Null));
        assert_eq!(
            column_json(Value::Json(Some(Box::new(serde_json::json!({ "a": [1] }))))),
            Some(serde_json::json!({ "a": [1] }))
        );
        assert_eq!(column_json(Value::Double(Some(1.5))), None);
    }
}
