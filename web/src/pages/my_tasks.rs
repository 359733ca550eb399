//! `/my-tasks`: the worker's view, made for a phone: the open tasks assigned to the signed-in
//! member, each with start, complete (with a note) and fail (with a reason), kept live by the
//! `humanTaskUpdated` subscription.

use leptos::prelude::*;

use crate::api::http;
use crate::api::ops::{MyTasks, my_tasks};
use crate::components::task_card::TaskListView;
use crate::live_tasks::LiveTasks;
use crate::session::Session;
use crate::task::Task;
use crate::task_steps;
use crate::viewer::ViewerContext;

/// How many tasks the page lists (the API's page cap).
const TASKS_SHOWN: i64 = 100;

/// The worker's page.
#[component]
pub fn MyTasksPage() -> impl IntoView {
    let session = Session::use_context();
    let viewer = ViewerContext::use_context();
    let live = LiveTasks::new(
        move || async move {
            let variables = my_tasks::Variables {
                first: Some(TASKS_SHOWN),
            };
            let data = http::execute::<MyTasks>(session, variables).await?;
            Ok(data.my_tasks.nodes.into_iter().map(Task::from).collect())
        },
        // `myTasks` lists the open ones; a task completed, failed or handed to someone else
        // leaves the page.
        move |t| {
            entity::lifecycle::is_open(t.status)
                && t.assigned_to.is_some()
                && t.assigned_to == viewer.user_id_untracked()
        },
    );

    // Here everyone acts as the worker: only their own tasks' steps, whatever their role.
    let cards = move || {
        let me = viewer.user_id();
        live.with_steps(|task| task_steps::available(task, false, me.as_deref()))
    };

    view! {
        <main class="page page-single page-worker">
            <TaskListView
                title="My tasks"
                live=live
                cards=cards
                assignees=Signal::derive(Vec::new)
                empty=|| "Nothing assigned to you right now.".to_owned()
            />
        </main>
    }
}
