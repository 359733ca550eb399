//! The steps of a task's lifecycle the dashboard can take ([`Step`]), which of them a task
//! offers to whom ([`available`], from the lifecycle table the server enforces), taking one
//! ([`take`]), and how a refusal reads ([`refusal`]).

use entity::lifecycle::{Action, transition};
use serde_json::Value;

use crate::api::ops::{
    ApproveTask, AssignTask, CompleteTask, FailTask, RejectTask, StartTask, approve_task,
    assign_task, complete_task, fail_task, reject_task, start_task,
};
use crate::api::{ApiError, http};
use crate::session::Session;
use crate::task::Task;

/// One step, with what it needs.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Approve,
    Reject {
        reason: Option<String>,
    },
    Assign {
        assignee_id: String,
    },
    Start,
    Complete {
        result: Option<Value>,
        note: Option<String>,
    },
    Fail {
        reason: String,
    },
}

/// The steps the dashboard offers, in the order their buttons appear. (Cancelling is for
/// the agent that asked, through the API.)
const OFFERED: [Action; 6] = [
    Action::Approve,
    Action::Start,
    Action::Complete,
    Action::Assign,
    Action::Reject,
    Action::Fail,
];

/// The steps `task` offers: those the lifecycle allows from its state, to managers (operators
/// and admins: `manages`) all of them, to anyone else only the work on a task assigned to
/// them (`me` is the signed-in member's id).
pub fn available(task: &Task, manages: bool, me: Option<&str>) -> Vec<Action> {
    let mine = me.is_some() && task.assigned_to.as_deref() == me;
    OFFERED
        .into_iter()
        .filter(|action| transition(task.kind, task.status, *action).is_some())
        .filter(|action| match action {
            Action::Start | Action::Complete | Action::Fail => manages || mine,
            _ => manages,
        })
        .collect()
}

/// Takes `step` on the task, provided nobody changed it since `version`; returns the task as
/// it now is.
pub async fn take(
    session: Session,
    id: String,
    version: i64,
    step: Step,
) -> Result<Task, ApiError> {
    let expected_version = Some(version);
    Ok(match step {
        Step::Approve => {
            let vars = approve_task::Variables {
                id,
                expected_version,
            };
            http::execute::<ApproveTask>(session, vars)
                .await?
                .approve_human_task
                .into()
        }
        Step::Reject { reason } => {
            let vars = reject_task::Variables {
                id,
                reason,
                expected_version,
            };
            http::execute::<RejectTask>(session, vars)
                .await?
                .reject_human_task
                .into()
        }
        Step::Assign { assignee_id } => {
            let vars = assign_task::Variables {
                id,
                assignee_id,
                expected_version,
            };
            http::execute::<AssignTask>(session, vars)
                .await?
                .assign_human_task
                .into()
        }
        Step::Start => {
            let vars = start_task::Variables {
                id,
                expected_version,
            };
            http::execute::<StartTask>(session, vars)
                .await?
                .start_human_task
                .into()
        }
        Step::Complete { result, note } => {
            let vars = complete_task::Variables {
                id,
                result,
                note,
                expected_version,
            };
            http::execute::<CompleteTask>(session, vars)
                .await?
                .complete_human_task
                .into()
        }
        Step::Fail { reason } => {
            let vars = fail_task::Variables {
                id,
                reason,
                expected_version,
            };
            http::execute::<FailTask>(session, vars)
                .await?
                .fail_human_task
                .into()
        }
    })
}

/// A result typed into the dashboard: JSON if it reads as JSON (`{"found": true}`), else the
/// text itself; nothing when blank.
pub fn parse_result(text: &str) -> Option<Value> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    Some(serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned())))
}

/// How a refused step reads, and whether the task should be reloaded: the API's stable codes
/// for "someone else got there first" and "not from this state" get a plain headline before
/// the server's detail.
pub fn refusal(error: &ApiError) -> (String, bool) {
    match error.code() {
        Some("VERSION_CONFLICT") => (
            format!("Someone else changed this task first; it has been reloaded. ({error})"),
            true,
        ),
        Some("ILLEGAL_TRANSITION") => (format!("This step is not possible now: {error}."), true),
        _ => (error.to_string(), false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ops::{TaskStatus, TaskType};

    fn task(status: TaskStatus, assigned_to: Option<&str>) -> Task {
        Task {
            assigned_to: assigned_to.map(str::to_owned),
            ..crate::task::sample("t", status, TaskType::Inspection)
        }
    }

    #[test]
    fn managers_get_every_step_the_lifecycle_allows() {
        use Action::*;
        assert_eq!(
            available(&task(TaskStatus::Pending, None), true, None),
            [Approve, Reject]
        );
        assert_eq!(
            available(&task(TaskStatus::Approved, None), true, None),
            [Assign, Reject]
        );
        assert_eq!(
            available(&task(TaskStatus::Assigned, Some("w")), true, Some("me")),
            [Start, Assign, Reject, Fail]
        );
        assert_eq!(
            available(&task(TaskStatus::InProgress, Some("w")), true, None),
            [Complete, Reject, Fail]
        );
        assert!(available(&task(TaskStatus::Completed, Some("w")), true, None).is_empty());
        // An approval is decided, never worked on.
        let approval = Task {
            kind: TaskType::Approval,
            ..task(TaskStatus::Pending, None)
        };
        assert_eq!(available(&approval, true, None), [Approve, Reject]);
    }

    #[test]
    fn workers_act_only_on_their_own_tasks() {
        use Action::*;
        assert!(available(&task(TaskStatus::Pending, None), false, Some("me")).is_empty());
        assert!(available(&task(TaskStatus::Assigned, Some("w")), false, Some("me")).is_empty());
        assert!(available(&task(TaskStatus::Assigned, None), false, None).is_empty());
        assert_eq!(
            available(&task(TaskStatus::Assigned, Some("me")), false, Some("me")),
            [Start, Fail]
        );
        assert_eq!(
            available(&task(TaskStatus::InProgress, Some("me")), false, Some("me")),
            [Complete, Fail]
        );
    }

    #[test]
    fn a_typed_result_is_json_when_it_reads_as_json() {
        assert_eq!(parse_result("  "), None);
        assert_eq!(
            parse_result(r#"{"ok": true}"#),
            Some(serde_json::json!({"ok": true}))
        );
        assert_eq!(
            parse_result("door locked"),
            Some(Value::String("door locked".to_owned()))
        );
    }

    #[test]
    fn conflicts_read_plainly_and_ask_for_a_reload() {
        let conflict = ApiError::Graphql {
            code: Some("VERSION_CONFLICT".to_owned()),
            message: "the task has changed: it is now at version 3 and APPROVED".to_owned(),
        };
        let (text, reload) = refusal(&conflict);
        assert!(
            text.starts_with("Someone else changed this task first"),
            "{text}"
        );
        assert!(text.contains("version 3"), "{text}");
        assert!(reload);
        let other = ApiError::Graphql {
            code: None,
            message: "budget too high".to_owned(),
        };
        assert_eq!(refusal(&other), ("budget too high".to_owned(), false));
    }
}
