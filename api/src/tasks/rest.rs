//! `/api/v1/tasks` and `/api/v1/me/…`: the REST face of human tasks, on the same service
//! functions as GraphQL. Lists take the same filters as `humanTasks` (repeat `status` and
//! `type`, or separate them with commas; `near=lat,lng,radiusKm`).

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use chrono::{DateTime, Utc};
use entity::{TaskSource, TaskStatus, TaskType};
use serde::{Deserialize, Serialize};

use super::geo::Circle;
use super::lifecycle::Action;
use super::service::{self, NewTask, Step, TaskFilter, TaskPatch};
use super::views::TaskView;
use super::workers;
use crate::audit::Actor;
use crate::auth::viewer::RequireViewer;
use crate::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, ApiQuery, PageBody, path_id};
use crate::http::rest::RestRoute;
use crate::pagination::PageRequest;
use crate::state::AppState;

/// The task routes (below `/api/v1`).
pub fn routes() -> Vec<RestRoute> {
    vec![
        RestRoute::new("GET", "/tasks", get(list)),
        RestRoute::new("POST", "/tasks", post(create)),
        RestRoute::new("GET", "/tasks/{id}", get(show)),
        RestRoute::new("PATCH", "/tasks/{id}", axum::routing::patch(update)),
        RestRoute::new("POST", "/tasks/{id}/approve", post(approve)),
        RestRoute::new("POST", "/tasks/{id}/reject", post(reject)),
        RestRoute::new("POST", "/tasks/{id}/assign", post(assign)),
        RestRoute::new("POST", "/tasks/{id}/start", post(start)),
        RestRoute::new("POST", "/tasks/{id}/complete", post(complete)),
        RestRoute::new("POST", "/tasks/{id}/fail", post(fail)),
        RestRoute::new("POST", "/tasks/{id}/cancel", post(cancel)),
        RestRoute::new("GET", "/tasks/{id}/suggestions", get(suggestions)),
        RestRoute::new("GET", "/me/tasks", get(my_tasks)),
        RestRoute::new("PUT", "/me/location", put(my_location)),
    ]
}

/// Query parameters of the lists.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ListParams {
    first: Option<i64>,
    after: Option<String>,
    /// Comma-separated statuses.
    status: Option<String>,
    /// Comma-separated types.
    #[serde(rename = "type")]
    task_type: Option<String>,
    #[serde(rename = "agentId")]
    agent_id: Option<String>,
    #[serde(rename = "assignedTo")]
    assigned_to: Option<String>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    /// `lat,lng,radiusKm`.
    near: Option<String>,
}

fn parse_list<T: std::str::FromStr>(field: &str, text: Option<&str>) -> ApiResult<Vec<T>>
where
    T::Err: std::fmt::Display,
{
    text.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse()
                .map_err(|e: T::Err| ApiError::invalid(field, e.to_string()))
        })
        .collect()
}

fn parse_near(text: &str) -> ApiResult<Circle> {
    let parts: Vec<f64> = text
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| ApiError::invalid("near", "must be lat,lng,radiusKm"))?;
    match parts.as_slice() {
        [lat, lng, radius] => Circle::new(*lat, *lng, *radius),
        _ => Err(ApiError::invalid("near", "must be lat,lng,radiusKm")),
    }
}

fn parse_id_param<T: std::str::FromStr>(field: &str, text: Option<&str>) -> ApiResult<Option<T>> {
    text.map(|t| {
        t.parse()
            .map_err(|_| ApiError::invalid(field, "is not a valid id"))
    })
    .transpose()
}

impl ListParams {
    fn filter(&self) -> ApiResult<TaskFilter> {
        Ok(TaskFilter {
            statuses: parse_list::<TaskStatus>("status", self.status.as_deref())?,
            types: parse_list::<TaskType>("type", self.task_type.as_deref())?,
            agent_id: parse_id_param("agentId", self.agent_id.as_deref())?,
            assigned_to: parse_id_param("assignedTo", self.assigned_to.as_deref())?,
            from: self.from,
            to: self.to,
            near: self.near.as_deref().map(parse_near).transpose()?,
        })
    }
}

async fn list(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<axum::Json<PageBody<TaskView>>> {
    let page = PageRequest::new(params.first, params.after.as_deref())?;
    let found = service::list(&state, viewer.org_id, &params.filter()?, page).await?;
    Ok(axum::Json(PageBody::from_page(found, TaskView::from)))
}

async fn my_tasks(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<axum::Json<PageBody<TaskView>>> {
    let me = viewer.user_id("GET /api/v1/me/tasks")?;
    let page = PageRequest::new(params.first, params.after.as_deref())?;
    let mut filter = params.filter()?;
    if filter.statuses.is_empty() {
        filter.statuses = vec![TaskStatus::Assigned, TaskStatus::InProgress];
    }
    filter.assigned_to = Some(me);
    let found = service::list(&state, viewer.org_id, &filter, page).await?;
    Ok(axum::Json(PageBody::from_page(found, TaskView::from)))
}

/// A created task, with its callback secret this once.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreatedBody {
    #[serde(flatten)]
    task: TaskView,
    callback_secret: Option<String>,
}

async fn create(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    Extension(actor): Extension<Actor>,
    ApiJson(input): ApiJson<NewTask>,
) -> ApiResult<(StatusCode, axum::Json<CreatedBody>)> {
    let created = service::create(&state, viewer.org_id, &actor, input, TaskSource::Api).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(CreatedBody {
            task: created.task.into(),
            callback_secret: created.callback_secret,
        }),
    ))
}

