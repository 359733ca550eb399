//! Entry point of the dashboard: installs the panic hook and mounts [`app::App`] on `<body>`.

mod api;
mod app;
mod components;
mod feed;
mod format;
mod pages;
mod session;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
