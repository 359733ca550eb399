//! The event bus across replicas: every replica publishes to one Redis pub/sub channel and
//! relays what the channel carries (its own events included, so every subscriber sees one
//! order per publisher) into a local broadcast that its subscribers read.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use futures_util::StreamExt as _;
use futures_util::stream::BoxStream;
use redis::AsyncCommands as _;
use redis::aio::ConnectionManager;
use tokio::sync::broadcast;

use super::{BusItem, Envelope, EventBus, InProcessBus};

/// The channel every replica shares.
pub const CHANNEL: &str = "humanaios:events";
/// Longest wait between two attempts to resubscribe after losing Redis.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Publishes to Redis; relays Redis to local subscribers.
pub struct RedisBus {
    publisher: ConnectionManager,
    local: Arc<InProcessBus>,
    relay: tokio::task::JoinHandle<()>,
}

impl RedisBus {
    /// Connects (failing at once when Redis is unreachable, so a misconfigured replica does
    /// not start deaf) and starts relaying the channel.
    pub async fn connect(url: &str, capacity: usize) -> anyhow::Result<RedisBus> {
        let client = redis::Client::open(url).context("REDIS_URL is not a valid Redis URL")?;
        let publisher = ConnectionManager::new(client.clone())
            .await
            .with_context(|| format!("connecting to Redis at {}", crate::db::redact_url(url)))?;
        let mut pubsub = client
            .get_async_pubsub()
            .await
            .context("opening a Redis pub/sub connection")?;
        pubsub
            .subscribe(CHANNEL)
            .await
            .context("subscribing to the event channel")?;
        let local = Arc::new(InProcessBus::new(capacity));
        let relay = tokio::spawn(relay(client, pubsub, local.sender()));
        Ok(RedisBus {
            publisher,
            local,
            relay,
        })
    }
}

impl Drop for RedisBus {
    fn drop(&mut self) {
        self.relay.abort();
    }
}

/// Forwards the channel into the local broadcast, resubscribing with backoff whenever the
/// connection drops (events published meanwhile are missed; subscribers catch up from the
/// paginated query).
async fn relay(
    client: redis::Client,
    mut pubsub: redis::aio::PubSub,
    local: broadcast::Sender<Arc<Envelope>>,
) {
    let mut backoff = Duration::from_millis(100);
    loop {
        {
            let mut messages = pubsub.on_message();
            while let Some(message) = messages.next().await {
                backoff = Duration::from_millis(100);
                let payload: Vec<u8> = match message.get_payload() {
                    Ok(payload) => payload,
                    Err(err) => {
                        tracing::warn!(error = %err, "unreadable Redis event");
                        continue;
                    }
                };
                match serde_json::from_slice::<Envelope>(&payload) {
                    // An error only means nobody is listening right now.
                    Ok(envelope) => drop(local.send(Arc::new(envelope))),
                    Err(err) => tracing::warn!(error = %err, "malformed Redis event"),
                }
            }
        }
        tracing::warn!("lost the Redis event channel; resubscribing");
        loop {
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
            match client.get_async_pubsub().await {
                Ok(mut fresh) => {
                    if fresh.subscribe(CHANNEL).await.is_ok() {
                        pubsub = fresh;
                        break;
                    }
                }
                Err(err) => tracing::warn!(error = %err, "Redis still unreachable"),
            }
        }
    }
}

#[async_trait::async_trait]
impl EventBus for RedisBus {
    async fn publish(&self, events: Vec<Envelope>) -> anyhow::Result<()> {
        let mut connection = self.publisher.clone();
        for event in events {
            let payload = serde_json::to_vec(&event)?;
            let _: i64 = connection
                .publish(CHANNEL, payload)
                .await
                .context("publishing an event to Redis")?;
        }
        Ok(())
    }

    fn subscribe(&self) -> BoxStream<'static, BusItem> {
        self.local.subscribe()
    }
}
