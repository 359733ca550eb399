//! The GraphQL face of activities: the `activities` list, `recordActivities`, and the live
//! `activityFeed` subscription.

use std::collections::HashSet;
use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Json, Object, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use entity::{ActivityStatus, ActivityType, Usd, agent_activity};
use futures_util::{Stream, StreamExt as _};
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::agents::graphql::Agent;
use crate::error::{ApiError, ApiResult};
use crate::events::{BusItem, Event};
use crate::graphql::connection::{CursorConnection, to_connection};
use crate::graphql::context::{ContextExt as _, parse_id};
use crate::pagination::PageRequest;

use super::service::{
    self, ActivityDetails, ActivityFilter, FeedFilter, NewActivity, RecordOutcome, TokenCounts,
};

/// One thing an agent did; shared, so a live feed hands the same one to every subscriber.
pub struct Activity(pub Arc<agent_activity::Model>);

impl From<agent_activity::Model> for Activity {
    fn from(activity: agent_activity::Model) -> Self {
        Activity(Arc::new(activity))
    }
}

#[Object]
impl Activity {
    /// Client-generated id (idempotency key).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn agent_id(&self) -> ID {
        ID(self.0.agent_id.to_string())
    }

    /// The agent that did it.
    async fn agent(&self, ctx: &Context<'_>) -> ApiResult<Option<Agent>> {
        crate::agents::graphql::linked_agent(ctx, self.0.agent_id).await
    }

    #[graphql(name = "type")]
    async fn activity_type(&self) -> ActivityType {
        self.0.activity_type
    }

    /// What the agent reported (tool name, arguments, result, message…).
    async fn payload(&self) -> Json<&serde_json::Value> {
        Json(&self.0.payload)
    }

    /// Exact cost in US dollars: as reported, or computed from the tokens at the model's
    /// price; `null` when unknown.
    async fn cost_usd(&self) -> Option<Decimal> {
        self.0.cost_usd.map(Usd::amount)
    }

    /// The activity named a model or counted tokens that no price covers: its cost is
    /// unknown (never counted as $0).
    async fn unpriced(&self) -> bool {
        self.0.unpriced
    }

    /// How many values were replaced by placeholders (`[REDACTED:EMAIL]`, …) before
    /// storage.
    async fn redactions(&self) -> i32 {
        self.0.redactions
    }

    async fn duration_ms(&self) -> Option<i64> {
        self.0.duration_ms
    }

    /// When it happened, by the agent's clock.
    async fn timestamp(&self) -> DateTime<Utc> {
        self.0.timestamp
    }

    /// When the server stored it.
    async fn received_at(&self) -> DateTime<Utc> {
        self.0.received_at
    }

    async fn run_id(&self) -> Option<ID> {
        self.0.run_id.map(|id| ID(id.to_string()))
    }

    /// The span it happened inside.
    async fn parent_id(&self) -> Option<ID> {
        self.0.parent_id.map(|id| ID(id.to_string()))
    }

    /// The tool or step.
    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }

    async fn model(&self) -> Option<&str> {
        self.0.model.as_deref()
    }

    async fn input_tokens(&self) -> Option<i64> {
        self.0.input_tokens
    }

    async fn output_tokens(&self) -> Option<i64> {
        self.0.output_tokens
    }

    async fn cache_read_tokens(&self) -> Option<i64> {
        self.0.cache_read_tokens
    }

    async fn cache_write_tokens(&self) -> Option<i64> {
        self.0.cache_write_tokens
    }

    async fn reasoning_tokens(&self) -> Option<i64> {
        self.0.reasoning_tokens
    }

    async fn status(&self) -> ActivityStatus {
        self.0.status
    }

    async fn error_message(&self) -> Option<&str> {
        self.0.error_message.as_deref()
    }

    async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.0.started_at
    }

    async fn ended_at(&self) -> Option<DateTime<Utc>> {
        self.0.ended_at
    }

    /// Where this activity stands in the live feed: pass it as `activityFeed(after:)` after
    /// a reconnect to receive everything stored since, then the live stream.
    async fn feed_cursor(&self) -> String {
        service::FeedPosition::of(&self.0).encode()
    }
}

