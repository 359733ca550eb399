//! The messages the proxy writes in the server's place: a tool result that refuses a call
//! (an MCP error *result*, `isError: true`, so the model reads why, rather than a protocol
//! error), a JSON-RPC error for a batch the policy cannot split, and progress
//! notifications for a held call.

use serde_json::{Value, json};

/// A `tools/call` result refusing the call with `why`.
pub fn refusal(id: &Value, why: &str) -> Value {
    json!({
        "jsonrpc": "2.0",
        "id": id,
        "result": {
            "content": [{ "type": "text", "text": why }],
            "isError": true,
        },
    })
}

/// A JSON-RPC error answering request `id`.
pub fn error(id: &Value, code: i64, message: &str) -> Value {
    json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": { "code": code, "message": message },
    })
}

/// A progress notification for the request that carried `token`.
pub fn progress(token: &Value, progress: u64, message: &str) -> Value {
    json!({
        "jsonrpc": "2.0",
        "method": "notifications/progress",
        "params": { "progressToken": token, "progress": progress, "message": message },
    })
}
