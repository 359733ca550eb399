//! The role matrix: every GraphQL root field and every REST route, with who may call it.
//! Resolvers and REST routes authorize by looking their own name up here, and a test walks
//! the schema and the router to make sure nothing is missing, then tries every entry with
//! every kind of caller.
//!
//! Viewers read; operators run agents and their activity; admins manage members, keys,
//! settings and the plan. API keys act by scope: `INGEST` records activity, `READ` reads,
//! `FULL` does what an operator does.

use entity::{ApiKeyScope, Role};

use super::{Principal, Viewer};
use crate::error::{ApiError, ApiResult};

/// Who may call an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowed {
    /// Callers without any credential.
    pub anonymous: bool,
    /// Members with one of these roles.
    pub roles: &'static [Role],
    /// Agents' API keys of these scopes.
    pub api_keys: &'static [ApiKeyScope],
}

const EVERY_ROLE: &[Role] = Role::ALL;
const OPERATORS: &[Role] = Role::OPERATORS;

/// Anyone, signed in or not (sign-up, log-in, token exchange).
pub const PUBLIC: Allowed = Allowed {
    anonymous: true,
    roles: EVERY_ROLE,
    api_keys: ApiKeyScope::ALL,
};
/// Every member, and keys that may read.
pub const READ: Allowed = Allowed {
    anonymous: false,
    roles: EVERY_ROLE,
    api_keys: &[ApiKeyScope::Read, ApiKeyScope::Full],
};
/// Reporting activity: operators, admins, and keys that may ingest.
pub const INGEST: Allowed = Allowed {
    anonymous: false,
    roles: OPERATORS,
    api_keys: &[ApiKeyScope::Ingest, ApiKeyScope::Full],
};
/// Running agents: operators, admins, and full keys.
pub const OPERATE: Allowed = Allowed {
    anonymous: false,
    roles: OPERATORS,
    api_keys: &[ApiKeyScope::Full],
};
/// One task, by id: every member, and every key of the organization, ingest keys included,
/// so the agent that asked for a person can poll for and listen to the answer.
pub const TASK_STATUS: Allowed = Allowed {
    anonymous: false,
    roles: EVERY_ROLE,
    api_keys: ApiKeyScope::ALL,
};
/// An agent's spend today: every member and every key of the organization, ingest keys
/// included, since the MCP proxy's budget guard holds the agent's ingest key.
pub const SPEND: Allowed = TASK_STATUS;
/// Doing a task (start, complete, fail): every member (the service then requires the
/// assignee unless the caller is an operator or admin) and full keys.
pub const WORK: Allowed = Allowed {
    anonymous: false,
    roles: EVERY_ROLE,
    api_keys: &[ApiKeyScope::Full],
};
/// The built-in MCP server: operators, admins and agents' keys of every scope (agents hold
/// ingest keys). Each tool then applies the entry of its GraphQL twin.
pub const MCP: Allowed = Allowed {
    anonymous: false,
    roles: OPERATORS,
    api_keys: ApiKeyScope::ALL,
};
/// Any signed-in member acting on their own account (not API keys).
pub const SELF: Allowed = Allowed {
    anonymous: false,
    roles: EVERY_ROLE,
    api_keys: &[],
};
/// Admins only.
pub const ADMIN: Allowed = Allowed {
    anonymous: false,
    roles: &[Role::Admin],
    api_keys: &[],
};

