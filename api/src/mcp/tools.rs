//! The MCP tools: `request_human` opens a task, `wait_for_human_task` holds the call open
//! until a person finishes it and returns their answer as the tool result,
//! `get_human_task` and `list_my_requests` read. All of them run on the tasks service, as
//! GraphQL and REST do.
//!
//! Every failure is a tool result with `isError: true`: its text is `CODE: message`, its
//! structured content `{"error": {"code", "message", "field"?}}` with our stable codes, so
//! a model can read what to fix and retry. Arguments are read by the tools themselves, not
//! by rmcp, so that even arguments of the wrong shape come back that way instead of as a
//! JSON-RPC error the model never sees.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::{AgentId, TaskId, TaskSource, TaskStatus, TaskType, Usd, human_task};
use futures_util::StreamExt as _;
use rmcp::handler::server::common::schema_for_input;
use rmcp::model::{
    CallToolResult, ContentBlock, Implementation, JsonObject, ProgressNotificationParam,
    ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{RoleServer, ServerHandler, tool, tool_handler, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::audit::Actor;
use crate::auth::viewer::Authenticated;
use crate::auth::{Viewer, roles};
use crate::error::{ApiError, ApiResult};
use crate::events::{BusItem, Event};
use crate::pagination::PageRequest;
use crate::state::AppState;
use crate::tasks::lifecycle;
use crate::tasks::service::{self, NewTask, TaskFilter};
use crate::tasks::views::TaskView;

/// How long `wait_for_human_task` waits when not told.
pub const DEFAULT_WAIT_SECONDS: u64 = 600;
/// The longest `wait_for_human_task` waits in one call.
pub const MAX_WAIT_SECONDS: u64 = 3600;
/// How often a waiting call reports progress when nothing changes.
const PROGRESS_EVERY: Duration = Duration::from_secs(5);

/// `request_human`'s arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestHuman {
    /// The agent that needs the person: the id or the name of one of the organization's
    /// agents.
    pub agent: String,
    /// What the person should do, in one line (at most 200 characters).
    pub title: String,
    /// Everything the person needs to know to do it.
    pub description: Option<String>,
    /// The kind of work (OTHER when absent).
    #[serde(rename = "type", default)]
    #[schemars(schema_with = "task_type_schema")]
    pub task_type: Option<String>,
    /// Where the work is, in WGS84 degrees (with `longitude`).
    pub latitude: Option<f64>,
    /// Where the work is, in WGS84 degrees (with `latitude`).
    pub longitude: Option<f64>,
    /// A street address, beside or instead of coordinates.
    pub address: Option<String>,
    /// What the work may cost, in US dollars, as a decimal string such as "25.50".
    pub budget_usd: Option<String>,
    /// By when, in RFC 3339, such as "2030-01-01T17:00:00Z".
    pub deadline: Option<String>,
    /// Where every change of the task is posted, signed with the `callbackSecret` of the
    /// result (shown once).
    pub callback_url: Option<String>,
}

/// `get_human_task`'s arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetHumanTask {
    /// The task's id, as `request_human` returned it.
    pub task_id: String,
}

/// `wait_for_human_task`'s arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WaitForHumanTask {
    /// The task's id, as `request_human` returned it.
    pub task_id: String,
    /// How long to wait for the answer, 0 to 3600 seconds (600 when absent).
    pub timeout_seconds: Option<u64>,
}

/// `list_my_requests`'s arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListMyRequests {
    /// Only this agent's requests: its id or its name.
    pub agent: Option<String>,
    /// Only tasks in these states (the open ones when absent: PENDING, APPROVED, ASSIGNED,
    /// IN_PROGRESS).
    #[serde(default)]
    #[schemars(schema_with = "statuses_schema")]
    pub statuses: Option<Vec<String>>,
    /// How many, newest first: 1 to 100 (20 when absent).
    pub first: Option<i64>,
}

/// The API names of an enum's values, and `null` (the argument is optional).
fn names_or_null<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> Vec<Value> {
    all.iter()
        .map(|v| json!(name(*v)))
        .chain([Value::Null])
        .collect()
}

fn task_type_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": ["string", "null"],
        "enum": names_or_null(TaskType::ALL, TaskType::api_name),
    })
}

fn statuses_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let statuses: Vec<&str> = TaskStatus::ALL.iter().map(|s| s.api_name()).collect();
    schemars::json_schema!({
        "type": ["array", "null"],
        "items": { "type": "string", "enum": statuses },
    })
}

/// A tool's input schema. Panics only for an argument type whose schema is not an object,
/// which the tests' `tools/list` would show at once.
fn input<T: JsonSchema + 'static>() -> Arc<JsonObject> {
    schema_for_input::<T>().unwrap_or_else(|err| panic!("a tool's input schema: {err}"))
}

