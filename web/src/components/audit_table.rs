//! A table of audit entries (the audit page, a task's history): when, who, what, and what
//! changed.

use leptos::prelude::*;
use serde_json::Value;

use crate::api::ops::audit_log::AuditLogAuditLogNodes as Entry;
use crate::components::data_table::DataTable;
use crate::format;

/// How much of an entry's summary the table shows.
const SUMMARY_CHARS: usize = 160;

/// The entries, newest first.
#[component]
pub fn AuditTable(#[prop(into)] entries: Signal<Vec<Entry>>) -> impl IntoView {
    move || {
        let list = entries.get();
        if list.is_empty() {
            return view! { <p class="muted placeholder">"No entries."</p> }.into_any();
        }
        view! {
            <DataTable headers=&["#", "When", "Who", "Action", "Changes"] class="audit-table">
                        {list.into_iter().map(|e| view! {
                            <tr class="audit-row">
                                <td class="num">{e.seq}</td>
                                <td>{format::local_time(&e.occurred_at)}</td>
                                <td>{e.actor_label.clone()}</td>
                                <td><code>{e.action.clone()}</code>" "<span class="muted">{e.target_type.clone()}</span></td>
                                <td class="audit-summary">{summary(&e.summary)}</td>
                            </tr>
                        }).collect_view()}
                    </DataTable>
        }
        .into_any()
    }
}

/// The summary as compact JSON, cut to [`SUMMARY_CHARS`]; nothing for an empty one.
fn summary(value: &Value) -> String {
    let empty = value.is_null() || value.as_object().is_some_and(|o| o.is_empty());
    if empty {
        return String::new();
    }
    let text = value.to_string();
    match text.char_indices().nth(SUMMARY_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_is_compact_and_cut() {
        assert_eq!(summary(&serde_json::json!({})), "");
        assert_eq!(summary(&serde_json::json!({ "a": 1 })), r#"{"a":1}"#);
        let long = summary(&serde_json::json!({ "t": "x".repeat(400) }));
        assert_eq!(long.chars().count(), SUMMARY_CHARS + 1);
        assert!(long.ends_with('…'));
    }
}