/// Every operation: `Query.x`, `Mutation.x`, `Subscription.x`, or `METHOD /path`.
pub const MATRIX: &[(&str, Allowed)] = &[
    ("Query.viewer", READ),
    ("Query.signInProviders", PUBLIC),
    ("Query.agents", READ),
    ("Query.agent", READ),
    ("Query.activities", READ),
    ("Query.analytics", READ),
    ("Query.modelPrices", READ),
    ("Query.runs", READ),
    ("Query.run", READ),
    ("Query.searchActivities", READ),
    ("Query.orgMetrics", READ),
    ("Query.apiKeys", ADMIN),
    ("Query.auditLog", ADMIN),
    ("Query.members", READ),
    ("Query.invitations", ADMIN),
    ("Query.verifyAuditChain", ADMIN),
    ("Query.redactionSettings", READ),
    ("Mutation.signUp", PUBLIC),
    ("Mutation.logIn", PUBLIC),
    ("Mutation.refreshSession", PUBLIC),
    ("Mutation.logOut", PUBLIC),
    ("Mutation.logOutEverywhere", SELF),
    ("Mutation.changePassword", SELF),
    ("Mutation.inviteMember", ADMIN),
    ("Mutation.acceptInvitation", PUBLIC),
    ("Mutation.revokeInvitation", ADMIN),
    ("Mutation.updateMemberRole", ADMIN),
    ("Mutation.removeMember", ADMIN),
    ("Mutation.updateOrganization", ADMIN),
    ("Mutation.createApiKey", ADMIN),
    ("Mutation.rotateApiKey", ADMIN),
    ("Mutation.revokeApiKey", ADMIN),
    ("Mutation.createAgent", OPERATE),
    ("Mutation.updateAgent", OPERATE),
    ("Mutation.recordActivities", INGEST),
    ("Mutation.updateRedactionSettings", ADMIN),
    ("Query.alertRules", READ),
    ("Query.alerts", READ),
    ("Query.webhooks", ADMIN),
    ("Query.webhookDeliveries", ADMIN),
    ("Mutation.createAlertRule", OPERATE),
    ("Mutation.updateAlertRule", OPERATE),
    ("Mutation.deleteAlertRule", OPERATE),
    ("Mutation.createWebhook", ADMIN),
    ("Mutation.deleteWebhook", ADMIN),
    ("Query.humanTasks", READ),
    ("Query.humanTask", TASK_STATUS),
    ("Query.myTasks", SELF),
    ("Query.assigneeSuggestions", OPERATE),
    ("Mutation.createHumanTask", INGEST),
    ("Mutation.updateHumanTask", OPERATE),
    ("Mutation.approveHumanTask", OPERATE),
    ("Mutation.rejectHumanTask", OPERATE),
    ("Mutation.assignHumanTask", OPERATE),
    ("Mutation.startHumanTask", WORK),
    ("Mutation.completeHumanTask", WORK),
    ("Mutation.failHumanTask", WORK),
    ("Mutation.cancelHumanTask", INGEST),
    ("Mutation.updateMyLocation", SELF),
    ("Subscription.humanTaskUpdated", TASK_STATUS),
    ("Subscription.activityFeed", READ),
    ("Subscription.alertFired", READ),
    ("POST /api/v1/auth/signup", PUBLIC),
    ("POST /api/v1/auth/login", PUBLIC),
    ("POST /api/v1/auth/refresh", PUBLIC),
    ("POST /api/v1/auth/logout", PUBLIC),
    ("POST /api/v1/auth/logout-everywhere", SELF),
    ("GET /api/v1/auth/oauth/{provider}/start", PUBLIC),
    ("GET /api/v1/auth/oauth/{provider}/callback", PUBLIC),
    ("POST /api/v1/auth/password", SELF),
    ("GET /api/v1/api-keys", ADMIN),
    ("POST /api/v1/api-keys", ADMIN),
    ("POST /api/v1/api-keys/{id}/rotate", ADMIN),
    ("POST /api/v1/api-keys/{id}/revoke", ADMIN),
    ("GET /api/v1/organization", READ),
    ("PATCH /api/v1/organization", ADMIN),
    ("GET /api/v1/members", READ),
    ("PATCH /api/v1/members/{id}", ADMIN),
    ("DELETE /api/v1/members/{id}", ADMIN),
    ("GET /api/v1/invitations", ADMIN),
    ("POST /api/v1/invitations", ADMIN),
    ("POST /api/v1/invitations/accept", PUBLIC),
    ("POST /api/v1/invitations/{id}/revoke", ADMIN),
    ("POST /api/v1/ingest", INGEST),
    ("GET /api/v1/agents", READ),
    ("POST /api/v1/agents", OPERATE),
    ("GET /api/v1/agents/{id}", READ),
    ("GET /api/v1/agents/{id}/activities", READ),
    ("GET /api/v1/agents/{id}/spend", SPEND),
    ("GET /api/v1/analytics/costs", READ),
    ("GET /api/v1/analytics/forecast", READ),
    ("GET /api/v1/analytics/performance", READ),
    ("GET /api/v1/analytics/tasks", READ),
    ("GET /api/v1/prices", READ),
    ("GET /api/v1/runs", READ),
    ("GET /api/v1/runs/{id}", READ),
    ("GET /api/v1/search", READ),
    ("GET /api/v1/agents/{id}/metrics", READ),
    ("GET /api/v1/metrics", READ),
    ("GET /api/v1/audit", ADMIN),
    ("GET /api/v1/audit/verify", ADMIN),
    ("POST /v1/traces", INGEST),
    ("GET /api/v1/redaction", READ),
    ("PUT /api/v1/redaction", ADMIN),
    ("GET /api/v1/alert-rules", READ),
    ("POST /api/v1/alert-rules", OPERATE),
    ("PATCH /api/v1/alert-rules/{id}", OPERATE),
    ("DELETE /api/v1/alert-rules/{id}", OPERATE),
    ("GET /api/v1/alerts", READ),
    ("GET /api/v1/webhooks", ADMIN),
    ("POST /api/v1/webhooks", ADMIN),
    ("DELETE /api/v1/webhooks/{id}", ADMIN),
    ("GET /api/v1/webhooks/{id}/deliveries", ADMIN),
    ("GET /api/v1/tasks", READ),
    ("POST /api/v1/tasks", INGEST),
    ("GET /api/v1/tasks/{id}", TASK_STATUS),
    ("PATCH /api/v1/tasks/{id}", OPERATE),
    ("POST /api/v1/tasks/{id}/approve", OPERATE),
    ("POST /api/v1/tasks/{id}/reject", OPERATE),
    ("POST /api/v1/tasks/{id}/assign", OPERATE),
    ("POST /api/v1/tasks/{id}/start", WORK),
    ("POST /api/v1/tasks/{id}/complete", WORK),
    ("POST /api/v1/tasks/{id}/fail", WORK),
    ("POST /api/v1/tasks/{id}/cancel", INGEST),
    ("GET /api/v1/tasks/{id}/suggestions", OPERATE),
    ("GET /api/v1/me/tasks", SELF),
    ("PUT /api/v1/me/location", SELF),
    ("POST /mcp", MCP),
    ("Query.mcpTools", READ),
    ("Mutation.acceptMcpToolChange", ADMIN),
    ("POST /api/v1/mcp/tools", INGEST),
    ("GET /api/v1/mcp/tools", READ),
    ("POST /api/v1/mcp/tools/{id}/accept", ADMIN),
];

