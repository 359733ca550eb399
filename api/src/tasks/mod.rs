//! Human tasks: what an agent needs a person for, from the request (an activity, a
//! detection rule, an alert, the API) through approval, assignment and the work itself to
//! the result handed back to the agent (subscription, signed callback, polling).
//!
//! [`lifecycle`] is the state machine; [`service`] the one place tasks change (guarded by
//! their version, audited, published); [`intake`] turns activities into tasks, with
//! [`detect`] flagging physical-world needs in their text; [`callbacks`] posts every change
//! to the task's callback URL; [`geo`] finds tasks and members near a place; [`workers`]
//! keeps members' places and suggests assignees.

pub mod callbacks;
pub mod detect;
pub mod geo;
pub mod graphql;
pub mod intake;
pub mod lifecycle;
pub mod rest;
pub mod service;
pub mod views;
pub mod workers;
