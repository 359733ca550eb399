//! Recording and reading activities, shared by GraphQL and REST.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use entity::{
    ActivityId, ActivityStatus, ActivityType, AgentId, OrgId, Usd, agent, agent_activity,
};
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _, QuerySelect as _};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::events::{Envelope, Event};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::pagination::{self, Page, PageRequest};
use crate::state::AppState;

/// Most activities accepted in one batch.
pub const MAX_BATCH: usize = 1_000;
/// How far ahead of the server's clock an activity's timestamp may be.
const MAX_CLOCK_SKEW: Duration = Duration::hours(24);

/// One activity as reported by an agent.
#[derive(Debug, Clone)]
pub struct NewActivity {
    /// Client-generated, so a retried batch is not stored twice; generated when absent.
    pub id: Option<ActivityId>,
    pub agent_id: AgentId,
    pub activity_type: ActivityType,
    pub payload: Option<serde_json::Value>,
    pub cost_usd: Option<Usd>,
    pub duration_ms: Option<i64>,
    /// When it happened; now when absent.
    pub timestamp: Option<DateTime<Utc>>,
    /// Its run, span tree parent, tool or step name, model and tokens, outcome and times.
    pub details: ActivityDetails,
}

/// What an activity says beyond the spec's fields.
#[derive(Debug, Clone, Default)]
pub struct ActivityDetails {
    pub run_id: Option<Uuid>,
    pub parent_id: Option<Uuid>,
    pub name: Option<String>,
    pub model: Option<String>,
    pub tokens: TokenCounts,
    /// `ERROR` for activities of type `ERROR` when absent, else `OK`.
    pub status: Option<ActivityStatus>,
    pub error_message: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
}

/// Tokens by kind, as providers bill them.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokenCounts {
    pub input: Option<i64>,
    pub output: Option<i64>,
    pub cache_read: Option<i64>,
    pub cache_write: Option<i64>,
    pub reasoning: Option<i64>,
}

/// Longest tool, step or model name kept.
const MAX_NAME_LEN: usize = 200;
/// Longest error message kept.
const MAX_ERROR_LEN: usize = 10_000;

/// What a batch did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordOutcome {
    /// Activities in the batch.
    pub accepted: usize,
    /// Stored now, for the first time.
    pub inserted: usize,
    /// Already stored (a retry), so skipped.
    pub duplicates: usize,
}

/// Which activities to list.
#[derive(Debug, Clone, Default)]
pub struct ActivityFilter {
    pub agent_id: Option<AgentId>,
    /// Any of these types; all types when empty.
    pub types: Vec<ActivityType>,
    /// At or after.
    pub from: Option<DateTime<Utc>>,
    /// Before.
    pub to: Option<DateTime<Utc>>,
}

/// Which live activities a subscriber wants.
#[derive(Debug, Clone, Default)]
pub struct FeedFilter {
    /// Any of these agents; all when empty.
    pub agent_ids: Vec<AgentId>,
    /// Any of these types; all when empty.
    pub types: Vec<ActivityType>,
}

impl FeedFilter {
    /// Whether `activity` passes the filter (the org is checked by the caller).
    pub fn matches(&self, activity: &agent_activity::Model) -> bool {
        (self.agent_ids.is_empty() || self.agent_ids.contains(&activity.agent_id.into()))
            && (self.types.is_empty() || self.types.contains(&activity.activity_type))
    }
}

