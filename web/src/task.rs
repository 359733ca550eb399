//! The task model of the inbox and the worker's list: one [`Task`] shape whatever operation
//! returned it, and [`TaskList`], which merges live updates into a loaded list.
//!
//! Pure data, no browser: the views live in `components::task_card` and the pages.

use crate::api::ops::{
    TaskSource, TaskStatus, TaskType, approve_task, assign_task, complete_task, fail_task,
    human_task_updated, human_tasks, my_tasks, reject_task, start_task,
};

/// A human task as the pages show it.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub id: String,
    pub title: String,
    pub description: String,
    pub status: TaskStatus,
    pub kind: TaskType,
    pub source: TaskSource,
    pub agent_name: Option<String>,
    pub assigned_to: Option<String>,
    pub assignee_email: Option<String>,
    pub address: Option<String>,
    pub budget_usd: Option<String>,
    pub deadline: Option<String>,
    /// The result as compact JSON text, once completed.
    pub result: Option<String>,
    pub result_note: Option<String>,
    pub failure_reason: Option<String>,
    /// Passed back as `expectedVersion`, so a change made meanwhile is refused, not overwritten.
    pub version: i64,
    /// RFC 3339, as the server writes it (always UTC, so the text sorts by time).
    pub created_at: String,
    pub updated_at: String,
}

/// graphql_client generates the `TaskFields` fragment once per operation, so every task
/// operation gives its own type with the same fields; one macro maps them all.
macro_rules! task_from {
    ($($module:ident),+ $(,)?) => {$(
        impl From<$module::TaskFields> for Task {
            fn from(t: $module::TaskFields) -> Self {
                Task {
                    id: t.id,
                    title: t.title,
                    description: t.description,
                    status: t.status,
                    kind: t.type_,
                    source: t.source,
                    agent_name: t.agent.map(|a| a.name),
                    assigned_to: t.assigned_to,
                    assignee_email: t.assignee.map(|u| u.email),
                    address: t.address,
                    budget_usd: t.budget_usd,
                    deadline: t.deadline,
                    result: t.result.map(|r| r.to_string()),
                    result_note: t.result_note,
                    failure_reason: t.failure_reason,
                    version: t.version,
                    created_at: t.created_at,
                    updated_at: t.updated_at,
                }
            }
        }
    )+};
}

task_from!(
    human_tasks,
    my_tasks,
    human_task_updated,
    approve_task,
    reject_task,
    assign_task,
    start_task,
    complete_task,
    fail_task,
);

/// The tasks a page shows, newest first, kept current by [`TaskList::apply`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskList {
    tasks: Vec<Task>,
}

impl TaskList {
    /// A loaded page of tasks (the server sends them newest first).
    pub fn new(tasks: Vec<Task>) -> Self {
        TaskList { tasks }
    }

    pub fn tasks(&self) -> &[Task] {
        &self.tasks
    }

    /// Takes in a changed task: it replaces its older self if the page still `belongs` it,
    /// joins the list if new to it, and leaves if it no longer belongs (approved out of the
    /// "Pending" tab, say). A change older than what is shown (updates can cross a mutation's
    /// own answer) is ignored.
    pub fn apply(&mut self, task: Task, belongs: impl Fn(&Task) -> bool) {
        let position = self.tasks.iter().position(|t| t.id == task.id);
        if let Some(i) = position {
            if self.tasks[i].version > task.version {
                return;
            }
            if belongs(&task) {
                self.tasks[i] = task;
            } else {
                self.tasks.remove(i);
            }
        } else if belongs(&task) {
            let at = self
                .tasks
                .iter()
                .position(|t| t.created_at < task.created_at)
                .unwrap_or(self.tasks.len());
            self.tasks.insert(at, task);
        }
    }
}

/// A task for tests: untitled details, version 1, created at the epoch.
#[cfg(test)]
pub fn sample(id: &str, status: TaskStatus, kind: TaskType) -> Task {
    Task {
        id: id.to_owned(),
        title: format!("task {id}"),
        description: String::new(),
        status,
        kind,
        source: TaskSource::Api,
        agent_name: None,
        assigned_to: None,
        assignee_email: None,
        address: None,
        budget_usd: None,
        deadline: None,
        result: None,
        result_note: None,
        failure_reason: None,
        version: 1,
        created_at: "1970-01-01T00:00:00Z".to_owned(),
        updated_at: "1970-01-01T00:00:00Z".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(id: &str, status: TaskStatus, version: i64, created_at: &str) -> Task {
        Task {
            version,
            created_at: created_at.to_owned(),
            ..sample(id, status, TaskType::Other)
        }
    }

    fn ids(list: &TaskList) -> Vec<&str> {
        list.tasks().iter().map(|t| t.id.as_str()).collect()
    }

    fn pending(t: &Task) -> bool {
        t.status == TaskStatus::Pending
    }

    #[test]
    fn a_new_task_joins_in_creation_order() {
        let mut list = TaskList::new(vec![
            task("c", TaskStatus::Pending, 1, "2026-11-25T10:00:03Z"),
            task("a", TaskStatus::Pending, 1, "2026-11-25T10:00:01Z"),
        ]);
        list.apply(
            task("b", TaskStatus::Pending, 1, "2026-11-25T10:00:02Z"),
            pending,
        );
        list.apply(
            task("d", TaskStatus::Pending, 1, "2026-11-25T10:00:04Z"),
            pending,
        );
        assert_eq!(ids(&list), ["d", "c", "b", "a"]);
    }

    #[test]
    fn a_task_that_moved_on_leaves_and_one_of_another_tab_never_joins() {
        let mut list = TaskList::new(vec![task("a", TaskStatus::Pending, 1, "t1")]);
        list.apply(task("b", TaskStatus::Approved, 2, "t2"), pending);
        assert_eq!(ids(&list), ["a"]);
        list.apply(task("a", TaskStatus::Approved, 2, "t1"), pending);
        assert!(list.tasks().is_empty());
    }

    #[test]
    fn a_change_replaces_the_task_unless_it_is_older_than_what_is_shown() {
        let any = |_: &Task| true;
        let mut list = TaskList::new(vec![task("a", TaskStatus::Assigned, 3, "t1")]);
        list.apply(task("a", TaskStatus::InProgress, 4, "t1"), any);
        assert_eq!(list.tasks()[0].status, TaskStatus::InProgress);
        list.apply(task("a", TaskStatus::Assigned, 3, "t1"), any);
        assert_eq!(list.tasks()[0].status, TaskStatus::InProgress);
        assert_eq!(list.tasks()[0].version, 4);
    }
}
