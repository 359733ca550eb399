//! Sending queued alert deliveries to webhooks: signed (see [`super::webhooks`]), 10 s
//! timeout, no redirects followed, retried with exponential backoff (the configured base
//! doubling each time, capped at an hour, plus up to 20% jitter) and `FAILED` after
//! [`MAX_ATTEMPTS`]. Each attempt is claimed with a conditional update that pushes the
//! delivery's `next_attempt_at` one lease ahead, so one replica sends it.

use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::{DeliveryStatus, alert_event, webhook, webhook_delivery};
use futures_util::StreamExt as _;
use rand::Rng as _;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _,
};

use super::views::Alert;
use crate::state::AppState;

/// Attempts before a delivery is given up.
pub const MAX_ATTEMPTS: i32 = 8;
/// The longest wait between attempts.
const MAX_BACKOFF_SECONDS: i64 = 3_600;
/// How long a claimed delivery is left to its sender before another may try it.
const LEASE_SECONDS: i64 = 60;
/// How long the receiver has to answer.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Deliveries claimed per tick, and sent at once.
const BATCH: u64 = 100;
const CONCURRENCY: usize = 8;

/// Sends every delivery due by `now`.
pub async fn deliver_due(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<()> {
    let due = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending))
        .filter(webhook_delivery::Column::NextAttemptAt.lte(now))
        .order_by_asc(webhook_delivery::Column::NextAttemptAt)
        .limit(BATCH)
        .all(&state.db)
        .await?;
    if due.is_empty() {
        return Ok(());
    }
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .user_agent("HumanAIOS-Webhooks")
        .build()?;
    futures_util::stream::iter(due)
        .for_each_concurrent(CONCURRENCY, |delivery| {
            let client = client.clone();
            async move {
                if let Err(err) = attempt(state, &client, delivery, now).await {
                    tracing::warn!(error = %format!("{err:#}"), "webhook delivery not recorded");
                }
            }
        })
        .await;
    Ok(())
}

/// Claims, sends and records one attempt.
async fn attempt(
    state: &AppState,
    client: &reqwest::Client,
    delivery: webhook_delivery::Model,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let claimed = webhook_delivery::Entity::update_many()
        .col_expr(
            webhook_delivery::Column::NextAttemptAt,
            Expr::value(now + chrono::Duration::seconds(LEASE_SECONDS)),
        )
        .filter(webhook_delivery::Column::Id.eq(delivery.id))
        .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending))
        .filter(webhook_delivery::Column::NextAttemptAt.eq(delivery.next_attempt_at))
        .exec(&state.db)
        .await?;
    if claimed.rows_affected == 0 {
        return Ok(());
    }
    let hook = webhook::Entity::find_by_id(delivery.webhook_id)
        .one(&state.db)
        .await?;
    let alert = alert_event::Entity::find_by_id(delivery.alert_event_id)
        .one(&state.db)
        .await?;
    let outcome = match (hook, alert) {
        (Some(hook), Some(alert)) if hook.enabled => send(client, &hook, &delivery, alert).await,
        _ => Outcome {
            status_code: None,
            error: Some("the webhook is disabled or gone".to_owned()),
            retry: false,
        },
    };
    record(state, &delivery, outcome, now).await
}

/// What one attempt came to.
struct Outcome {
    status_code: Option<i32>,
    /// `None` when delivered.
    error: Option<String>,
    /// Whether another attempt may succeed.
    retry: bool,
}

async fn send(
    client: &reqwest::Client,
    hook: &webhook::Model,
    delivery: &webhook_delivery::Model,
    alert: alert_event::Model,
) -> Outcome {
    let body = match serde_json::to_vec(&Alert::from(alert)) {
        Ok(body) => body,
        Err(err) => {
            return Outcome {
                status_code: None,
                error: Some(format!("encoding the alert: {err}")),
                retry: false,
            };
        }
    };
    let timestamp = crate::time::now().timestamp();
    let answer = client
        .post(&hook.url)
        .header("content-type", "application/json")
        .header(
            "X-HumanAIOS-Signature",
            super::webhooks::signature(&hook.secret, timestamp, &body),
        )
        .header("X-HumanAIOS-Timestamp", timestamp.to_string())
        .header("X-HumanAIOS-Delivery", delivery.id.to_string())
        .body(body)
        .send()
        .await;
    match answer {
        Ok(response) if response.status().is_success() => Outcome {
            status_code: Some(i32::from(response.status().as_u16())),
            error: None,
            retry: false,
        },
        Ok(response) => Outcome {
            status_code: Some(i32::from(response.status().as_u16())),
            error: Some(format!("the receiver answered {}", response.status())),
            retry: true,
        },
        // reqwest's Display omits the cause chain; without it "error sending request" says
        // nothing.
        Err(err) => Outcome {
            status_code: None,
            error: Some(format!("{:#}", anyhow::Error::from(err))),
            retry: true,
        },
    }
}

/// Stores an attempt's outcome: delivered, due again after the backoff, or failed.
async fn record(
    state: &AppState,
    delivery: &webhook_delivery::Model,
    outcome: Outcome,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let attempts = delivery.attempts + 1;
    let status = match (&outcome.error, outcome.retry) {
        (None, _) => DeliveryStatus::Delivered,
        (Some(_), true) if attempts < MAX_ATTEMPTS => DeliveryStatus::Pending,
        (Some(_), _) => DeliveryStatus::Failed,
    };
    let mut update = webhook_delivery::Entity::update_many()
        .col_expr(webhook_delivery::Column::Attempts, Expr::value(attempts))
        .col_expr(webhook_delivery::Column::Status, Expr::value(status))
        .col_expr(
            webhook_delivery::Column::LastStatusCode,
            Expr::value(outcome.status_code),
        )
        .col_expr(
            webhook_delivery::Column::LastError,
            Expr::value(
                outcome
                    .error
                    .map(|e| e.chars().take(1_000).collect::<String>()),
            ),
        )
        .filter(webhook_delivery::Column::Id.eq(delivery.id));
    update = match status {
        DeliveryStatus::Delivered => {
            update.col_expr(webhook_delivery::Column::DeliveredAt, Expr::value(now))
        }
        DeliveryStatus::Pending => update.col_expr(
            webhook_delivery::Column::NextAttemptAt,
            Expr::value(now + backoff(state.config.webhook_retry_seconds, attempts)),
        ),
        DeliveryStatus::Failed => update,
    };
    update.exec(&state.db).await?;
    Ok(())
}

/// The wait after failed attempt number `attempts`: `base · 2^(attempts-1)` seconds, at
/// most an hour, plus up to 20% jitter so receivers that come back are not hit all at once.
fn backoff(base_seconds: u64, attempts: i32) -> chrono::Duration {
    let base = i64::try_from(base_seconds).unwrap_or(MAX_BACKOFF_SECONDS);
    let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    let millis = base
        .saturating_mul(1_000)
        .saturating_mul(1_i64 << exponent)
        .min(MAX_BACKOFF_SECONDS * 1_000);
    let jitter = rand::rng().random_range(0..=millis / 5);
    chrono::Duration::milliseconds(millis + jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_and_stops_at_an_hour() {
        let first = backoff(10, 1).num_milliseconds();
        assert!((10_000..=12_000).contains(&first), "{first}");
        let third = backoff(10, 3).num_milliseconds();
        assert!((40_000..=48_000).contains(&third), "{third}");
        let late = backoff(10, 30).num_milliseconds();
        assert!((3_600_000..=4_320_000).contains(&late), "{late}");
    }
}
