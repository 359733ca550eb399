//! Reading MCP traffic on the side: JSON-RPC messages are parsed after they have been
//! forwarded, never before and never changed. A client's `tools/call` request is matched
//! with the server's response by id and becomes a `TOOL_CALL` activity (tool name,
//! arguments, result size, `isError`, duration); a JSON-RPC error answering any client
//! request becomes an `ERROR` activity. Server-to-client requests (sampling, elicitation,
//! roots) and their answers pass by unrecorded.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use serde_json::{Value, json};
use uuid::Uuid;

use crate::activity::{Activities, Started};

/// Requests remembered while they wait for their response; the oldest are forgotten beyond
/// this (a server that never answers must not grow the proxy without bound).
const MAX_PENDING: usize = 10_000;

/// A client request waiting for its response.
#[derive(Debug, Clone)]
struct Pending {
    method: String,
    /// For `tools/call`: the tool and its arguments.
    tool: Option<(String, Value)>,
    started: Started,
}

/// Matches requests with responses and turns them into activities for one agent and run.
#[derive(Debug)]
pub struct Observer {
    activities: Activities,
    /// Waiting requests by id, each with its arrival number.
    pending: HashMap<String, (u64, Pending)>,
    /// The same requests by arrival, to forget the oldest first.
    by_age: BTreeMap<u64, String>,
    arrivals: u64,
}

impl Observer {
    /// An observer recording for `agent_id`, every activity in run `run_id` (one proxy
    /// session is one run).
    pub fn new(agent_id: impl Into<String>, run_id: Uuid) -> Self {
        Observer {
            activities: Activities::new(agent_id, run_id),
            pending: HashMap::new(),
            by_age: BTreeMap::new(),
            arrivals: 0,
        }
    }

    /// Notes what the client sent (one line of the stream: a message or a batch), now.
    pub fn from_client(&mut self, line: &[u8]) {
        self.from_client_at(line, Started::now());
    }

    /// Notes what the client sent at `sent` (lines read on the side are read later).
    pub fn from_client_at(&mut self, line: &[u8], sent: Started) {
        for message in messages(line) {
            let (Some(id), Some(method)) = (
                message.get("id").filter(|id| !id.is_null()),
                message.get("method").and_then(Value::as_str),
            ) else {
                continue; // a notification, or the client's answer to a server request
            };
            let tool = (method == "tools/call").then(|| {
                let params = message.get("params").cloned().unwrap_or(Value::Null);
                let name = params
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("unknown")
                    .to_owned();
                let arguments = params.get("arguments").cloned().unwrap_or(json!({}));
                (name, arguments)
            });
            let request = Pending {
                method: method.to_owned(),
                tool,
                started: sent,
            };
            self.remember(id.to_string(), request);
        }
    }

    fn remember(&mut self, key: String, request: Pending) {
        if let Some((arrival, _)) = self.pending.remove(&key) {
            self.by_age.remove(&arrival);
        }
        if self.pending.len() >= MAX_PENDING
            && let Some((_, oldest)) = self.by_age.pop_first()
        {
            self.pending.remove(&oldest);
        }
        self.arrivals += 1;
        self.by_age.insert(self.arrivals, key.clone());
        self.pending.insert(key, (self.arrivals, request));
    }

    fn forget(&mut self, key: &str) -> Option<Pending> {
        let (arrival, request) = self.pending.remove(key)?;
        self.by_age.remove(&arrival);
        Some(request)
    }

    /// Notes what the server sent, now, and returns the activities it completes.
    pub fn from_server(&mut self, line: &[u8]) -> Vec<Value> {
        self.from_server_at(line, Instant::now())
    }

    /// Notes what the server sent at `sent` and returns the activities it completes.
    pub fn from_server_at(&mut self, line: &[u8], sent: Instant) -> Vec<Value> {
        let mut activities = Vec::new();
        for message in messages(line) {
            if message.get("method").is_some() {
                continue; // a server request or notification
            }
            let Some(id) = message.get("id") else {
                continue;
            };
            let Some(request) = self.forget(&id.to_string()) else {
                continue;
            };
            let started = request.started.ended_at(sent);
            let tool = request
                .tool
                .as_ref()
                .map(|(name, arguments)| (name.as_str(), arguments));
            if let Some(error) = message.get("error") {
                activities.push(
                    self.activities
                        .error(&started, &request.method, tool, error),
                );
            } else if let Some((name, arguments)) = tool {
                let result = message.get("result").unwrap_or(&Value::Null);
                activities.push(self.activities.tool_call(&started, name, arguments, result));
            }
        }
        activities
    }
}