/// The tools, for one request (the server is stateless: rmcp builds one per request).
#[derive(Clone)]
pub struct HumanTools {
    state: AppState,
}

impl HumanTools {
    /// The tools over `state`.
    pub fn new(state: AppState) -> Self {
        HumanTools { state }
    }
}

#[tool_router]
impl HumanTools {
    /// Asks a person to do something in the physical world for an agent (verify, pick up,
    /// inspect, attend...). Opens a human task, which operators approve and assign to a
    /// person; returns the task with its id. Then call wait_for_human_task with that id to
    /// receive the person's answer.
    #[tool(
        input_schema = input::<RequestHuman>(),
        annotations(title = "Ask a person", read_only_hint = false, destructive_hint = false, idempotent_hint = false, open_world_hint = true)
    )]
    async fn request_human(
        &self,
        arguments: JsonObject,
        ctx: RequestContext<RoleServer>,
    ) -> CallToolResult {
        answer(self.open(arguments, &ctx).await)
    }

    /// Reads a human task: its status and, once done, the person's result and note (or why
    /// it failed, was rejected or cancelled).
    #[tool(
        input_schema = input::<GetHumanTask>(),
        annotations(title = "Read a human task", read_only_hint = true, open_world_hint = false)
    )]
    async fn get_human_task(
        &self,
        arguments: JsonObject,
        ctx: RequestContext<RoleServer>,
    ) -> CallToolResult {
        answer(self.read(arguments, &ctx).await)
    }

    /// Waits until a person has finished a human task (COMPLETED, FAILED, REJECTED or
    /// CANCELLED) and returns it with the person's result and note, or the reason. Sends
    /// progress notifications with the current status while it waits. If the time runs out
    /// first, returns the task as it stands (not an error): call again to keep waiting.
    #[tool(
        input_schema = input::<WaitForHumanTask>(),
        annotations(title = "Wait for a person's answer", read_only_hint = true, open_world_hint = false)
    )]
    async fn wait_for_human_task(
        &self,
        arguments: JsonObject,
        ctx: RequestContext<RoleServer>,
    ) -> CallToolResult {
        answer(self.wait(arguments, &ctx).await)
    }

    /// Lists the organization's human tasks, newest first: the open ones unless statuses
    /// are given, of one agent when it is named.
    #[tool(
        input_schema = input::<ListMyRequests>(),
        annotations(title = "List requests for people", read_only_hint = true, open_world_hint = false)
    )]
    async fn list_my_requests(
        &self,
        arguments: JsonObject,
        ctx: RequestContext<RoleServer>,
    ) -> CallToolResult {
        answer(self.list(arguments, &ctx).await)
    }
}

#[tool_handler]
impl ServerHandler for HumanTools {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("humanaios", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "Ask a person for help in the physical world: request_human opens a task, \
                 wait_for_human_task returns the person's answer when they are done.",
            )
    }
}

impl HumanTools {
    async fn open(&self, arguments: JsonObject, ctx: &RequestContext<RoleServer>) -> Outcome {
        let (viewer, actor) = caller(ctx, "Mutation.createHumanTask")?;
        let args: RequestHuman = parse(arguments)?;
        let input = NewTask {
            agent_id: self.agent(viewer, &args.agent, "agent").await?,
            title: args.title,
            description: args.description,
            task_type: args
                .task_type
                .as_deref()
                .map(|t| t.parse::<TaskType>())
                .transpose()
                .map_err(|err| ApiError::invalid("type", err.to_string()))?,
            latitude: args.latitude,
            longitude: args.longitude,
            address: args.address,
            budget_usd: args
                .budget_usd
                .as_deref()
                .map(|b| b.parse::<Usd>())
                .transpose()
                .map_err(|err| ApiError::invalid("budget_usd", err.to_string()))?,
            deadline: args
                .deadline
                .as_deref()
                .map(|d| DateTime::parse_from_rfc3339(d).map(|d| d.with_timezone(&Utc)))
                .transpose()
                .map_err(|_| {
                    ApiError::invalid(
                        "deadline",
                        "must be an RFC 3339 date and time, such as 2030-01-01T17:00:00Z",
                    )
                })?,
            callback_url: args.callback_url,
        };
        let created =
            service::create(&self.state, viewer.org_id, &actor, input, TaskSource::Mcp).await?;
        let text = format!(
            "Opened human task {} ({}). Call wait_for_human_task with this task_id to receive \
             the person's answer.",
            created.task.id, created.task.status
        );
        let mut body = task_json(created.task);
        if let Some(secret) = created.callback_secret {
            body["callbackSecret"] = json!(secret);
        }
        Ok(success(text, body))
    }

