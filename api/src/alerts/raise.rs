//! Storing and announcing an alert, whoever raises it (a rule's evaluation, or the MCP
//! proxy's tool pinning): the alert row and a delivery for every enabled webhook go into the
//! caller's transaction; `alertFired` is published after the commit.

use chrono::{DateTime, Utc};
use entity::{DeliveryStatus, OrgId, alert_event, webhook, webhook_delivery};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, DbErr, EntityTrait as _,
    QueryFilter as _, Set,
};

use crate::events::{Envelope, Event};
use crate::state::AppState;

/// Inserts `alert` and queues its delivery to every enabled webhook of its organization.
pub async fn store(
    txn: &impl ConnectionTrait,
    alert: alert_event::ActiveModel,
    now: DateTime<Utc>,
) -> Result<alert_event::Model, DbErr> {
    let alert = alert.insert(txn).await?;
    let hooks = webhook::Entity::find()
        .filter(webhook::Column::OrgId.eq(alert.org_id))
        .filter(webhook::Column::Enabled.eq(true))
        .all(txn)
        .await?;
    for hook in hooks {
        webhook_delivery::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            org_id: Set(alert.org_id),
            webhook_id: Set(hook.id),
            alert_event_id: Set(alert.id),
            status: Set(DeliveryStatus::Pending),
            attempts: Set(0),
            next_attempt_at: Set(now),
            last_error: Set(None),
            last_status_code: Set(None),
            delivered_at: Set(None),
            created_at: Set(now),
        }
        .insert(txn)
        .await?;
    }
    Ok(alert)
}

/// Publishes a stored alert to `alertFired` subscribers (best effort: the alert is stored
/// and its deliveries queued; only live subscribers miss it).
pub async fn announce(state: &AppState, alert: alert_event::Model) {
    let envelope = Envelope {
        org_id: OrgId(alert.org_id),
        event: Event::AlertFired(alert),
    };
    if let Err(err) = state.bus.publish(vec![envelope]).await {
        tracing::warn!(error = %format!("{err:#}"), "alertFired not published");
    }
}
