//! Entry point of the dashboard: installs the panic hook and mounts [`app::App`] on `<body>`.

mod alert_rules;
mod api;
mod app;
mod components;
mod decimal;
mod feed;
mod format;
mod live_tasks;
mod pages;
mod permissions;
mod remote;
mod session;
mod task;
mod task_steps;
mod time_window;
mod viewer;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
