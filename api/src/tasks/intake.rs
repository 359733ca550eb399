//! Tasks raised by ingest. An activity of type `HUMAN_REQUEST` opens a task from its payload
//! (`title`, `description` or `message`, `taskType`, `location: {lat, lng}` or
//! `latitude`/`longitude`, `address`, `budgetUsd`, `deadline`, `callbackUrl`); a bad field
//! refuses the batch, naming it. Every other activity's text goes through the detection
//! rules, and a physical-world need they flag opens a task too. The tasks are prepared
//! here, before the commit, from the redacted activities, and stored by the group commit in
//! the transaction that stores their activities — only for activities that are new, so a
//! retried batch raises nothing twice. After the commit, the optional classifier refines
//! the rules' tasks in the background ([`refine`]).

use chrono::{DateTime, Utc};
use entity::{ActivityType, OrgId, TaskSource, TaskType, Usd, agent_activity, human_task};
use serde_json::Value;

use super::detect::{self, Detection, Location};
use super::service::{self, NewTask};
use crate::audit::Actor;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The title when a request says nothing usable.
const UNTITLED: &str = "Human help requested";
/// Most text of one activity the rules read (and a detected task's description keeps).
const MAX_TEXT: usize = 4_000;

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
            continue;
        }
        let text = text_of(activity);
        if let Some(found) = detect::detect(&text, now) {
            let request = from_detection(activity.agent_id.into(), found, text);
            // What the rules extracted is validated like any input; a value they got wrong
            // is dropped rather than refusing the agent's batch.
            let task = service::draft(
                org,
                request.clone(),
                TaskSource::Detection,
                Some(activity.id),
                now,
                "",
            )
            .or_else(|_| {
                let plain = NewTask {
                    latitude: None,
                    longitude: None,
                    address: None,
                    ..request
                };
                service::draft(
                    org,
                    plain,
                    TaskSource::Detection,
                    Some(activity.id),
                    now,
                    "",
                )
            })?;
            tasks.push(task);
        }
    }
    Ok(tasks)
}

/// What the rules read of an activity: its step name, error message and every string in its
/// payload, at most [`MAX_TEXT`] characters.
fn text_of(activity: &agent_activity::Model) -> String {
    fn strings<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
        match value {
            Value::String(s) => out.push(s),
            Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
            Value::Object(map) => map.values().for_each(|v| strings(v, out)),
            _ => {}
        }
    }
    let mut parts: Vec<&str> = Vec::new();
    parts.extend(activity.name.as_deref());
    parts.extend(activity.error_message.as_deref());
    strings(&activity.payload, &mut parts);
    let mut text = String::new();
    for part in parts {
        if text.len() >= MAX_TEXT {
            break;
        }
        if !text.is_empty() {
            text.push_str(". ");
        }
        text.push_str(part);
    }
    if text.len() > MAX_TEXT {
        let mut end = MAX_TEXT;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

/// A task from what the rules (or the classifier) found in `text`.
fn from_detection(agent: entity::AgentId, found: Detection, text: String) -> NewTask {
    let (latitude, longitude, address) = match found.location {
        Some(Location::Point { lat, lng }) => (Some(lat), Some(lng), None),
        Some(Location::Address(address)) => (None, None, Some(address)),
        None => (None, None, None),
    };
    NewTask {
        agent_id: agent,
        title: found.title,
        description: Some(text),
        task_type: Some(found.task_type),
        latitude,
        longitude,
        address,
        budget_usd: found.budget_usd,
        deadline: found.deadline,
        callback_url: None,
    }
}

/// Asks the classifier, in the background, about each task the rules opened: its verdict
/// replaces the rules' details, or withdraws the task when it says no person is needed. A
/// task someone already acted on is left alone (the change would be a version conflict).
pub fn refine(state: &AppState, tasks: &[human_task::Model]) {
    let Some(classifier) = state.classifier.clone() else {
        return;
    };
    for task in tasks.iter().filter(|t| t.source == TaskSource::Detection) {
        let (state, classifier, task) = (state.clone(), classifier.clone(), task.clone());
        tokio::spawn(async move {
            let rules = Detection {
                task_type: task.task_type,
                title: task.title.clone(),
                location: match (task.latitude, task.longitude, &task.address) {
                    (Some(lat), Some(lng), _) => Some(Location::Point { lat, lng }),
                    (_, _, Some(address)) => Some(Location::Address(address.clone())),
                    _ => None,
                },
                budget_usd: task.budget_usd,
                deadline: task.deadline,
                confidence: 0.5,
            };
            let verdict = classifier
                .refine(&task.description, Some(rules.clone()))
                .await;
            if let Err(err) = apply_verdict(&state, &task, &rules, verdict).await {
                tracing::warn!(task = %task.id, error = err.message(), "classifier verdict not applied");
            }
        });
    }
}

async fn apply_verdict(
    state: &AppState,
    task: &human_task::Model,
    rules: &Detection,
    verdict: Option<Detection>,
) -> ApiResult<()> {
    let org = OrgId(task.org_id);
    let actor = Actor::system("classifier");
    let Some(verdict) = verdict else {
        let mut next = task.clone();
        next.status = super::lifecycle::next(
            task.task_type,
            task.status,
            super::lifecycle::Action::Cancel,
        )?;
        next.failure_reason = Some("The classifier found no need for a person".to_owned());
        next.completed_at = Some(crate::time::now());
        service::save(state, org, &actor, task, next, "task.classify").await?;
        return Ok(());
    };
    if verdict == *rules {
        return Ok(());
    }
    let refined = from_detection(
        entity::AgentId(task.agent_id),
        verdict,
        task.description.clone(),
    );
    let mut next = service::draft(
        org,
        refined,
        TaskSource::Detection,
        task.source_activity_id,
        task.created_at,
        "",
    )?;
    // Identity, lifecycle and history stay the task's own.
    next.id = task.id;
    next.status = task.status;
    next.version = task.version;
    next.updated_at = task.updated_at;
    if next == *task {
        return Ok(());
    }
    service::save(state, org, &actor, task, next, "task.classify").await?;
    Ok(())
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
