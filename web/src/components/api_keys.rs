//! Settings → API keys: the organization's keys with their scope and state; create one (its
//! secret shown once), rotate one (the successor's secret shown once; the old key works for
//! the server's grace period), revoke one. Only admins see this section at all (the API
//! lists keys to admins only).

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::ops::{
    ApiKeyScope, ApiKeys, CreateApiKey, RevokeApiKey, RotateApiKey, api_keys, create_api_key,
    revoke_api_key, rotate_api_key,
};
use crate::api::{ApiError, http};
use crate::components::error_state::ErrorState;
use crate::format;
use crate::session::Session;

/// How many keys the list shows (the API's page cap).
const KEYS_SHOWN: i64 = 100;

/// A key as the list shows it.
#[derive(Debug, Clone, PartialEq)]
struct Key {
    id: String,
    name: String,
    prefix: String,
    scope: ApiKeyScope,
    created_at: String,
    last_used_at: Option<String>,
    revoked_at: Option<String>,
    expires_at: Option<String>,
}

/// The `ApiKeyFields` fragment comes once per operation; one macro maps them all.
macro_rules! key_from {
    ($($module:ident),+) => {$(
        impl From<$module::ApiKeyFields> for Key {
            fn from(k: $module::ApiKeyFields) -> Self {
                Key {
                    id: k.id,
                    name: k.name,
                    prefix: k.prefix,
                    scope: k.scope,
                    created_at: k.created_at,
                    last_used_at: k.last_used_at,
                    revoked_at: k.revoked_at,
                    expires_at: k.expires_at,
                }
            }
        }
    )+};
}

key_from!(api_keys, create_api_key, rotate_api_key, revoke_api_key);

/// A change to the keys, answering with the secret it issued, if any.
type Change =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Option<Issued>, ApiError>>>>;

/// A secret just issued, shown until dismissed.
#[derive(Debug, Clone, PartialEq)]
struct Issued {
    name: String,
    secret: String,
}

