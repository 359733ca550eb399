//! Holding a tool call for a human: an approval task is opened in HumanAIOS with the tool,
//! its arguments and the agent's reason; while it is open the client gets progress
//! notifications (if it asked for progress); the call goes on to the server once approved
//! — the wait ends at the first approval it sees, so the call is forwarded exactly once —
//! and is answered with an error result when a human rejects it, nobody decides in time,
//! or the task is withdrawn. A call the client cancels, or whose client is gone, withdraws
//! its task and is answered nothing.

use std::time::Duration;

use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use super::api::{Api, Decision};
use super::replies::{progress, refusal};
use crate::gate::Step;

/// How often the task is read while it is open.
const POLL: Duration = Duration::from_millis(500);

/// A held call.
pub struct Held {
    pub id: Value,
    pub tool: String,
    pub arguments: Value,
    /// Why the agent makes the call, if it said (`_meta["humanaios/reason"]` or a `reason`
    /// argument).
    pub agent_reason: Option<String>,
    /// Why the policy holds it.
    pub rule_reason: Option<String>,
    pub progress_token: Option<Value>,
    pub server: String,
    pub timeout: Duration,
    pub progress_every: Duration,
}

impl Held {
    fn description(&self) -> String {
        let arguments = serde_json::to_string_pretty(&self.arguments)
            .unwrap_or_else(|_| self.arguments.to_string());
        format!(
            "The agent wants to call the tool `{}` of the MCP server `{}`.\n\nArguments:\n{}\n\n\
             The agent's reason: {}\nWhy it needs approval: {}\n\n\
             Approve to let the call through (once); reject to refuse it.",
            self.tool,
            self.server,
            arguments,
            self.agent_reason.as_deref().unwrap_or("(none given)"),
            self.rule_reason
                .as_deref()
                .unwrap_or("the proxy's policy says so"),
        )
    }
}

/// Waits for a human's decision on `held`, sending the steps the client sees on `steps`.
pub async fn wait(
    api: Api,
    held: Held,
    steps: mpsc::Sender<Step>,
    cancelled: oneshot::Receiver<()>,
) {
    let answer = |why: String| Step::Answer(refusal(&held.id, &why));
    let title: String = format!("Approve tool call: {}", held.tool)
        .chars()
        .take(200)
        .collect();
    let task = match api.ask_approval(&title, &held.description()).await {
        Ok(task) => task,
        Err(err) => {
            let why =
                format!("the call needs a human's approval, and none could be asked for: {err:#}");
            let _ = steps.send(answer(why)).await;
            return;
        }
    };
    let deadline = tokio::time::Instant::now() + held.timeout;
    let mut poll = tokio::time::interval(POLL);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut progress_tick = tokio::time::interval(held.progress_every);
    let mut sent = 0u64;
    tokio::pin!(cancelled);
    let step = loop {
        tokio::select! {
            _ = &mut cancelled => {
                withdraw(&api, &task, "the agent cancelled the call").await;
                return;
            }
            _ = steps.closed() => {
                withdraw(&api, &task, "the agent went away").await;
                return;
            }
            _ = tokio::time::sleep_until(deadline) => {
                let waited = held.timeout.as_secs();
                withdraw(&api, &task, &format!("nobody decided within {waited} s")).await;
                break answer(format!(
                    "no human approved the call to `{}` within {waited} s (HumanAIOS task {task}); it was not made",
                    held.tool
                ));
            }
            _ = progress_tick.tick(), if held.progress_token.is_some() => {
                let token = held.progress_token.as_ref().unwrap_or(&Value::Null);
                let message = format!("waiting for a human to approve `{}` (HumanAIOS task {task})", held.tool);
                if steps.send(Step::Notify(progress(token, sent, &message))).await.is_err() {
                    continue; // the client is gone; `closed()` ends the wait
                }
                sent += 1;
            }
            _ = poll.tick() => match api.decision(&task).await {
                Ok(Decision::Approved) => break Step::Forward,
                Ok(Decision::Rejected(why)) => break answer(format!(
                    "a human rejected the call to `{}`{}",
                    held.tool,
                    why.map(|w| format!(": {w}")).unwrap_or_default()
                )),
                Ok(Decision::Withdrawn(why)) => break answer(format!(
                    "the approval of the call to `{}` was withdrawn{}",
                    held.tool,
                    why.map(|w| format!(": {w}")).unwrap_or_default()
                )),
                Ok(Decision::Waiting) => {}
                Err(err) => tracing::warn!(task, error = %format!("{err:#}"), "approval not read; trying again"),
            },
        }
    };
    let _ = steps.send(step).await;
}

async fn withdraw(api: &Api, task: &str, why: &str) {
    if let Err(err) = api.withdraw(task, why).await {
        tracing::warn!(task, error = %format!("{err:#}"), "approval task not withdrawn");
    }
}
