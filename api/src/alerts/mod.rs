//! Alerts: rules per organization ([`rules`]), their evaluation every
//! `HUMANAIOS_ALERT_INTERVAL_SECONDS` ([`evaluate`]: a firing alert is stored, published as
//! `alertFired`, queued for every webhook, optionally opens a human task, and an error-rate
//! alert marks its agent `ERROR` until it resolves), and the signed, retried delivery of
//! alerts to webhooks ([`webhooks`], [`delivery`]). Every replica runs the loop; conditional
//! updates make each transition and each delivery attempt happen once. [`raise`] stores and
//! announces an alert for whoever raises it (rules here, tool pinning in [`crate::mcp`]).

pub mod delivery;
pub mod evaluate;
pub mod graphql;
pub mod raise;
pub mod rest;
pub mod rules;
pub mod views;
pub mod webhooks;

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::state::AppState;

/// Evaluates every rule at `now`, then sends the webhook deliveries due by `now`. The
/// background loop calls it; tests call it directly with the time they need.
pub async fn tick(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<()> {
    evaluate::evaluate(state, now).await?;
    delivery::deliver_due(state, now).await?;
    Ok(())
}

/// Runs [`tick`] every `alert_interval_seconds` (the first after one interval) until the
/// returned task is aborted. A failed tick is logged and the next one tries again.
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    let period = Duration::from_secs(state.config.alert_interval_seconds.max(1));
    tokio::spawn(async move {
        let mut every = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if let Err(err) = tick(&state, crate::time::now()).await {
                tracing::warn!(error = %format!("{err:#}"), "alert evaluation failed");
            }
        }
    })
}