/// The matrix entry for `operation`, with its name as the matrix spells it.
pub fn find(operation: &str) -> Option<(&'static str, Allowed)> {
    MATRIX.iter().find(|(name, _)| *name == operation).copied()
}

/// Checks `viewer` against the matrix entry of `operation`: `UNAUTHENTICATED` without a
/// needed credential, `FORBIDDEN` for a role or key the entry leaves out.
pub fn authorize(viewer: Option<Viewer>, operation: &'static str) -> ApiResult<Option<Viewer>> {
    let Some((_, rule)) = find(operation) else {
        return Err(ApiError::internal(anyhow::anyhow!(
            "{operation} is missing from the role matrix"
        )));
    };
    let permitted = match viewer.map(|v| v.principal) {
        None => rule.anonymous,
        Some(Principal::User { role, .. }) => rule.roles.contains(&role),
        Some(Principal::ApiKey { scope, .. }) => rule.api_keys.contains(&scope),
    };
    match (permitted, viewer) {
        (true, viewer) => Ok(viewer),
        (false, None) => Err(ApiError::Unauthenticated("sign in or send an API key")),
        (false, Some(_)) => Err(ApiError::Forbidden(operation)),
    }
}

/// Like [`authorize`], for operations that always need a caller.
pub fn authorize_viewer(viewer: Option<Viewer>, operation: &'static str) -> ApiResult<Viewer> {
    authorize(viewer, operation)?.ok_or(ApiError::Unauthenticated("sign in or send an API key"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_named_once() {
        let mut names: Vec<&str> = MATRIX.iter().map(|(name, _)| *name).collect();
        names.sort();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "duplicate entries in the role matrix");
    }
}
