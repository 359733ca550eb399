//! `humanaios-mcp`: put it between an agent and any MCP server — one changed line in the
//! agent's MCP configuration — and every tool call is recorded with the HumanAIOS API, while
//! every message passes through unchanged.
//!
//! [`stdio`] is the proxy for servers the agent starts as a subprocess, [`http`] the one for
//! Streamable HTTP servers. [`gate`] decides, before forwarding, what happens to a client's
//! message, applying [`govern`]: the policy file, calls held for a human's approval, the
//! budget guard and tool pinning. [`observe`] reads the traffic on the side and turns tool
//! calls into activities; [`recorder`] sends them to the API in the background, spooling to
//! disk while the API is unreachable. [`sdk`] is the same recording for MCP servers written
//! with `rmcp`, by wrapping them in code rather than proxying them; [`activity`] is the
//! shape of what both record.

pub mod activity;
pub mod gate;
pub mod govern;
pub mod http;
pub mod observe;
pub mod recorder;
pub mod sdk;
pub mod stdio;
