//! Reading runs, shared by GraphQL and REST: the list is summarized in SQL (one `GROUP BY
//! run_id` over the organization's activities), and one run is read whole as a span tree.

use chrono::{DateTime, Utc};
use entity::{ActivityStatus, AgentId, OrgId, Usd, agent_activity};
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait as _, Func, Order, Query, SelectStatement, WindowStatement,
};
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, EntityTrait as _, FromQueryResult, QueryFilter as _,
    QueryOrder as _, QuerySelect as _, Select,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::pagination::{Cursor, Page, PageRequest};
use crate::state::AppState;

use super::tree::{SpanTree, TokenSums};

/// Most spans of one run read into its tree; a larger run is shown up to here, earliest
/// first, and says it was cut (its summary still counts every span).
pub const MAX_SPANS: u64 = 10_000;

/// How a run went.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RunStatus {
    /// No span failed.
    Ok,
    /// At least one span has status `ERROR`.
    Error,
}

/// Which runs to list.
#[derive(Debug, Clone, Default)]
pub struct RunFilter {
    /// Runs in which this agent recorded at least one span.
    pub agent_id: Option<AgentId>,
    /// Runs that started at or after.
    pub from: Option<DateTime<Utc>>,
    /// Runs that started before.
    pub to: Option<DateTime<Utc>>,
    pub status: Option<RunStatus>,
}

/// What a run adds up to, over all its spans.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    pub id: Uuid,
    /// The agent of the root span.
    pub agent_id: Uuid,
    /// The name of the root span: the earliest span without a parent (or, when every span
    /// names one, the earliest span).
    pub root_name: Option<String>,
    /// The earliest span start (`startedAt`, else `timestamp`).
    pub started_at: DateTime<Utc>,
    /// The latest span end (`endedAt`, else `timestamp`).
    pub ended_at: DateTime<Utc>,
    pub spans: i64,
    pub errors: i64,
    /// Exact sum of the priced spans.
    pub cost: Usd,
    /// Spans whose cost is unknown (never counted as $0).
    pub unpriced: i64,
    pub tokens: TokenSums,
}

impl RunSummary {
    pub fn status(&self) -> RunStatus {
        if self.errors > 0 {
            RunStatus::Error
        } else {
            RunStatus::Ok
        }
    }

    /// Wall-clock time from the first start to the last end.
    pub fn duration_ms(&self) -> i64 {
        super::tree::elapsed_ms(self.started_at, self.ended_at)
    }
}

/// One run, whole.
#[derive(Debug, Clone)]
pub struct RunTrace {
    pub summary: RunSummary,
    /// The first [`MAX_SPANS`] spans as a tree.
    pub tree: SpanTree,
    /// The run has more spans than the tree holds.
    pub truncated: bool,
}

/// The organization's runs, the newest (latest start) first.
pub async fn list(
    state: &AppState,
    org: OrgId,
    filter: RunFilter,
    page: PageRequest,
) -> ApiResult<Page<RunSummary>> {
    let mut select = grouped(org);
    if let Some(agent) = filter.agent_id {
        let own_spans = count_where(agent_activity::Column::AgentId.eq(agent.0));
        select = select.having(own_spans.gt(0));
    }
    if let Some(from) = filter.from {
        select = select.having(started().gte(crate::time::truncate(from)));
    }
    if let Some(to) = filter.to {
        select = select.having(started().lt(crate::time::truncate(to)));
    }
    match filter.status {
        Some(RunStatus::Error) => select = select.having(errors().gt(0)),
        Some(RunStatus::Ok) => select = select.having(errors().eq(0)),
        None => {}
    }
    if let Some(after) = page.after {
        select = select.having(
            started().lt(after.time).or(started()
                .eq(after.time)
                .and(Expr::col(agent_activity::Column::RunId).lt(after.id))),
        );
    }
    let select = select
        .order_by(started(), Order::Desc)
        .order_by_desc(agent_activity::Column::RunId)
        .limit(page.first + 1);
    let mut runs = summaries(&state.db, org, select).await?;
    let has_next_page = runs.len() as u64 > page.first;
    runs.truncate(page.first as usize);
    Ok(Page {
        items: runs
            .into_iter()
            .map(|run| {
                let cursor = Cursor {
                    time: run.started_at,
                    id: run.id,
                };
                (cursor, run)
            })
            .collect(),
        has_next_page,
    })
}

/// One run of the organization with its span tree; `NOT_FOUND` for a run id with no span
/// in the organization (another organization's included).
pub async fn get(state: &AppState, org: OrgId, id: Uuid) -> ApiResult<RunTrace> {
    let select = grouped(org).filter(agent_activity::Column::RunId.eq(id));
    let summary = summaries(&state.db, org, select)
        .await?
        .pop()
        .ok_or(ApiError::NotFound("run"))?;
    let mut spans = agent_activity::Entity::find()
        .filter(agent_activity::Column::OrgId.eq(org.0))
        .filter(agent_activity::Column::RunId.eq(id))
        .order_by_asc(agent_activity::Column::Timestamp)
        .order_by_asc(agent_activity::Column::Id)
        .limit(MAX_SPANS + 1)
        .all(&state.db)
        .await?;
    let truncated = spans.len() as u64 > MAX_SPANS;
    spans.truncate(MAX_SPANS as usize);
    Ok(RunTrace {
        summary,
        tree: SpanTree::build(spans),
        truncated,
    })
}

