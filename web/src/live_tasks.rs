//! A list of tasks that stays current: loaded once, then every `humanTaskUpdated` event is
//! merged in (see [`TaskList::apply`]), and reloaded after a reconnect so nothing changed
//! while the socket was down is missed. Shared by the inbox and the worker's list.

use std::future::Future;
use std::rc::Rc;

use entity::lifecycle::Action;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::ApiError;
use crate::api::ops::{HumanTaskUpdated, human_task_updated};
use crate::api::ws::{self, Link, WsEvent};
use crate::session::Session;
use crate::task::{Task, TaskList};

/// What the page shows: loading, the reason loading failed, or the list.
#[derive(Debug, Clone, PartialEq)]
pub enum Tasks {
    Loading,
    Failed(ApiError),
    Ready(TaskList),
}

/// Which tasks a page keeps (the inbox: those of its tab; the worker: their open ones).
type Belongs = Rc<dyn Fn(&Task) -> bool>;

/// A live task list and the state of its link.
#[derive(Clone, Copy)]
pub struct LiveTasks {
    pub tasks: RwSignal<Tasks>,
    pub link: ReadSignal<Link>,
    /// Why the last step was refused, shown above the list rather than on the card: a
    /// conflict reloads the task, which rebuilds its card or moves it to another tab.
    pub refusal: RwSignal<Option<String>>,
    reload: StoredValue<Rc<dyn Fn()>, LocalStorage>,
    belongs: StoredValue<Belongs, LocalStorage>,
}

impl LiveTasks {
    /// Loads with `load` (run again whenever the signals it reads change, and after every
    /// reconnect) and keeps the tasks for which `belongs` holds.
    pub fn new<F>(
        load: impl Fn() -> F + 'static,
        belongs: impl Fn(&Task) -> bool + 'static,
    ) -> LiveTasks
    where
        F: Future<Output = Result<Vec<Task>, ApiError>> + 'static,
    {
        let session = Session::use_context();
        let tasks = RwSignal::new(Tasks::Loading);
        let (link, set_link) = signal(Link::Connecting);
        // Answers to older loads (the tab changed meanwhile) are dropped.
        let generation = StoredValue::new(0_u64);
        let load = Rc::new(load);
        let reload: Rc<dyn Fn()> = Rc::new(move || {
            let future = load();
            generation.update_value(|g| *g += 1);
            let mine = generation.get_value();
            spawn_local(async move {
                let result = future.await;
                if generation.try_get_value() == Some(mine) {
                    tasks.try_set(match result {
                        Ok(list) => Tasks::Ready(TaskList::new(list)),
                        Err(e) => Tasks::Failed(e),
                    });
                }
            });
        });
        let live = LiveTasks {
            tasks,
            link,
            refusal: RwSignal::new(None),
            reload: StoredValue::new_local(reload.clone()),
            belongs: StoredValue::new_local(Rc::new(belongs)),
        };

        // Runs now and whenever what `load` reads changes (the inbox's tab).
        Effect::new(move |_| {
            tasks.set(Tasks::Loading);
            reload();
        });

        let subscription = ws::subscribe::<HumanTaskUpdated>(
            session,
            human_task_updated::Variables,
            move |event| match event {
                WsEvent::Link(state) => {
                    // Live (again): whatever changed before the subscription started is only
                    // in a fresh load.
                    if state == Link::Live {
                        live.reload();
                    }
                    set_link.try_set(state);
                }
                WsEvent::Data(data) => live.apply(data.human_task_updated.into()),
                // The badge says the link is down; the list stays as it was.
                WsEvent::Error(_) => {}
            },
        );
        on_cleanup(move || subscription.abort());
        live
    }

    /// Loads the list again (after a conflict, or a reconnect).
    pub fn reload(&self) {
        if let Some(reload) = self.reload.try_get_value() {
            reload();
        }
    }

    /// The tasks shown, each with the steps `steps` offers on it (reactive); empty unless
    /// loaded.
    pub fn with_steps(&self, steps: impl Fn(&Task) -> Vec<Action>) -> Vec<(Task, Vec<Action>)> {
        self.tasks.with(|tasks| match tasks {
            Tasks::Ready(list) => list
                .tasks()
                .iter()
                .map(|task| (task.clone(), steps(task)))
                .collect(),
            _ => Vec::new(),
        })
    }

    /// Merges a changed task in (from the subscription, or a step's own answer).
    pub fn apply(&self, task: Task) {
        let Some(belongs) = self.belongs.try_get_value() else {
            return;
        };
        self.tasks.try_update(|tasks| {
            if let Tasks::Ready(list) = tasks {
                list.apply(task, |t| belongs(t));
            }
        });
    }
}
