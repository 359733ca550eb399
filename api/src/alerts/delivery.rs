//! Sending queued alert deliveries to webhooks, through [`crate::outbound`] (signed, 10 s
//! timeout, no redirects, exponential backoff with jitter, `FAILED` after
//! [`outbound::MAX_ATTEMPTS`]). Each attempt is claimed with a conditional update that
//! pushes the delivery's `next_attempt_at` one lease ahead, so one replica sends it.

use chrono::{DateTime, Utc};
use entity::{alert_event, webhook, webhook_delivery};
use sea_orm::EntityTrait as _;

use super::views::Alert;
use crate::outbound::{self, Outcome};
use crate::state::AppState;

const COLUMNS: outbound::DeliveryColumns<webhook_delivery::Column> = outbound::DeliveryColumns {
    id: webhook_delivery::Column::Id,
    status: webhook_delivery::Column::Status,
    attempts: webhook_delivery::Column::Attempts,
    next_attempt_at: webhook_delivery::Column::NextAttemptAt,
    last_error: webhook_delivery::Column::LastError,
    last_status_code: webhook_delivery::Column::LastStatusCode,
    delivered_at: webhook_delivery::Column::DeliveredAt,
};

/// Sends every delivery due by `now`.
pub async fn deliver_due(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<()> {
    let due = COLUMNS
        .due::<webhook_delivery::Entity>(&state.db, now)
        .await?;
    outbound::attempt_all(due, "webhook delivery", |client, delivery| async move {
        attempt(state, &client, delivery, now).await
    })
    .await
}

/// Claims, sends and records one attempt.
async fn attempt(
    state: &AppState,
    client: &reqwest::Client,
    delivery: webhook_delivery::Model,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let claimed = COLUMNS
        .claim::<webhook_delivery::Entity>(&state.db, delivery.id, delivery.next_attempt_at, now)
        .await?;
    if !claimed {
        return Ok(());
    }
    let hook = webhook::Entity::find_by_id(delivery.webhook_id)
        .one(&state.db)
        .await?;
    let alert = alert_event::Entity::find_by_id(delivery.alert_event_id)
        .one(&state.db)
        .await?;
    let outcome = match (hook, alert) {
        (Some(hook), Some(alert)) if hook.enabled => {
            match serde_json::to_vec(&Alert::from(alert)) {
                Ok(body) => {
                    outbound::send(client, &hook.url, &hook.secret, delivery.id, body).await
                }
                Err(err) => Outcome::given_up(format!("encoding the alert: {err}")),
            }
        }
        _ => Outcome::given_up("the webhook is disabled or gone"),
    };
    record(state, &delivery, outcome, now).await
}

/// Stores an attempt's outcome: delivered, due again after the backoff, or failed.
async fn record(
    state: &AppState,
    delivery: &webhook_delivery::Model,
    outcome: Outcome,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let settled = outbound::settle(
        delivery.attempts,
        outcome,
        now,
        state.config.webhook_retry_seconds,
    );
    COLUMNS
        .record::<webhook_delivery::Entity>(&state.db, delivery.id, settled)
        .await?;
    Ok(())
}