/// Stores a batch (group-committed with concurrent batches, see [`super::group_commit`])
/// and, after the commit, publishes the activities that were new, in batch order. Every agent must belong to `org`; a retried id is counted as a
/// duplicate, not stored again and not an error.
pub async fn record(
    state: &AppState,
    org: OrgId,
    batch: Vec<NewActivity>,
) -> ApiResult<RecordOutcome> {
    if batch.is_empty() || batch.len() > MAX_BATCH {
        return Err(ApiError::invalid(
            "activities",
            format!("must hold 1 to {MAX_BATCH} activities"),
        ));
    }
    let received_at = crate::time::now();
    let models = batch
        .into_iter()
        .enumerate()
        .map(|(i, a)| to_model(i, a, org, received_at))
        .collect::<ApiResult<Vec<_>>>()?;
    let accepted = models.len();
    // Agents are never deleted, so a check before the transaction holds inside it.
    check_agents_belong_to(&state.db, org, &models).await?;

    // An id repeated within the batch counts once; ids stored earlier are found at insert.
    let mut seen = HashSet::with_capacity(models.len());
    let mut positions = Vec::with_capacity(models.len());
    let mut fresh = Vec::with_capacity(models.len());
    for (i, model) in models.into_iter().enumerate() {
        if seen.insert(model.id) {
            positions.push(i);
            fresh.push(model);
        }
    }
    if !fresh.is_empty() {
        let settings = crate::orgs::service::settings_of(&state.db, org).await?;
        for activity in &mut fresh {
            crate::costs::price(&settings, activity);
        }
        // PII out before anything is stored or published.
        crate::redaction::redact_all(&settings, &mut fresh);
    }
    // Tasks come from the redacted text, so no PII reaches the inbox either.
    let tasks = crate::tasks::intake::prepare(org, &fresh, |k| positions[k], received_at)?;

    let stored = state.ingest.commit(org, fresh, tasks).await?;
    if !stored.activities.is_empty() {
        state.search_index.wake();
    }
    let inserted = stored.activities.len();
    metrics::counter!("humanaios_activities_recorded_total").increment(inserted as u64);
    let events = stored
        .activities
        .into_iter()
        .map(|activity| Envelope {
            org_id: org,
            event: Event::ActivityRecorded(std::sync::Arc::new(activity)),
        })
        .collect();
    // The batch is committed and acknowledged either way; a bus failure only delays live
    // viewers, who catch up from the paginated query.
    if let Err(err) = state.bus.publish(events).await {
        tracing::warn!(error = ?err, "publishing recorded activities failed");
    }
    crate::tasks::intake::refine(state, &stored.tasks);
    crate::tasks::service::publish(state, stored.tasks).await;
    Ok(RecordOutcome {
        accepted,
        inserted,
        duplicates: accepted - inserted,
    })
}

/// Most activities a feed replays before going live; a subscriber further behind pages
/// through the `activities` query instead.
pub const MAX_REPLAY: u64 = 10_000;

/// A position in an organization's live feed: the activity's feed sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedPosition(pub i64);

impl FeedPosition {
    /// Where `activity` stands in its organization's feed.
    pub fn of(activity: &agent_activity::Model) -> Self {
        FeedPosition(activity.feed_seq)
    }

    /// The opaque text form clients pass back as `after`.
    pub fn encode(self) -> String {
        URL_SAFE_NO_PAD.encode(format!("feed|{}", self.0))
    }

    /// Reads a position produced by [`FeedPosition::encode`].
    pub fn decode(text: &str) -> ApiResult<Self> {
        URL_SAFE_NO_PAD
            .decode(text)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .and_then(|text| text.strip_prefix("feed|")?.parse::<i64>().ok())
            .filter(|seq| *seq >= 0)
            .map(FeedPosition)
            .ok_or_else(|| ApiError::invalid("after", "is not a feedCursor from this API"))
    }
}

/// What a feed subscriber missed: the organization's activities committed after `after`
/// that pass `filter`, in feed order.
pub async fn replay(
    state: &AppState,
    org: OrgId,
    filter: &FeedFilter,
    after: FeedPosition,
) -> ApiResult<Vec<agent_activity::Model>> {
    use sea_orm::QueryOrder as _;
    let mut select = agent_activity::Entity::find()
        .filter(agent_activity::Column::OrgId.eq(org.0))
        .filter(agent_activity::Column::FeedSeq.gt(after.0));
    if !filter.agent_ids.is_empty() {
        select = select
            .filter(agent_activity::Column::AgentId.is_in(filter.agent_ids.iter().map(|a| a.0)));
    }
    if !filter.types.is_empty() {
        select = select.filter(agent_activity::Column::ActivityType.is_in(filter.types.clone()));
    }
    let missed = select
        .order_by_asc(agent_activity::Column::FeedSeq)
        .limit(MAX_REPLAY + 1)
        .all(&state.db)
        .await?;
    if missed.len() as u64 > MAX_REPLAY {
        return Err(ApiError::Conflict {
            code: "FEED_TOO_FAR_BEHIND",
            message: format!(
                "more than {MAX_REPLAY} activities were missed; read them with the `activities` \
                 query and subscribe again without `after`"
            ),
        });
    }
    Ok(missed)
}

/// The organization's activities, newest first.
pub async fn list(
    state: &AppState,
    org: OrgId,
    filter: ActivityFilter,
    page: PageRequest,
) -> ApiResult<Page<agent_activity::Model>> {
    pagination::fetch_page(
        &state.db,
        matching(org, filter),
        agent_activity::Column::Timestamp,
        agent_activity::Column::Id,
        page,
    )
    .await
}