    async fn read(&self, arguments: JsonObject, ctx: &RequestContext<RoleServer>) -> Outcome {
        let (viewer, _) = caller(ctx, "Query.humanTask")?;
        let args: GetHumanTask = parse(arguments)?;
        let task = service::get(&self.state, viewer.org_id, task_id(&args.task_id)?).await?;
        Ok(success(describe(&task), task_json(task)))
    }

    async fn wait(&self, arguments: JsonObject, ctx: &RequestContext<RoleServer>) -> Outcome {
        let (viewer, _) = caller(ctx, "Query.humanTask")?;
        let args: WaitForHumanTask = parse(arguments)?;
        let id = task_id(&args.task_id)?;
        let seconds = args.timeout_seconds.unwrap_or(DEFAULT_WAIT_SECONDS);
        if seconds > MAX_WAIT_SECONDS {
            return Err(ApiError::invalid(
                "timeout_seconds",
                format!("must be between 0 and {MAX_WAIT_SECONDS}"),
            ));
        }
        // Listen before reading, so a change made between the two is not missed.
        let mut events = self.state.bus.subscribe();
        let mut task = service::get(&self.state, viewer.org_id, id).await?;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
        let token = ctx.meta.get_progress_token();
        let mut heartbeat = tokio::time::interval(PROGRESS_EVERY);
        heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut reported = 0u32;
        while lifecycle::is_open(task.status) {
            tokio::select! {
                () = ctx.ct.cancelled() => break,
                () = tokio::time::sleep_until(deadline) => break,
                () = self.state.stopping.cancelled() => break,
                // The first tick is immediate: the client hears at once that we wait.
                _ = heartbeat.tick() => {}
                item = events.next() => match item {
                    Some(BusItem::Event(envelope)) => match &envelope.event {
                        Event::HumanTaskUpdated(changed)
                            if envelope.org_id == viewer.org_id
                                && changed.id == task.id
                                && changed.version > task.version =>
                        {
                            task = changed.as_ref().clone();
                        }
                        _ => continue,
                    },
                    // The change we wait for may be among the events missed: read the task.
                    Some(BusItem::Lagged { .. }) => {
                        task = service::get(&self.state, viewer.org_id, id).await?;
                    }
                    None => {
                        return Err(ApiError::internal(anyhow::anyhow!(
                            "the event bus closed while waiting for a task"
                        )));
                    }
                },
            }
            if let Some(token) = &token {
                reported += 1;
                let message = if lifecycle::is_open(task.status) {
                    format!("The task is {}; waiting for a person.", task.status)
                } else {
                    format!("The task is {}.", task.status)
                };
                let progress = ProgressNotificationParam::new(token.clone(), reported.into())
                    .with_message(message);
                // Best effort: a client that stopped listening still gets the result.
                if let Err(err) = ctx.peer.notify_progress(progress).await {
                    tracing::debug!(error = %err, "sending MCP progress failed");
                }
            }
        }
        let text = if lifecycle::is_open(task.status) && self.state.stopping.is_cancelled() {
            format!(
                "The task {} is still {}; this HumanAIOS server is restarting, so the wait \
                 ended early. Call wait_for_human_task again to keep waiting.",
                task.id, task.status
            )
        } else if lifecycle::is_open(task.status) {
            format!(
                "The task {} is still {}: nobody has finished it yet. Call \
                 wait_for_human_task again to keep waiting.",
                task.id, task.status
            )
        } else {
            describe(&task)
        };
        Ok(success(text, task_json(task)))
    }

    async fn list(&self, arguments: JsonObject, ctx: &RequestContext<RoleServer>) -> Outcome {
        // Every key of the organization may already follow all its tasks on
        // `humanTaskUpdated`, agents' ingest keys included; listing shows them no more.
        let (viewer, _) = caller(ctx, "Subscription.humanTaskUpdated")?;
        let args: ListMyRequests = parse(arguments)?;
        let page = PageRequest::new(args.first, None)?;
        let statuses = match args.statuses {
            None => TaskStatus::ALL
                .iter()
                .copied()
                .filter(|s| lifecycle::is_open(*s))
                .collect(),
            Some(names) => names
                .iter()
                .map(|name| name.parse::<TaskStatus>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|err| ApiError::invalid("statuses", err.to_string()))?,
        };
        let agent_id = match &args.agent {
            Some(agent) => Some(self.agent(viewer, agent, "agent").await?),
            None => None,
        };
        let filter = TaskFilter {
            statuses,
            agent_id,
            ..TaskFilter::default()
        };
        let found = service::list(&self.state, viewer.org_id, &filter, page).await?;
        let tasks: Vec<Value> = found.items.into_iter().map(|(_, t)| task_json(t)).collect();
        let text = match tasks.len() {
            0 => "No tasks match.".to_owned(),
            n => format!("{n} task(s), newest first."),
        };
        Ok(success(
            text,
            json!({ "tasks": tasks, "hasNextPage": found.has_next_page }),
        ))
    }

