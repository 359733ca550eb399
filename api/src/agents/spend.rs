//! What an agent has spent today (UTC) against its daily budget: the known cost of its
//! activities from the daily usage rollup (written in the ingest transaction, so a
//! recorded activity counts at once). The budget is the agent's configuration key
//! `dailyBudgetUsd`; the MCP proxy's budget guard asks here before letting calls through.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{AgentId, OrgId, Usd, usage_daily};
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, DbErr, EntityTrait as _, QueryFilter as _, QuerySelect as _,
};
use serde::Serialize;
use serde_json::Value;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The configuration key holding an agent's daily budget (decimal US dollars).
pub const BUDGET_KEY: &str = "dailyBudgetUsd";

/// An agent's spend today.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Spend {
    pub agent_id: AgentId,
    /// The UTC day counted.
    pub day: NaiveDate,
    pub cost_usd: Usd,
    /// The agent's daily budget, if it has one.
    pub limit_usd: Option<Usd>,
    /// What is left of the budget (never negative), if there is one.
    pub remaining_usd: Option<Usd>,
    /// Whether the budget is spent: calls guarded by it are refused.
    pub exhausted: bool,
}

/// The agent's spend on `now`'s day.
pub async fn today(
    state: &AppState,
    org: OrgId,
    id: AgentId,
    now: DateTime<Utc>,
) -> ApiResult<Spend> {
    let agent = super::service::get(state, org, id).await?;
    let day = crate::analytics::rollup::day_of(now);
    let cost = costs_on(&state.db, org, day, Some(id.0))
        .await?
        .into_iter()
        .map(|(_, cost)| cost)
        .next()
        .unwrap_or(Usd::ZERO);
    let limit = budget(&agent.config);
    let remaining = limit.map(|limit| Usd::from_nanos((limit.nanos() - cost.nanos()).max(0)));
    Ok(Spend {
        agent_id: id,
        day: day.date_naive(),
        cost_usd: cost,
        limit_usd: limit,
        remaining_usd: remaining,
        exhausted: limit.is_some_and(|limit| cost >= limit),
    })
}

/// Each agent's known cost on `day` (midnight UTC), or only `agent`'s.
pub async fn costs_on(
    db: &impl ConnectionTrait,
    org: OrgId,
    day: DateTime<Utc>,
    agent: Option<uuid::Uuid>,
) -> Result<Vec<(uuid::Uuid, Usd)>, DbErr> {
    let mut query = usage_daily::Entity::find()
        .select_only()
        .column(usage_daily::Column::AgentId)
        .expr(crate::db::exact_sum(usage_daily::Column::CostNanos))
        .filter(usage_daily::Column::OrgId.eq(org.0))
        .filter(usage_daily::Column::Day.eq(day))
        .group_by(usage_daily::Column::AgentId);
    if let Some(agent) = agent {
        query = query.filter(usage_daily::Column::AgentId.eq(agent));
    }
    let rows = query
        .into_tuple::<(uuid::Uuid, Option<i64>)>()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(agent, nanos)| (agent, Usd::from_nanos(nanos.unwrap_or(0))))
        .collect())
}

/// The daily budget an agent's configuration sets, if any (checked when it is saved).
pub fn budget(config: &Value) -> Option<Usd> {
    parse_budget(config.get(BUDGET_KEY)?).ok()
}

/// Checks the budget key of a configuration about to be saved.
pub fn check_config(config: &Value) -> ApiResult<()> {
    match config.get(BUDGET_KEY) {
        None | Some(Value::Null) => Ok(()),
        Some(value) => parse_budget(value)
            .map(|_| ())
            .map_err(|why| ApiError::invalid(format!("config.{BUDGET_KEY}"), why)),
    }
}

/// A budget is a non-negative decimal amount, as a JSON number or a string.
fn parse_budget(value: &Value) -> Result<Usd, String> {
    let text = match value {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_owned(),
        _ => return Err("must be a decimal amount of US dollars".to_owned()),
    };
    text.parse::<Usd>().map_err(|err| err.to_string())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn budgets_are_decimal_dollars_as_numbers_or_strings() {
        assert_eq!(budget(&json!({ "dailyBudgetUsd": 5 })), "5".parse().ok());
        assert_eq!(
            budget(&json!({ "dailyBudgetUsd": "2.50" })),
            "2.5".parse().ok()
        );
        assert_eq!(budget(&json!({})), None);
        assert!(check_config(&json!({ "dailyBudgetUsd": null })).is_ok());
        for bad in [json!(-1), json!("lots"), json!(true), json!("0.0000000001")] {
            let err = check_config(&json!({ "dailyBudgetUsd": bad })).unwrap_err();
            assert_eq!(err.code(), "BAD_USER_INPUT", "{bad}");
            assert!(
                err.message().contains("dailyBudgetUsd"),
                "{}",
                err.message()
            );
        }
    }
}