/// One activity to record.
/// The same shape is the JSON body of `POST /api/v1/ingest`.
#[derive(InputObject, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ActivityInput {
    /// A UUID chosen by the client, so that a retried batch is not stored twice.
    /// Generated when absent (then a retry would store it again).
    pub id: Option<ID>,
    pub agent_id: ID,
    #[graphql(name = "type")]
    #[serde(rename = "type")]
    pub activity_type: ActivityType,
    /// Any JSON; `{}` when absent.
    pub payload: Option<Json<serde_json::Value>>,
    /// Exact cost in US dollars, at most nine decimal places; send it as a string.
    pub cost_usd: Option<Decimal>,
    pub duration_ms: Option<i64>,
    /// When it happened; the time of receipt when absent.
    pub timestamp: Option<DateTime<Utc>>,
    /// The run (trace) it belongs to: any UUID the agent uses for one task end to end.
    pub run_id: Option<ID>,
    /// The activity (span) it happened inside.
    pub parent_id: Option<ID>,
    /// The tool or step, at most 200 characters.
    pub name: Option<String>,
    /// The model that did the work, at most 200 characters.
    pub model: Option<String>,
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
    pub cache_read_tokens: Option<i64>,
    pub cache_write_tokens: Option<i64>,
    pub reasoning_tokens: Option<i64>,
    /// `ERROR` when absent for activities of type `ERROR`, else `OK`.
    pub status: Option<ActivityStatus>,
    /// What went wrong, at most 10,000 characters.
    pub error_message: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
}

/// What a `recordActivities` call did.
#[derive(SimpleObject)]
pub struct RecordActivitiesPayload {
    /// Activities in the batch.
    pub accepted: i32,
    /// Stored for the first time.
    pub inserted: i32,
    /// Already stored by an earlier call with the same ids, and skipped.
    pub duplicates: i32,
}

impl From<RecordOutcome> for RecordActivitiesPayload {
    fn from(o: RecordOutcome) -> Self {
        // Batches are capped at 1,000, so the counts fit.
        RecordActivitiesPayload {
            accepted: o.accepted as i32,
            inserted: o.inserted as i32,
            duplicates: o.duplicates as i32,
        }
    }
}

/// The service's form of a batch (GraphQL `recordActivities` and REST ingest alike).
pub fn into_batch(inputs: Vec<ActivityInput>) -> ApiResult<Vec<NewActivity>> {
    inputs
        .into_iter()
        .enumerate()
        .map(|(i, a)| a.into_new(i))
        .collect()
}

impl ActivityInput {
    /// The service's form of the input, naming `activities[index].field` on any error.
    fn into_new(self, index: usize) -> ApiResult<NewActivity> {
        let field = |name: &str| format!("activities[{index}].{name}");
        Ok(NewActivity {
            id: self
                .id
                .as_ref()
                .map(|id| parse_id(id, &field("id")))
                .transpose()?,
            agent_id: parse_id(&self.agent_id, &field("agentId"))?,
            activity_type: self.activity_type,
            payload: self.payload.map(|p| p.0),
            cost_usd: self
                .cost_usd
                .map(Usd::new)
                .transpose()
                .map_err(|err| ApiError::invalid(field("costUsd"), err.to_string()))?,
            duration_ms: self.duration_ms,
            timestamp: self.timestamp,
            details: ActivityDetails {
                run_id: self
                    .run_id
                    .as_ref()
                    .map(|id| parse_id(id, &field("runId")))
                    .transpose()?,
                parent_id: self
                    .parent_id
                    .as_ref()
                    .map(|id| parse_id(id, &field("parentId")))
                    .transpose()?,
                name: self.name,
                model: self.model,
                tokens: TokenCounts {
                    input: self.input_tokens,
                    output: self.output_tokens,
                    cache_read: self.cache_read_tokens,
                    cache_write: self.cache_write_tokens,
                    reasoning: self.reasoning_tokens,
                },
                status: self.status,
                error_message: self.error_message,
                started_at: self.started_at,
                ended_at: self.ended_at,
            },
        })
    }
}

