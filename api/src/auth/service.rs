//! Sign-up, log-in, refresh, log-out and password change.

use entity::{AuthProvider, OrgId, Plan, Role, UserId, organization, user};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, EntityTrait as _, QueryFilter as _, Set, SqlErr,
};

use crate::audit::{self, Actor, Change, RequestMeta};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use serde_json::json;

use super::{password, refresh};

/// A signed-in session: the access token, the refresh token that renews it, and the member
/// it belongs to.
pub struct Session {
    pub access_token: String,
    pub expires_in_seconds: i64,
    pub refresh_token: String,
    pub refresh_expires_in_seconds: i64,
    pub user: user::Model,
}

/// What sign-up asks for.
pub struct SignUp {
    pub email: String,
    pub password: String,
    pub organization_name: String,
}

/// Creates an organization and its first admin, and signs the admin in.
pub async fn sign_up(state: &AppState, input: SignUp, meta: RequestMeta) -> ApiResult<Session> {
    let email = normalize_email(&input.email)?;
    password::validate(&input.password)?;
    let org_name = input.organization_name.trim();
    if org_name.is_empty() || org_name.chars().count() > 100 {
        return Err(ApiError::invalid(
            "organizationName",
            "must be 1 to 100 characters",
        ));
    }
    let password_hash = password::hash(input.password).await?;

    let txn = crate::db::begin_write(&state.db).await?;
    let now = crate::time::now();
    let org = organization::ActiveModel {
        id: Set(OrgId::new().0),
        name: Set(org_name.to_owned()),
        plan: Set(Plan::Free),
        settings: Set(serde_json::json!({})),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let user = user::ActiveModel {
        id: Set(UserId::new().0),
        org_id: Set(org.id),
        email: Set(email),
        password_hash: Set(Some(password_hash)),
        role: Set(Role::Admin),
        auth_provider: Set(AuthProvider::Email),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|err| match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => email_taken(),
        _ => err.into(),
    })?;
    let refresh = refresh::start_family(&txn, &user).await?;
    let change = user_change("auth.sign_up", &user, json!({ "organization": org.name }));
    audit::service::record(&txn, org.id.into(), &Actor::user(&user, meta), change).await?;
    txn.commit().await?;
    open_session(state, user, refresh)
}

/// An audit entry about a member's own account.
fn user_change(action: &'static str, user: &user::Model, summary: serde_json::Value) -> Change {
    Change {
        action,
        target_type: "user",
        target_id: Some(user.id),
        summary,
    }
}

/// Signs a member in with email and password. Unknown email and wrong password give the
/// same error after the same amount of work.
pub async fn log_in(
    state: &AppState,
    email: &str,
    password: String,
    meta: RequestMeta,
) -> ApiResult<Session> {
    let email = email.trim().to_lowercase();
    let user = user::Entity::find()
        .filter(user::Column::Email.eq(&email))
        .one(&state.db)
        .await?;
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    if !password::verify(password, stored).await? {
        return Err(ApiError::InvalidCredentials);
    }
    let user = user.ok_or(ApiError::InvalidCredentials)?;
    let txn = crate::db::begin_write(&state.db).await?;
    let refresh = refresh::start_family(&txn, &user).await?;
    let change = user_change("auth.sign_in", &user, json!({ "method": "password" }));
    audit::service::record(&txn, user.org_id.into(), &Actor::user(&user, meta), change).await?;
    txn.commit().await?;
    open_session(state, user, refresh)
}

/// Exchanges a refresh token for a new session of the same sign-in.
pub async fn refresh_session(state: &AppState, refresh_token: &str) -> ApiResult<Session> {
    let (user, refresh) = refresh::rotate(state, refresh_token).await?;
    open_session(state, user, refresh)
}

/// Ends the sign-in a refresh token belongs to.
pub async fn log_out(state: &AppState, refresh_token: &str, meta: RequestMeta) -> ApiResult<()> {
    let txn = crate::db::begin_write(&state.db).await?;
    if let Some(member) = refresh::revoke_family_of(&txn, refresh_token).await? {
        let change = user_change("auth.log_out", &member, json!({}));
        let org = OrgId::from(member.org_id);
        audit::service::record(&txn, org, &Actor::user(&member, meta), change).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Ends every sign-in of the member.
pub async fn log_out_everywhere(
    state: &AppState,
    actor: &Actor,
    org: OrgId,
    user: UserId,
) -> ApiResult<()> {
    let member = find_user(state, org, user).await?;
    let txn = crate::db::begin_write(&state.db).await?;
    refresh::revoke_all_of_user(&txn, user).await?;
    let change = user_change("auth.log_out_everywhere", &member, json!({}));
    audit::service::record(&txn, org, actor, change).await?;
    txn.commit().await?;
    Ok(())
}

/// Changes the member's password after checking the current one, ends every sign-in, and
/// starts a new one for the caller.
pub async fn change_password(
    state: &AppState,
    org: OrgId,
    user: UserId,
    current: String,
    new: String,
    meta: RequestMeta,
) -> ApiResult<Session> {
    password::validate(&new).map_err(|_| {
        ApiError::invalid(
            "newPassword",
            format!(
                "must be {} to {} characters",
                password::MIN_LEN,
                password::MAX_LEN
            ),
        )
    })?;
    let member = find_user(state, org, user).await?;
    if !password::verify(current, member.password_hash.clone()).await? {
        return Err(ApiError::InvalidCredentials);
    }
    let new_hash = password::hash(new).await?;
    let txn = crate::db::begin_write(&state.db).await?;
    let mut active: user::ActiveModel = member.into();
    active.password_hash = Set(Some(new_hash));
    let member = active.update(&txn).await?;
    refresh::revoke_all_of_user(&txn, user).await?;
    let refresh = refresh::start_family(&txn, &member).await?;
    let change = user_change("auth.change_password", &member, json!({}));
    audit::service::record(&txn, org, &Actor::user(&member, meta), change).await?;
    txn.commit().await?;
    open_session(state, member, refresh)
}

/// The member a token was issued to, in the caller's organization.
pub async fn find_user(state: &AppState, org: OrgId, id: UserId) -> ApiResult<user::Model> {
    user::Entity::find_by_id(id.0)
        .filter(user::Column::OrgId.eq(org.0))
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("user"))
}

/// A session for `user` from a refresh token already issued to them.
pub fn open_session(
    state: &AppState,
    user: user::Model,
    refresh: refresh::IssuedRefresh,
) -> ApiResult<Session> {
    let issued = state
        .tokens
        .issue(user.id.into(), user.org_id.into(), user.role)?;
    Ok(Session {
        access_token: issued.token,
        expires_in_seconds: issued.expires_in_seconds,
        refresh_token: refresh.token,
        refresh_expires_in_seconds: refresh.expires_in_seconds,
        user,
    })
}

/// The conflict of an email that already has an account.
pub fn email_taken() -> ApiError {
    ApiError::Conflict {
        code: "EMAIL_TAKEN",
        message: "an account with this email already exists".to_owned(),
    }
}

/// Lower-cases and checks the shape of an email address (one `@`, a dotted domain).
pub fn normalize_email(email: &str) -> ApiResult<String> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if valid {
        Ok(email)
    } else {
        Err(ApiError::invalid("email", "is not a valid email address"))
    }
}

#[cfg(test)]
mod tests {
    use super::normalize_email;

    #[test]
    fn emails_are_lower_cased_and_checked() {
        assert_eq!(
            normalize_email(" Ada@Example.COM ").unwrap(),
            "ada@example.com"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "a@b@c.com",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad:?} accepted");
        }
    }
}
