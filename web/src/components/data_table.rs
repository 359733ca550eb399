//! The table every admin section lists its rows in: column headings, an unlabelled actions
//! column when rows have buttons, and the rows.

use leptos::prelude::*;

/// A scrollable table with `headers` and, when `actions`, a last column for row buttons.
#[component]
pub fn DataTable(
    headers: &'static [&'static str],
    #[prop(optional)] actions: bool,
    #[prop(optional)] class: &'static str,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class=format!("table {class}")>
                <thead>
                    <tr>
                        {headers.iter().map(|h| view! { <th scope="col">{*h}</th> }).collect_view()}
                        {actions.then(|| view! {
                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                        })}
                    </tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}
