//! Enforcing the human-task lifecycle: [`next`] is the state an action leads to, or the
//! `ILLEGAL_TRANSITION` error naming where it would have been legal. The table itself is
//! `entity`'s ([`transition`]), shared with the dashboard.

pub use entity::lifecycle::{Action, allowed_from, is_open, transition};
use entity::{TaskStatus, TaskType};

use crate::error::ApiError;

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
