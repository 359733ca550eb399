//! The GraphQL schema, assembled in one place: each feature contributes its query, mutation
//! and subscription roots here, and nowhere else.

pub mod connection;
pub mod context;
pub mod error_codes;
pub mod http;
pub mod introspection;
pub mod limits;

use async_graphql::{MergedObject, MergedSubscription, Schema, SchemaBuilder};

use crate::activities::graphql::{ActivityMutation, ActivityQuery, ActivitySubscription};
use crate::agents::graphql::{AgentMutation, AgentQuery};
use crate::alerts::graphql::{AlertMutation, AlertQuery, AlertSubscription};
use crate::analytics::graphql::AnalyticsQuery;
use crate::audit::graphql::AuditQuery;
use crate::auth::graphql::{AuthMutation, AuthQuery};
use crate::config::Config;
use crate::costs::graphql::CostQuery;
use crate::mcp::pin_graphql::{McpToolMutation, McpToolQuery};
use crate::orgs::graphql::{MemberMutation, MemberQuery};
use crate::redaction::graphql::{RedactionMutation, RedactionQuery};
use crate::rollups::graphql::MetricsQuery;
use crate::runs::graphql::RunQuery;
use crate::state::AppState;
use crate::tasks::graphql::{TaskMutation, TaskQuery, TaskSubscription};

#[derive(MergedObject, Default)]
pub struct Query(
    AuthQuery,
    MemberQuery,
    AgentQuery,
    ActivityQuery,
    AnalyticsQuery,
    CostQuery,
    RunQuery,
    AuditQuery,
    RedactionQuery,
    MetricsQuery,
    AlertQuery,
    TaskQuery,
    McpToolQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    AuthMutation,
    MemberMutation,
    AgentMutation,
    ActivityMutation,
    RedactionMutation,
    AlertMutation,
    TaskMutation,
    McpToolMutation,
);

#[derive(MergedSubscription, Default)]
pub struct Subscription(ActivitySubscription, AlertSubscription, TaskSubscription);

/// The HumanAIOS API schema.
pub type ApiSchema = Schema<Query, Mutation, Subscription>;

/// Deepest selection the introspection-only schema accepts: the standard introspection
/// query's `ofType` chain alone is nine levels deep, deeper than any real query should be.
const INTROSPECTION_MAX_DEPTH: usize = 32;

/// The schemas a server runs: the API under its limits, and, while introspection is on, an
/// introspection-only twin with room for the standard introspection query (which GraphiQL
/// and code generators send), so the API's depth limit can stay tight.
#[derive(Clone)]
pub struct Schemas {
    pub api: ApiSchema,
    pub introspection: Option<ApiSchema>,
}

impl Schemas {
    /// The schema that should run `query`.
    pub fn for_query(&self, query: &str) -> &ApiSchema {
        match &self.introspection {
            Some(schema) if introspection::is_introspection_only(query) => schema,
            _ => &self.api,
        }
    }
}

fn builder() -> SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
    .extension(error_codes::ErrorCodes)
}

/// The schemas a server runs, with their limits and shared state.
pub fn schemas(config: &Config, state: AppState) -> Schemas {
    let mut api = builder()
        .limit_depth(config.graphql_max_depth)
        .limit_complexity(config.graphql_max_complexity)
        .extension(limits::AliasLimit::new(config.graphql_max_aliases))
        .data(state.clone());
    if !config.introspection_enabled() {
        api = api.disable_introspection().disable_suggestions();
    }
    let introspection = config.introspection_enabled().then(|| {
        builder()
            .introspection_only()
            .limit_depth(INTROSPECTION_MAX_DEPTH)
            .data(state)
            .finish()
    });
    Schemas {
        api: api.finish(),
        introspection,
    }
}

/// The schema in SDL, as committed in `schema.graphql` and printed by `humanaios schema`.
pub fn sdl() -> String {
    builder().finish().sdl()
}
