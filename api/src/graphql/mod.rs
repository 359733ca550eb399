//! The GraphQL schema, assembled in one place: each feature contributes its query, mutation
//! and subscription roots here, and nowhere else.

pub mod connection;
pub mod context;
pub mod error_codes;
pub mod http;

use async_graphql::{MergedObject, MergedSubscription, Schema, SchemaBuilder};

use crate::activities::graphql::{ActivityMutation, ActivityQuery, ActivitySubscription};
use crate::agents::graphql::{AgentMutation, AgentQuery};
use crate::auth::graphql::{AuthMutation, AuthQuery};
use crate::config::Config;
use crate::state::AppState;

#[derive(MergedObject, Default)]
pub struct Query(AuthQuery, AgentQuery, ActivityQuery);

#[derive(MergedObject, Default)]
pub struct Mutation(AuthMutation, AgentMutation, ActivityMutation);

#[derive(MergedSubscription, Default)]
pub struct Subscription(ActivitySubscription);

/// The HumanAIOS API schema.
pub type ApiSchema = Schema<Query, Mutation, Subscription>;

fn builder() -> SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
    .extension(error_codes::ErrorCodes)
}

/// The schema a server runs, with its limits and shared state.
pub fn schema(config: &Config, state: AppState) -> ApiSchema {
    let mut builder = builder()
        .limit_depth(config.graphql_max_depth)
        .limit_complexity(config.graphql_max_complexity)
        .data(state);
    if !config.graphql_introspection {
        builder = builder.disable_introspection().disable_suggestions();
    }
    builder.finish()
}

/// The schema in SDL, as committed in `schema.graphql` and printed by `humanaios schema`.
pub fn sdl() -> String {
    builder().finish().sdl()
}
