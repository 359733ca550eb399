//! The agent's callback: every change of a task that has a `callbackUrl` is queued in the
//! transaction that makes it (body frozen then, so retries send the same bytes) and posted
//! through [`crate::outbound`]: signed with the task's own secret, retried with backoff,
//! claimed by one replica at a time. Sent right after the commit, and swept every few
//! seconds for retries and for changes whose first attempt a restart interrupted.

use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::{DeliveryStatus, human_task, task_callback};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, EntityTrait as _,
    PaginatorTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _, Set,
};
use uuid::Uuid;

use super::views::TaskView;
use crate::outbound::{self, Outcome};
use crate::state::AppState;

/// How often queued callbacks are looked for.
const SWEEP: Duration = Duration::from_secs(2);
const COLUMNS: outbound::DeliveryColumns<task_callback::Column> = outbound::DeliveryColumns {
    id: task_callback::Column::Id,
    status: task_callback::Column::Status,
    attempts: task_callback::Column::Attempts,
    next_attempt_at: task_callback::Column::NextAttemptAt,
    last_error: task_callback::Column::LastError,
    last_status_code: task_callback::Column::LastStatusCode,
    delivered_at: task_callback::Column::DeliveredAt,
};

/// Queues `task`'s current state for its callback, if it has one.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    task: &human_task::Model,
) -> Result<(), sea_orm::DbErr> {
    if task.callback_url.is_none() {
        return Ok(());
    }
    let now = crate::time::now();
    let body = serde_json::to_value(TaskView::from(task.clone()))
        .map_err(|err| sea_orm::DbErr::Custom(format!("encoding the task: {err}")))?;
    task_callback::ActiveModel {
        id: Set(Uuid::now_v7()),
        org_id: Set(task.org_id),
        task_id: Set(task.id),
        task_version: Set(task.version),
        body: Set(serde_json::json!({ "event": "human_task.updated", "task": body })),
        status: Set(DeliveryStatus::Pending),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_error: Set(None),
        last_status_code: Set(None),
        delivered_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await
    .map(drop)
}

/// Sends what is due now, in the background.
pub fn nudge(state: &AppState) {
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(err) = deliver_due(&state, crate::time::now()).await {
            tracing::warn!(error = %format!("{err:#}"), "task callbacks not sent");
        }
    });
}

/// Sweeps for due callbacks every two seconds until the returned task is aborted.
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(SWEEP);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if let Err(err) = deliver_due(&state, crate::time::now()).await {
                tracing::warn!(error = %format!("{err:#}"), "task callbacks not sent");
            }
        }
    })
}

/// Sends every callback due by `now`, oldest first.
pub async fn deliver_due(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<()> {
    let due = COLUMNS.due::<task_callback::Entity>(&state.db, now).await?;
    outbound::attempt_all(due, "task callback", |client, delivery| async move {
        attempt(state, &client, delivery, now).await
    })
    .await
}

/// Claims, sends and records one attempt. Changes of one task go out in version order: a
/// later one waits while an earlier one is still pending.
async fn attempt(
    state: &AppState,
    client: &reqwest::Client,
    delivery: task_callback::Model,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let earlier = task_callback::Entity::find()
        .filter(task_callback::Column::TaskId.eq(delivery.task_id))
        .filter(task_callback::Column::Status.eq(DeliveryStatus::Pending))
        .filter(task_callback::Column::TaskVersion.lt(delivery.task_version))
        .count(&state.db)
        .await?;
    if earlier > 0 {
        return Ok(());
    }
    let claimed = COLUMNS
        .claim::<task_callback::Entity>(&state.db, delivery.id, delivery.next_attempt_at, now)
        .await?;
    if !claimed {
        return Ok(());
    }
    let task = human_task::Entity::find_by_id(delivery.task_id)
        .one(&state.db)
        .await?;
    let outcome = match task {
        Some(human_task::Model {
            callback_url: Some(url),
            callback_secret: Some(secret),
            ..
        }) => match serde_json::to_vec(&delivery.body) {
            Ok(body) => outbound::send(client, &url, &secret, delivery.id, body).await,
            Err(err) => Outcome::given_up(format!("encoding the callback: {err}")),
        },
        _ => Outcome::given_up("the task or its callback is gone"),
    };
    let settled = outbound::settle(
        delivery.attempts,
        outcome,
        now,
        state.config.webhook_retry_seconds,
    );
    COLUMNS
        .record::<task_callback::Entity>(&state.db, delivery.id, settled)
        .await?;
    Ok(())
}

/// A task's callback deliveries, newest first.
pub async fn of_task(
    state: &AppState,
    task: &human_task::Model,
) -> Result<Vec<task_callback::Model>, sea_orm::DbErr> {
    task_callback::Entity::find()
        .filter(task_callback::Column::TaskId.eq(task.id))
        .order_by_desc(task_callback::Column::CreatedAt)
        .order_by_desc(task_callback::Column::Id)
        .limit(100)
        .all(&state.db)
        .await
}