/// The earliest start of a run's spans.
fn started() -> Expr {
    Func::min(Func::coalesce([
        Expr::col(agent_activity::Column::StartedAt),
        Expr::col(agent_activity::Column::Timestamp),
    ]))
    .into()
}

/// The latest end of a run's spans.
fn ended() -> Expr {
    Func::max(Func::coalesce([
        Expr::col(agent_activity::Column::EndedAt),
        Expr::col(agent_activity::Column::Timestamp),
    ]))
    .into()
}

/// How many of a run's spans failed.
fn errors() -> Expr {
    count_where(agent_activity::Column::Status.eq(ActivityStatus::Error))
}

/// How many of a run's spans satisfy `condition`.
fn count_where(condition: Expr) -> Expr {
    Func::count(Expr::case(condition, Expr::val(1))).into()
}

/// The organization's activities that belong to a run, one row per run.
fn grouped(org: OrgId) -> Select<agent_activity::Entity> {
    use agent_activity::Column as C;
    agent_activity::Entity::find()
        .select_only()
        .column(C::RunId)
        .column_as(started(), "started_at")
        .column_as(ended(), "ended_at")
        .column_as(Expr::from(Func::count(Expr::col(C::Id))), "spans")
        .column_as(errors(), "errors")
        .column_as(crate::db::exact_sum(C::CostUsd), "cost_nanos")
        .column_as(count_where(C::Unpriced.eq(true)), "unpriced")
        .column_as(crate::db::exact_sum(C::InputTokens), "input_tokens")
        .column_as(crate::db::exact_sum(C::OutputTokens), "output_tokens")
        .column_as(
            crate::db::exact_sum(C::CacheReadTokens),
            "cache_read_tokens",
        )
        .column_as(
            crate::db::exact_sum(C::CacheWriteTokens),
            "cache_write_tokens",
        )
        .column_as(crate::db::exact_sum(C::ReasoningTokens), "reasoning_tokens")
        .filter(C::OrgId.eq(org.0))
        .filter(C::RunId.is_not_null())
        .group_by(C::RunId)
}

/// A row of [`grouped`].
#[derive(Debug, FromQueryResult)]
struct GroupRow {
    run_id: Uuid,
    started_at: DateTime<Utc>,
    ended_at: DateTime<Utc>,
    spans: i64,
    errors: i64,
    cost_nanos: Option<i64>,
    unpriced: i64,
    input_tokens: Option<i64>,
    output_tokens: Option<i64>,
    cache_read_tokens: Option<i64>,
    cache_write_tokens: Option<i64>,
    reasoning_tokens: Option<i64>,
}

/// The root span of a run: its agent and name.
#[derive(Debug, FromQueryResult)]
struct RootRow {
    run_id: Uuid,
    agent_id: Uuid,
    name: Option<String>,
}

/// Runs `select` (a [`grouped`] query) and completes each row with its root span.
async fn summaries(
    db: &impl ConnectionTrait,
    org: OrgId,
    select: Select<agent_activity::Entity>,
) -> ApiResult<Vec<RunSummary>> {
    let rows = select.into_model::<GroupRow>().all(db).await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let statement = db
        .get_database_backend()
        .build(&roots(org, rows.iter().map(|r| r.run_id)));
    let roots: std::collections::HashMap<Uuid, RootRow> = RootRow::find_by_statement(statement)
        .all(db)
        .await?
        .into_iter()
        .map(|root| (root.run_id, root))
        .collect();
    rows.into_iter()
        .map(|row| {
            let root = roots.get(&row.run_id).ok_or_else(|| {
                ApiError::internal(anyhow::anyhow!("run {} has no first span", row.run_id))
            })?;
            let n = |v: Option<i64>| v.unwrap_or(0);
            Ok(RunSummary {
                id: row.run_id,
                agent_id: root.agent_id,
                root_name: root.name.clone(),
                started_at: row.started_at,
                ended_at: row.ended_at,
                spans: row.spans,
                errors: row.errors,
                cost: Usd::from_nanos(n(row.cost_nanos)),
                unpriced: row.unpriced,
                tokens: TokenSums {
                    input: n(row.input_tokens),
                    output: n(row.output_tokens),
                    cache_read: n(row.cache_read_tokens),
                    cache_write: n(row.cache_write_tokens),
                    reasoning: n(row.reasoning_tokens),
                },
            })
        })
        .collect()
}

/// The root span of each of `runs`: spans without a parent first, then the earliest.
fn roots(org: OrgId, runs: impl IntoIterator<Item = Uuid>) -> SelectStatement {
    use agent_activity::Column as C;
    let parentless_first = Expr::case(C::ParentId.is_null(), Expr::val(0)).finally(Expr::val(1));
    let ranked = Query::select()
        .columns([C::RunId, C::AgentId, C::Name])
        .expr_window_as(
            Func::cust("ROW_NUMBER"),
            WindowStatement::partition_by(C::RunId)
                .order_by_expr(parentless_first.into(), Order::Asc)
                .order_by(C::Timestamp, Order::Asc)
                .order_by(C::Id, Order::Asc)
                .to_owned(),
            Alias::new("root_rank"),
        )
        .from(agent_activity::Entity)
        .and_where(C::OrgId.eq(org.0))
        .and_where(C::RunId.is_in(runs))
        .to_owned();
    Query::select()
        .columns([
            Alias::new("run_id"),
            Alias::new("agent_id"),
            Alias::new("name"),
        ])
        .from_subquery(ranked, Alias::new("ranked"))
        .and_where(Expr::col(Alias::new("root_rank")).eq(1))
        .to_owned()
}
