//! The shape of what is recorded: the `TOOL_CALL` and `ERROR` activities sent to
//! `POST /api/v1/ingest`. The proxy ([`crate::observe`]) and the SDK ([`crate::sdk`]) both
//! build theirs here, so a call looks the same in the API however it was watched.

use std::time::Instant;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

/// When a request arrived: on the wall clock for the record, on the monotonic clock for
/// its duration; and, once known, when its answer arrived.
#[derive(Debug, Clone, Copy)]
pub struct Started {
    at: DateTime<Utc>,
    instant: Instant,
    ended: Option<Instant>,
}

impl Started {
    /// Now.
    pub fn now() -> Started {
        Started {
            at: Utc::now(),
            instant: Instant::now(),
            ended: None,
        }
    }

    /// The same request, answered at `ended` (for activities built some time after the
    /// answer passed, as the proxy's side reading does).
    pub fn ended_at(self, ended: Instant) -> Started {
        Started {
            ended: Some(ended),
            ..self
        }
    }

    fn elapsed_ms(&self) -> i64 {
        let ended = self.ended.unwrap_or_else(Instant::now);
        let elapsed = ended.saturating_duration_since(self.instant);
        i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
    }
}

/// Builds the activities of one agent in one run; each activity's duration runs from
/// its [`Started`] to when the answer arrived (the moment it is built, unless the
/// [`Started`] says otherwise).
#[derive(Debug, Clone)]
pub struct Activities {
    agent_id: String,
    run_id: Uuid,
}

impl Activities {
    /// Activities of `agent_id`, every one in run `run_id`.
    pub fn new(agent_id: impl Into<String>, run_id: Uuid) -> Self {
        Activities {
            agent_id: agent_id.into(),
            run_id,
        }
    }

    /// A `tools/call` of `tool` with `arguments` that the server answered with `result`
    /// (a `CallToolResult`; `isError: true` in it makes the activity an `ERROR` status).
    pub fn tool_call(
        &self,
        started: &Started,
        tool: &str,
        arguments: &Value,
        result: &Value,
    ) -> Value {
        let is_error = result
            .get("isError")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let mut activity = self.base(started, "TOOL_CALL");
        activity["name"] = json!(tool);
        activity["status"] = json!(if is_error { "ERROR" } else { "OK" });
        activity["payload"] = json!({
            "tool": tool,
            "arguments": arguments,
            "isError": is_error,
            "resultBytes": result.to_string().len(),
        });
        if is_error {
            activity["errorMessage"] =
                json!(first_text(result).unwrap_or("the tool reported an error"));
        }
        activity
    }

    /// A JSON-RPC `error` answering a request for `method` (for `tools/call`, `tool` is the
    /// tool and its arguments, and the activity is named after the tool).
    pub fn error(
        &self,
        started: &Started,
        method: &str,
        tool: Option<(&str, &Value)>,
        error: &Value,
    ) -> Value {
        let mut activity = self.base(started, "ERROR");
        activity["name"] = json!(tool.map_or(method, |(name, _)| name));
        activity["status"] = json!("ERROR");
        activity["errorMessage"] = json!(
            error
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("JSON-RPC error")
        );
        activity["payload"] = json!({
            "method": method,
            "code": error.get("code"),
            "arguments": tool.map(|(_, arguments)| arguments),
        });
        activity
    }

    fn base(&self, started: &Started, kind: &str) -> Value {
        let duration_ms = started.elapsed_ms();
        json!({
            "id": Uuid::now_v7().to_string(),
            "agentId": self.agent_id,
            "type": kind,
            "runId": self.run_id.to_string(),
            "durationMs": duration_ms,
            "timestamp": started.at.to_rfc3339(),
            "startedAt": started.at.to_rfc3339(),
            "endedAt": (started.at + chrono::Duration::milliseconds(duration_ms)).to_rfc3339(),
        })
    }
}

/// The first text content of a tool result.
fn first_text(result: &Value) -> Option<&str> {
    result
        .get("content")?
        .as_array()?
        .iter()
        .find_map(|c| c.get("text").and_then(Value::as_str))
}
