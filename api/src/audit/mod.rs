//! The audit log: every change (sign-in, key, agent, …) appends a record in the same
//! transaction as the change, chained by hash per organization so that any edit or
//! deletion afterwards is detected by `verifyAuditChain`.

pub mod graphql;
pub mod rest;
pub mod service;

pub use service::{Actor, Change, RequestMeta};
