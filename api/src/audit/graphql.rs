//! The GraphQL face of the audit log: `auditLog` and `verifyAuditChain`.

use async_graphql::{Context, ID, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::audit_log;

use crate::error::ApiResult;
use crate::graphql::connection::{CursorConnection, to_connection};
use crate::graphql::context::{ContextExt as _, parse_id};
use crate::pagination::PageRequest;

use super::service::{self, AuditFilter};

/// One audit record: who did what to which record, when and from where.
pub struct AuditEntry(pub audit_log::Model);

#[Object]
impl AuditEntry {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Position in the organization's chain: 1, 2, 3…
    async fn seq(&self) -> i64 {
        self.0.seq
    }

    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }

    /// `user`, `api_key` or `system`.
    async fn actor_type(&self) -> &str {
        &self.0.actor_type
    }

    async fn actor_id(&self) -> Option<ID> {
        self.0.actor_id.map(|id| ID(id.to_string()))
    }

    /// The member's email or the key's prefix at the time.
    async fn actor_label(&self) -> &str {
        &self.0.actor_label
    }

    /// `auth.sign_in`, `agent.update`, `api_key.revoke`, …
    async fn action(&self) -> &str {
        &self.0.action
    }

    async fn target_type(&self) -> &str {
        &self.0.target_type
    }

    async fn target_id(&self) -> Option<ID> {
        self.0.target_id.map(|id| ID(id.to_string()))
    }

    /// What changed (before/after of the changed fields).
    async fn summary(&self) -> Json<&serde_json::Value> {
        Json(&self.0.summary)
    }

    async fn ip(&self) -> Option<&str> {
        self.0.ip.as_deref()
    }

    async fn user_agent(&self) -> Option<&str> {
        self.0.user_agent.as_deref()
    }

    /// SHA-256 of this record, chained to the previous record's.
    async fn hash(&self) -> &str {
        &self.0.hash
    }
}

/// The result of checking the organization's audit chain.
#[derive(SimpleObject)]
pub struct AuditVerification {
    /// Whether every record is intact and in place.
    pub ok: bool,
    /// Records checked.
    pub checked: i64,
    /// The first record that was changed, or follows a removed one; `null` when `ok`.
    pub first_broken: Option<AuditEntry>,
}

#[derive(Default)]
pub struct AuditQuery;

// Each GraphQL argument is a parameter; grouping them would change the schema's shape.
#[allow(clippy::too_many_arguments)]
#[Object]
impl AuditQuery {
    /// The organization's audit log, newest first (admins). `action` matches exactly or as a
    /// prefix (`api_key` matches `api_key.create`).
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        action: Option<String>,
        actor_id: Option<ID>,
        target_id: Option<ID>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> ApiResult<CursorConnection<AuditEntry>> {
        let viewer = ctx.authorize("Query.auditLog")?;
        let page = PageRequest::new(first.map(i64::from), after.as_deref())?;
        let filter = AuditFilter {
            action,
            actor_id: actor_id.map(|id| parse_id(&id, "actorId")).transpose()?,
            target_id: target_id.map(|id| parse_id(&id, "targetId")).transpose()?,
            from,
            to,
        };
        let found = service::list(ctx.state()?, viewer.org_id, filter, page).await?;
        Ok(to_connection(found.map(AuditEntry), page))
    }

    /// Recomputes the organization's whole audit chain and reports the first record that
    /// does not fit, if any (admins).
    async fn verify_audit_chain(&self, ctx: &Context<'_>) -> ApiResult<AuditVerification> {
        let viewer = ctx.authorize("Query.verifyAuditChain")?;
        let result = service::verify(ctx.state()?, viewer.org_id).await?;
        Ok(AuditVerification {
            ok: result.first_broken.is_none(),
            checked: i64::try_from(result.checked).unwrap_or(i64::MAX),
            first_broken: result.first_broken.map(AuditEntry),
        })
    }
}
