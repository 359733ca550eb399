//! `/audit` (admins): the organization's audit log, newest first, filtered by action (exact
//! or prefix), actor and time, a page at a time; and "Verify chain", which has the server
//! recompute the hash chain and says whether every record is intact.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::http;
use crate::api::ops::{
    AuditLog, Members, VerifyAuditChain, audit_log, members, verify_audit_chain,
};
use crate::components::audit_table::AuditTable;
use crate::permissions::Action;
use crate::remote::{latest, load_state};
use crate::session::Session;
use crate::viewer::ViewerContext;

/// Entries a page shows.
const PAGE: i64 = 25;

/// The filters as applied.
#[derive(Debug, Clone, Default, PartialEq)]
struct Filters {
    action: String,
    actor_id: String,
    from: String,
    to: String,
}

/// The audit log page.
#[component]
pub fn AuditPage() -> impl IntoView {
    let viewer = ViewerContext::use_context();
    view! {
        <main class="page page-single">
            <h1>"Audit log"</h1>
            {move || if viewer.can(Action::ReadAuditLog) {
                view! { <AuditLogView/> }.into_any()
            } else if viewer.role().is_some() {
                view! { <section class="card"><p class="muted">"Only admins read the audit log."</p></section> }.into_any()
            } else {
                view! { <p class="muted placeholder">"Loading…"</p> }.into_any()
            }}
        </main>
    }
}

#[component]
fn AuditLogView() -> impl IntoView {
    let session = Session::use_context();
    let filters = RwSignal::new(Filters::default());
    // The cursors of the pages before this one: `[]` on the first page.
    let cursors = RwSignal::new(Vec::<String>::new());
    let resource = LocalResource::new(move || {
        let f = filters.get();
        let variables = audit_log::Variables {
            first: Some(PAGE),
            after: cursors.with(|c| c.last().cloned()),
            action: non_empty(f.action.trim()),
            actor_id: non_empty(&f.actor_id),
            target_id: None,
            from: non_empty(&f.from).map(|t| iso(&t)),
            to: non_empty(&f.to).map(|t| iso(&t)),
        };
        http::execute::<AuditLog>(session, variables)
    });
    let page = latest(resource);
    let actors = LocalResource::new(move || {
        http::execute::<Members>(session, members::Variables { first: Some(100) })
    });

    let action = RwSignal::new(String::new());
    let actor = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let apply = move |ev: SubmitEvent| {
        ev.prevent_default();
        cursors.set(Vec::new());
        filters.set(Filters {
            action: action.get_untracked(),
            actor_id: actor.get_untracked(),
            from: from.get_untracked(),
            to: to.get_untracked(),
        });
    };
    let next_cursor = move || {
        page.with(|p| {
            p.as_ref()
                .filter(|p| p.audit_log.page_info.has_next_page)
                .and_then(|p| p.audit_log.page_info.end_cursor.clone())
        })
    };

    let entries = Signal::derive(move || page.get().map(|p| p.audit_log.nodes).unwrap_or_default());
    view! {
        <VerifyChain/>
        <section class="card" aria-labelledby="audit-title">
            <div class="section-head"><h2 id="audit-title">"Entries"</h2></div>
            <form class="filters" on:submit=apply>
                <div class="field">
                    <label for="audit-action">"Action"</label>
                    <input id="audit-action" type="text" placeholder="e.g. api_key or auth.sign_in" bind:value=action/>
                </div>
                <div class="field">
                    <label for="audit-actor">"Actor"</label>
                    <select id="audit-actor" on:change=move |ev| actor.set(event_target_value(&ev))>
                        <option value="">"Anyone"</option>
                        {move || actors.get().and_then(Result::ok).map(|d| d.members.nodes.into_iter().map(|m| view! {
                            <option value=m.id>{m.email}</option>
                        }).collect_view())}
                    </select>
                </div>
                <div class="field">
                    <label for="audit-from">"From"</label>
                    <input id="audit-from" type="datetime-local" bind:value=from/>
                </div>
                <div class="field">
                    <label for="audit-to">"To"</label>
                    <input id="audit-to" type="datetime-local" bind:value=to/>
                </div>
                <button type="submit" class="button primary">"Filter"</button>
            </form>
            {load_state(resource, "the audit log")}
            <AuditTable entries=entries/>
            <div class="pager">
                <button
                    type="button"
                    class="button small"
                    disabled=move || cursors.with(Vec::is_empty)
                    on:click=move |_| cursors.update(|c| { c.pop(); })
                >
                    "Newer"
                </button>
                <span class="muted">{move || format!("Page {}", cursors.with(Vec::len) + 1)}</span>
                <button
                    type="button"
                    class="button small"
                    disabled=move || next_cursor().is_none()
                    on:click=move |_| {
                        if let Some(cursor) = next_cursor() {
                            cursors.update(|c| c.push(cursor));
                        }
                    }
                >
                    "Older"
                </button>
            </div>
        </section>
    }
}

/// The "Verify chain" button and its verdict.
#[component]
fn VerifyChain() -> impl IntoView {
    let session = Session::use_context();
    let verdict = RwSignal::new(None::<(bool, String)>);
    let pending = RwSignal::new(false);
    let verify = move |_| {
        pending.set(true);
        spawn_local(async move {
            let result =
                http::execute::<VerifyAuditChain>(session, verify_audit_chain::Variables).await;
            pending.try_set(false);
            verdict.try_set(Some(match result {
                Ok(d) => {
                    let v = d.verify_audit_chain;
                    let broken = v.first_broken.map(|b| (b.seq, b.action, b.occurred_at));
                    (v.ok, chain_verdict(v.ok, v.checked, broken))
                }
                Err(e) => (false, e.to_string()),
            }));
        });
    };
    view! {
        <section class="card" aria-labelledby="chain-title">
            <div class="section-head">
                <h2 id="chain-title">"Integrity"</h2>
                <button type="button" class="button" disabled=move || pending.get() on:click=verify>"Verify chain"</button>
            </div>
            <p class="muted">"Each record carries the hash of the one before it; verifying recomputes the whole chain."</p>
            {move || verdict.get().map(|(ok, text)| view! {
                <p class=if ok { "verdict verdict-ok" } else { "verdict verdict-broken" } role="status">{text}</p>
            })}
        </section>
    }
}

/// What the verification found, in a sentence.
fn chain_verdict(ok: bool, checked: i64, broken: Option<(i64, String, String)>) -> String {
    match (ok, broken) {
        (true, _) => format!("The chain is intact: {checked} records checked."),
        (false, Some((seq, action, at))) => {
            format!(
                "The chain is broken at record #{seq} ({action}, {at}): it was changed, or follows a removed record."
            )
        }
        (false, None) => format!("The chain is broken ({checked} records checked)."),
    }
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

/// A `datetime-local` value (the browser's time zone) as an RFC 3339 instant.
fn iso(local: &str) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(local));
    String::from(date.to_iso_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_verdict_names_the_first_broken_record() {
        assert_eq!(
            chain_verdict(true, 12, None),
            "The chain is intact: 12 records checked."
        );
        let broken = chain_verdict(false, 12, Some((7, "agent.update".into(), "t".into())));
        assert!(broken.contains("#7 (agent.update"), "{broken}");
    }
}