/// The organization's activities that pass `filter` (a query to narrow further or page).
pub fn matching(org: OrgId, filter: ActivityFilter) -> sea_orm::Select<agent_activity::Entity> {
    let mut select = agent_activity::Entity::find().filter(agent_activity::Column::OrgId.eq(org.0));
    if let Some(agent_id) = filter.agent_id {
        select = select.filter(agent_activity::Column::AgentId.eq(agent_id.0));
    }
    if !filter.types.is_empty() {
        select = select.filter(agent_activity::Column::ActivityType.is_in(filter.types));
    }
    if let Some(from) = filter.from {
        select = select.filter(agent_activity::Column::Timestamp.gte(crate::time::truncate(from)));
    }
    if let Some(to) = filter.to {
        select = select.filter(agent_activity::Column::Timestamp.lt(crate::time::truncate(to)));
    }
    select
}

fn to_model(
    index: usize,
    activity: NewActivity,
    org: OrgId,
    received_at: DateTime<Utc>,
) -> ApiResult<agent_activity::Model> {
    let field = |name: &str| format!("activities[{index}].{name}");
    if activity.duration_ms.is_some_and(|d| d < 0) {
        return Err(ApiError::invalid(
            field("durationMs"),
            "must not be negative",
        ));
    }
    let timestamp = crate::time::truncate(activity.timestamp.unwrap_or(received_at));
    if timestamp > received_at + MAX_CLOCK_SKEW {
        return Err(ApiError::invalid(
            field("timestamp"),
            "is more than a day in the future",
        ));
    }
    let details = activity.details;
    let tokens = details.tokens;
    for (name, count) in [
        ("inputTokens", tokens.input),
        ("outputTokens", tokens.output),
        ("cacheReadTokens", tokens.cache_read),
        ("cacheWriteTokens", tokens.cache_write),
        ("reasoningTokens", tokens.reasoning),
    ] {
        if count.is_some_and(|c| c < 0) {
            return Err(ApiError::invalid(field(name), "must not be negative"));
        }
    }
    for (name, text, max) in [
        ("name", &details.name, MAX_NAME_LEN),
        ("model", &details.model, MAX_NAME_LEN),
        ("errorMessage", &details.error_message, MAX_ERROR_LEN),
    ] {
        if text.as_ref().is_some_and(|t| t.chars().count() > max) {
            return Err(ApiError::invalid(
                field(name),
                format!("must be at most {max} characters"),
            ));
        }
    }
    if let (Some(start), Some(end)) = (details.started_at, details.ended_at)
        && end < start
    {
        return Err(ApiError::invalid(field("endedAt"), "is before startedAt"));
    }
    let status = details.status.unwrap_or(match activity.activity_type {
        ActivityType::Error => ActivityStatus::Error,
        _ => ActivityStatus::Ok,
    });
    Ok(agent_activity::Model {
        run_id: details.run_id,
        parent_id: details.parent_id,
        name: details.name,
        model: details.model,
        input_tokens: tokens.input,
        output_tokens: tokens.output,
        cache_read_tokens: tokens.cache_read,
        cache_write_tokens: tokens.cache_write,
        reasoning_tokens: tokens.reasoning,
        status,
        error_message: details.error_message,
        started_at: details.started_at.map(crate::time::truncate),
        ended_at: details.ended_at.map(crate::time::truncate),
        unpriced: false,
        feed_seq: 0,
        redactions: 0,
        id: activity.id.unwrap_or_default().0,
        org_id: org.0,
        agent_id: activity.agent_id.0,
        activity_type: activity.activity_type,
        payload: activity.payload.unwrap_or_else(|| serde_json::json!({})),
        cost_usd: activity.cost_usd,
        duration_ms: activity.duration_ms,
        timestamp,
        received_at,
    })
}

/// `NOT_FOUND` (naming the first offending position) unless every agent is the org's.
async fn check_agents_belong_to(
    db: &impl sea_orm::ConnectionTrait,
    org: OrgId,
    models: &[agent_activity::Model],
) -> ApiResult<()> {
    let wanted: HashSet<uuid::Uuid> = models.iter().map(|m| m.agent_id).collect();
    let known: HashSet<uuid::Uuid> = agent::Entity::find()
        .select_only()
        .column(agent::Column::Id)
        .filter(agent::Column::OrgId.eq(org.0))
        .filter(agent::Column::Id.is_in(wanted.iter().copied()))
        .into_tuple::<uuid::Uuid>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    match models.iter().position(|m| !known.contains(&m.agent_id)) {
        None => Ok(()),
        Some(_) => Err(ApiError::NotFound("agent")),
    }
}
