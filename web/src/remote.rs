//! What the admin pages share to load a query and change what it shows: the latest loaded
//! data (kept while a reload runs, so forms below it keep their input), the loading and
//! error states, and [`Changes`], which runs one mutation at a time and reloads after it.

use std::future::Future;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::ApiError;
use crate::components::error_state::ErrorState;

/// A query's resource.
pub type Resource<T> = LocalResource<Result<T, ApiError>>;

/// The latest data `resource` loaded successfully: it stays while a reload runs or fails.
pub fn latest<T: Clone + Send + Sync + 'static>(resource: Resource<T>) -> RwSignal<Option<T>> {
    let data = RwSignal::new(None);
    Effect::new(move || {
        if let Some(Ok(loaded)) = resource.get() {
            data.set(Some(loaded));
        }
    });
    data
}

/// "Loading `what`…" before the first answer; the error (with a retry) when loading failed.
pub fn load_state<T: Clone + 'static>(resource: Resource<T>, what: &'static str) -> impl IntoView {
    move || match resource.get() {
        None => {
            Some(view! { <p class="muted placeholder">{format!("Loading {what}…")}</p> }.into_any())
        }
        Some(Err(e)) => Some(
            view! { <ErrorState message=e.to_string() retry=move || resource.refetch()/> }
                .into_any(),
        ),
        Some(Ok(_)) => None,
    }
}

/// The changes a section makes: one at a time, its last error, and a reload afterwards.
#[derive(Clone, Copy)]
pub struct Changes {
    pub pending: RwSignal<bool>,
    pub error: RwSignal<Option<String>>,
    reload: Callback<()>,
}

impl Changes {
    /// Changes that call `reload` after each success.
    pub fn new(reload: impl Fn() + Send + Sync + 'static) -> Self {
        Changes {
            pending: RwSignal::new(false),
            error: RwSignal::new(None),
            reload: Callback::new(move |()| reload()),
        }
    }

    /// Runs `work` unless a change is running; on success hands its answer to `then`, and
    /// reloads.
    pub fn run<T: 'static>(
        self,
        work: impl Future<Output = Result<T, ApiError>> + 'static,
        then: impl FnOnce(T) + 'static,
    ) {
        if self.pending.get_untracked() {
            return;
        }
        self.pending.set(true);
        self.error.set(None);
        spawn_local(async move {
            let result = work.await;
            self.pending.try_set(false);
            match result {
                Ok(answer) => {
                    then(answer);
                    self.reload.run(());
                }
                Err(e) => {
                    self.error.try_set(Some(e.to_string()));
                }
            }
        });
    }

    /// Refuses a change before sending it, with the reason.
    pub fn refuse(self, reason: impl Into<String>) {
        self.error.set(Some(reason.into()));
    }

    /// The last change's error, if it failed.
    pub fn error_view(self) -> impl IntoView {
        move || {
            self.error
                .get()
                .map(|message| view! { <p class="form-error" role="alert">{message}</p> })
        }
    }
}
