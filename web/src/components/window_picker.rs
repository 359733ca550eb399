//! The buttons that choose a page's time window (the pressed one is the current window).

use leptos::prelude::*;

use crate::time_window::Window;

/// One toggle button per window of `options`, setting `window`.
#[component]
pub fn WindowPicker(window: RwSignal<Window>, options: &'static [Window]) -> impl IntoView {
    let buttons = options
        .iter()
        .map(|&w| {
            view! {
                <button
                    type="button"
                    class="button small"
                    aria-pressed=move || (window.get() == w).to_string()
                    on:click=move |_| window.set(w)
                >
                    {w.label()}
                </button>
            }
        })
        .collect_view();
    view! {
        <div class="button-group" role="group" aria-label="Window">
            {buttons}
        </div>
    }
}
