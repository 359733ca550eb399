//! Members and invitations: an admin invites an email address with a role (a single-use
//! link that expires), changes roles and removes members; the last admin can be neither
//! demoted nor removed. Every change is audited.

use chrono::Duration;
use entity::{AuthProvider, OrgId, Role, UserId, invitation, user};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, DatabaseTransaction, EntityTrait as _,
    ModelTrait as _, PaginatorTrait as _, QueryFilter as _, Set, SqlErr,
};
use serde_json::json;
use uuid::Uuid;

use crate::audit::{self, Actor, Change, RequestMeta};
use crate::auth::secrets::{random_alphanumeric, sha256_hex};
use crate::auth::service::{Session, email_taken, normalize_email, open_session};
use crate::auth::{password, refresh};
use crate::error::{ApiError, ApiResult};
use crate::pagination::{self, Page, PageRequest};
use crate::state::AppState;

/// How long an invitation link works.
pub const INVITATION_TTL: Duration = Duration::days(7);
const TOKEN_PREFIX: &str = "hinv_";

/// An invitation just created, with its token (shown once, in the link).
pub struct CreatedInvitation {
    pub invitation: invitation::Model,
    pub token: String,
}

/// Invites `email` to join `org` as `role`.
pub async fn invite(
    state: &AppState,
    org: OrgId,
    actor: &Actor,
    email: &str,
    role: Role,
) -> ApiResult<CreatedInvitation> {
    let email = normalize_email(email)?;
    let taken = user::Entity::find()
        .filter(user::Column::Email.eq(&email))
        .count(&state.db)
        .await?
        > 0;
    if taken {
        return Err(email_taken());
    }
    let token = format!("{TOKEN_PREFIX}{}", random_alphanumeric(40));
    let now = crate::time::now();
    let txn = crate::db::begin_write(&state.db).await?;
    let invitation = invitation::ActiveModel {
        id: Set(Uuid::now_v7()),
        org_id: Set(org.0),
        email: Set(email),
        role: Set(role),
        token_hash: Set(sha256_hex(&token)),
        invited_by: Set(actor.id),
        created_at: Set(now),
        expires_at: Set(now + INVITATION_TTL),
        accepted_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(&txn)
    .await?;
    let change = Change {
        action: "member.invite",
        target_type: "invitation",
        target_id: Some(invitation.id),
        summary: json!({ "email": invitation.email, "role": invitation.role }),
    };
    audit::service::record(&txn, org, actor, change).await?;
    txn.commit().await?;
    Ok(CreatedInvitation { invitation, token })
}

/// Redeems an invitation: creates the member with the invited email and role, signs them
/// in. Each invitation works once, before it expires, unless revoked.
pub async fn accept(
    state: &AppState,
    token: &str,
    new_password: String,
    meta: RequestMeta,
) -> ApiResult<Session> {
    password::validate(&new_password)?;
    let password_hash = password::hash(new_password).await?;
    let txn = crate::db::begin_write(&state.db).await?;
    let invitation = redeem(&txn, token, None).await?;
    let member = join(
        &txn,
        &invitation,
        Some(password_hash),
        AuthProvider::Email,
        meta,
    )
    .await?;
    let refresh = refresh::start_family(&txn, &member).await?;
    txn.commit().await?;
    open_session(state, member, refresh)
}

/// Claims an invitation for use, with one conditional write so it works once only. With
/// `email`, the invitation must be for that address (a sign-in through a provider).
pub async fn redeem(
    txn: &DatabaseTransaction,
    token: &str,
    email: Option<&str>,
) -> ApiResult<invitation::Model> {
    let hash = sha256_hex(token);
    let now = crate::time::now();
    let mut claim = invitation::Entity::update_many()
        .col_expr(invitation::Column::AcceptedAt, Expr::value(now))
        .filter(invitation::Column::TokenHash.eq(&hash))
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::RevokedAt.is_null())
        .filter(invitation::Column::ExpiresAt.gt(now));
    if let Some(email) = email {
        claim = claim.filter(invitation::Column::Email.eq(email));
    }
    if claim.exec(txn).await?.rows_affected == 0 {
        return Err(ApiError::Conflict {
            code: "INVITATION_INVALID",
            message: "this invitation is unknown, already used, revoked, expired or for another \
                      address"
                .to_owned(),
        });
    }
    invitation::Entity::find()
        .filter(invitation::Column::TokenHash.eq(&hash))
        .one(txn)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("claimed invitation vanished")))
}