/// The API keys section.
#[component]
pub fn ApiKeysSection() -> impl IntoView {
    let session = Session::use_context();
    let keys = LocalResource::new(move || async move {
        let variables = api_keys::Variables {
            first: Some(KEYS_SHOWN),
        };
        http::execute::<ApiKeys>(session, variables)
            .await
            .map(|data| {
                data.api_keys
                    .nodes
                    .into_iter()
                    .map(Key::from)
                    .collect::<Vec<_>>()
            })
    });
    let issued = RwSignal::new(None::<Issued>);
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let name = RwSignal::new(String::new());
    let scope = RwSignal::new(ApiKeyScope::Full);

    // Runs one change, then reloads the list (a rotation adds a key and ends another's life).
    let change = move |work: Change| {
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        error.set(None);
        spawn_local(async move {
            let result = work.await;
            pending.try_set(false);
            match result {
                Ok(new_secret) => {
                    if new_secret.is_some() {
                        issued.try_set(new_secret);
                    }
                    keys.refetch();
                }
                Err(e) => {
                    error.try_set(Some(e.to_string()));
                }
            }
        });
    };

    let on_create = move |ev: SubmitEvent| {
        ev.prevent_default();
        let input = create_api_key::CreateApiKeyInput {
            name: name.get_untracked().trim().to_owned(),
            scope: Some(scope.get_untracked()),
        };
        change(Box::pin(async move {
            let data =
                http::execute::<CreateApiKey>(session, create_api_key::Variables { input }).await?;
            name.try_set(String::new());
            Ok(Some(Issued {
                name: data.create_api_key.api_key.name,
                secret: data.create_api_key.secret,
            }))
        }));
    };
    let rotate = move |id: String| {
        change(Box::pin(async move {
            let data =
                http::execute::<RotateApiKey>(session, rotate_api_key::Variables { id }).await?;
            Ok(Some(Issued {
                name: data.rotate_api_key.api_key.name,
                secret: data.rotate_api_key.secret,
            }))
        }));
    };
    let revoke = move |id: String| {
        change(Box::pin(async move {
            http::execute::<RevokeApiKey>(session, revoke_api_key::Variables { id }).await?;
            Ok(None)
        }));
    };

    let secret_view = move || {
        issued.get().map(|Issued { name, secret }| {
            view! {
                <div class="secret" role="status">
                    <p>
                        <strong>{format!("The secret of “{name}”")}</strong>
                        " — copy it now; it will not be shown again."
                    </p>
                    <code class="secret-value">{secret}</code>
                    <button type="button" class="button small" on:click=move |_| issued.set(None)>
                        "Done"
                    </button>
                </div>
            }
        })
    };

    let list = move || {
        match keys.get() {
        None => view! { <p class="muted placeholder">"Loading API keys…"</p> }.into_any(),
        Some(Err(e)) => {
            view! { <ErrorState message=e.to_string() retry=move || keys.refetch()/> }.into_any()
        }
        Some(Ok(list)) if list.is_empty() => {
            view! { <p class="muted placeholder">"No API keys yet."</p> }.into_any()
        }
        Some(Ok(list)) => view! {
            <div class="table-wrap">
                <table class="table">
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"Key"</th>
                            <th scope="col">"Scope"</th>
                            <th scope="col">"State"</th>
                            <th scope="col">"Last used"</th>
                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        {list
                            .into_iter()
                            .map(|key| {
                                let id = key.id.clone();
                                let id2 = key.id.clone();
                                let active = key.revoked_at.is_none();
                                view! {
                                    <tr class="api-key-row" data-key-id=key.id.clone() data-revoked=(!active).to_string()>
                                        <td class="api-key-name">{key.name.clone()}</td>
                                        <td><code>{format!("{}…", key.prefix)}</code></td>
                                        <td>{format::api_key_scope(key.scope)}</td>
                                        <td class="api-key-state">{key_state(&key)}</td>
                                        <td>{key.last_used_at.as_deref().map(format::local_time).unwrap_or_else(|| "never".to_owned())}</td>
                                        <td class="row-actions">
                                            {active.then(|| view! {
                                                <button type="button" class="button small" disabled=move || pending.get() on:click=move |_| rotate(id.clone())>"Rotate"</button>
                                                <button type="button" class="button small danger" disabled=move || pending.get() on:click=move |_| revoke(id2.clone())>"Revoke"</button>
                                            })}
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        }
        .into_any(),
    }
    };

    view! {
        <section class="card" aria-labelledby="api-keys-title">
            <div class="section-head">
                <h2 id="api-keys-title">"API keys"</h2>
            </div>
            <p class="muted">"Agents report with these keys. A key's secret is shown once, when it is created or rotated."</p>
            <form class="inline-form" on:submit=on_create>
                <label for="api-key-name">"Name"</label>
                <input id="api-key-name" type="text" required maxlength="100" placeholder="e.g. support-triage" bind:value=name/>
                <label for="api-key-scope">"Scope"</label>
                <select
                    id="api-key-scope"
                    on:change=move |ev| {
                        if let Ok(s) = event_target_value(&ev).parse() {
                            scope.set(s);
                        }
                    }
                >
                    {ApiKeyScope::ALL
                        .iter()
                        .map(|s| view! { <option value=s.api_name() selected=*s == ApiKeyScope::Full>{format::api_key_scope(*s)}</option> })
                        .collect_view()}
                </select>
                <button type="submit" class="button primary" disabled=move || pending.get()>"Create key"</button>
            </form>
            {move || error.get().map(|message| view! { <p class="form-error" role="alert">{message}</p> })}
            {secret_view}
            {list}
        </section>
    }
}

/// "active", "revoked", or when a rotated key stops working.
fn key_state(key: &Key) -> String {
    match (&key.revoked_at, &key.expires_at) {
        (Some(_), _) => "revoked".to_owned(),
        (None, Some(until)) => format!("active until {}", format::local_time(until)),
        (None, None) => "active".to_owned(),
    }
}
