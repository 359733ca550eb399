//! The GraphQL face of human tasks: the inbox (`humanTasks`, `humanTask`, `myTasks`,
//! `assigneeSuggestions`), every lifecycle step as a mutation, and the live
//! `humanTaskUpdated` subscription an agent listens on for its answer.

use async_graphql::{Context, ID, InputObject, Json, Object, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use entity::{TaskId, TaskSource, TaskStatus, TaskType, Usd, UserId, human_task, task_callback};
use futures_util::{Stream, StreamExt as _};
use rust_decimal::Decimal;

use super::geo::Circle;
use super::lifecycle::Action;
use super::service::{self, NewTask, Step, TaskFilter, TaskPatch};
use super::workers;
use crate::agents::graphql::Agent;
use crate::auth::graphql::User;
use crate::error::{ApiError, ApiResult};
use crate::events::{BusItem, Event};
use crate::graphql::connection::{CursorConnection, to_connection};
use crate::graphql::context::{ContextExt as _, audit_actor, parse_id};
use crate::pagination::PageRequest;

/// Something an agent needs a person for.
pub struct HumanTask(pub human_task::Model);

#[Object]
impl HumanTask {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The agent that asked.
    async fn agent_id(&self) -> ID {
        ID(self.0.agent_id.to_string())
    }

    async fn agent(&self, ctx: &Context<'_>) -> ApiResult<Option<Agent>> {
        crate::agents::graphql::linked_agent(ctx, self.0.agent_id).await
    }

    async fn title(&self) -> &str {
        &self.0.title
    }

    async fn description(&self) -> &str {
        &self.0.description
    }

    async fn status(&self) -> TaskStatus {
        self.0.status
    }

    #[graphql(name = "type")]
    async fn task_type(&self) -> TaskType {
        self.0.task_type
    }

    /// How the task came to be.
    async fn source(&self) -> TaskSource {
        self.0.source
    }

    /// The activity that raised it, when one did.
    async fn source_activity_id(&self) -> Option<ID> {
        self.0.source_activity_id.map(|id| ID(id.to_string()))
    }

    /// WGS84 degrees.
    async fn latitude(&self) -> Option<f64> {
        self.0.latitude
    }

    async fn longitude(&self) -> Option<f64> {
        self.0.longitude
    }

    /// A street address, as the agent wrote it.
    async fn address(&self) -> Option<&str> {
        self.0.address.as_deref()
    }

    /// Exact amount in US dollars the person may be paid.
    async fn budget_usd(&self) -> Option<Decimal> {
        self.0.budget_usd.map(Usd::amount)
    }

    async fn deadline(&self) -> Option<DateTime<Utc>> {
        self.0.deadline
    }

    async fn assigned_to(&self) -> Option<ID> {
        self.0.assigned_to.map(|id| ID(id.to_string()))
    }

    /// The member doing it.
    async fn assignee(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        let Some(id) = self.0.assigned_to else {
            return Ok(None);
        };
        let viewer = ctx.viewer()?;
        // A member removed since keeps their id on the task, but is nobody to show.
        match crate::orgs::members::find_member(&ctx.state()?.db, viewer.org_id, UserId(id)).await {
            Ok(member) => Ok(Some(User(member))),
            Err(ApiError::NotFound(_)) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// What the person found or did (any JSON), once completed.
    async fn result(&self) -> Option<Json<&serde_json::Value>> {
        self.0.result.as_ref().map(Json)
    }

    async fn result_note(&self) -> Option<&str> {
        self.0.result_note.as_deref()
    }

    /// Why it failed, was rejected or was cancelled.
    async fn failure_reason(&self) -> Option<&str> {
        self.0.failure_reason.as_deref()
    }

    /// Bumped on every change; pass it back as `expectedVersion` to change the task only if
    /// nobody else did meanwhile.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// Whether changes are posted to a callback URL.
    async fn has_callback(&self) -> bool {
        self.0.callback_url.is_some()
    }

    /// The latest callback deliveries, newest first (at most 100).
    async fn callback_deliveries(&self, ctx: &Context<'_>) -> ApiResult<Vec<CallbackDelivery>> {
        if self.0.callback_url.is_none() {
            return Ok(Vec::new());
        }
        Ok(super::callbacks::of_task(ctx.state()?, &self.0)
            .await?
            .into_iter()
            .map(CallbackDelivery::from)
            .collect())
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at.unwrap_or(self.0.created_at)
    }

    async fn approved_by(&self) -> Option<ID> {
        self.0.approved_by.map(|id| ID(id.to_string()))
    }

    async fn approved_at(&self) -> Option<DateTime<Utc>> {
        self.0.approved_at
    }

    async fn assigned_at(&self) -> Option<DateTime<Utc>> {
        self.0.assigned_at
    }

    async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.0.started_at
    }

    /// When it reached a final state.
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at
    }
}

/// One change of a task on its way to the task's callback URL.
#[derive(SimpleObject)]
pub struct CallbackDelivery {
    pub id: ID,
    /// The task version the delivery reports.
    pub task_version: i32,
    pub status: entity::DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<task_callback::Model> for CallbackDelivery {
    fn from(m: task_callback::Model) -> Self {
        CallbackDelivery {
            id: ID(m.id.to_string()),
            task_version: m.task_version,
            status: m.status,
            attempts: m.attempts,
            next_attempt_at: m.next_attempt_at,
            last_status_code: m.last_status_code,
            last_error: m.last_error,
            delivered_at: m.delivered_at,
            created_at: m.created_at,
        }
    }
}

/// A task an agent or an operator asks for.
#[derive(InputObject)]
pub struct CreateHumanTaskInput {
    /// The agent that needs the person.
    pub agent_id: ID,
    /// At most 200 characters.
    pub title: String,
    /// At most 10,000 characters.
    pub description: Option<String>,
    /// `OTHER` when absent.
    #[graphql(name = "type")]
    pub task_type: Option<TaskType>,
    /// WGS84 degrees, with `longitude`.
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// A street address, beside or instead of coordinates.
    pub address: Option<String>,
    /// Exact amount in US dollars, at most nine decimal places; send it as a string.
    pub budget_usd: Option<Decimal>,
    pub deadline: Option<DateTime<Utc>>,
    /// An `http(s)` URL every change of the task is posted to, signed with the
    /// `callbackSecret` returned once by this mutation.
    pub callback_url: Option<String>,
}

fn usd(amount: Option<Decimal>, field: &str) -> ApiResult<Option<Usd>> {
    amount
        .map(Usd::new)
        .transpose()
        .map_err(|err| ApiError::invalid(field, err.to_string()))
}

impl CreateHumanTaskInput {
    fn into_new(self) -> ApiResult<NewTask> {
        Ok(NewTask {
            agent_id: parse_id(&self.agent_id, "agentId")?,
            title: self.title,
            description: self.description,
            task_type: self.task_type,
            latitude: self.latitude,
            longitude: self.longitude,
            address: self.address,
            budget_usd: usd(self.budget_usd, "budgetUsd")?,
            deadline: self.deadline,
            callback_url: self.callback_url,
        })
    }
}

/// Changes to an open task; absent fields stay as they are.
#[derive(InputObject)]
pub struct UpdateHumanTaskInput {
    pub title: Option<String>,
    pub description: Option<String>,
    #[graphql(name = "type")]
    pub task_type: Option<TaskType>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub address: Option<String>,
    pub budget_usd: Option<Decimal>,
    pub deadline: Option<DateTime<Utc>>,
    /// The version last seen; the change is refused with `VERSION_CONFLICT` if the task
    /// moved on.
    pub expected_version: Option<i32>,
}

/// A circle on the map.
#[derive(InputObject)]
pub struct NearInput {
    pub lat: f64,
    pub lng: f64,
    pub radius_km: f64,
}

impl NearInput {
    fn circle(&self) -> ApiResult<Circle> {
        Circle::new(self.lat, self.lng, self.radius_km)
    }
}

/// What `createHumanTask` gives back.
#[derive(SimpleObject)]
pub struct CreateHumanTaskPayload {
    pub task: HumanTask,
    /// The secret callbacks are signed with (`sha256=` HMAC of `"{timestamp}.{body}"`);
    /// shown this once, only when a `callbackUrl` was given.
    pub callback_secret: Option<String>,
}

/// A member who could take a task.
#[derive(SimpleObject)]
pub struct AssigneeSuggestion {
    pub member: User,
    /// From the task's place to the member's last known place.
    pub distance_km: Option<f64>,
    /// Tasks assigned to the member and not finished.
    pub open_tasks: i32,
}

#[derive(Default)]
pub struct TaskQuery;

// Each GraphQL argument is a parameter; grouping them would change the schema's shape.
#[allow(clippy::too_many_arguments)]
#[Object]
impl TaskQuery {
    /// The organization's human tasks, newest first, filtered by status, type, agent,
    /// assignee, creation time and place.
    async fn human_tasks(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        statuses: Option<Vec<TaskStatus>>,
        types: Option<Vec<TaskType>>,
        agent_id: Option<ID>,
        assigned_to: Option<ID>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        near: Option<NearInput>,
    ) -> ApiResult<CursorConnection<HumanTask>> {
        let viewer = ctx.authorize("Query.humanTasks")?;
        let filter = TaskFilter {
            statuses: statuses.unwrap_or_default(),
            types: types.unwrap_or_default(),
            agent_id: agent_id.map(|id| parse_id(&id, "agentId")).transpose()?,
            assigned_to: assigned_to
                .map(|id| parse_id(&id, "assignedTo"))
                .transpose()?,
            from,
            to,
            near: near.as_ref().map(NearInput::circle).transpose()?,
        };
        let page = PageRequest::new(first.map(i64::from), after.as_deref())?;
        let found = service::list(ctx.state()?, viewer.org_id, &filter, page).await?;
        Ok(to_connection(found.map(HumanTask), page))
    }

    /// One task. Agents' keys may read it too, so the agent that asked can poll for its
    /// answer.
    async fn human_task(&self, ctx: &Context<'_>, id: ID) -> ApiResult<HumanTask> {
        let viewer = ctx.authorize("Query.humanTask")?;
        let id: TaskId = parse_id(&id, "id")?;
        Ok(HumanTask(
            service::get(ctx.state()?, viewer.org_id, id).await?,
        ))
    }

    /// Tasks assigned to the caller, newest first; open ones (`ASSIGNED`, `IN_PROGRESS`)
    /// unless `statuses` says otherwise.
    async fn my_tasks(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        statuses: Option<Vec<TaskStatus>>,
    ) -> ApiResult<CursorConnection<HumanTask>> {
        let viewer = ctx.authorize("Query.myTasks")?;
        let me = viewer.user_id("Query.myTasks")?;
        let filter = TaskFilter {
            statuses: statuses
                .unwrap_or_else(|| vec![TaskStatus::Assigned, TaskStatus::InProgress]),
            assigned_to: Some(me),
            ..TaskFilter::default()
        };
        let page = PageRequest::new(first.map(i64::from), after.as_deref())?;
        let found = service::list(ctx.state()?, viewer.org_id, &filter, page).await?;
        Ok(to_connection(found.map(HumanTask), page))
    }

    /// Who to assign a task to: available members, nearest first when the task has a
    /// place, then by fewest open tasks.
    async fn assignee_suggestions(
        &self,
        ctx: &Context<'_>,
        task_id: ID,
        #[graphql(default = 10)] first: i32,
    ) -> ApiResult<Vec<AssigneeSuggestion>> {
        let viewer = ctx.authorize("Query.assigneeSuggestions")?;
        let task_id = parse_id(&task_id, "taskId")?;
        let limit = usize::try_from(first.clamp(1, workers::MAX_SUGGESTIONS as i32)).unwrap_or(10);
        let found = workers::suggest(ctx.state()?, viewer.org_id, task_id, limit).await?;
        Ok(found
            .into_iter()
            .map(|s| AssigneeSuggestion {
                member: User(s.member),
                distance_km: s.distance_km,
                open_tasks: i32::try_from(s.open_tasks).unwrap_or(i32::MAX),
            })
            .collect())
    }
}

/// Runs one lifecycle step for a resolver: authorization by `operation`, then the service.
async fn step(
    ctx: &Context<'_>,
    operation: &'static str,
    id: ID,
    action: Action,
    step: Step,
) -> ApiResult<HumanTask> {
    let viewer = ctx.authorize(operation)?;
    let actor = audit_actor(ctx)?;
    let id = parse_id(&id, "id")?;
    let task = service::act(
        ctx.state()?,
        viewer.org_id,
        &viewer,
        &actor,
        id,
        action,
        step,
    )
    .await?;
    Ok(HumanTask(task))
}

#[derive(Default)]
pub struct TaskMutation;

#[Object]
impl TaskMutation {
    /// Opens a task (operators, admins, and agents' ingest or full keys). It starts
    /// `PENDING`.
    async fn create_human_task(
        &self,
        ctx: &Context<'_>,
        input: CreateHumanTaskInput,
    ) -> ApiResult<CreateHumanTaskPayload> {
        let viewer = ctx.authorize("Mutation.createHumanTask")?;
        let actor = audit_actor(ctx)?;
        let created = service::create(
            ctx.state()?,
            viewer.org_id,
            &actor,
            input.into_new()?,
            TaskSource::Api,
        )
        .await?;
        Ok(CreateHumanTaskPayload {
            callback_secret: created.callback_secret,
            task: HumanTask(created.task),
        })
    }

    /// Changes an open task's details.
    async fn update_human_task(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateHumanTaskInput,
    ) -> ApiResult<HumanTask> {
        let viewer = ctx.authorize("Mutation.updateHumanTask")?;
        let actor = audit_actor(ctx)?;
        let id = parse_id(&id, "id")?;
        let patch = TaskPatch {
            title: input.title,
            description: input.description,
            task_type: input.task_type,
            latitude: input.latitude,
            longitude: input.longitude,
            address: input.address,
            budget_usd: usd(input.budget_usd, "budgetUsd")?,
            deadline: input.deadline,
            expected_version: input.expected_version,
        };
        let task = service::update(ctx.state()?, viewer.org_id, &viewer, &actor, id, patch).await?;
        Ok(HumanTask(task))
    }

    /// PENDING → APPROVED (an `APPROVAL` task: → COMPLETED, the decision being the whole
    /// task). A budget above the organization's per-task limit takes an admin.
    async fn approve_human_task(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: Option<i32>,
    ) -> ApiResult<HumanTask> {
        let s = Step {
            expected_version,
            ..Step::default()
        };
        step(ctx, "Mutation.approveHumanTask", id, Action::Approve, s).await
    }

    /// Any open state → REJECTED.
    async fn reject_human_task(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: Option<String>,
        expected_version: Option<i32>,
    ) -> ApiResult<HumanTask> {
        let s = Step {
            expected_version,
            reason,
            ..Step::default()
        };
        step(ctx, "Mutation.rejectHumanTask", id, Action::Reject, s).await
    }

    /// APPROVED (or ASSIGNED, to reassign) → ASSIGNED to a member of the organization.
    async fn assign_human_task(
        &self,
        ctx: &Context<'_>,
        id: ID,
        assignee_id: ID,
        expected_version: Option<i32>,
    ) -> ApiResult<HumanTask> {
        let s = Step {
            expected_version,
            assignee: Some(parse_id(&assignee_id, "assigneeId")?),
            ..Step::default()
        };
        step(ctx, "Mutation.assignHumanTask", id, Action::Assign, s).await
    }

    /// ASSIGNED → IN_PROGRESS, by the member assigned (or an operator for them).
    async fn start_human_task(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: Option<i32>,
    ) -> ApiResult<HumanTask> {
        let s = Step {
            expected_version,
            ..Step::default()
        };
        step(ctx, "Mutation.startHumanTask", id, Action::Start, s).await
    }

    /// IN_PROGRESS → COMPLETED with a result (any JSON, at most 64 KiB) and a note; the
    /// agent receives both.
    async fn complete_human_task(
        &self,
        ctx: &Context<'_>,
        id: ID,
        result: Option<Json<serde_json::Value>>,
        note: Option<String>,
        expected_version: Option<i32>,
    ) -> ApiResult<HumanTask> {
        let s = Step {
            expected_version,
            result: result.map(|r| r.0),
            note,
            ..Step::default()
        };
        step(ctx, "Mutation.completeHumanTask", id, Action::Complete, s).await
    }

    /// ASSIGNED or IN_PROGRESS → FAILED, with the reason.
    async fn fail_human_task(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: String,
        expected_version: Option<i32>,
    ) -> ApiResult<HumanTask> {
        let s = Step {
            expected_version,
            reason: Some(reason),
            ..Step::default()
        };
        step(ctx, "Mutation.failHumanTask", id, Action::Fail, s).await
    }

    /// Any open state → CANCELLED (operators, or the agent that no longer needs it).
    async fn cancel_human_task(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: Option<String>,
        expected_version: Option<i32>,
    ) -> ApiResult<HumanTask> {
        let s = Step {
            expected_version,
            reason,
            ..Step::default()
        };
        step(ctx, "Mutation.cancelHumanTask", id, Action::Cancel, s).await
    }

    /// Tells the organization where the calling member is (coordinates together, or
    /// neither to keep the last place) and whether they take tasks now; assignment
    /// suggestions use both.
    async fn update_my_location(
        &self,
        ctx: &Context<'_>,
        latitude: Option<f64>,
        longitude: Option<f64>,
        available: bool,
    ) -> ApiResult<User> {
        let viewer = ctx.authorize("Mutation.updateMyLocation")?;
        let me = viewer.user_id("Mutation.updateMyLocation")?;
        let member = workers::update_location(
            ctx.state()?,
            viewer.org_id,
            me,
            latitude,
            longitude,
            available,
        )
        .await?;
        Ok(User(member))
    }
}

#[derive(Default)]
pub struct TaskSubscription;

#[Subscription]
impl TaskSubscription {
    /// Every change of the organization's tasks from now on (opened, approved, assigned,
    /// started, completed with its result…), optionally of one task or one agent's. Agents'
    /// keys may listen: this is how an agent hears back.
    async fn human_task_updated(
        &self,
        ctx: &Context<'_>,
        task_id: Option<ID>,
        agent_id: Option<ID>,
    ) -> Result<impl Stream<Item = async_graphql::Result<HumanTask>> + use<>, ApiError> {
        let viewer = ctx.authorize("Subscription.humanTaskUpdated")?;
        let task_id: Option<uuid::Uuid> = task_id.map(|id| parse_id(&id, "taskId")).transpose()?;
        let agent_id: Option<uuid::Uuid> =
            agent_id.map(|id| parse_id(&id, "agentId")).transpose()?;
        let events = ctx.state()?.bus.subscribe();
        Ok(events.filter_map(move |item| {
            let out = match item {
                BusItem::Event(envelope) if envelope.org_id == viewer.org_id => {
                    match &envelope.event {
                        Event::HumanTaskUpdated(task)
                            if task_id.is_none_or(|id| id == task.id)
                                && agent_id.is_none_or(|id| id == task.agent_id) =>
                        {
                            Some(Ok(HumanTask(task.as_ref().clone())))
                        }
                        _ => None,
                    }
                }
                BusItem::Event(_) => None,
                BusItem::Lagged { missed } => Some(Err(crate::events::lagged(
                    missed,
                    "events",
                    "read the tasks with the `humanTask` query",
                )
                .into())),
            };
            std::future::ready(out)
        }))
    }
}
