//! The one place human tasks are created and changed, shared by GraphQL, REST, ingest and
//! the classifier. Every change is checked against the [`lifecycle`], guarded by the task's
//! version (a conditional update: of two concurrent changes exactly one wins, the other gets
//! `VERSION_CONFLICT`), audited and queued for the task's callback in the same transaction,
//! and published as `humanTaskUpdated` after the commit.

use chrono::{DateTime, Utc};
use entity::{
    AgentId, OrgId, Role, TaskId, TaskSource, TaskStatus, TaskType, Usd, UserId, human_task,
};
use sea_orm::sea_query::Condition;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, EntityTrait as _,
    IntoActiveModel as _, QueryFilter as _, Select,
};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::geo::{Circle, Point};
use super::lifecycle::{self, Action};
use crate::audit::{self, Actor, Change};
use crate::auth::{Principal, Viewer};
use crate::error::{ApiError, ApiResult};
use crate::events::{Envelope, Event};
use crate::pagination::{self, Page, PageRequest};
use crate::state::AppState;

/// Longest title.
pub const MAX_TITLE_LEN: usize = 200;
/// Longest description, result note or address.
pub const MAX_TEXT_LEN: usize = 10_000;
/// Longest failure, rejection or cancellation reason.
pub const MAX_REASON_LEN: usize = 2_000;
/// Largest result, as JSON text.
pub const MAX_RESULT_BYTES: usize = 64 * 1024;

/// A new task, as an agent or an operator asks for it (GraphQL input and REST body alike).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewTask {
    /// The agent that needs the person.
    pub agent_id: AgentId,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(rename = "type", default)]
    pub task_type: Option<TaskType>,
    #[serde(default)]
    pub latitude: Option<f64>,
    #[serde(default)]
    pub longitude: Option<f64>,
    /// A street address, beside or instead of coordinates.
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub budget_usd: Option<Usd>,
    #[serde(default)]
    pub deadline: Option<DateTime<Utc>>,
    /// Where every change of the task is posted, signed.
    #[serde(default)]
    pub callback_url: Option<String>,
}

/// Changes to an open task; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TaskPatch {
    pub title: Option<String>,
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub task_type: Option<TaskType>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub address: Option<String>,
    pub budget_usd: Option<Usd>,
    pub deadline: Option<DateTime<Utc>>,
    /// The version the caller last saw; the change is refused if the task moved on.
    pub expected_version: Option<i32>,
}

/// A lifecycle step and what it carries.
#[derive(Debug, Clone, Default)]
pub struct Step {
    /// The version the caller last saw; the step is refused if the task moved on.
    pub expected_version: Option<i32>,
    /// Who gets the task (`assign`).
    pub assignee: Option<UserId>,
    /// What the person found or did (`complete`): any JSON.
    pub result: Option<Value>,
    /// A note with the result (`complete`).
    pub note: Option<String>,
    /// Why (`fail`, required; `reject`, `cancel`, optional).
    pub reason: Option<String>,
}

/// Which tasks to list.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    pub statuses: Vec<TaskStatus>,
    pub types: Vec<TaskType>,
    pub agent_id: Option<AgentId>,
    pub assigned_to: Option<UserId>,
    /// Created at or after.
    pub from: Option<DateTime<Utc>>,
    /// Created before.
    pub to: Option<DateTime<Utc>>,
    /// Only tasks with a place inside this circle.
    pub near: Option<Circle>,
}

/// A task just created, with its callback signing secret (shown this once).
#[derive(Debug, Clone)]
pub struct CreatedTask {
    pub task: human_task::Model,
    pub callback_secret: Option<String>,
}

