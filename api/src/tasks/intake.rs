//! Tasks raised by ingest. An activity of type `HUMAN_REQUEST` opens a task from its payload
//! (`title`, `description` or `message`, `taskType`, `location: {lat, lng}` or
//! `latitude`/`longitude`, `address`, `budgetUsd`, `deadline`, `callbackUrl`); a bad field
//! refuses the batch, naming it. The tasks are prepared here, before the commit, from the
//! redacted activities, and stored by the group commit in the transaction that stores their
//! activities — only for activities that are new, so a retried batch raises nothing twice.

use chrono::{DateTime, Utc};
use entity::{ActivityType, OrgId, TaskSource, TaskType, Usd, agent_activity, human_task};
use serde_json::Value;

use super::service::{self, NewTask};
use crate::error::{ApiError, ApiResult};

/// The title when a request says nothing usable.
const UNTITLED: &str = "Human help requested";

/// The tasks `activities` raise; `index_of(k)` is the batch position of `activities[k]`,
/// for error names.
pub fn prepare(
    org: OrgId,
    activities: &[agent_activity::Model],
    index_of: impl Fn(usize) -> usize,
    now: DateTime<Utc>,
) -> ApiResult<Vec<human_task::Model>> {
    let mut tasks = Vec::new();
    for (k, activity) in activities.iter().enumerate() {
        if activity.activity_type == ActivityType::HumanRequest {
            let field = format!("activities[{}].payload.", index_of(k));
            let request = from_request(activity, &field)?;
            tasks.push(service::draft(
                org,
                request,
                TaskSource::Request,
                Some(activity.id),
                now,
                &field,
            )?);
        }
    }
    Ok(tasks)
}

/// A text field of the payload, if it is a non-empty string.
fn text<'a>(payload: &'a Value, key: &str) -> Option<&'a str> {
    payload
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// A number field, given as a JSON number (or a numeric string).
fn number(payload: &Value, key: &str, field: &str) -> ApiResult<Option<f64>> {
    match payload.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| ApiError::invalid(format!("{field}{key}"), "must be a number")),
        Some(_) => Err(ApiError::invalid(
            format!("{field}{key}"),
            "must be a number",
        )),
    }
}

/// What a `HUMAN_REQUEST` activity asks for.
fn from_request(activity: &agent_activity::Model, field: &str) -> ApiResult<NewTask> {
    let p = &activity.payload;
    let invalid = |key: &str, message: &str| ApiError::invalid(format!("{field}{key}"), message);
    let message = text(p, "message");
    let title: String = text(p, "title")
        .or(message)
        .or(activity.name.as_deref())
        .unwrap_or(UNTITLED)
        .chars()
        .take(service::MAX_TITLE_LEN)
        .collect();
    let task_type = match text(p, "taskType").or_else(|| text(p, "type")) {
        Some(t) => Some(
            t.parse::<TaskType>()
                .map_err(|e| invalid("taskType", &e.to_string()))?,
        ),
        None => None,
    };
    let location = p.get("location").filter(|l| l.is_object());
    let (latitude, longitude) = match location {
        Some(l) => (
            number(l, "lat", &format!("{field}location."))?,
            number(l, "lng", &format!("{field}location."))?,
        ),
        None => (
            number(p, "latitude", field)?,
            number(p, "longitude", field)?,
        ),
    };
    let budget_usd = match p.get("budgetUsd") {
        None | Some(Value::Null) => None,
        Some(v) => Some(serde_json::from_value::<Usd>(v.clone()).map_err(|_| {
            invalid(
                "budgetUsd",
                "must be a non-negative decimal amount with at most nine places",
            )
        })?),
    };
    let deadline = match p.get("deadline") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            serde_json::from_value::<DateTime<Utc>>(v.clone())
                .map_err(|_| invalid("deadline", "must be an RFC 3339 date and time"))?,
        ),
    };
    Ok(NewTask {
        agent_id: activity.agent_id.into(),
        title,
        description: text(p, "description").or(message).map(str::to_owned),
        task_type,
        latitude,
        longitude,
        address: text(p, "address").map(str::to_owned),
        budget_usd,
        deadline,
        callback_url: text(p, "callbackUrl").map(str::to_owned),
    })
}
