//! Settings → Members and invitations: each member with their role (change it, remove the
//! member), inviting an email address with a role (the link is shown once), and the
//! invitations with their state (revoke a pending one).

use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use crate::api::http;
use crate::api::ops::{
    InviteMember, RemoveMember, RevokeInvitation, Role, UpdateMemberRole, invite_member,
    org_settings, remove_member, revoke_invitation, update_member_role,
};
use crate::components::data_table::DataTable;
use crate::format;
use crate::remote::Changes;
use crate::session::Session;

type Settings = Option<org_settings::ResponseData>;

/// The members and invitations section.
#[component]
pub fn MembersSection(settings: RwSignal<Settings>, changes: Changes) -> impl IntoView {
    let session = Session::use_context();
    let email = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Operator);
    let link = RwSignal::new(None::<String>);

    let set_role = move |user_id: String, value: String| {
        let Ok(role) = value.parse::<Role>() else {
            return;
        };
        let variables = update_member_role::Variables { user_id, role };
        changes.run(
            http::execute::<UpdateMemberRole>(session, variables),
            |_| {},
        );
    };
    let remove = move |user_id: String| {
        let variables = remove_member::Variables { user_id };
        changes.run(http::execute::<RemoveMember>(session, variables), |_| {});
    };
    let revoke = move |id: String| {
        let variables = revoke_invitation::Variables { id };
        changes.run(
            http::execute::<RevokeInvitation>(session, variables),
            |_| {},
        );
    };
    let invite = move |ev: SubmitEvent| {
        ev.prevent_default();
        let input = invite_member::InviteMemberInput {
            email: email.get_untracked().trim().to_owned(),
            role: role.get_untracked(),
        };
        changes.run(
            http::execute::<InviteMember>(session, invite_member::Variables { input }),
            move |data| {
                email.set(String::new());
                link.set(Some(absolute(&data.invite_member.accept_path)));
            },
        );
    };

    let members = move || {
        settings.with(|s| s.as_ref().map(|s| s.members.nodes.clone())).unwrap_or_default().into_iter().map(|m| {
            let id = m.id.clone();
            let id2 = m.id.clone();
            view! {
                <tr class="member-row">
                    <td>{m.email.clone()}</td>
                    <td>
                        <select
                            aria-label=format!("Role of {}", m.email)
                            disabled=move || changes.pending.get()
                            on:change=move |ev| set_role(id.clone(), event_target_value(&ev))
                        >
                            {role_options(m.role)}
                        </select>
                    </td>
                    <td class="row-actions">
                        <button type="button" class="button small danger" disabled=move || changes.pending.get() on:click=move |_| remove(id2.clone())>"Remove"</button>
                    </td>
                </tr>
            }
        }).collect_view()
    };
    let invitations = move || {
        settings.with(|s| s.as_ref().map(|s| s.invitations.nodes.clone())).unwrap_or_default().into_iter().map(|i| {
            let state = invitation_state(
                i.accepted_at.is_some(),
                i.revoked_at.is_some(),
                format::epoch_ms(&i.expires_at),
                js_sys::Date::now(),
            );
            let pending = state == "pending";
            let state = if pending {
                format!("pending until {}", format::local_time(&i.expires_at))
            } else {
                state.to_owned()
            };
            let id = i.id.clone();
            view! {
                <tr class="invitation-row">
                    <td>{i.email.clone()}</td>
                    <td>{i.role.storage_name()}</td>
                    <td class="invitation-state">{state}</td>
                    <td class="row-actions">
                        {pending.then(|| view! {
                            <button type="button" class="button small danger" disabled=move || changes.pending.get() on:click=move |_| revoke(id.clone())>"Revoke"</button>
                        })}
                    </td>
                </tr>
            }
        }).collect_view()
    };

    view! {
        <section class="card" aria-labelledby="members-title">
            <div class="section-head"><h2 id="members-title">"Members"</h2></div>
            <DataTable headers=&["Email", "Role"] actions=true>{members}</DataTable>
            <h3>"Invitations"</h3>
            <form class="inline-form" on:submit=invite>
                <label for="invite-email">"Email"</label>
                <input id="invite-email" type="email" required bind:value=email/>
                <label for="invite-role">"Role"</label>
                <select id="invite-role" on:change=move |ev| {
                    if let Ok(r) = event_target_value(&ev).parse() {
                        role.set(r);
                    }
                }>
                    {role_options(Role::Operator)}
                </select>
                <button type="submit" class="button primary" disabled=move || changes.pending.get()>"Invite"</button>
            </form>
            {changes.error_view()}
            {move || link.get().map(|url| view! {
                <div class="secret" role="status">
                    <p><strong>"Invitation link"</strong>" — send it to the invitee; it will not be shown again, and works once, for 7 days."</p>
                    <code class="secret-value invitation-link">{url}</code>
                    <button type="button" class="button small" on:click=move |_| link.set(None)>"Done"</button>
                </div>
            })}
            <DataTable headers=&["Email", "Role", "State"] actions=true>{invitations}</DataTable>
        </section>
    }
}

/// One `<option>` per role, `selected` marked.
fn role_options(selected: Role) -> impl IntoView {
    Role::ALL
        .iter()
        .map(|r| view! { <option value=r.api_name() selected=*r == selected>{r.storage_name()}</option> })
        .collect_view()
}

/// The invitation link on this dashboard's origin.
fn absolute(path: &str) -> String {
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    format!("{origin}{path}")
}

/// An invitation's state at `now_ms`: "accepted", "revoked", "expired" or "pending".
fn invitation_state(accepted: bool, revoked: bool, expires_ms: f64, now_ms: f64) -> &'static str {
    if accepted {
        "accepted"
    } else if revoked {
        "revoked"
    } else if expires_ms <= now_ms {
        "expired"
    } else {
        "pending"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invitation_is_pending_until_used_revoked_or_expired() {
        assert_eq!(invitation_state(false, false, 2.0, 1.0), "pending");
        assert_eq!(invitation_state(false, false, 2.0, 3.0), "expired");
        assert_eq!(invitation_state(true, false, 2.0, 3.0), "accepted");
        assert_eq!(invitation_state(false, true, 2.0, 1.0), "revoked");
    }
}
