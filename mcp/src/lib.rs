//! `humanaios-mcp`: put it between an agent and any MCP server — one changed line in the
//! agent's MCP configuration — and every tool call is recorded with the HumanAIOS API, while
//! every message passes through unchanged.
//!
//! [`gate`] decides, before forwarding, what happens to a client's message; [`stdio`] is the proxy for servers the agent starts as a subprocess, [`http`] the one for Streamable HTTP servers; [`observe`] reads
//! the traffic on the side and turns tool calls into activities; [`recorder`] sends them to
//! the API in the background, spooling to disk while the API is unreachable.

pub mod gate;
pub mod http;
pub mod observe;
pub mod recorder;
pub mod stdio;