fn bounded(field: &str, text: &str, max: usize) -> ApiResult<String> {
    let text = text.trim();
    if text.chars().count() > max {
        return Err(ApiError::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(text.to_owned())
}

fn title(text: &str) -> ApiResult<String> {
    let title = bounded("title", text, MAX_TITLE_LEN)?;
    if title.is_empty() {
        return Err(ApiError::invalid("title", "must not be empty"));
    }
    Ok(title)
}

/// The stored form of a new task from `source`, validated; `field` prefixes error names
/// (`activities[3].payload.` for a request raised by ingest). Ingest and the API share it.
pub fn draft(
    org: OrgId,
    input: NewTask,
    source: TaskSource,
    source_activity: Option<Uuid>,
    now: DateTime<Utc>,
    field: &str,
) -> ApiResult<human_task::Model> {
    let named = |e: ApiError| match e {
        ApiError::InvalidInput { field: f, message } => ApiError::InvalidInput {
            field: format!("{field}{f}"),
            message,
        },
        other => other,
    };
    let place = Point::optional(input.latitude, input.longitude, "location").map_err(named)?;
    let callback_url = input
        .callback_url
        .as_deref()
        .map(|url| crate::outbound::check_url("callbackUrl", url))
        .transpose()
        .map_err(named)?;
    Ok(human_task::Model {
        id: TaskId::new().0,
        org_id: org.0,
        agent_id: input.agent_id.0,
        title: title(&input.title).map_err(named)?,
        description: bounded(
            "description",
            input.description.as_deref().unwrap_or_default(),
            MAX_TEXT_LEN,
        )
        .map_err(named)?,
        status: TaskStatus::Pending,
        task_type: input.task_type.unwrap_or(TaskType::Other),
        latitude: place.map(|p| p.lat),
        longitude: place.map(|p| p.lng),
        budget_usd: input.budget_usd,
        assigned_to: None,
        result: None,
        version: 1,
        created_at: now,
        completed_at: None,
        source,
        source_activity_id: source_activity,
        address: input
            .address
            .as_deref()
            .map(|a| bounded("address", a, MAX_TEXT_LEN))
            .transpose()
            .map_err(named)?
            .filter(|a| !a.is_empty()),
        deadline: input.deadline,
        callback_secret: callback_url.as_ref().map(|_| crate::outbound::new_secret()),
        callback_url,
        result_note: None,
        failure_reason: None,
        approved_by: None,
        approved_at: None,
        assigned_at: None,
        started_at: None,
        updated_at: Some(now),
    })
}

/// Opens a task through the API (`source` says which: GraphQL and REST are `API`, the
/// built-in MCP server's `request_human` tool is `MCP`). The agent must belong to the
/// organization. Audited.
pub async fn create(
    state: &AppState,
    org: OrgId,
    actor: &Actor,
    input: NewTask,
    source: TaskSource,
) -> ApiResult<CreatedTask> {
    crate::agents::service::get(state, org, input.agent_id).await?;
    let task = draft(org, input, source, None, crate::time::now(), "")?;
    let txn = crate::db::begin_write(&state.db).await?;
    let task = task.into_active_model().insert(&txn).await?;
    let change = Change {
        action: "task.create",
        target_type: "human_task",
        target_id: Some(task.id),
        summary: json!({ "after": summary(&task) }),
    };
    audit::service::record(&txn, org, actor, change).await?;
    txn.commit().await?;
    publish(state, vec![task.clone()]).await;
    Ok(CreatedTask {
        callback_secret: task.callback_secret.clone(),
        task,
    })
}

/// What the audit log and events say of a task (never its callback secret).
fn summary(task: &human_task::Model) -> Value {
    json!({
        "status": task.status,
        "type": task.task_type,
        "title": task.title,
        "version": task.version,
        "assignedTo": task.assigned_to,
        "budgetUsd": task.budget_usd,
    })
}

/// One task of the organization; another org's is `NOT_FOUND`.
pub async fn get(state: &AppState, org: OrgId, id: TaskId) -> ApiResult<human_task::Model> {
    find(&state.db, org, id).await
}

async fn find(db: &impl ConnectionTrait, org: OrgId, id: TaskId) -> ApiResult<human_task::Model> {
    human_task::Entity::find_by_id(id.0)
        .filter(human_task::Column::OrgId.eq(org.0))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("human task"))
}

fn filtered(org: OrgId, filter: &TaskFilter) -> Select<human_task::Entity> {
    use human_task::Column as C;
    let mut select = human_task::Entity::find().filter(C::OrgId.eq(org.0));
    if !filter.statuses.is_empty() {
        select = select.filter(C::Status.is_in(filter.statuses.iter().copied()));
    }
    if !filter.types.is_empty() {
        select = select.filter(C::TaskType.is_in(filter.types.iter().copied()));
    }
    if let Some(agent) = filter.agent_id {
        select = select.filter(C::AgentId.eq(agent.0));
    }
    if let Some(user) = filter.assigned_to {
        select = select.filter(C::AssignedTo.eq(user.0));
    }
    if let Some(from) = filter.from {
        select = select.filter(C::CreatedAt.gte(from));
    }
    if let Some(to) = filter.to {
        select = select.filter(C::CreatedAt.lt(to));
    }
    if let Some(circle) = filter.near {
        // The bounding box narrows through the (org, latitude, longitude) index; the exact
        // distance is checked on what it lets through.
        let bbox = circle.bounding_box();
        let mut lng = Condition::any();
        for (west, east) in bbox.lng {
            lng = lng.add(C::Longitude.between(west, east));
        }
        select = select
            .filter(C::Latitude.between(bbox.lat.0, bbox.lat.1))
            .filter(lng);
    }
    select
}

/// The organization's tasks matching `filter`, newest first.
pub async fn list(
    state: &AppState,
    org: OrgId,
    filter: &TaskFilter,
    page: PageRequest,
) -> ApiResult<Page<human_task::Model>> {
    use human_task::Column as C;
    let Some(circle) = filter.near else {
        return pagination::fetch_page(&state.db, filtered(org, filter), C::CreatedAt, C::Id, page)
            .await;
    };
    // The box lets through corners outside the circle, so a page of the box may hold fewer
    // matches than asked for: read on until the page is full or the box is exhausted. Each
    // row's cursor is its own, so the next page starts right after the last match returned.
    let inside = |task: &human_task::Model| match (task.latitude, task.longitude) {
        (Some(lat), Some(lng)) => circle.contains(Point { lat, lng }),
        _ => false,
    };
    let mut items = Vec::new();
    let mut request = PageRequest {
        first: pagination::MAX_PAGE_SIZE,
        after: page.after,
    };
    loop {
        let candidates = pagination::fetch_page(
            &state.db,
            filtered(org, filter),
            C::CreatedAt,
            C::Id,
            request,
        )
        .await?;
        request.after = candidates.items.last().map(|(cursor, _)| *cursor);
        items.extend(candidates.items.into_iter().filter(|(_, t)| inside(t)));
        if items.len() as u64 > page.first || !candidates.has_next_page {
            break;
        }
    }
    let has_next_page = items.len() as u64 > page.first;
    items.truncate(page.first as usize);
    Ok(Page {
        items,
        has_next_page,
    })
}

/// The organization's per-task budget limit (`settings.tasks.budgetLimitUsd`), above which
/// approving a task takes an admin; `None` when unset.
pub fn budget_limit(settings: &Value) -> Option<Usd> {
    settings
        .pointer("/tasks/budgetLimitUsd")
        .and_then(|v| serde_json::from_value::<Usd>(v.clone()).ok())
}

/// Checks `settings.tasks` when an admin changes the organization's settings.
pub fn check_org_settings(settings: &Value) -> ApiResult<()> {
    match settings.pointer("/tasks/budgetLimitUsd") {
        None | Some(Value::Null) => Ok(()),
        Some(v) => serde_json::from_value::<Usd>(v.clone())
            .map(drop)
            .map_err(|_| {
                ApiError::invalid(
                    "settings.tasks.budgetLimitUsd",
                    "must be a non-negative decimal amount with at most nine places",
                )
            }),
    }
}

/// Whether approving `task` takes an admin: its budget is over the organization's limit.
pub async fn needs_admin_approval(state: &AppState, task: &human_task::Model) -> ApiResult<bool> {
    let Some(budget) = task.budget_usd else {
        return Ok(false);
    };
    let settings = crate::orgs::service::settings_of(&state.db, OrgId(task.org_id)).await?;
    Ok(budget_limit(&settings).is_some_and(|limit| budget > limit))
}

/// Applies `patch` to an open task. Raising the budget above the limit on a task already
/// approved takes an admin, as approving it would have.
pub async fn update(
    state: &AppState,
    org: OrgId,
    viewer: &Viewer,
    actor: &Actor,
    id: TaskId,
    patch: TaskPatch,
) -> ApiResult<human_task::Model> {
    let current = get(state, org, id).await?;
    check_version(&current, patch.expected_version)?;
    if !lifecycle::is_open(current.status) {
        return Err(ApiError::Conflict {
            code: "ILLEGAL_TRANSITION",
            message: format!("cannot update a task that is {}", current.status),
        });
    }
    let mut next = current.clone();
    if let Some(text) = &patch.title {
        next.title = title(text)?;
    }
    if let Some(text) = &patch.description {
        next.description = bounded("description", text, MAX_TEXT_LEN)?;
    }
    if let Some(kind) = patch.task_type {
        next.task_type = kind;
    }
    if patch.latitude.is_some() || patch.longitude.is_some() {
        let place = Point::optional(patch.latitude, patch.longitude, "location")?;
        next.latitude = place.map(|p| p.lat);
        next.longitude = place.map(|p| p.lng);
    }
    if let Some(address) = &patch.address {
        next.address = Some(bounded("address", address, MAX_TEXT_LEN)?).filter(|a| !a.is_empty());
    }
    if let Some(budget) = patch.budget_usd {
        next.budget_usd = Some(budget);
    }
    if let Some(deadline) = patch.deadline {
        next.deadline = Some(deadline);
    }
    if next.budget_usd != current.budget_usd
        && current.status != TaskStatus::Pending
        && viewer.role() != Role::Admin
        && needs_admin_approval(state, &next).await?
    {
        return Err(ApiError::Forbidden(
            "a budget above the organization's per-task limit on an approved task",
        ));
    }
    if next == current {
        return Ok(current);
    }
    save(state, org, actor, &current, next, "task.update").await
}

/// Takes `action` on a task: checks the lifecycle, the caller's right to this step on this
/// task, and what the step carries, then saves it.
pub async fn act(
    state: &AppState,
    org: OrgId,
    viewer: &Viewer,
    actor: &Actor,
    id: TaskId,
    action: Action,
    step: Step,
) -> ApiResult<human_task::Model> {
    let current = get(state, org, id).await?;
    check_version(&current, step.expected_version)?;
    let status = lifecycle::next(current.task_type, current.status, action)?;
    let now = crate::time::now();
    let mut next = current.clone();
    next.status = status;
    match action {
        Action::Approve => {
            // API keys act as operators, so only a member with the admin role passes.
            if viewer.role() != Role::Admin && needs_admin_approval(state, &current).await? {
                return Err(ApiError::Forbidden(
                    "approving a task whose budget is above the organization's per-task limit (admins only)",
                ));
            }
            next.approved_by = match viewer.principal {
                Principal::User { id, .. } => Some(id.0),
                Principal::ApiKey { .. } => None,
            };
            next.approved_at = Some(now);
            if status == TaskStatus::Completed {
                // An approval: the decision is the result the agent waits for.
                next.result = Some(json!({ "approved": true }));
                next.completed_at = Some(now);
            }
        }
        Action::Assign => {
            let assignee = step
                .assignee
                .ok_or_else(|| ApiError::invalid("assigneeId", "is required"))?;
            crate::orgs::members::find_member(&state.db, org, assignee)
                .await
                .map_err(|_| {
                    ApiError::invalid("assigneeId", "is not a member of the organization")
                })?;
            next.assigned_to = Some(assignee.0);
            next.assigned_at = Some(now);
        }
        Action::Start | Action::Complete | Action::Fail => {
            may_work_on(viewer, &current, action)?;
            match action {
                Action::Start => next.started_at = Some(now),
                Action::Complete => {
                    let result = step.result.unwrap_or_else(|| json!({}));
                    if serde_json::to_vec(&result).map_or(0, |b| b.len()) > MAX_RESULT_BYTES {
                        return Err(ApiError::invalid(
                            "result",
                            format!("must be at most {MAX_RESULT_BYTES} bytes of JSON"),
                        ));
                    }
                    next.result = Some(result);
                    next.result_note = step
                        .note
                        .as_deref()
                        .map(|n| bounded("note", n, MAX_TEXT_LEN))
                        .transpose()?
                        .filter(|n| !n.is_empty());
                    next.completed_at = Some(now);
                }
                _ => {
                    let reason = step
                        .reason
                        .as_deref()
                        .map(|r| bounded("reason", r, MAX_REASON_LEN))
                        .transpose()?
                        .filter(|r| !r.is_empty())
                        .ok_or_else(|| ApiError::invalid("reason", "is required"))?;
                    next.failure_reason = Some(reason);
                    next.completed_at = Some(now);
                }
            }
        }
        Action::Reject | Action::Cancel => {
            next.failure_reason = step
                .reason
                .as_deref()
                .map(|r| bounded("reason", r, MAX_REASON_LEN))
                .transpose()?
                .filter(|r| !r.is_empty());
            next.completed_at = Some(now);
        }
    }
    save(state, org, actor, &current, next, action.audit_action()).await
}

/// Start, complete and fail belong to the person assigned; operators and admins (and full
/// API keys, which act as operators) may take them on the person's behalf.
fn may_work_on(viewer: &Viewer, task: &human_task::Model, action: Action) -> ApiResult<()> {
    let assignee = match viewer.principal {
        Principal::User { id, .. } => task.assigned_to == Some(id.0),
        Principal::ApiKey { .. } => false,
    };
    if assignee || viewer.role() != Role::Viewer {
        return Ok(());
    }
    Err(ApiError::Forbidden(match action {
        Action::Start => "starting a task assigned to someone else",
        Action::Complete => "completing a task assigned to someone else",
        _ => "failing a task assigned to someone else",
    }))
}

fn check_version(task: &human_task::Model, expected: Option<i32>) -> ApiResult<()> {
    match expected {
        Some(v) if v != task.version => Err(version_conflict(task)),
        _ => Ok(()),
    }
}

fn version_conflict(task: &human_task::Model) -> ApiError {
    ApiError::Conflict {
        code: "VERSION_CONFLICT",
        message: format!(
            "the task has changed: it is now at version {} and {}; reload it and try again",
            task.version, task.status
        ),
    }
}

/// Stores `next` over `current` if nobody changed the task meanwhile (same version), with
/// its audit entry and callback in the same transaction; publishes it after the commit.
pub async fn save(
    state: &AppState,
    org: OrgId,
    actor: &Actor,
    current: &human_task::Model,
    mut next: human_task::Model,
    audit_action: &'static str,
) -> ApiResult<human_task::Model> {
    next.version = current.version + 1;
    next.updated_at = Some(crate::time::now());
    let txn = crate::db::begin_write(&state.db).await?;
    let changed = human_task::Entity::update_many()
        .set(next.clone().into_active_model().reset_all())
        .filter(human_task::Column::Id.eq(current.id))
        .filter(human_task::Column::Version.eq(current.version))
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        drop(txn);
        let now = find(&state.db, org, TaskId(current.id)).await?;
        return Err(version_conflict(&now));
    }
    let change = Change {
        action: audit_action,
        target_type: "human_task",
        target_id: Some(next.id),
        summary: json!({ "before": summary(current), "after": summary(&next) }),
    };
    audit::service::record(&txn, org, actor, change).await?;
    super::callbacks::enqueue(&txn, &next).await?;
    txn.commit().await?;
    publish(state, vec![next.clone()]).await;
    Ok(next)
}

/// Publishes changed tasks to `humanTaskUpdated` subscribers and sends their callbacks now
/// rather than at the next retry tick. Both are best effort: the change is committed, a
/// subscriber can re-read it, and the callback stays queued.
pub async fn publish(state: &AppState, tasks: Vec<human_task::Model>) {
    if tasks.is_empty() {
        return;
    }
    let has_callbacks = tasks.iter().any(|t| t.callback_url.is_some());
    let events = tasks
        .into_iter()
        .map(|task| Envelope {
            org_id: OrgId(task.org_id),
            event: Event::HumanTaskUpdated(Box::new(task)),
        })
        .collect();
    if let Err(err) = state.bus.publish(events).await {
        tracing::warn!(error = ?err, "publishing task changes failed");
    }
    if has_callbacks {
        super::callbacks::nudge(state);
    }
}
