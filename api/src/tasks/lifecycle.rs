//! The human-task lifecycle, in one place: which action moves a task from which state to
//! which.
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

use entity::{TaskStatus, TaskType};

use crate::error::ApiError;

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

/// The state `action` moves a task of `kind` in `from` to, or `ILLEGAL_TRANSITION` naming
/// the current state.
pub fn next(kind: TaskType, from: TaskStatus, action: Action) -> Result<TaskStatus, ApiError> {
    let to = transition(kind, from, action);
    to.ok_or_else(|| ApiError::Conflict {
        code: "ILLEGAL_TRANSITION",
        message: format!(
            "cannot {} {} task that is {from}; allowed from: {}",
            action.verb(),
            if kind == TaskType::Approval {
                "an approval"
            } else {
                "a"
            },
            match allowed_from(kind, action) {
                states if states.is_empty() => "nowhere".to_owned(),
                states => states
                    .iter()
                    .map(|s| s.api_name())
                    .collect::<Vec<_>>()
                    .join(", "),
            }
        ),
    })
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
fn transition(kind: TaskType, from: TaskStatus, action: Action) -> Option<TaskStatus> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use TaskStatus as S;

    /// Every (state, action) pair and what it must give; anything not listed is illegal.
    const LEGAL: &[(TaskStatus, Action, TaskStatus)] = &[
        (S::Pending, Action::Approve, S::Approved),
        (S::Pending, Action::Reject, S::Rejected),
        (S::Pending, Action::Cancel, S::Cancelled),
        (S::Approved, Action::Assign, S::Assigned),
        (S::Approved, Action::Reject, S::Rejected),
        (S::Approved, Action::Cancel, S::Cancelled),
        (S::Assigned, Action::Assign, S::Assigned),
        (S::Assigned, Action::Start, S::InProgress),
        (S::Assigned, Action::Fail, S::Failed),
        (S::Assigned, Action::Reject, S::Rejected),
        (S::Assigned, Action::Cancel, S::Cancelled),
        (S::InProgress, Action::Complete, S::Completed),
        (S::InProgress, Action::Fail, S::Failed),
        (S::InProgress, Action::Reject, S::Rejected),
        (S::InProgress, Action::Cancel, S::Cancelled),
    ];

    #[test]
    fn every_state_and_action_gives_the_tables_answer() {
        let mut legal = 0;
        for &from in S::ALL {
            for action in Action::ALL {
                let expected = LEGAL
                    .iter()
                    .find(|(f, a, _)| *f == from && *a == action)
                    .map(|(_, _, to)| *to);
                match (next(TaskType::Other, from, action), expected) {
                    (Ok(to), Some(expected)) => {
                        assert_eq!(to, expected, "{from} + {action:?}");
                        legal += 1;
                    }
                    (Err(err), None) => {
                        assert_eq!(err.code(), "ILLEGAL_TRANSITION");
                        assert!(
                            err.message().contains(&format!("that is {from}")),
                            "the error names the current state: {}",
                            err.message()
                        );
                    }
                    (got, expected) => {
                        panic!("{from} + {action:?}: got {got:?}, want {expected:?}")
                    }
                }
            }
        }
        assert_eq!(legal, LEGAL.len());
    }

    #[test]
    fn final_states_accept_nothing() {
        for from in [S::Completed, S::Failed, S::Rejected, S::Cancelled] {
            assert!(!is_open(from));
            for action in Action::ALL {
                assert!(
                    next(TaskType::Other, from, action).is_err(),
                    "{from} + {action:?}"
                );
                assert!(next(TaskType::Approval, from, action).is_err());
            }
        }
    }

    #[test]
    fn an_illegal_transition_lists_where_it_would_have_been_legal() {
        let err = next(TaskType::Other, S::Pending, Action::Complete).unwrap_err();
        assert_eq!(
            err.message(),
            "cannot complete a task that is PENDING; allowed from: IN_PROGRESS"
        );
    }

    #[test]
    fn approving_an_approval_completes_it_and_nothing_else_applies() {
        use TaskType::Approval;
        assert_eq!(
            next(Approval, S::Pending, Action::Approve).unwrap(),
            S::Completed
        );
        assert_eq!(
            next(Approval, S::Pending, Action::Reject).unwrap(),
            S::Rejected
        );
        assert_eq!(
            next(Approval, S::Pending, Action::Cancel).unwrap(),
            S::Cancelled
        );
        for action in [
            Action::Assign,
            Action::Start,
            Action::Complete,
            Action::Fail,
        ] {
            let err = next(Approval, S::Pending, action).unwrap_err();
            assert_eq!(err.code(), "ILLEGAL_TRANSITION");
            assert!(
                err.message().contains("an approval task"),
                "{}",
                err.message()
            );
            assert!(
                err.message().ends_with("allowed from: nowhere"),
                "{}",
                err.message()
            );
        }
    }
}
