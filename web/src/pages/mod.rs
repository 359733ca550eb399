//! One module per route: the login form, the overview, agents, the task inbox, the worker's
//! tasks, settings, and the not-found view.

pub mod agent_detail;
pub mod agents;
pub mod analytics;
pub mod login;
pub mod my_tasks;
pub mod not_found;
pub mod overview;
pub mod run_trace;
pub mod settings;
pub mod tasks;
// Sign-in extras, settings, alerts and the audit log.
pub mod accept_invitation;
pub mod alerts;
pub mod audit;
pub mod oauth_complete;
pub mod sign_up;
