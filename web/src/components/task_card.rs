//! One task as a card: what it asks, where it stands, and the steps the viewer may take,
//! each a button (approve, start) or a short form (reject, assign, complete, fail); and the
//! list of them, which says in plain words above the cards why a step was refused.

use entity::lifecycle::Action;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::components::error_state::ErrorState;
use crate::components::link_badge::LinkBadge;
use crate::components::task_extras::{self, Suggestion, TaskHistory};
use crate::format;
use crate::live_tasks::{LiveTasks, Tasks};
use crate::session::Session;
use crate::task::Task;
use crate::task_steps::{self, Step};
use crate::viewer::ViewerContext;

/// A member a task can be assigned to.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignee {
    pub id: String,
    pub email: String,
}

/// A section with a live list of task cards: its title and link badge, `children` (the
/// inbox's tabs), then the cards with their loading, error and empty states. `cards` gives
/// each task with the steps to offer; a card is rebuilt only when its task or its steps
/// change, so a live update elsewhere does not close a form being filled in.
#[component]
pub fn TaskListView(
    title: &'static str,
    live: LiveTasks,
    cards: impl Fn() -> Vec<(Task, Vec<Action>)> + Send + Sync + 'static,
    #[prop(into)] assignees: Signal<Vec<Assignee>>,
    empty: impl Fn() -> String + Send + Sync + 'static,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let state = move || match live.tasks.get() {
        Tasks::Loading => {
            Some(view! { <p class="muted placeholder">"Loading tasks…"</p> }.into_any())
        }
        Tasks::Failed(e) => Some(
            view! { <ErrorState message=e.to_string() retry=move || live.reload()/> }.into_any(),
        ),
        Tasks::Ready(list) if list.tasks().is_empty() => {
            Some(view! { <p class="muted placeholder">{empty()}</p> }.into_any())
        }
        Tasks::Ready(_) => None,
    };
    view! {
        <section class="card" aria-labelledby="task-list-title">
            <div class="section-head">
                <h1 id="task-list-title">{title}</h1>
                <LinkBadge link=live.link/>
            </div>
            {children.map(|tabs| tabs())}
            {move || {
                live.refusal
                    .get()
                    .map(|message| view! { <p class="form-error" role="alert">{message}</p> })
            }}
            {state}
            <ul class="task-list">
            <For
                each=cards
                key=|(task, steps)| (task.id.clone(), task.version, steps.clone())
                children=move |(task, steps)| {
                    view! { <TaskCard task=task steps=steps assignees=assignees live=live/> }
                }
            />
            </ul>
        </section>
    }
}

/// The form open on a card, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Reject,
    Assign,
    Complete,
    Fail,
}

