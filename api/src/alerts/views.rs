//! What GraphQL and REST show of rules, alerts, webhooks and deliveries: one view type
//! each, an object in GraphQL and the same fields in camelCase JSON over REST.

use async_graphql::{ID, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{AlertKind, DeliveryStatus, alert_event, alert_rule, webhook, webhook_delivery};
use rust_decimal::Decimal;
use serde::Serialize;

fn id(id: uuid::Uuid) -> ID {
    ID(id.to_string())
}

/// A rule that raises an alert when its condition holds for an agent.
#[derive(Debug, Clone, SimpleObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertRule {
    pub id: ID,
    pub name: String,
    pub kind: AlertKind,
    /// The one agent watched; `null`: every agent of the organization, each on its own.
    pub agent_id: Option<ID>,
    /// A fraction (`ERROR_RATE`), US dollars (`DAILY_COST`) or milliseconds
    /// (`P95_LATENCY`); the rule fires when the observed value exceeds it.
    pub threshold: Option<Decimal>,
    /// The window of `ERROR_RATE` and `P95_LATENCY`; the silence of `AGENT_SILENT`.
    pub window_minutes: Option<i32>,
    /// The regular expression `ERROR_PATTERN` looks for in error messages.
    pub pattern: Option<String>,
    /// Whether firing opens a human task for the agent.
    pub open_task: bool,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
}

impl From<alert_rule::Model> for AlertRule {
    fn from(m: alert_rule::Model) -> Self {
        AlertRule {
            id: id(m.id),
            name: m.name,
            kind: m.kind,
            agent_id: m.agent_id.map(id),
            threshold: m.threshold.and_then(|t| t.parse().ok()),
            window_minutes: m.window_minutes,
            pattern: m.pattern,
            open_task: m.open_task,
            enabled: m.enabled,
            created_at: m.created_at,
        }
    }
}

/// A rule that fired for an agent; `resolvedAt` is set once the condition no longer held.
#[derive(Debug, Clone, SimpleObject, Serialize)]
#[graphql(name = "Alert")]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    pub id: ID,
    pub rule_id: ID,
    /// The rule's name when it fired.
    pub rule_name: String,
    pub kind: AlertKind,
    pub agent_id: ID,
    /// What was observed: the error rate, dollars, milliseconds, matching activities, or
    /// minutes of silence.
    pub observed: Decimal,
    pub message: String,
    pub fired_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// Whether it is still firing.
    pub firing: bool,
    /// The human task it opened, if the rule asked for one.
    pub task_id: Option<ID>,
}

impl From<alert_event::Model> for Alert {
    fn from(m: alert_event::Model) -> Self {
        Alert {
            id: id(m.id),
            rule_id: id(m.rule_id),
            rule_name: m.rule_name,
            kind: m.kind,
            agent_id: id(m.agent_id),
            observed: m.observed.parse().unwrap_or_default(),
            message: m.message,
            fired_at: m.fired_at,
            firing: m.resolved_at.is_none(),
            resolved_at: m.resolved_at,
            task_id: m.task_id.map(id),
        }
    }
}

/// An address alerts are posted to, signed with the webhook's secret.
#[derive(Debug, Clone, SimpleObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Webhook {
    pub id: ID,
    pub url: String,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
}

impl From<webhook::Model> for Webhook {
    fn from(m: webhook::Model) -> Self {
        Webhook {
            id: id(m.id),
            url: m.url,
            enabled: m.enabled,
            created_at: m.created_at,
        }
    }
}

/// A new webhook and its signing secret, which is shown this once.
#[derive(Debug, Clone, SimpleObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedWebhook {
    pub webhook: Webhook,
    /// Verify `X-HumanAIOS-Signature` with it; it cannot be read again.
    pub secret: String,
}

/// One alert on its way to one webhook.
#[derive(Debug, Clone, SimpleObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookDelivery {
    pub id: ID,
    pub webhook_id: ID,
    pub alert_id: ID,
    pub status: DeliveryStatus,
    /// Attempts made so far.
    pub attempts: i32,
    /// When the next attempt is due (while `PENDING`).
    pub next_attempt_at: DateTime<Utc>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// The HTTP status of the last answer, if one came.
    pub last_status_code: Option<i32>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<webhook_delivery::Model> for WebhookDelivery {
    fn from(m: webhook_delivery::Model) -> Self {
        WebhookDelivery {
            id: id(m.id),
            webhook_id: id(m.webhook_id),
            alert_id: id(m.alert_event_id),
            status: m.status,
            attempts: m.attempts,
            next_attempt_at: m.next_attempt_at,
            last_error: m.last_error,
            last_status_code: m.last_status_code,
            delivered_at: m.delivered_at,
            created_at: m.created_at,
        }
    }
}
