//! The proxy's governance behind the [`crate::gate::Gate`]: the policy file (reloaded when
//! it changes), calls held for a human's approval, the budget guard, and tool pinning.
//!
//! Everything here decides before a message is forwarded, so it is cheap on the common
//! path: a client line that names neither `tools/` nor a cancellation is forwarded without
//! being parsed, and the budget is read from the API in the background, never per call.

pub mod api;
pub mod hold;
pub mod policy;
pub mod replies;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use self::api::Api;
use self::policy::{Action, OnChange, Policy};
use crate::gate::{Decision, contains};

/// How often the policy file is checked for changes. Polling the file's length and
/// modification time catches every way editors and deploy tools replace a file (rename
/// over, truncate and write), which file-change notifications do not all report alike.
const RELOAD_EVERY: Duration = Duration::from_secs(1);
/// How often the agent's spend is read while the budget guard is on.
const BUDGET_EVERY: Duration = Duration::from_secs(5);

/// What the governor needs to start.
pub struct GovernorConfig {
    /// The policy file; none: every call allowed (tool pinning still alerts).
    pub policy: Option<PathBuf>,
    pub api: Api,
    /// Which server is behind the proxy (its command or upstream URL), for pinning.
    pub server: String,
}

/// The policy in force for one proxy, and what it keeps track of.
pub struct Governor {
    policy: RwLock<Arc<Policy>>,
    api: Api,
    server: String,
    /// The last known state of the budget: (spent, what to tell the client).
    budget: Mutex<Option<(bool, String)>>,
    /// Tools whose changed definition waits for an admin (hidden when the policy says so).
    changed: Mutex<HashSet<String>>,
    /// Held calls by request id, to withdraw when the client cancels them.
    held: Mutex<HashMap<String, oneshot::Sender<()>>>,
}

impl Governor {
    /// Loads the policy (a bad file is an error now, not a surprise later) and starts the
    /// background work: reloading the policy and reading the budget.
    pub fn start(config: GovernorConfig) -> anyhow::Result<Arc<Governor>> {
        let policy = match &config.policy {
            Some(path) => Policy::load(path).map_err(anyhow::Error::msg)?,
            None => Policy::allow_all(),
        };
        let governor = Arc::new(Governor {
            policy: RwLock::new(Arc::new(policy)),
            api: config.api,
            server: config.server,
            budget: Mutex::new(None),
            changed: Mutex::new(HashSet::new()),
            held: Mutex::new(HashMap::new()),
        });
        if let Some(path) = config.policy {
            // The stamp of the file as loaded, taken now: a change made before the watcher
            // first runs must still count as a change.
            let loaded = stamp(&path);
            tokio::spawn(reload(Arc::downgrade(&governor), path, loaded));
        }
        tokio::spawn(watch_budget(Arc::downgrade(&governor)));
        Ok(governor)
    }

    fn policy(&self) -> Arc<Policy> {
        read(&self.policy).clone()
    }

    /// Whether a raw client line could need a decision (a cheap scan before any parse).
    pub fn may_concern(line: &[u8]) -> bool {
        contains(line, b"tools/") || contains(line, b"notifications/cancelled")
    }

    /// Decides about one client message or batch.
    /// Decides about one message or batch of the client `scope` names (ids are per client).
    pub fn check(self: &Arc<Self>, scope: &str, message: &Value) -> Decision {
        match message {
            Value::Array(batch) => self.check_batch(scope, batch),
            Value::Object(_) => self.check_one(scope, message),
            _ => Decision::Forward,
        }
    }

