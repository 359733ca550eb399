//! The GraphQL face of redaction settings: `redactionSettings` and
//! `updateRedactionSettings`.

use async_graphql::{Context, Object};

use crate::error::ApiResult;
use crate::graphql::context::{ContextExt as _, audit_actor};

use super::service::{self, RedactionPatch, RedactionRules};

#[derive(Default)]
pub struct RedactionQuery;

#[Object]
impl RedactionQuery {
    /// The PII redaction rules applied to the organization's activities before they are
    /// stored or published: every built-in rule (on or off), then the organization's own.
    async fn redaction_settings(&self, ctx: &Context<'_>) -> ApiResult<RedactionRules> {
        let viewer = ctx.authorize("Query.redactionSettings")?;
        service::get(ctx.state()?, viewer.org_id).await
    }
}

#[derive(Default)]
pub struct RedactionMutation;

#[Object]
impl RedactionMutation {
    /// Turns built-in redaction rules off or on and sets the organization's own patterns;
    /// applies to activities ingested from then on (admins).
    async fn update_redaction_settings(
        &self,
        ctx: &Context<'_>,
        input: RedactionPatch,
    ) -> ApiResult<RedactionRules> {
        let viewer = ctx.authorize("Mutation.updateRedactionSettings")?;
        let actor = audit_actor(ctx)?;
        service::update(ctx.state()?, viewer.org_id, &actor, input).await
    }
}
