//! Recording HTTP traffic on the side. Each [`Watch`] owns an [`Observer`] in a task of its
//! own: the proxy only queues what passed (a POST body, a JSON response, the chunks of an
//! SSE stream) and never waits for it to be parsed. [`Watchers`] keeps one watch per MCP
//! session, since request ids are unique only within a session, and forgets the least
//! recently used beyond a bound.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Mutex;

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt as _;
use sse_stream::SseStream;
use tokio::sync::mpsc;
use tokio_stream::wrappers::UnboundedReceiverStream;
use uuid::Uuid;

use crate::observe::Observer;
use crate::recorder::Recorder;

/// Sessions remembered at once; the least recently used is forgotten beyond this (a client
/// that never sends DELETE must not grow the proxy without bound).
const MAX_SESSIONS: usize = 1_000;
/// Largest JSON response read on the side (a bigger one is forwarded, but not parsed).
const MAX_PARSED_BODY: usize = 16 * 1024 * 1024;

/// What passed through the proxy, in the order it passed.
enum Seen {
    Client(Bytes),
    Server(Bytes),
}

/// How a response body is read on the side.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum BodyKind {
    /// One JSON-RPC message or batch (`application/json`).
    Json,
    /// Server-sent events whose `data` are JSON-RPC messages (`text/event-stream`).
    EventStream,
    /// Anything else (an empty 202, an HTML error page): not read.
    Other,
}

impl BodyKind {
    /// The kind of a body from its `Content-Type`.
    pub(crate) fn of(content_type: Option<&str>) -> BodyKind {
        let essence = content_type
            .and_then(|value| value.split(';').next())
            .map(|value| value.trim().to_ascii_lowercase());
        match essence.as_deref() {
            Some("application/json") => BodyKind::Json,
            Some("text/event-stream") => BodyKind::EventStream,
            _ => BodyKind::Other,
        }
    }
}

/// The queue to one observer; cheap to clone. The observer's task ends when the last clone
/// is dropped.
#[derive(Clone)]
pub(crate) struct Watch {
    seen: mpsc::UnboundedSender<Seen>,
}

impl Watch {
    /// Starts an observer task that records what it completes with `recorder`.
    fn start(mut observer: Observer, recorder: Recorder) -> Watch {
        let (seen, mut queue) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Some(seen) = queue.recv().await {
                match seen {
                    Seen::Client(body) => observer.from_client(&body),
                    Seen::Server(body) => {
                        for activity in observer.from_server(&body) {
                            recorder.record(activity);
                        }
                    }
                }
            }
        });
        Watch { seen }
    }

    /// Notes a message (or batch) the client sent.
    pub(crate) fn client(&self, body: Bytes) {
        // Fails only once the observer task is gone, at shutdown.
        let _ = self.seen.send(Seen::Client(body));
    }

    /// Notes a whole message (or batch) the client received.
    pub(crate) fn server(&self, body: Bytes) {
        let _ = self.seen.send(Seen::Server(body));
    }

    /// A sink for the chunks of a response body of `kind`, read on a side task as they
    /// come; `None` when such a body is not read.
    pub(crate) fn response(&self, kind: BodyKind) -> Option<mpsc::UnboundedSender<Bytes>> {
        let (chunks, received) = mpsc::unbounded_channel::<Bytes>();
        let watch = self.clone();
        match kind {
            BodyKind::Other => return None,
            BodyKind::Json => {
                tokio::spawn(async move { watch.json_body(received).await });
            }
            BodyKind::EventStream => {
                tokio::spawn(async move { watch.event_stream(received).await });
            }
        }
        Some(chunks)
    }

    async fn json_body(self, mut chunks: mpsc::UnboundedReceiver<Bytes>) {
        let mut body = BytesMut::new();
        while let Some(chunk) = chunks.recv().await {
            if body.len() + chunk.len() > MAX_PARSED_BODY {
                return;
            }
            body.extend_from_slice(&chunk);
        }
        self.server(body.freeze());
    }

    async fn event_stream(self, chunks: mpsc::UnboundedReceiver<Bytes>) {
        let chunks = UnboundedReceiverStream::new(chunks).map(Ok::<_, Infallible>);
        let mut events = SseStream::from_bytes_stream(chunks);
        while let Some(event) = events.next().await {
            match event {
                Ok(event) => {
                    // Priming events (an id and no data) carry no message.
                    if let Some(data) = event.data.filter(|data| !data.is_empty()) {
                        self.server(Bytes::from(data));
                    }
                }
                Err(err) => {
                    // The client still gets the stream as it is; only recording stops.
                    tracing::debug!(error = %err, "an SSE stream that cannot be read; not recorded further");
                    return;
                }
            }
        }
    }
}

