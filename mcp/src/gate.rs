//! What the proxy decides about a client's message before it is forwarded, whatever the
//! transport: forward it unchanged, answer it in the server's place (a call the policy
//! denies, a spent budget, a hidden tool), or hold it while a human decides — sending the
//! client progress notifications meanwhile. It also reviews `tools/list` results on their
//! way back (tool pinning may hide a changed tool). The stdio and HTTP proxies both ask
//! the same [`Gate`]; an open gate forwards everything and rewrites nothing.

use std::sync::Arc;

use serde_json::Value;
use tokio::sync::mpsc;

use crate::govern::Governor;

/// One step of a held message, in order: any number of `Notify`, then one `Forward` or
/// `Answer`.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Send this notification to the client now (e.g. `notifications/progress`).
    Notify(Value),
    /// Forward the original message unchanged, as if it had never been held.
    Forward,
    /// Do not forward; send this response to the client instead.
    Answer(Value),
}

/// What to do with a message from the client.
#[derive(Debug)]
pub enum Decision {
    /// Forward it unchanged.
    Forward,
    /// Do not forward it; send this response to the client instead.
    Answer(Value),
    /// Wait, following the steps as they come; a closed channel before a final step means
    /// the proxy is stopping (answer nothing, forward nothing).
    Hold(mpsc::Receiver<Step>),
}

/// The proxy's decisions for one agent session; cheap to clone.
#[derive(Clone, Default)]
pub struct Gate {
    governor: Option<Arc<Governor>>,
}

impl Gate {
    /// A gate that forwards everything and rewrites nothing.
    pub fn open() -> Gate {
        Gate::default()
    }

    /// A gate that applies `governor`'s policy, budget guard and tool pinning.
    pub fn governed(governor: Arc<Governor>) -> Gate {
        Gate {
            governor: Some(governor),
        }
    }

    /// Whether messages need to be shown to [`Gate::check`] at all (transports skip the
    /// parse when not).
    pub fn is_open(&self) -> bool {
        self.governor.is_none()
    }

    /// Decides about one message (or batch) from the client of a transport with one
    /// client (stdio).
    pub fn check(&self, message: &Value) -> Decision {
        self.check_in("", message)
    }

    /// Decides about one message (or batch) from the client whose requests `scope` names
    /// (the HTTP proxy's session): request ids are the client's own, so two clients may use
    /// the same id, and a cancellation reaches only its own client's held call.
    pub fn check_in(&self, scope: &str, message: &Value) -> Decision {
        match &self.governor {
            None => Decision::Forward,
            Some(governor) => governor.check(scope, message),
        }
    }

    /// Decides about one raw line (or body) from the client: what [`Gate::check`] says of
    /// it, without parsing lines that cannot concern the policy.
    pub fn check_bytes(&self, bytes: &[u8]) -> Decision {
        if self.is_open() || !Governor::may_concern(bytes) {
            return Decision::Forward;
        }
        match serde_json::from_slice::<Value>(bytes) {
            Ok(message) => self.check(&message),
            Err(_) => Decision::Forward,
        }
    }

    /// Reviews the server's response to a `tools/list` request before the client sees it;
    /// returns the message to send (the same one unless a tool is hidden).
    pub async fn review_tools_list(&self, response: Value) -> Value {
        match &self.governor {
            None => response,
            Some(governor) => governor.review_tools_list(response).await,
        }
    }
}

/// The id of a `tools/list` request (whose answer the gate reviews), if `message` is one.
pub fn lists_tools(message: &Value) -> Option<&Value> {
    if message.get("method").and_then(Value::as_str) != Some("tools/list") {
        return None;
    }
    message.get("id").filter(|id| !id.is_null())
}

/// Whether `haystack` holds `needle`: the cheap look at a raw line before any parse.
pub(crate) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
