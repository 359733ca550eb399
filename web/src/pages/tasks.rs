//! `/tasks`: the task inbox. One tab per status (`?status=APPROVED`; pending by default), each
//! task a card with the steps the viewer may take, kept live by the `humanTaskUpdated`
//! subscription.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::api::http;
use crate::api::ops::{HumanTasks, Members, TaskStatus, human_tasks, members};
use crate::components::task_card::{Assignee, TaskListView};
use crate::format;
use crate::live_tasks::LiveTasks;
use crate::permissions::Action;
use crate::session::Session;
use crate::task::Task;
use crate::task_steps;
use crate::viewer::ViewerContext;

/// How many tasks a tab lists (the API's page cap).
const TASKS_SHOWN: i64 = 100;
/// How many members the assign form offers.
const MEMBERS_SHOWN: i64 = 100;

/// The inbox page.
#[component]
pub fn TasksPage() -> impl IntoView {
    let session = Session::use_context();
    let viewer = ViewerContext::use_context();
    let query = use_query_map();
    let tab = Memo::new(move |_| {
        query
            .with(|q| q.get("status"))
            .and_then(|s| s.parse::<TaskStatus>().ok())
            .unwrap_or(TaskStatus::Pending)
    });

    let live = LiveTasks::new(
        move || {
            let status = tab.get();
            async move {
                let variables = human_tasks::Variables {
                    first: Some(TASKS_SHOWN),
                    statuses: Some(vec![status]),
                };
                let data = http::execute::<HumanTasks>(session, variables).await?;
                Ok(data.human_tasks.nodes.into_iter().map(Task::from).collect())
            }
        },
        move |task| Some(task.status) == tab.try_get_untracked(),
    );

    let manages = Memo::new(move |_| viewer.can(Action::ManageTasks));
    // Members are only needed to assign, which only managers may do.
    let members = LocalResource::new(move || {
        let wanted = manages.get();
        async move {
            if !wanted {
                return Vec::new();
            }
            let variables = members::Variables {
                first: Some(MEMBERS_SHOWN),
            };
            http::execute::<Members>(session, variables)
                .await
                .map(|data| {
                    data.members
                        .nodes
                        .into_iter()
                        .map(|m| Assignee {
                            id: m.id,
                            email: m.email,
                        })
                        .collect()
                })
                .unwrap_or_default()
        }
    });
    let assignees = Signal::derive(move || members.get().unwrap_or_default());

    let tabs = TaskStatus::ALL
        .iter()
        .map(|status| {
            let status = *status;
            let href = format!("/tasks?status={}", status.api_name());
            view! {
                <li>
                    <A
                        href=href
                        attr:class="tab"
                        attr:aria-selected=move || (tab.get() == status).to_string()
                    >
                        {format::task_status(status)}
                    </A>
                </li>
            }
        })
        .collect_view();

    let cards = move || {
        let me = viewer.user_id();
        let manages = manages.get();
        live.with_steps(|task| task_steps::available(task, manages, me.as_deref()))
    };
    let empty = move || {
        format!(
            "No {} tasks.",
            format::task_status(tab.get()).to_lowercase()
        )
    };

    view! {
        <main class="page page-single">
            <TaskListView title="Tasks" live=live cards=cards assignees=assignees empty=empty>
                <nav aria-label="Task status">
                    <ul class="tabs">{tabs}</ul>
                </nav>
            </TaskListView>
        </main>
    }
}
