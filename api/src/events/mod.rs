//! The event bus: what one part of the server publishes after a commit, every live
//! subscriber (on every replica, once Redis backs it) receives.
//!
//! [`EventBus`] is the seam; [`InProcessBus`] is the single-process implementation over a
//! `tokio::sync::broadcast` channel, [`redis::RedisBus`] the one for many replicas.

pub mod redis;

use std::sync::Arc;

use entity::OrgId;
use futures_util::StreamExt as _;
use futures_util::stream::BoxStream;
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;

/// Something that happened, after its transaction committed.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum Event {
    /// An activity was stored for the first time (shared, not copied, by every subscriber).
    ActivityRecorded(Arc<entity::agent_activity::Model>),
    /// An alert rule started firing for an agent.
    AlertFired(entity::alert_event::Model),
    /// A human task was opened or changed (its new state).
    HumanTaskUpdated(Box<entity::human_task::Model>),
}

/// An event and the organization it belongs to; subscribers never see another org's.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Envelope {
    pub org_id: OrgId,
    pub event: Event,
}

/// What a subscriber's stream yields.
#[derive(Debug, Clone)]
pub enum BusItem {
    Event(Arc<Envelope>),
    /// The subscriber fell behind and `missed` events were dropped for it (publishers never
    /// wait for slow subscribers).
    Lagged {
        missed: u64,
    },
}

/// The error a subscription yields when its subscriber fell behind and `missed` events of
/// `what` were dropped; `hint` says where to read them.
pub fn lagged(missed: u64, what: &str, hint: &str) -> crate::error::ApiError {
    crate::error::ApiError::Conflict {
        code: "SUBSCRIBER_LAGGED",
        message: format!(
            "{missed} {what} were skipped because this subscriber fell behind; {hint}"
        ),
    }
}

/// Publish/subscribe for committed changes.
#[async_trait::async_trait]
pub trait EventBus: Send + Sync + 'static {
    /// Publishes `events` in order.
    async fn publish(&self, events: Vec<Envelope>) -> anyhow::Result<()>;

    /// Every event published from now on, in publish order.
    fn subscribe(&self) -> BoxStream<'static, BusItem>;
}

/// Events within one process.
pub struct InProcessBus {
    sender: broadcast::Sender<Arc<Envelope>>,
}

impl InProcessBus {
    /// A bus whose subscribers may fall `capacity` events behind before they lag.
    pub fn new(capacity: usize) -> Self {
        let (sender, _) = broadcast::channel(capacity);
        InProcessBus { sender }
    }

    /// The sending side, for a relay that feeds this bus from elsewhere.
    pub fn sender(&self) -> broadcast::Sender<Arc<Envelope>> {
        self.sender.clone()
    }
}

#[async_trait::async_trait]
impl EventBus for InProcessBus {
    async fn publish(&self, events: Vec<Envelope>) -> anyhow::Result<()> {
        for event in events {
            // An error only means nobody is listening right now.
            let _ = self.sender.send(Arc::new(event));
        }
        Ok(())
    }

    fn subscribe(&self) -> BoxStream<'static, BusItem> {
        BroadcastStream::new(self.sender.subscribe())
            .map(|item| match item {
                Ok(envelope) => BusItem::Event(envelope),
                Err(BroadcastStreamRecvError::Lagged(missed)) => BusItem::Lagged { missed },
            })
            .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope() -> Envelope {
        let now = chrono::Utc::now();
        Envelope {
            org_id: OrgId::new(),
            event: Event::ActivityRecorded(Arc::new(entity::agent_activity::Model {
                id: uuid::Uuid::now_v7(),
                org_id: uuid::Uuid::now_v7(),
                agent_id: uuid::Uuid::now_v7(),
                activity_type: entity::ActivityType::Decision,
                payload: serde_json::json!({}),
                cost_usd: None,
                duration_ms: None,
                timestamp: now,
                received_at: now,
                run_id: None,
                parent_id: None,
                name: None,
                model: None,
                input_tokens: None,
                output_tokens: None,
                cache_read_tokens: None,
                cache_write_tokens: None,
                reasoning_tokens: None,
                status: entity::ActivityStatus::Ok,
                error_message: None,
                started_at: None,
                ended_at: None,
                unpriced: false,
                feed_seq: 0,
                redactions: 0,
            })),
        }
    }

    #[tokio::test]
    async fn a_slow_subscriber_is_told_how_much_it_missed_and_publishers_never_wait() {
        let bus = InProcessBus::new(2);
        let mut slow = bus.subscribe();
        let sent: Vec<Envelope> = (0..5).map(|_| envelope()).collect();
        let Event::ActivityRecorded(last) = &sent[4].event else {
            unreachable!("envelope() builds activities")
        };
        let last_id = last.id;
        bus.publish(sent).await.unwrap();
        match slow.next().await {
            Some(BusItem::Lagged { missed }) => assert_eq!(missed, 3),
            other => panic!("expected a lag report, got {other:?}"),
        }
        let _fourth = slow.next().await;
        match slow.next().await {
            Some(BusItem::Event(e)) => match &e.event {
                Event::ActivityRecorded(a) => assert_eq!(a.id, last_id),
                other => panic!("expected an activity, got {other:?}"),
            },
            other => panic!("expected the newest event, got {other:?}"),
        }
    }
}
