//! What a task card adds for those who manage tasks: the assign form's choices, nearest
//! available members first with their distance when the task has a place
//! (`assigneeSuggestions`), then everyone else; and the task's history from the audit log
//! (admins).

use leptos::prelude::*;

use crate::api::http;
use crate::api::ops::{AssigneeSuggestions, AuditLog, assignee_suggestions, audit_log};
use crate::components::audit_table::AuditTable;
use crate::components::task_card::Assignee;
use crate::remote::load_state;
use crate::session::Session;

/// How many history entries a card shows.
const HISTORY: i64 = 50;

/// A suggested member: who, how far (km), how many open tasks.
pub type Suggestion = (Assignee, Option<f64>, i64);

/// Loads the suggestions for `task_id` (none when the server cannot say: every member is
/// still offered).
pub async fn suggestions(session: Session, task_id: String) -> Vec<Suggestion> {
    let variables = assignee_suggestions::Variables { task_id };
    http::execute::<AssigneeSuggestions>(session, variables)
        .await
        .map(|d| {
            d.assignee_suggestions
                .into_iter()
                .map(|s| {
                    let member = Assignee {
                        id: s.member.id,
                        email: s.member.email,
                    };
                    (member, s.distance_km, s.open_tasks)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The assign form's choices as (member id, label): the suggestions in the server's order
/// (nearest first), then the other members.
pub fn assign_choices(suggested: &[Suggestion], members: &[Assignee]) -> Vec<(String, String)> {
    let mut choices: Vec<(String, String)> = suggested
        .iter()
        .map(|(m, km, open)| {
            let mut label = m.email.clone();
            if let Some(km) = km {
                label.push_str(&format!(" · {}", distance(*km)));
            }
            label.push_str(&format!(" · {open} open"));
            (m.id.clone(), label)
        })
        .collect();
    for m in members {
        if !suggested.iter().any(|(s, _, _)| s.id == m.id) {
            choices.push((m.id.clone(), m.email.clone()));
        }
    }
    choices
}

/// `2.4 km`, `850 m` (integer arithmetic: float formatting would add to the .wasm).
fn distance(km: f64) -> String {
    let metres = (km * 1000.0 + 0.5) as i64;
    if metres < 1_000 {
        format!("{metres} m")
    } else {
        let tenths = (metres + 50) / 100;
        format!("{}.{} km", tenths / 10, tenths % 10)
    }
}

/// A task's audit entries, newest first.
#[component]
pub fn TaskHistory(task_id: String) -> impl IntoView {
    let session = Session::use_context();
    let resource = LocalResource::new(move || {
        let variables = audit_log::Variables {
            first: Some(HISTORY),
            after: None,
            action: None,
            actor_id: None,
            target_id: Some(task_id.clone()),
            from: None,
            to: None,
        };
        http::execute::<AuditLog>(session, variables)
    });
    let entries = Signal::derive(move || {
        resource
            .get()
            .and_then(Result::ok)
            .map(|d| d.audit_log.nodes)
            .unwrap_or_default()
    });
    view! {
        <div class="task-history">
            {load_state(resource, "the history")}
            <AuditTable entries=entries/>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: &str) -> Assignee {
        Assignee {
            id: id.into(),
            email: format!("{id}@example.com"),
        }
    }

    #[test]
    fn the_nearest_come_first_then_everyone_else_once() {
        let suggested = [
            (member("near"), Some(0.42), 1),
            (member("far"), Some(12.36), 0),
        ];
        let members = [member("far"), member("away"), member("near")];
        let choices = assign_choices(&suggested, &members);
        assert_eq!(
            choices,
            [
                ("near".into(), "near@example.com · 420 m · 1 open".into()),
                ("far".into(), "far@example.com · 12.4 km · 0 open".into()),
                ("away".into(), "away@example.com".into()),
            ]
        );
        let unplaced = assign_choices(&[(member("x"), None, 2)], &[]);
        assert_eq!(unplaced[0].1, "x@example.com · 2 open");
    }
}