/// One page of the caller's activities matching `filter`, as a connection; shared by
/// `Query.activities` and `Agent.activities`.
pub async fn activity_connection(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
    filter: ActivityFilter,
) -> ApiResult<CursorConnection<Activity>> {
    let viewer = ctx.viewer()?;
    let page = PageRequest::new(first.map(i64::from), after.as_deref())?;
    let found = service::list(ctx.state()?, viewer.org_id, filter, page).await?;
    Ok(to_connection(found.map(Activity::from), page))
}

#[derive(Default)]
pub struct ActivityQuery;

// Each GraphQL argument is a parameter; grouping them would change the schema's shape.
#[allow(clippy::too_many_arguments)]
#[Object]
impl ActivityQuery {
    /// The organization's activities, newest first.
    async fn activities(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        agent_id: Option<ID>,
        types: Option<Vec<ActivityType>>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> ApiResult<CursorConnection<Activity>> {
        ctx.authorize("Query.activities")?;
        let filter = ActivityFilter {
            agent_id: agent_id.map(|id| parse_id(&id, "agentId")).transpose()?,
            types: types.unwrap_or_default(),
            from,
            to,
        };
        activity_connection(ctx, first, after, filter).await
    }
}

#[derive(Default)]
pub struct ActivityMutation;

#[Object]
impl ActivityMutation {
    /// Records a batch of up to 1,000 activities (API keys, operators, admins). The answer
    /// comes after the commit; ids already stored are skipped and counted as duplicates.
    async fn record_activities(
        &self,
        ctx: &Context<'_>,
        activities: Vec<ActivityInput>,
    ) -> ApiResult<RecordActivitiesPayload> {
        let viewer = ctx.authorize("Mutation.recordActivities")?;
        let batch = into_batch(activities)?;
        service::record(ctx.state()?, viewer.org_id, batch)
            .await
            .map(Into::into)
    }
}

#[derive(Default)]
pub struct ActivitySubscription;

#[Subscription]
impl ActivitySubscription {
    /// Every activity recorded from now on in the organization, optionally only of some
    /// agents and types, in the order they were recorded. With `after` (an activity's
    /// `feedCursor`), first everything stored since that activity, oldest first, then the
    /// live stream, with no gap and no duplicate.
    async fn activity_feed(
        &self,
        ctx: &Context<'_>,
        agent_ids: Option<Vec<ID>>,
        types: Option<Vec<ActivityType>>,
        after: Option<String>,
    ) -> Result<impl Stream<Item = async_graphql::Result<Activity>> + use<>, ApiError> {
        let viewer = ctx.authorize("Subscription.activityFeed")?;
        let filter = FeedFilter {
            agent_ids: agent_ids
                .unwrap_or_default()
                .iter()
                .map(|id| parse_id(id, "agentIds"))
                .collect::<ApiResult<_>>()?,
            types: types.unwrap_or_default(),
        };
        let after = after
            .as_deref()
            .map(service::FeedPosition::decode)
            .transpose()?;
        // Subscribe before reading what was missed: an activity committed in between is then
        // both replayed and live, and the live copy is dropped below; none falls between.
        let events = ctx.state()?.bus.subscribe();
        let missed = match after {
            Some(after) => service::replay(ctx.state()?, viewer.org_id, &filter, after).await?,
            None => Vec::new(),
        };
        let replayed: HashSet<uuid::Uuid> = missed.iter().map(|a| a.id).collect();
        let replay = futures_util::stream::iter(missed.into_iter().map(|a| Ok(Activity::from(a))));
        let live = events.filter_map(move |item| {
            let out = match item {
                BusItem::Event(envelope) if envelope.org_id == viewer.org_id => {
                    match &envelope.event {
                        Event::ActivityRecorded(a)
                            if filter.matches(a) && !replayed.contains(&a.id) =>
                        {
                            Some(Ok(Activity(a.clone())))
                        }
                        _ => None,
                    }
                }
                BusItem::Event(_) => None,
                BusItem::Lagged { missed } => Some(Err(crate::events::lagged(
                    missed,
                    "activities",
                    "read them with the `activities` query",
                )
                .into())),
            };
            std::future::ready(out)
        });
        Ok(replay.chain(live))
    }
}
