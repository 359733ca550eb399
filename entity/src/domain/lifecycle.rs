//! The human-task lifecycle, in one place: which action moves a task from which state to
//! which. The server enforces it (`api/src/tasks/lifecycle.rs` turns a refusal into
//! `ILLEGAL_TRANSITION`); the dashboard offers only the steps it allows.
//!
//! ```text
//! PENDING ─approve→ APPROVED ─assign→ ASSIGNED ─start→ IN_PROGRESS ─complete→ COMPLETED
//!                               ↑______assign (reassign)__|      └──fail──→ FAILED
//! any open state (PENDING, APPROVED, ASSIGNED, IN_PROGRESS) ─reject→ REJECTED
//!                                                            ─cancel→ CANCELLED
//! ```
//! A task assigned but not started may also fail (the worker cannot do it). COMPLETED,
//! FAILED, REJECTED and CANCELLED are final.
//!
//! An `APPROVAL` task is a decision, not work: approving it completes it
//! (PENDING ─approve→ COMPLETED); it is never assigned, started or failed.

use super::{TaskStatus, TaskType};

/// Something a person (or agent) does to a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Approve,
    Reject,
    Assign,
    Start,
    Complete,
    Fail,
    Cancel,
}

impl Action {
    /// Every action, for table tests.
    pub const ALL: [Action; 7] = [
        Action::Approve,
        Action::Reject,
        Action::Assign,
        Action::Start,
        Action::Complete,
        Action::Fail,
        Action::Cancel,
    ];

    /// How the audit log names the step.
    pub fn audit_action(self) -> &'static str {
        match self {
            Action::Approve => "task.approve",
            Action::Reject => "task.reject",
            Action::Assign => "task.assign",
            Action::Start => "task.start",
            Action::Complete => "task.complete",
            Action::Fail => "task.fail",
            Action::Cancel => "task.cancel",
        }
    }

    /// The verb, as error messages name it.
    pub fn verb(self) -> &'static str {
        match self {
            Action::Approve => "approve",
            Action::Reject => "reject",
            Action::Assign => "assign",
            Action::Start => "start",
            Action::Complete => "complete",
            Action::Fail => "fail",
            Action::Cancel => "cancel",
        }
    }
}

/// Whether work on a task can still happen (it is not in a final state).
pub fn is_open(status: TaskStatus) -> bool {
    matches!(
        status,
        TaskStatus::Pending | TaskStatus::Approved | TaskStatus::Assigned | TaskStatus::InProgress
    )
}

/// The states `action` applies to, for a task of `kind`.
pub fn allowed_from(kind: TaskType, action: Action) -> Vec<TaskStatus> {
    TaskStatus::ALL
        .iter()
        .copied()
        .filter(|from| transition(kind, *from, action).is_some())
        .collect()
}

/// The table itself: `None` where `action` does not apply to `from`.
pub fn transition(kind: TaskType, from: TaskStatus, action: Action) -> Option<TaskStatus> {
    use TaskStatus as S;
    if kind == TaskType::Approval {
        return match (action, from) {
            (Action::Approve, S::Pending) => Some(S::Completed),
            (Action::Reject | Action::Cancel, _) => transition(TaskType::Other, from, action),
            _ => None,
        };
    }
    match (action, from) {
        (Action::Approve, S::Pending) => Some(S::Approved),
        (Action::Assign, S::Approved | S::Assigned) => Some(S::Assigned),
        (Action::Start, S::Assigned) => Some(S::InProgress),
        (Action::Complete, S::InProgress) => Some(S::Completed),
        (Action::Fail, S::Assigned | S::InProgress) => Some(S::Failed),
        (Action::Reject, from) if is_open(from) => Some(S::Rejected),
        (Action::Cancel, from) if is_open(from) => Some(S::Cancelled),
        _ => None,
    }
}