/// A task card. `steps` are the steps to offer (see `task_steps::available`); `assignees`
/// fill the assign form; `live` receives the changed task, or reloads after a conflict.
#[component]
pub fn TaskCard(
    task: Task,
    steps: Vec<Action>,
    #[prop(into)] assignees: Signal<Vec<Assignee>>,
    live: LiveTasks,
) -> impl IntoView {
    let session = Session::use_context();
    let form = RwSignal::new(None::<Form>);
    let pending = RwSignal::new(false);
    // The form fields (one form is open at a time, so they can share).
    let text = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let assignee = RwSignal::new(String::new());
    // The assign form's suggestions (nearest first), loaded when it opens.
    let suggested = RwSignal::new(Vec::<Suggestion>::new());
    let history = RwSignal::new(false);
    let task_id = StoredValue::new(task.id.clone());

    let id = task.id.clone();
    let title = task.title.clone();
    let version = task.version;
    // The ids of this card's form fields (labels point at them).
    let form_prefix = format!("task-{}", task.id);
    let run = move |step: Step| {
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        live.refusal.set(None);
        let id = id.clone();
        let title = title.clone();
        spawn_local(async move {
            let result = task_steps::take(session, id, version, step).await;
            pending.try_set(false);
            match result {
                Ok(task) => live.apply(task),
                Err(e) => {
                    let (message, reload) = task_steps::refusal(&e);
                    live.refusal.try_set(Some(format!("“{title}”: {message}")));
                    if reload {
                        live.reload();
                    }
                }
            }
        });
    };
    let open = move |which: Form| {
        text.set(String::new());
        note.set(String::new());
        assignee.set(String::new());
        form.set(Some(which));
        if which == Form::Assign {
            let id = task_id.get_value();
            spawn_local(async move {
                suggested.try_set(task_extras::suggestions(session, id).await);
            });
        }
    };
    let run_form = run.clone();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let optional = |s: String| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let step = match form.get_untracked() {
            Some(Form::Reject) => Step::Reject {
                reason: optional(text.get_untracked()),
            },
            Some(Form::Assign) => Step::Assign {
                assignee_id: assignee.get_untracked(),
            },
            Some(Form::Complete) => Step::Complete {
                result: task_steps::parse_result(&text.get_untracked()),
                note: optional(note.get_untracked()),
            },
            Some(Form::Fail) => Step::Fail {
                reason: text.get_untracked().trim().to_owned(),
            },
            None => return,
        };
        run_form(step);
    };

    let buttons = steps
        .iter()
        .filter_map(|step| {
            let run = run.clone();
            let (label, class, action): (&str, &str, Box<dyn Fn()>) = match step {
                Action::Approve => (
                    "Approve",
                    "button small primary",
                    Box::new(move || run(Step::Approve)),
                ),
                Action::Start => (
                    "Start",
                    "button small primary",
                    Box::new(move || run(Step::Start)),
                ),
                Action::Reject => (
                    "Reject",
                    "button small",
                    Box::new(move || open(Form::Reject)),
                ),
                Action::Assign => (
                    "Assign",
                    "button small",
                    Box::new(move || open(Form::Assign)),
                ),
                Action::Complete => (
                    "Complete",
                    "button small primary",
                    Box::new(move || open(Form::Complete)),
                ),
                Action::Fail => (
                    "Fail",
                    "button small danger",
                    Box::new(move || open(Form::Fail)),
                ),
                // Not offered (see `task_steps::available`).
                Action::Cancel => return None,
            };
            Some(view! {
                <button
                    type="button"
                    class=class
                    disabled=move || pending.get()
                    on:click=move |_| action()
                >
                    {label}
                </button>
            })
        })
        .collect_view();

    let form_view = move || {
        let which = form.get()?;
        let (label, submit, required) = match which {
            Form::Reject => ("Reason (optional)", "Reject task", false),
            Form::Assign => ("Assign to", "Assign", true),
            Form::Complete => ("Result", "Complete task", false),
            Form::Fail => ("Reason", "Fail task", true),
        };
        let field_id = format!("{form_prefix}-{which:?}");
        let field = match which {
            Form::Assign => view! {
                <select
                    id=field_id.clone()
                    required
                    prop:value=move || assignee.get()
                    on:change=move |ev| assignee.set(event_target_value(&ev))
                >
                    <option value="">"Choose a member…"</option>
                    {move || {
                        task_extras::assign_choices(&suggested.get(), &assignees.get())
                            .into_iter()
                            .map(|(id, label)| view! { <option value=id>{label}</option> })
                            .collect_view()
                    }}
                </select>
            }
            .into_any(),
            _ => view! {
                <textarea
                    id=field_id.clone()
                    rows="2"
                    required=required
                    prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))
                ></textarea>
            }
            .into_any(),
        };
        let note_field = (which == Form::Complete).then(|| {
            let note_id = format!("{field_id}-note");
            view! {
                <label for=note_id.clone()>"Note for the agent (optional)"</label>
                <input
                    id=note_id
                    type="text"
                    prop:value=move || note.get()
                    on:input=move |ev| note.set(event_target_value(&ev))
                />
            }
        });
        Some(view! {
            <form class="task-form" on:submit=on_submit.clone()>
                <label for=field_id>{label}</label>
                {field}
                {note_field}
                <div class="task-actions">
                    <button type="submit" class="button small primary" disabled=move || pending.get()>
                        {submit}
                    </button>
                    <button type="button" class="button small ghost" on:click=move |_| form.set(None)>
                        "Cancel"
                    </button>
                </div>
            </form>
        })
    };

    let viewer = ViewerContext::use_context();
    let reads_history = move || viewer.can(crate::permissions::Action::ReadAuditLog);
    let status_class = format!(
        "status task-status-{}",
        format::css_name(task.status.storage_name())
    );
    let details = task_details(&task);
    view! {
        <li
            class="task-card"
            data-task-id=task.id.clone()
            data-status=task.status.api_name()
        >
            <div class="task-head">
                <h3 class="task-title">{task.title.clone()}</h3>
                <span class=status_class>{format::task_status(task.status)}</span>
            </div>
            <p class="task-meta muted">
                <span class="tag">{format::task_type(task.kind)}</span>
                {task.agent_name.clone().map(|name| view! { <span>"from " {name}</span> })}
                <span>{format::local_time(&task.created_at)}</span>
            </p>
            {(!task.description.is_empty()).then(|| view! { <p class="task-description">{task.description.clone()}</p> })}
            {details}
            {(!steps.is_empty()).then(|| view! { <div class="task-actions">{buttons}</div> })}
            {form_view}
            {move || reads_history().then(|| view! {
                <button
                    type="button"
                    class="button small ghost history-toggle"
                    aria-expanded=move || history.get().to_string()
                    on:click=move |_| history.update(|open| *open = !*open)
                >
                    "History"
                </button>
            })}
            {move || history.get().then(|| view! { <TaskHistory task_id=task_id.get_value()/> })}
        </li>
    }
}

/// Assignee, place, budget, deadline, and the outcome once there is one.
fn task_details(task: &Task) -> impl IntoView + use<> {
    let rows: Vec<(&'static str, String)> = [
        ("Assignee", task.assignee_email.clone()),
        ("Where", task.address.clone()),
        ("Budget", task.budget_usd.as_deref().map(format::usd)),
        ("Deadline", task.deadline.as_deref().map(format::local_time)),
        ("Result", task.result.clone()),
        ("Note", task.result_note.clone()),
        ("Reason", task.failure_reason.clone()),
    ]
    .into_iter()
    .filter_map(|(label, value)| value.map(|v| (label, v)))
    .collect();
    (!rows.is_empty()).then(|| {
        view! {
            <dl class="task-details">
                {rows
                    .into_iter()
                    .map(|(label, value)| view! { <dt>{label}</dt> <dd>{value}</dd> })
                    .collect_view()}
            </dl>
        }
    })
}
