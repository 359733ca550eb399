//! The records HumanAIOS stores and the vocabulary they share with the dashboard.
//!
//! [`domain`] (enums, ids, money) compiles everywhere, wasm32 included. The sea-orm
//! entities behind the `db` feature map those types onto tables; the dashboard builds this
//! crate without `db`, so server and client use the very same enums and ids.

pub mod domain;

#[cfg(feature = "db")]
pub mod agent;
#[cfg(feature = "db")]
pub mod agent_activity;
#[cfg(feature = "db")]
pub mod alert_event;
#[cfg(feature = "db")]
pub mod alert_rule;
#[cfg(feature = "db")]
pub mod alert_state;
#[cfg(feature = "db")]
pub mod api_key;
#[cfg(feature = "db")]
pub mod audit_log;
#[cfg(feature = "db")]
pub mod human_task;
#[cfg(feature = "db")]
pub mod invitation;
#[cfg(feature = "db")]
pub mod latency_daily;
#[cfg(feature = "db")]
pub mod mcp_tool;
#[cfg(feature = "db")]
pub mod oauth_state;
#[cfg(feature = "db")]
pub mod organization;
#[cfg(feature = "db")]
pub mod refresh_token;
#[cfg(feature = "db")]
pub mod task_callback;
#[cfg(feature = "db")]
pub mod usage_daily;
#[cfg(feature = "db")]
pub mod user;
#[cfg(feature = "db")]
pub mod webhook;
#[cfg(feature = "db")]
pub mod webhook_delivery;

pub use domain::*;