/// The messages of one line: a JSON-RPC message, or each of a batch. Anything else (not
/// JSON, a log line a server printed by mistake) is no message.
fn messages(line: &[u8]) -> Vec<Value> {
    match serde_json::from_slice::<Value>(line) {
        Ok(Value::Array(batch)) => batch,
        Ok(message @ Value::Object(_)) => vec![message],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observer() -> Observer {
        Observer::new("agent-1", Uuid::nil())
    }

    #[test]
    fn a_tool_call_and_its_result_make_one_activity() {
        let mut o = observer();
        o.from_client(br#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hi"}}}"#);
        let got = o.from_server(
            br#"{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"Echo: hi"}]}}"#,
        );
        assert_eq!(got.len(), 1);
        let a = &got[0];
        assert_eq!(a["type"], "TOOL_CALL");
        assert_eq!(a["name"], "echo");
        assert_eq!(a["status"], "OK");
        assert_eq!(a["agentId"], "agent-1");
        assert_eq!(a["payload"]["arguments"], json!({ "message": "hi" }));
        assert_eq!(a["payload"]["isError"], false);
        assert!(a["payload"]["resultBytes"].as_u64().unwrap() > 10);
        // The same id again is a new request, not a replay of the old one.
        assert!(
            o.from_server(br#"{"jsonrpc":"2.0","id":7,"result":{}}"#)
                .is_empty()
        );
    }

    #[test]
    fn a_call_read_later_lasts_from_its_request_to_its_answer() {
        // Lines read on the side carry the times they passed, not the time they are read.
        let mut o = observer();
        o.from_client_at(
            br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"}}"#,
            Started::now(),
        );
        let answered = Instant::now() + std::time::Duration::from_millis(250);
        let got = o.from_server_at(br#"{"jsonrpc":"2.0","id":1,"result":{}}"#, answered);
        let lasted = got[0]["durationMs"].as_i64().unwrap();
        assert!((250..260).contains(&lasted), "{lasted} ms");
    }

    #[test]
    fn tool_errors_and_json_rpc_errors_are_recorded_as_errors() {
        let mut o = observer();
        o.from_client(
            br#"{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"fail"}}"#,
        );
        o.from_client(
            br#"{"jsonrpc":"2.0","id":"b","method":"resources/read","params":{"uri":"x"}}"#,
        );
        let failed = o.from_server(br#"{"jsonrpc":"2.0","id":"a","result":{"isError":true,"content":[{"type":"text","text":"disk full"}]}}"#);
        assert_eq!(failed[0]["status"], "ERROR");
        assert_eq!(failed[0]["errorMessage"], "disk full");
        assert_eq!(failed[0]["type"], "TOOL_CALL");
        let rpc = o.from_server(
            br#"{"jsonrpc":"2.0","id":"b","error":{"code":-32002,"message":"Resource not found"}}"#,
        );
        assert_eq!(rpc[0]["type"], "ERROR");
        assert_eq!(rpc[0]["name"], "resources/read");
        assert_eq!(rpc[0]["errorMessage"], "Resource not found");
        assert_eq!(rpc[0]["payload"]["code"], -32002);
    }

    #[test]
    fn server_requests_notifications_and_noise_record_nothing() {
        let mut o = observer();
        // The server asks the client to sample with id 7; the client answers id 7. Neither
        // is a tool call, and the client's id space is not the server's.
        assert!(
            o.from_server(
                br#"{"jsonrpc":"2.0","id":7,"method":"sampling/createMessage","params":{}}"#
            )
            .is_empty()
        );
        o.from_client(
            br#"{"jsonrpc":"2.0","id":7,"result":{"content":{"type":"text","text":"ok"}}}"#,
        );
        o.from_client(br#"{"jsonrpc":"2.0","method":"notifications/progress","params":{}}"#);
        assert!(o.from_server(b"not json at all").is_empty());
        assert!(
            o.from_server(br#"{"jsonrpc":"2.0","id":99,"result":{}}"#)
                .is_empty()
        );
        assert!(o.pending.is_empty() && o.by_age.is_empty());
    }

    #[test]
    fn batches_are_read_message_by_message() {
        let mut o = observer();
        o.from_client(br#"[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a"}},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"b"}}]"#);
        let got = o.from_server(
            br#"[{"jsonrpc":"2.0","id":2,"result":{}},{"jsonrpc":"2.0","id":1,"result":{}}]"#,
        );
        let names: Vec<&str> = got.iter().map(|a| a["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["b", "a"]);
    }

    #[test]
    fn unanswered_requests_are_bounded() {
        let mut o = observer();
        for i in 0..(MAX_PENDING + 50) {
            o.from_client(format!(r#"{{"jsonrpc":"2.0","id":{i},"method":"ping"}}"#).as_bytes());
        }
        assert_eq!(o.pending.len(), MAX_PENDING);
        assert_eq!(o.by_age.len(), MAX_PENDING);
        assert!(o.pending.contains_key(&(MAX_PENDING + 49).to_string()));
        assert!(!o.pending.contains_key("0"));
    }
}
