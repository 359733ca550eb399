//! The GraphQL face of runs and search: `runs`, `run(id)` with its span tree, and
//! `searchActivities`.

use std::sync::Arc;

use crate::activities::tokens::TokenTotals;
use async_graphql::{Context, ID, MergedObject, Object};
use chrono::{DateTime, Utc};
use entity::Usd;
use rust_decimal::Decimal;

use crate::activities::graphql::Activity;
use crate::activities::service::ActivityFilter;
use crate::agents::graphql::Agent;
use crate::error::{ApiResult, found};
use crate::graphql::connection::{CursorConnection, to_connection};
use crate::graphql::context::{ContextExt as _, parse_id};
use crate::pagination::PageRequest;

use super::search;
use super::service::{self, RunFilter, RunStatus, RunSummary};
use super::tree::{SpanTree, TokenSums, Totals};

impl From<TokenSums> for TokenTotals {
    fn from(t: TokenSums) -> Self {
        TokenTotals::new(t.input, t.output, t.cache_read, t.cache_write, t.reasoning)
    }
}

/// One run (trace): every activity that reported the same `runId`, summed up.
pub struct Run(pub RunSummary);

#[Object]
impl Run {
    /// The `runId` the agent reported.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The agent of the root span.
    async fn agent_id(&self) -> ID {
        ID(self.0.agent_id.to_string())
    }

    /// The agent of the root span.
    async fn agent(&self, ctx: &Context<'_>) -> ApiResult<Option<Agent>> {
        crate::agents::graphql::linked_agent(ctx, self.0.agent_id).await
    }

    /// The name of the root span: the earliest span without a parent (or the earliest span,
    /// when every span names a parent).
    async fn root_span_name(&self) -> Option<&str> {
        self.0.root_name.as_deref()
    }

    /// The earliest start of its spans (`startedAt`, else `timestamp`).
    async fn started_at(&self) -> DateTime<Utc> {
        self.0.started_at
    }

    /// The latest end of its spans (`endedAt`, else `timestamp`).
    async fn ended_at(&self) -> DateTime<Utc> {
        self.0.ended_at
    }

    /// Wall-clock time from `startedAt` to `endedAt`.
    async fn duration_ms(&self) -> i64 {
        self.0.duration_ms()
    }

    async fn span_count(&self) -> i64 {
        self.0.spans
    }

    /// Spans with status `ERROR`.
    async fn error_count(&self) -> i64 {
        self.0.errors
    }

    /// `ERROR` when any span failed.
    async fn status(&self) -> RunStatus {
        self.0.status()
    }

    /// Exact cost in US dollars of the priced spans; `unpricedSpanCount` says how many
    /// spans have no known cost (they are not counted as $0).
    async fn total_cost_usd(&self) -> Decimal {
        self.0.cost.amount()
    }

    /// Spans whose model or tokens no price covers.
    async fn unpriced_span_count(&self) -> i64 {
        self.0.unpriced
    }

    async fn tokens(&self) -> TokenTotals {
        self.0.tokens.into()
    }
}

/// A run's spans, as a tree and as a flat list.
pub struct RunSpans {
    tree: Arc<SpanTree>,
    truncated: bool,
}

#[Object]
impl RunSpans {
    /// Every span, depth first: each span before its children, children earliest first,
    /// with its `depth` and `parentId`. This is the form to read deep trees with, since a
    /// query may nest `children` only as deep as the server's depth limit allows.
    async fn spans(&self) -> Vec<Span> {
        self.tree
            .preorder
            .iter()
            .map(|&index| Span::at(&self.tree, index))
            .collect()
    }

    /// The top spans, earliest first; follow `children` down. A span whose parent is not
    /// in the run is a root too.
    async fn roots(&self) -> Vec<Span> {
        self.tree
            .roots
            .iter()
            .map(|&index| Span::at(&self.tree, index))
            .collect()
    }

    /// The run has more spans than one read returns (10,000): the earliest are shown, and
    /// the run's own totals still count every span.
    async fn spans_truncated(&self) -> bool {
        self.truncated
    }
}

/// One run with all its spans.
#[derive(MergedObject)]
pub struct RunDetail(Run, RunSpans);

/// One span of a run: an activity in its place in the tree, with what its subtree adds up
/// to.
pub struct Span {
    tree: Arc<SpanTree>,
    index: usize,
}

impl Span {
    fn at(tree: &Arc<SpanTree>, index: usize) -> Span {
        Span {
            tree: Arc::clone(tree),
            index,
        }
    }

