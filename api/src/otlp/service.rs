//! A trace export, stored: each resource's agent is found by its `service.name` (and
//! registered on first sight), each span mapped, and the activities recorded through the one
//! ingest path (`activities::service::record`: pricing, idempotence, the live feed) in
//! batches of at most [`MAX_BATCH`]. A span that cannot be taken is rejected on its own and
//! counted, never at the cost of its neighbours.

use std::collections::HashMap;

use entity::{AgentId, AgentType, OrgId};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;

use super::mapping;
use crate::activities::service::{MAX_BATCH, NewActivity, record};
use crate::agents::service::NewAgent;
use crate::audit::Actor;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// What an export did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportOutcome {
    /// Spans stored now or by an earlier export (a retry).
    pub accepted: usize,
    /// Spans that were not taken.
    pub rejected: usize,
    /// Why, for the first rejected span; empty when none was.
    pub error_message: String,
}

impl ExportOutcome {
    fn reject(&mut self, spans: usize, why: String) {
        self.rejected += spans;
        if self.error_message.is_empty() {
            self.error_message = why;
        }
    }
}

/// Stores the spans of `request` as activities of the organization's agents.
pub async fn export(
    state: &AppState,
    org: OrgId,
    actor: &Actor,
    request: &ExportTraceServiceRequest,
) -> ApiResult<ExportOutcome> {
    let mut outcome = ExportOutcome::default();
    let mut agents: HashMap<String, AgentId> = HashMap::new();
    let mut activities = Vec::new();
    for resource_spans in &request.resource_spans {
        let spans: usize = resource_spans
            .scope_spans
            .iter()
            .map(|s| s.spans.len())
            .sum();
        if spans == 0 {
            continue;
        }
        let name = mapping::service_name(resource_spans.resource.as_ref());
        let agent = match agents.get(&name) {
            Some(agent) => *agent,
            None => {
                let scopes = resource_spans.scope_spans.iter();
                let agent_type = mapping::agent_type(
                    scopes.filter_map(|s| Some(s.scope.as_ref()?.name.as_str())),
                );
                match agent_named(state, org, actor, &name, agent_type).await {
                    Ok(agent) => *agents.entry(name).or_insert(agent),
                    // A name no agent may have (too long) costs its own spans only.
                    Err(ApiError::InvalidInput { message, .. }) => {
                        outcome.reject(spans, format!("service.name {message}"));
                        continue;
                    }
                    Err(err) => return Err(err),
                }
            }
        };
        for scope_spans in &resource_spans.scope_spans {
            for span in &scope_spans.spans {
                match mapping::activity(org, agent, scope_spans.scope.as_ref(), span) {
                    Ok(activity) => activities.push(activity),
                    Err(why) => {
                        outcome.reject(1, format!("span {}: {why}", hex::encode(&span.span_id)))
                    }
                }
            }
        }
    }
    let mut activities = activities.into_iter().peekable();
    while activities.peek().is_some() {
        let batch: Vec<NewActivity> = activities.by_ref().take(MAX_BATCH).collect();
        outcome.accepted += record_taking_what_passes(state, org, batch, &mut outcome).await?;
    }
    Ok(outcome)
}

/// Records `batch`. The ingest rules name the first activity they refuse by its position
/// (`activities[3].name`): that one is rejected and the rest recorded. Returns how many
/// were recorded.
async fn record_taking_what_passes(
    state: &AppState,
    org: OrgId,
    mut batch: Vec<NewActivity>,
    outcome: &mut ExportOutcome,
) -> ApiResult<usize> {
    while !batch.is_empty() {
        // `record` takes the batch; the copy is kept for the rare retry without a refused one.
        match record(state, org, batch.clone()).await {
            Ok(recorded) => return Ok(recorded.accepted),
            Err(ApiError::InvalidInput { field, message }) => {
                let Some(index) = position(&field).filter(|i| *i < batch.len()) else {
                    return Err(ApiError::InvalidInput { field, message });
                };
                let refused = batch.remove(index);
                let what = field.split_once('.').map_or(field.as_str(), |(_, f)| f);
                let span = refused
                    .payload
                    .as_ref()
                    .and_then(|p| p["otel"]["spanId"].as_str());
                outcome.reject(1, format!("span {}: {what} {message}", span.unwrap_or("?")));
            }
            Err(err) => return Err(err),
        }
    }
    Ok(0)
}

/// The position in `activities[3].name`.
fn position(field: &str) -> Option<usize> {
    field
        .strip_prefix("activities[")?
        .split_once(']')?
        .0
        .parse()
        .ok()
}

/// The organization's agent called `name`, registered (as `actor`, audited) when there is
/// none yet.
async fn agent_named(
    state: &AppState,
    org: OrgId,
    actor: &Actor,
    name: &str,
    agent_type: AgentType,
) -> ApiResult<AgentId> {
    if let Some(agent) = find_agent(state, org, name).await? {
        return Ok(agent);
    }
    let new = NewAgent {
        name: name.to_owned(),
        agent_type,
        config: None,
    };
    match crate::agents::service::create(state, org, actor, new).await {
        Ok(agent) => Ok(agent.id.into()),
        // Another export registered it between our read and our write.
        Err(ApiError::Conflict {
            code: "AGENT_NAME_TAKEN",
            ..
        }) => find_agent(state, org, name)
            .await?
            .ok_or(ApiError::NotFound("agent")),
        Err(err) => Err(err),
    }
}

async fn find_agent(state: &AppState, org: OrgId, name: &str) -> ApiResult<Option<AgentId>> {
    Ok(crate::agents::service::find_by_name(state, org, name)
        .await?
        .map(|agent| AgentId(agent.id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refused_position_is_read_from_the_field() {
        assert_eq!(position("activities[12].name"), Some(12));
        assert_eq!(position("activities"), None);
        assert_eq!(position("activities[x].name"), None);
    }
}