async fn show(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<TaskView>> {
    let id = path_id(&id, "human task")?;
    Ok(axum::Json(
        service::get(&state, viewer.org_id, id).await?.into(),
    ))
}

async fn update(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<TaskPatch>,
) -> ApiResult<axum::Json<TaskView>> {
    let id = path_id(&id, "human task")?;
    let task = service::update(&state, viewer.org_id, &viewer, &actor, id, patch).await?;
    Ok(axum::Json(task.into()))
}

/// The body of a lifecycle step; which fields count depends on the step.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StepBody {
    expected_version: Option<i32>,
    assignee_id: Option<String>,
    result: Option<serde_json::Value>,
    note: Option<String>,
    reason: Option<String>,
}

/// A step's body: JSON, or nothing at all (`approve` and `start` need none).
struct OptionalStep(StepBody);

impl axum::extract::FromRequest<AppState> for OptionalStep {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &AppState) -> ApiResult<Self> {
        let empty = req
            .headers()
            .get(axum::http::header::CONTENT_LENGTH)
            .is_some_and(|len| len == "0")
            || (!req.headers().contains_key(axum::http::header::CONTENT_TYPE)
                && !req
                    .headers()
                    .contains_key(axum::http::header::TRANSFER_ENCODING));
        if empty {
            return Ok(OptionalStep(StepBody::default()));
        }
        let ApiJson(body) = ApiJson::<StepBody>::from_request(req, state).await?;
        Ok(OptionalStep(body))
    }
}

async fn run_step(
    state: &AppState,
    viewer: &crate::auth::Viewer,
    actor: &Actor,
    id: &str,
    action: Action,
    body: StepBody,
) -> ApiResult<axum::Json<TaskView>> {
    let id = path_id(id, "human task")?;
    let step = Step {
        expected_version: body.expected_version,
        assignee: parse_id_param("assigneeId", body.assignee_id.as_deref())?,
        result: body.result,
        note: body.note,
        reason: body.reason,
    };
    let task = service::act(state, viewer.org_id, viewer, actor, id, action, step).await?;
    Ok(axum::Json(task.into()))
}

/// One handler per lifecycle step, each on [`run_step`]: axum needs a distinct function per
/// route, and the macro keeps the seven identical.
macro_rules! step_handler {
    ($($name:ident => $action:expr),+ $(,)?) => {$(
        async fn $name(
            State(state): State<AppState>,
            RequireViewer(viewer): RequireViewer,
            Extension(actor): Extension<Actor>,
            Path(id): Path<String>,
            OptionalStep(body): OptionalStep,
        ) -> ApiResult<axum::Json<TaskView>> {
            run_step(&state, &viewer, &actor, &id, $action, body).await
        }
    )+};
}

step_handler! {
    approve => Action::Approve,
    reject => Action::Reject,
    assign => Action::Assign,
    start => Action::Start,
    complete => Action::Complete,
    fail => Action::Fail,
    cancel => Action::Cancel,
}

/// A member who could take a task, as REST shows them.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SuggestionBody {
    user_id: uuid::Uuid,
    email: String,
    distance_km: Option<f64>,
    open_tasks: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SuggestionParams {
    first: Option<usize>,
}

async fn suggestions(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    Path(id): Path<String>,
    ApiQuery(params): ApiQuery<SuggestionParams>,
) -> ApiResult<axum::Json<Vec<SuggestionBody>>> {
    let id = path_id(&id, "human task")?;
    let found = workers::suggest(&state, viewer.org_id, id, params.first.unwrap_or(10)).await?;
    Ok(axum::Json(
        found
            .into_iter()
            .map(|s| SuggestionBody {
                user_id: s.member.id,
                email: s.member.email,
                distance_km: s.distance_km,
                open_tasks: s.open_tasks,
            })
            .collect(),
    ))
}

/// Where the calling member is and whether they take tasks.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LocationBody {
    latitude: Option<f64>,
    longitude: Option<f64>,
    available: bool,
}

async fn my_location(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    ApiJson(body): ApiJson<LocationBody>,
) -> ApiResult<axum::Json<LocationBody>> {
    let me = viewer.user_id("PUT /api/v1/me/location")?;
    let member = workers::update_location(
        &state,
        viewer.org_id,
        me,
        body.latitude,
        body.longitude,
        body.available,
    )
    .await?;
    Ok(axum::Json(LocationBody {
        latitude: member.latitude,
        longitude: member.longitude,
        available: member.available,
    }))
}