    /// The organization's agent named by `text`, an id or a name; `field` names the argument
    /// in the error.
    async fn agent(&self, viewer: Viewer, text: &str, field: &str) -> ApiResult<AgentId> {
        if let Ok(id) = text.trim().parse::<AgentId>() {
            match crate::agents::service::get(&self.state, viewer.org_id, id).await {
                Ok(_) => return Ok(id),
                Err(ApiError::NotFound(_)) => {}
                Err(err) => return Err(err),
            }
        }
        crate::agents::service::find_by_name(&self.state, viewer.org_id, text.trim())
            .await?
            .map(|agent| AgentId(agent.id))
            .ok_or_else(|| {
                ApiError::invalid(
                    field,
                    format!("the organization has no agent with the id or name `{text}`"),
                )
            })
    }
}

type Outcome = ApiResult<CallToolResult>;

/// The caller, as the role matrix admitted them to `/mcp`, checked against `operation` (the
/// tool's twin in the matrix), and how the audit log names them.
fn caller(ctx: &RequestContext<RoleServer>, operation: &'static str) -> ApiResult<(Viewer, Actor)> {
    let parts = ctx
        .extensions
        .get::<axum::http::request::Parts>()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("MCP call without its HTTP request")))?;
    let viewer = match parts.extensions.get::<Authenticated>() {
        Some(Authenticated(viewer)) => roles::authorize_viewer(*viewer, operation)?,
        None => {
            return Err(ApiError::internal(anyhow::anyhow!(
                "MCP route without the authorization layer"
            )));
        }
    };
    let actor = parts
        .extensions
        .get::<Actor>()
        .cloned()
        .ok_or(ApiError::Unauthenticated("sign in or send an API key"))?;
    Ok((viewer, actor))
}

fn parse<T: DeserializeOwned>(arguments: JsonObject) -> ApiResult<T> {
    serde_json::from_value(Value::Object(arguments)).map_err(|err| {
        ApiError::MalformedRequest(format!(
            "the arguments do not match the tool's input schema: {err}"
        ))
    })
}

fn task_id(text: &str) -> ApiResult<TaskId> {
    // A malformed id names no task, like an unknown one (and like another org's).
    text.trim()
        .parse()
        .map_err(|_| ApiError::NotFound("human task"))
}

fn task_json(task: human_task::Model) -> Value {
    serde_json::to_value(TaskView::from(task)).unwrap_or(Value::Null)
}

/// One line on where a task stands, with the person's answer once there is one.
fn describe(task: &human_task::Model) -> String {
    let reason = task.failure_reason.as_deref().unwrap_or("no reason given");
    match task.status {
        TaskStatus::Completed => {
            let result = task
                .result
                .as_ref()
                .map_or("{}".to_owned(), Value::to_string);
            match &task.result_note {
                Some(note) => {
                    format!("A person completed the task. Result: {result}. Note: {note}")
                }
                None => format!("A person completed the task. Result: {result}"),
            }
        }
        TaskStatus::Failed => format!("The person could not do the task: {reason}"),
        TaskStatus::Rejected => format!("An operator turned the request down: {reason}"),
        TaskStatus::Cancelled => format!("The task was cancelled: {reason}"),
        status => format!("The task {} is {status}: {}", task.id, task.title),
    }
}

fn success(text: String, body: Value) -> CallToolResult {
    let mut result = CallToolResult::structured(body);
    result.content.insert(0, ContentBlock::text(text));
    result
}

/// A tool's answer: its result, or its error as a tool error result.
fn answer(outcome: Outcome) -> CallToolResult {
    let err = match outcome {
        Ok(result) => return result,
        Err(err) => err,
    };
    // Tool arguments are snake_case; the service names fields as the GraphQL API does.
    let err = match err {
        ApiError::InvalidInput { field, message } => ApiError::InvalidInput {
            field: snake_case(&field),
            message,
        },
        other => other,
    };
    let mut body = err.rest_body();
    if let ApiError::InvalidInput { field, .. } = &err {
        body["error"]["field"] = json!(field);
    }
    let text = format!(
        "{}: {}",
        body["error"]["code"].as_str().unwrap_or_default(),
        body["error"]["message"].as_str().unwrap_or_default()
    );
    let mut result = CallToolResult::error(vec![ContentBlock::text(text)]);
    result.structured_content = Some(body);
    result
}

fn snake_case(field: &str) -> String {
    let mut out = String::with_capacity(field.len() + 4);
    for c in field.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_field_names_become_the_tools_argument_names() {
        assert_eq!(snake_case("budgetUsd"), "budget_usd");
        assert_eq!(snake_case("callbackUrl"), "callback_url");
        assert_eq!(snake_case("title"), "title");
    }
}