/// Creates the member a redeemed invitation asked for, and audits the join.
pub async fn join(
    txn: &DatabaseTransaction,
    invitation: &invitation::Model,
    password_hash: Option<String>,
    provider: AuthProvider,
    meta: RequestMeta,
) -> ApiResult<user::Model> {
    let member = user::ActiveModel {
        id: Set(UserId::new().0),
        org_id: Set(invitation.org_id),
        email: Set(invitation.email.clone()),
        password_hash: Set(password_hash),
        role: Set(invitation.role),
        auth_provider: Set(provider),
        created_at: Set(crate::time::now()),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(|err| match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => email_taken(),
        _ => err.into(),
    })?;
    let change = Change {
        action: "member.join",
        target_type: "user",
        target_id: Some(member.id),
        summary: json!({ "email": member.email, "role": member.role, "invitation": invitation.id, "provider": provider }),
    };
    let org = OrgId::from(member.org_id);
    audit::service::record(txn, org, &Actor::user(&member, meta), change).await?;
    Ok(member)
}

/// Withdraws an invitation that has not been used.
pub async fn revoke_invitation(
    state: &AppState,
    org: OrgId,
    actor: &Actor,
    id: Uuid,
) -> ApiResult<invitation::Model> {
    let found = invitation::Entity::find_by_id(id)
        .filter(invitation::Column::OrgId.eq(org.0))
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("invitation"))?;
    if found.revoked_at.is_some() || found.accepted_at.is_some() {
        return Ok(found);
    }
    let txn = crate::db::begin_write(&state.db).await?;
    let mut active: invitation::ActiveModel = found.into();
    active.revoked_at = Set(Some(crate::time::now()));
    let revoked = active.update(&txn).await?;
    let change = Change {
        action: "member.invitation_revoke",
        target_type: "invitation",
        target_id: Some(revoked.id),
        summary: json!({ "email": revoked.email, "role": revoked.role }),
    };
    audit::service::record(&txn, org, actor, change).await?;
    txn.commit().await?;
    Ok(revoked)
}

/// The organization's members, newest first.
pub async fn list_members(
    state: &AppState,
    org: OrgId,
    page: PageRequest,
) -> ApiResult<Page<user::Model>> {
    let select = user::Entity::find().filter(user::Column::OrgId.eq(org.0));
    pagination::fetch_page(
        &state.db,
        select,
        user::Column::CreatedAt,
        user::Column::Id,
        page,
    )
    .await
}

/// The organization's invitations, newest first (used, revoked and expired included).
pub async fn list_invitations(
    state: &AppState,
    org: OrgId,
    page: PageRequest,
) -> ApiResult<Page<invitation::Model>> {
    let select = invitation::Entity::find().filter(invitation::Column::OrgId.eq(org.0));
    pagination::fetch_page(
        &state.db,
        select,
        invitation::Column::CreatedAt,
        invitation::Column::Id,
        page,
    )
    .await
}

/// Gives a member another role; the last admin cannot be demoted.
pub async fn change_role(
    state: &AppState,
    org: OrgId,
    actor: &Actor,
    member: UserId,
    role: Role,
) -> ApiResult<user::Model> {
    let txn = crate::db::begin_write(&state.db).await?;
    crate::db::lock_org(&txn, org).await?;
    let current = find_member(&txn, org, member).await?;
    if current.role == role {
        return Ok(current);
    }
    if current.role == Role::Admin {
        ensure_another_admin(&txn, org).await?;
    }
    let before = current.role;
    let mut active: user::ActiveModel = current.into();
    active.role = Set(role);
    let updated = active.update(&txn).await?;
    let change = Change {
        action: "member.role_change",
        target_type: "user",
        target_id: Some(updated.id),
        summary: json!({ "email": updated.email, "before": { "role": before }, "after": { "role": role } }),
    };
    audit::service::record(&txn, org, actor, change).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Removes a member (their sessions end at once); the last admin cannot be removed.
pub async fn remove(state: &AppState, org: OrgId, actor: &Actor, member: UserId) -> ApiResult<()> {
    let txn = crate::db::begin_write(&state.db).await?;
    crate::db::lock_org(&txn, org).await?;
    let current = find_member(&txn, org, member).await?;
    if current.role == Role::Admin {
        ensure_another_admin(&txn, org).await?;
    }
    let change = Change {
        action: "member.remove",
        target_type: "user",
        target_id: Some(current.id),
        summary: json!({ "email": current.email, "role": current.role }),
    };
    current.delete(&txn).await?;
    audit::service::record(&txn, org, actor, change).await?;
    txn.commit().await?;
    Ok(())
}

/// A member of the organization; another org's is `NOT_FOUND`.
pub async fn find_member(
    db: &impl sea_orm::ConnectionTrait,
    org: OrgId,
    member: UserId,
) -> ApiResult<user::Model> {
    user::Entity::find_by_id(member.0)
        .filter(user::Column::OrgId.eq(org.0))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("member"))
}

async fn ensure_another_admin(db: &impl sea_orm::ConnectionTrait, org: OrgId) -> ApiResult<()> {
    let admins = user::Entity::find()
        .filter(user::Column::OrgId.eq(org.0))
        .filter(user::Column::Role.eq(Role::Admin))
        .count(db)
        .await?;
    if admins <= 1 {
        return Err(ApiError::Conflict {
            code: "LAST_ADMIN",
            message: "the organization's last admin can be neither demoted nor removed".to_owned(),
        });
    }
    Ok(())
}