    /// A batch goes through whole or not at all: calls in it cannot be held one by one
    /// (batches exist only in protocol 2025-03-26), so a batch with a call the policy would
    /// not simply forward is refused, each request with an error — and nothing in it is
    /// acted on (no approval is asked for a call that will not be made).
    fn check_batch(self: &Arc<Self>, scope: &str, batch: &[Value]) -> Decision {
        let governed = batch.iter().any(|message| match call_of(message) {
            Some((id, params)) => !matches!(self.rule(id, params), Ruling::Forward),
            None => false,
        });
        if !governed {
            for message in batch {
                self.check_one(scope, message);
            }
            return Decision::Forward;
        }
        let errors: Vec<Value> = batch
            .iter()
            .filter_map(|m| m.get("id").filter(|id| !id.is_null()))
            .map(|id| {
                replies::error(
                    id,
                    -32600,
                    "a batch holding a tool call that needs approval or is refused cannot be \
                     forwarded; send the calls one at a time",
                )
            })
            .collect();
        Decision::Answer(Value::Array(errors))
    }

    fn check_one(self: &Arc<Self>, scope: &str, message: &Value) -> Decision {
        if let Some((id, params)) = call_of(message) {
            return match self.rule(id, params) {
                Ruling::Forward => Decision::Forward,
                Ruling::Refuse(answer) => Decision::Answer(answer),
                Ruling::Hold(held) => self.hold(scope, *held),
            };
        }
        if message.get("method").and_then(Value::as_str) == Some("notifications/cancelled")
            && let Some(request) = message.get("params").and_then(|p| p.get("requestId"))
            && let Some(cancel) = lock(&self.held).remove(&held_key(scope, request))
        {
            let _ = cancel.send(());
        }
        Decision::Forward
    }

