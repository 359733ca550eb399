//! Evaluating rules: which agents each rule's condition holds for now, and the transitions
//! that follow. OK→FIRING stores an alert, opens a human task when asked, queues a delivery
//! for every enabled webhook, marks the agent `ERROR` for an error-rate rule, and publishes
//! `alertFired`; FIRING→OK resolves the alert and, when no error-rate rule fires for the
//! agent any more, puts an `ERROR` agent back to `ACTIVE` (a `PAUSED` one stays paused).
//! Each transition is a conditional update of the (rule, agent) state row, so with several
//! replicas evaluating at once exactly one acts.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use entity::{
    AgentId, AgentStatus, AlertKind, AlertState, OrgId, TaskSource, agent, agent_activity,
    alert_event, alert_rule, alert_state,
};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, EntityTrait as _, IntoActiveModel as _,
    PaginatorTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _, Set,
};

use crate::rollups::window::Window;
use crate::rollups::{Scope, read};
use crate::state::AppState;

/// Error messages one `ERROR_PATTERN` evaluation reads at most; the rest wait for the next.
const PATTERN_BATCH: u64 = 5_000;

/// An agent a rule's condition holds for, with what was observed.
struct Holding {
    observed: Decimal,
    message: String,
}

/// Evaluates every rule of every organization at `now`. A disabled rule holds for nobody,
/// so its firing alerts resolve.
pub async fn evaluate(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<()> {
    let rules = alert_rule::Entity::find()
        .order_by_asc(alert_rule::Column::Id)
        .all(&state.db)
        .await?;
    for rule in rules {
        if let Err(err) = evaluate_rule(state, &rule, now).await {
            tracing::warn!(rule = %rule.id, error = %format!("{err:#}"), "alert rule not evaluated");
        }
    }
    Ok(())
}

async fn evaluate_rule(
    state: &AppState,
    rule: &alert_rule::Model,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let holding = if !rule.enabled {
        HashMap::new()
    } else {
        match rule.kind {
            AlertKind::ErrorRate | AlertKind::P95Latency => {
                windowed_metric(state, rule, now).await?
            }
            AlertKind::DailyCost => daily_cost(state, rule, now).await?,
            AlertKind::AgentSilent => silent(state, rule, now).await?,
            // Raised by the MCP proxy's tool pinning; no rule has this kind.
            AlertKind::ToolChanged => HashMap::new(),
            AlertKind::ErrorPattern => match pattern_matches(state, rule).await? {
                Some(holding) => holding,
                // Another replica evaluated this batch.
                None => return Ok(()),
            },
        }
    };
    for (agent_id, held) in &holding {
        fire(state, rule, *agent_id, held, now).await?;
    }
    let firing = alert_state::Entity::find()
        .filter(alert_state::Column::RuleId.eq(rule.id))
        .filter(alert_state::Column::State.eq(AlertState::Firing))
        .all(&state.db)
        .await?;
    for row in firing {
        if !holding.contains_key(&row.agent_id) {
            resolve(state, rule, &row, now).await?;
        }
    }
    Ok(())
}

/// The agents a rule watches: its one agent, or every agent of its organization.
async fn watched_agents(
    state: &AppState,
    rule: &alert_rule::Model,
) -> anyhow::Result<Vec<uuid::Uuid>> {
    if let Some(agent) = rule.agent_id {
        return Ok(vec![agent]);
    }
    Ok(agent::Entity::find()
        .select_only()
        .column(agent::Column::Id)
        .filter(agent::Column::OrgId.eq(rule.org_id))
        .into_tuple::<uuid::Uuid>()
        .all(&state.db)
        .await?)
}

fn threshold(rule: &alert_rule::Model) -> Decimal {
    rule.threshold
        .as_deref()
        .and_then(|t| t.parse().ok())
        .unwrap_or(Decimal::MAX)
}

fn window_minutes(rule: &alert_rule::Model) -> i64 {
    i64::from(rule.window_minutes.unwrap_or(1).max(1))
}

/// `ERROR_RATE` and `P95_LATENCY`: each agent's metrics over the last `window_minutes`
/// (the current minute included), from the per-minute rollups.
async fn windowed_metric(
    state: &AppState,
    rule: &alert_rule::Model,
    now: DateTime<Utc>,
) -> anyhow::Result<HashMap<uuid::Uuid, Holding>> {
    let minutes = window_minutes(rule);
    let window = Window::new(Some(now - Duration::minutes(minutes - 1)), Some(now), now)
        .map_err(|_| anyhow::anyhow!("window out of range"))?;
    let limit = threshold(rule);
    let mut holding = HashMap::new();
    for agent_id in watched_agents(state, rule).await? {
        let metrics = read::metrics(
            &state.db,
            OrgId(rule.org_id),
            Scope::Agent(agent_id.into()),
            window,
        )
        .await
        .map_err(|_| anyhow::anyhow!("reading metrics"))?;
        let (value, what) = match rule.kind {
            AlertKind::ErrorRate => (metrics.error_rate, "error rate"),
            _ => (metrics.latency.p95_ms, "p95 latency (ms)"),
        };
        let Some(observed) = value.and_then(|v| Decimal::try_from(v).ok()) else {
            continue;
        };
        let observed = observed.round_dp(4);
        if observed > limit {
            holding.insert(
                agent_id,
                Holding {
                    observed,
                    message: format!(
                        "{what} {observed} over the last {minutes} min is above {limit}"
                    ),
                },
            );
        }
    }
    Ok(holding)
}

/// `DAILY_COST`: each agent's known cost today (UTC), from the daily usage rollup.
async fn daily_cost(
    state: &AppState,
    rule: &alert_rule::Model,
    now: DateTime<Utc>,
) -> anyhow::Result<HashMap<uuid::Uuid, Holding>> {
    let day = crate::analytics::rollup::day_of(now);
    let limit = threshold(rule);
    let rows =
        crate::agents::spend::costs_on(&state.db, OrgId(rule.org_id), day, rule.agent_id).await?;
    Ok(rows
        .into_iter()
        .filter_map(|(agent_id, cost)| {
            let observed = cost.amount();
            (observed > limit).then(|| {
                (
                    agent_id,
                    Holding {
                        observed,
                        message: format!("cost today ${observed} is above ${limit}"),
                    },
                )
            })
        })
        .collect())
}

/// `AGENT_SILENT`: agents that have reported before (an agent never heard from is not
/// silent, it has not started) and whose latest activity is older than `window_minutes`.
async fn silent(
    state: &AppState,
    rule: &alert_rule::Model,
    now: DateTime<Utc>,
) -> anyhow::Result<HashMap<uuid::Uuid, Holding>> {
    let minutes = window_minutes(rule);
    let mut holding = HashMap::new();
    for agent_id in watched_agents(state, rule).await? {
        // One index lookup on (agent_id, timestamp) per agent.
        let last: Option<DateTime<Utc>> = agent_activity::Entity::find()
            .select_only()
            .column(agent_activity::Column::Timestamp)
            .filter(agent_activity::Column::AgentId.eq(agent_id))
            .order_by_desc(agent_activity::Column::Timestamp)
            .limit(1)
            .into_tuple::<DateTime<Utc>>()
            .one(&state.db)
            .await?;
        let Some(last) = last else { continue };
        let quiet = (now - last).num_minutes();
        if quiet >= minutes {
            holding.insert(
                agent_id,
                Holding {
                    observed: Decimal::from(quiet),
                    message: format!("no activity for {quiet} min (limit {minutes} min)"),
                },
            );
        }
    }
    Ok(holding)
}

/// `ERROR_PATTERN`: error messages stored since the rule's cursor that match, per agent.
/// The cursor advances with a conditional update; `None` when another replica advanced it
/// first (that replica acts on this batch).
async fn pattern_matches(
    state: &AppState,
    rule: &alert_rule::Model,
) -> anyhow::Result<Option<HashMap<uuid::Uuid, Holding>>> {
    let pattern = super::rules::compile(rule.pattern.as_deref().unwrap_or_default())
        .map_err(|err| anyhow::anyhow!("stored pattern: {err}"))?;
    let mut query = agent_activity::Entity::find()
        .select_only()
        .column(agent_activity::Column::FeedSeq)
        .column(agent_activity::Column::AgentId)
        .column(agent_activity::Column::ErrorMessage)
        .filter(agent_activity::Column::OrgId.eq(rule.org_id))
        .filter(agent_activity::Column::FeedSeq.gt(rule.last_seq))
        .order_by_asc(agent_activity::Column::FeedSeq)
        .limit(PATTERN_BATCH);
    if let Some(agent) = rule.agent_id {
        query = query.filter(agent_activity::Column::AgentId.eq(agent));
    }
    let rows = query
        .into_tuple::<(i64, uuid::Uuid, Option<String>)>()
        .all(&state.db)
        .await?;
    let Some(newest) = rows.last().map(|(seq, _, _)| *seq) else {
        return Ok(Some(HashMap::new()));
    };
    let advanced = alert_rule::Entity::update_many()
        .col_expr(alert_rule::Column::LastSeq, Expr::value(newest))
        .filter(alert_rule::Column::Id.eq(rule.id))
        .filter(alert_rule::Column::LastSeq.eq(rule.last_seq))
        .exec(&state.db)
        .await?;
    if advanced.rows_affected == 0 {
        return Ok(None);
    }
    let mut counts: HashMap<uuid::Uuid, (i64, String)> = HashMap::new();
    for (_, agent_id, message) in rows {
        if let Some(message) = message.filter(|m| pattern.is_match(m)) {
            let entry = counts.entry(agent_id).or_insert((0, message));
            entry.0 += 1;
        }
    }
    Ok(Some(
        counts
            .into_iter()
            .map(|(agent_id, (count, example))| {
                let example: String = example.chars().take(200).collect();
                (
                    agent_id,
                    Holding {
                        observed: Decimal::from(count),
                        message: format!(
                            "{count} error(s) matched /{}/, e.g. {example:?}",
                            pattern.as_str()
                        ),
                    },
                )
            })
            .collect(),
    ))
}

/// OK→FIRING for (`rule`, `agent_id`), once across replicas.
async fn fire(
    state: &AppState,
    rule: &alert_rule::Model,
    agent_id: uuid::Uuid,
    held: &Holding,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let txn = crate::db::begin_write(&state.db).await?;
    alert_state::Entity::insert(alert_state::ActiveModel {
        rule_id: Set(rule.id),
        agent_id: Set(agent_id),
        org_id: Set(rule.org_id),
        state: Set(AlertState::Ok),
        since: Set(now),
        event_id: Set(None),
    })
    .on_conflict_do_nothing_on([alert_state::Column::RuleId, alert_state::Column::AgentId])
    .exec(&txn)
    .await?;
    let event_id = uuid::Uuid::now_v7();
    let changed = alert_state::Entity::update_many()
        .col_expr(alert_state::Column::State, Expr::value(AlertState::Firing))
        .col_expr(alert_state::Column::Since, Expr::value(now))
        .col_expr(alert_state::Column::EventId, Expr::value(event_id))
        .filter(alert_state::Column::RuleId.eq(rule.id))
        .filter(alert_state::Column::AgentId.eq(agent_id))
        .filter(alert_state::Column::State.eq(AlertState::Ok))
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        // Already firing (here or on another replica).
        return Ok(txn.commit().await?);
    }
    let task = if rule.open_task {
        let title: String = format!("Alert: {}", rule.name).chars().take(200).collect();
        let request = crate::tasks::service::NewTask {
            agent_id: AgentId(agent_id),
            title,
            description: Some(held.message.chars().take(10_000).collect()),
            ..Default::default()
        };
        let task = crate::tasks::service::draft(
            OrgId(rule.org_id),
            request,
            TaskSource::Alert,
            None,
            now,
            "",
        )
        .map_err(|err| anyhow::anyhow!("the alert's task: {}", err.message()))?;
        Some(task.into_active_model().insert(&txn).await?)
    } else {
        None
    };
    let task_id = task.as_ref().map(|t| t.id);
    let alert = alert_event::ActiveModel {
        id: Set(event_id),
        org_id: Set(rule.org_id),
        rule_id: Set(rule.id),
        rule_name: Set(rule.name.clone()),
        kind: Set(rule.kind),
        agent_id: Set(agent_id),
        observed: Set(held.observed.to_string()),
        message: Set(held.message.chars().take(1_000).collect()),
        fired_at: Set(now),
        resolved_at: Set(None),
        task_id: Set(task_id),
    };
    let alert = super::raise::store(&txn, alert, now).await?;
    if rule.kind == AlertKind::ErrorRate {
        agent::Entity::update_many()
            .col_expr(agent::Column::Status, Expr::value(AgentStatus::Error))
            .filter(agent::Column::Id.eq(agent_id))
            .filter(agent::Column::Status.eq(AgentStatus::Active))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    super::raise::announce(state, alert).await;
    crate::tasks::service::publish(state, task.into_iter().collect()).await;
    Ok(())
}

/// FIRING→OK for one state row, once across replicas.
async fn resolve(
    state: &AppState,
    rule: &alert_rule::Model,
    row: &alert_state::Model,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let txn = crate::db::begin_write(&state.db).await?;
    let changed = alert_state::Entity::update_many()
        .col_expr(alert_state::Column::State, Expr::value(AlertState::Ok))
        .col_expr(alert_state::Column::Since, Expr::value(now))
        .col_expr(
            alert_state::Column::EventId,
            Expr::value(Option::<uuid::Uuid>::None),
        )
        .filter(alert_state::Column::RuleId.eq(row.rule_id))
        .filter(alert_state::Column::AgentId.eq(row.agent_id))
        .filter(alert_state::Column::State.eq(AlertState::Firing))
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        return Ok(txn.commit().await?);
    }
    if let Some(event) = row.event_id {
        alert_event::Entity::update_many()
            .col_expr(alert_event::Column::ResolvedAt, Expr::value(now))
            .filter(alert_event::Column::Id.eq(event))
            .exec(&txn)
            .await?;
    }
    if rule.kind == AlertKind::ErrorRate && !error_rule_fires(&txn, row.agent_id).await? {
        agent::Entity::update_many()
            .col_expr(agent::Column::Status, Expr::value(AgentStatus::Active))
            .filter(agent::Column::Id.eq(row.agent_id))
            .filter(agent::Column::Status.eq(AgentStatus::Error))
            .exec(&txn)
            .await?;
    }
    Ok(txn.commit().await?)
}