/// One watch per MCP session, plus a fresh one for each exchange that belongs to none.
pub(crate) struct Watchers {
    agent_id: String,
    recorder: Recorder,
    /// The run of all sessionless traffic (and of each `initialize`, which has no session
    /// yet): one proxy process, one run.
    sessionless_run: Uuid,
    sessions: Mutex<Sessions>,
}

#[derive(Default)]
struct Sessions {
    /// Each session's watch and when it was last used.
    by_id: HashMap<String, (u64, Watch)>,
    uses: u64,
}

impl Watchers {
    /// Watchers recording for `agent_id` with `recorder`.
    pub(crate) fn new(agent_id: String, recorder: Recorder) -> Watchers {
        Watchers {
            agent_id,
            recorder,
            sessionless_run: Uuid::now_v7(),
            sessions: Mutex::default(),
        }
    }

    /// The watch for traffic of `session`. Traffic without a session gets a watch of its
    /// own: without a session nothing but the exchange itself ties a response to its
    /// request, and two clients may well use the same ids.
    pub(crate) fn watch(&self, session: Option<&str>) -> Watch {
        let Some(session) = session else {
            return self.start(self.sessionless_run);
        };
        let mut sessions = self.lock();
        sessions.uses += 1;
        let now = sessions.uses;
        if let Some((used, watch)) = sessions.by_id.get_mut(session) {
            *used = now;
            return watch.clone();
        }
        if sessions.by_id.len() >= MAX_SESSIONS
            && let Some(oldest) = sessions
                .by_id
                .iter()
                .min_by_key(|(_, (used, _))| *used)
                .map(|(id, _)| id.clone())
        {
            sessions.by_id.remove(&oldest);
        }
        // Each session is a run of its own.
        let watch = self.start(Uuid::now_v7());
        sessions
            .by_id
            .insert(session.to_owned(), (now, watch.clone()));
        watch
    }

    /// Forgets a session the client ended.
    pub(crate) fn end(&self, session: &str) {
        self.lock().by_id.remove(session);
    }

    fn start(&self, run: Uuid) -> Watch {
        Watch::start(
            Observer::new(self.agent_id.clone(), run),
            self.recorder.clone(),
        )
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Sessions> {
        // The map stays consistent whatever panicked while holding it.
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    #[cfg(test)]
    pub(crate) fn sessions(&self) -> usize {
        self.lock().by_id.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_kinds_follow_the_content_type() {
        assert_eq!(
            BodyKind::of(Some("application/json; charset=utf-8")),
            BodyKind::Json
        );
        assert_eq!(
            BodyKind::of(Some("Text/Event-Stream")),
            BodyKind::EventStream
        );
        assert_eq!(BodyKind::of(Some("text/html")), BodyKind::Other);
        assert_eq!(BodyKind::of(None), BodyKind::Other);
    }

    #[tokio::test]
    async fn sessions_are_remembered_up_to_a_bound_and_forgotten_when_ended() {
        let spool = tempfile::tempdir().unwrap();
        let (recorder, _) = crate::recorder::start(crate::recorder::RecorderConfig {
            api_url: "http://127.0.0.1:9".into(),
            api_key: "unused".into(),
            spool: spool.path().join("spool"),
        });
        let watchers = Watchers::new("agent".into(), recorder);
        watchers.watch(None);
        assert_eq!(watchers.sessions(), 0, "sessionless traffic keeps nothing");
        for n in 0..MAX_SESSIONS + 10 {
            watchers.watch(Some(&format!("session-{n}")));
        }
        assert_eq!(watchers.sessions(), MAX_SESSIONS);
        watchers.end(&format!("session-{}", MAX_SESSIONS + 9));
        assert_eq!(watchers.sessions(), MAX_SESSIONS - 1);
    }
}