    /// What the policy, the pins and the budget say of a `tools/call`; no side effects.
    fn rule(&self, id: &Value, params: &Value) -> Ruling {
        let policy = self.policy();
        let tool = params.get("name").and_then(Value::as_str).unwrap_or("");
        if policy.on_change == OnChange::Hide && lock(&self.changed).contains(tool) {
            return Ruling::Refuse(replies::refusal(
                id,
                &format!(
                    "the tool `{tool}` changed its definition since it was pinned; an admin \
                     must accept the change in HumanAIOS before it can be called"
                ),
            ));
        }
        let verdict = policy.verdict(tool);
        if verdict.action == Action::Deny {
            let why = verdict
                .reason
                .as_deref()
                .unwrap_or("the tool is not allowed");
            return Ruling::Refuse(replies::refusal(
                id,
                &format!("the proxy's policy denies `{tool}`: {why}"),
            ));
        }
        if policy.enforce_budget
            && let Some((true, said)) = lock(&self.budget).clone()
        {
            return Ruling::Refuse(replies::refusal(
                id,
                &format!("the agent's daily budget is spent ({said}); `{tool}` was not called"),
            ));
        }
        if verdict.action == Action::Allow {
            return Ruling::Forward;
        }
        let meta = params.get("_meta").unwrap_or(&Value::Null);
        let arguments = params.get("arguments").cloned().unwrap_or(Value::Null);
        Ruling::Hold(Box::new(hold::Held {
            id: id.clone(),
            tool: tool.to_owned(),
            agent_reason: meta
                .get("humanaios/reason")
                .or_else(|| arguments.get("reason"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            arguments,
            rule_reason: verdict.reason,
            progress_token: meta.get("progressToken").cloned(),
            server: self.server.clone(),
            timeout: policy.approval_timeout,
            progress_every: policy.progress_every,
        }))
    }

    /// Starts waiting for a person's decision on `held`, cancellable by its client.
    fn hold(self: &Arc<Self>, scope: &str, held: hold::Held) -> Decision {
        let (steps, receiver) = mpsc::channel(8);
        let (cancel, cancelled) = oneshot::channel();
        let key = held_key(scope, &held.id);
        if let Some(earlier) = lock(&self.held).insert(key.clone(), cancel) {
            // The client reused the id of a call still held: the earlier call is cancelled
            // (dropping its sender would withdraw it just the same, but say so).
            let _ = earlier.send(());
        }
        let governor = self.clone();
        tokio::spawn(async move {
            hold::wait(governor.api.clone(), held, steps, cancelled).await;
            let mut held = lock(&governor.held);
            // Forget this call, not a later one that reused its id.
            if held.get(&key).is_some_and(oneshot::Sender::is_closed) {
                held.remove(&key);
            }
        });
        Decision::Hold(receiver)
    }

    /// Reports a `tools/list` answer for pinning. When the policy hides changed tools, the
    /// answer waits for the API's word and loses them (if the API cannot be asked, the tools
    /// it last said were changed stay hidden); otherwise the answer goes on at once and the
    /// report is sent in the background.
    pub async fn review_tools_list(self: &Arc<Self>, mut response: Value) -> Value {
        let Some(tools) = response
            .get("result")
            .and_then(|r| r.get("tools"))
            .and_then(Value::as_array)
            .cloned()
        else {
            return response;
        };
        if self.policy().on_change != OnChange::Hide {
            let governor = self.clone();
            tokio::spawn(async move { governor.report(&tools).await });
            return response;
        }
        self.report(&tools).await;
        let changed = lock(&self.changed).clone();
        if let Some(tools) = response
            .get_mut("result")
            .and_then(|r| r.get_mut("tools"))
            .and_then(Value::as_array_mut)
        {
            tools
                .retain(|t| !changed.contains(t.get("name").and_then(Value::as_str).unwrap_or("")));
        }
        response
    }

    /// Reports the tools for pinning and remembers which changed.
    async fn report(&self, tools: &[Value]) {
        match self.api.changed_tools(&self.server, tools).await {
            Ok(changed) => *lock(&self.changed) = changed.into_iter().collect(),
            Err(err) => {
                tracing::warn!(error = %format!("{err:#}"), "tools not reported for pinning");
            }
        }
    }
}

/// Re-reads the policy file whenever its length or modification time changes; a file that
/// does not parse leaves the policy in force as it was.
async fn reload(governor: std::sync::Weak<Governor>, path: PathBuf, mut seen: Stamp) {
    loop {
        tokio::time::sleep(RELOAD_EVERY).await;
        let Some(governor) = governor.upgrade() else {
            return;
        };
        let now = stamp(&path);
        if now == seen {
            continue;
        }
        seen = now;
        match Policy::load(&path) {
            Ok(policy) => {
                *write(&governor.policy) = Arc::new(policy);
                tracing::info!(path = %path.display(), "policy reloaded");
            }
            Err(err) => {
                tracing::error!(%err, "the changed policy does not parse; the previous one stays in force")
            }
        }
    }
}

/// What tells a changed file: its length and modification time.
type Stamp = Option<(u64, Option<std::time::SystemTime>)>;

fn stamp(path: &std::path::Path) -> Stamp {
    std::fs::metadata(path)
        .ok()
        .map(|m| (m.len(), m.modified().ok()))
}

/// Keeps the last known budget state while the policy enforces it.
async fn watch_budget(governor: std::sync::Weak<Governor>) {
    loop {
        let Some(strong) = governor.upgrade() else {
            return;
        };
        if strong.policy().enforce_budget {
            match strong.api.budget_spent().await {
                Ok(state) => *lock(&strong.budget) = Some(state),
                // Unknown spend does not stop the agent: the API being down must not.
                Err(err) => tracing::warn!(error = %format!("{err:#}"), "budget not read"),
            }
        }
        drop(strong);
        tokio::time::sleep(BUDGET_EVERY).await;
    }
}

/// What the policy says of one call.
enum Ruling {
    Forward,
    Refuse(Value),
    Hold(Box<hold::Held>),
}

/// A `tools/call` request's id and params.
fn call_of(message: &Value) -> Option<(&Value, &Value)> {
    if message.get("method").and_then(Value::as_str) != Some("tools/call") {
        return None;
    }
    let id = message.get("id").filter(|id| !id.is_null())?;
    Some((id, message.get("params").unwrap_or(&Value::Null)))
}

/// A held call's key: its client's scope and its id.
fn held_key(scope: &str, id: &Value) -> String {
    format!("{scope}\u{0}{id}")
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Nothing here is left half-updated by a panic; a poisoned lock is still usable.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests;