    fn totals(&self) -> &Totals {
        &self.tree.nodes[self.index].totals
    }
}

#[Object]
impl Span {
    /// The activity itself: name, model, payload (prompt, response, tool arguments and
    /// results), tokens, cost, status and times.
    async fn activity(&self) -> Activity {
        Activity::from(self.tree.nodes[self.index].activity.clone())
    }

    /// Its parent in the tree; `null` for a root (also when the reported parent is not in
    /// the run).
    async fn parent_id(&self) -> Option<ID> {
        self.tree.nodes[self.index]
            .parent
            .map(|p| ID(self.tree.nodes[p].activity.id.to_string()))
    }

    /// 0 for a root, 1 for its children, and so on.
    async fn depth(&self) -> i64 {
        self.tree.nodes[self.index].depth as i64
    }

    /// The spans directly inside it, earliest first.
    async fn children(&self) -> Vec<Span> {
        self.tree.nodes[self.index]
            .children
            .iter()
            .map(|&index| Span::at(&self.tree, index))
            .collect()
    }

    /// Spans in its subtree, itself included.
    async fn span_count(&self) -> i64 {
        self.totals().spans as i64
    }

    /// Spans in its subtree with status `ERROR`.
    async fn error_count(&self) -> i64 {
        self.totals().errors as i64
    }

    /// Exact cost in US dollars of the priced spans in its subtree.
    async fn total_cost_usd(&self) -> Decimal {
        Usd::from_nanos(self.totals().cost_nanos).amount()
    }

    /// Spans in its subtree with no known cost.
    async fn total_unpriced(&self) -> i64 {
        self.totals().unpriced as i64
    }

    /// The sum of `durationMs` over its subtree (nested spans each count their own time).
    async fn total_duration_ms(&self) -> i64 {
        self.totals().duration_ms
    }

    /// Wall-clock time from the earliest start to the latest end in its subtree.
    async fn elapsed_ms(&self) -> i64 {
        self.totals().elapsed_ms()
    }

    /// Tokens used in its subtree.
    async fn total_tokens(&self) -> TokenTotals {
        self.totals().tokens.into()
    }
}

#[derive(Default)]
pub struct RunQuery;

// Each GraphQL argument is a parameter; grouping them would change the schema's shape.
#[allow(clippy::too_many_arguments)]
#[Object]
impl RunQuery {
    /// The organization's runs, latest start first. `agentId`: runs in which that agent
    /// recorded a span; `from`/`to`: runs that started in `[from, to)`; `status: ERROR`:
    /// runs with a failed span.
    async fn runs(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        agent_id: Option<ID>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        status: Option<RunStatus>,
    ) -> ApiResult<CursorConnection<Run>> {
        let viewer = ctx.authorize("Query.runs")?;
        let page = PageRequest::new(first.map(i64::from), after.as_deref())?;
        let filter = RunFilter {
            agent_id: agent_id.map(|id| parse_id(&id, "agentId")).transpose()?,
            from,
            to,
            status,
        };
        let found = service::list(ctx.state()?, viewer.org_id, filter, page).await?;
        Ok(to_connection(found.map(Run), page))
    }

    /// One run with its spans; `null` when the organization has no span with this run id.
    async fn run(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<RunDetail>> {
        let viewer = ctx.authorize("Query.run")?;
        let id = parse_id(&id, "id")?;
        let trace = found(service::get(ctx.state()?, viewer.org_id, id).await)?;
        Ok(trace.map(|trace| {
            RunDetail(
                Run(trace.summary),
                RunSpans {
                    tree: Arc::new(trace.tree),
                    truncated: trace.truncated,
                },
            )
        }))
    }

    /// The organization's activities that contain every word of `query` (any case) in their
    /// name, error message or payload values, newest first. Words are whole words; quotes
    /// and operators are treated as text.
    async fn search_activities(
        &self,
        ctx: &Context<'_>,
        query: String,
        first: Option<i32>,
        after: Option<String>,
        agent_id: Option<ID>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> ApiResult<CursorConnection<Activity>> {
        let viewer = ctx.authorize("Query.searchActivities")?;
        let page = PageRequest::new(first.map(i64::from), after.as_deref())?;
        let filter = ActivityFilter {
            agent_id: agent_id.map(|id| parse_id(&id, "agentId")).transpose()?,
            types: Vec::new(),
            from,
            to,
        };
        let found = search::search(ctx.state()?, viewer.org_id, &query, filter, page).await?;
        Ok(to_connection(found.map(Activity::from), page))
    }
}
