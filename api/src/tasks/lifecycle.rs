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

use entity::TaskStatus;

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

/// The state `action` moves a task in `from` to, or `ILLEGAL_TRANSITION` naming the current
/// state.
pub fn next(from: TaskStatus, action: Action) -> Result<TaskStatus, ApiError> {
    let to = transition(from, action);
    to.ok_or_else(|| ApiError::Conflict {
        code: "ILLEGAL_TRANSITION",
        message: format!(
            "cannot {} a task that is {from}; allowed from: {}",
            action.verb(),
            allowed_from(action)
                .iter()
                .map(|s| s.api_name())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    })
}

/// The states `action` applies to.
pub fn allowed_from(action: Action) -> Vec<TaskStatus> {
    TaskStatus::ALL
        .iter()
        .copied()
        .filter(|from| transition(*from, action).is_some())
        .collect()
}

/// The table itself: `None` where `action` does not apply to `from`.
fn transition(from: TaskStatus, action: Action) -> Option<TaskStatus> {
    use TaskStatus as S;
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
                match (next(from, action), expected) {
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
                assert!(next(from, action).is_err(), "{from} + {action:?}");
            }
        }
    }

    #[test]
    fn an_illegal_transition_lists_where_it_would_have_been_legal() {
        let err = next(S::Pending, Action::Complete).unwrap_err();
        assert_eq!(
            err.message(),
            "cannot complete a task that is PENDING; allowed from: IN_PROGRESS"
        );
    }
}
