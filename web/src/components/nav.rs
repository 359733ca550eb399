//! The main navigation: one link per section, without the sections the viewer's role cannot
//! use. The router marks the current one (`aria-current="page"`).

use leptos::prelude::*;
use leptos_router::components::A;

use crate::permissions::Action;
use crate::viewer::ViewerContext;

/// A section of the dashboard: where it lives, its name, and what it takes to use it.
struct Section {
    path: &'static str,
    label: &'static str,
    /// `None`: every member.
    needs: Option<Action>,
}

const SECTIONS: &[Section] = &[
    Section {
        path: "/",
        label: "Overview",
        needs: None,
    },
    Section {
        path: "/agents",
        label: "Agents",
        needs: None,
    },
    Section {
        path: "/analytics",
        label: "Analytics",
        needs: None,
    },
    Section {
        path: "/tasks",
        label: "Tasks",
        needs: None,
    },
    Section {
        path: "/my-tasks",
        label: "My tasks",
        needs: None,
    },
    // The only settings so far are the API keys, which only admins may see.
    Section {
        path: "/settings",
        label: "Settings",
        needs: Some(Action::ManageApiKeys),
    },
    Section {
        path: "/alerts",
        label: "Alerts",
        needs: None,
    },
    Section {
        path: "/audit",
        label: "Audit log",
        needs: Some(Action::ReadAuditLog),
    },
];

/// The navigation bar.
#[component]
pub fn Nav() -> impl IntoView {
    let viewer = ViewerContext::use_context();
    let links = move || {
        SECTIONS
            .iter()
            .filter(|section| section.needs.is_none_or(|action| viewer.can(action)))
            .map(|section| {
                view! {
                    <li>
                        <A href=section.path exact=true>{section.label}</A>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <nav class="nav" aria-label="Main">
            <ul class="nav-inner">{links}</ul>
        </nav>
    }
}