/// Whether any error-rate rule still fires for `agent_id`.
async fn error_rule_fires(
    txn: &impl sea_orm::ConnectionTrait,
    agent_id: uuid::Uuid,
) -> anyhow::Result<bool> {
    let firing = alert_state::Entity::find()
        .filter(alert_state::Column::AgentId.eq(agent_id))
        .filter(alert_state::Column::State.eq(AlertState::Firing))
        .filter(
            alert_state::Column::RuleId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(alert_rule::Column::Id)
                    .from(alert_rule::Entity)
                    .and_where(alert_rule::Column::Kind.eq(AlertKind::ErrorRate))
                    .to_owned(),
            ),
        )
        .count(txn)
        .await?;
    Ok(firing > 0)
}

/// Resolves every firing alert of `rule` (before it is deleted).
pub async fn resolve_all(
    state: &AppState,
    rule: &alert_rule::Model,
    now: DateTime<Utc>,
) -> crate::error::ApiResult<()> {
    let firing = alert_state::Entity::find()
        .filter(alert_state::Column::RuleId.eq(rule.id))
        .filter(alert_state::Column::State.eq(AlertState::Firing))
        .all(&state.db)
        .await?;
    for row in firing {
        resolve(state, rule, &row, now)
            .await
            .map_err(crate::error::ApiError::internal)?;
    }
    Ok(())
}
