//! Refresh tokens: 30 days, opaque, stored hashed, valid once. Each use rotates the token
//! within its family (one family per sign-in); presenting an already-rotated token means it
//! was copied, so the whole family is revoked and every session of that sign-in ends.

use chrono::{DateTime, Duration, Utc};
use entity::{UserId, refresh_token, user};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, DatabaseTransaction,
    EntityTrait as _, QueryFilter as _, Set,
};
use uuid::Uuid;

use super::secrets::{random_alphanumeric, sha256_hex};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// How long a refresh token is valid.
pub const REFRESH_TOKEN_TTL: Duration = Duration::days(30);
const TOKEN_PREFIX: &str = "hrt_";
const TOKEN_LEN: usize = 48;

/// A refresh token as handed to the client (once).
pub struct IssuedRefresh {
    pub token: String,
    pub expires_in_seconds: i64,
}

const INVALID: ApiError = ApiError::Unauthenticated("refresh token is invalid or expired");
const REUSED: ApiError = ApiError::Unauthenticated(
    "refresh token was already used; every session of this sign-in has been ended",
);

/// Starts a family for a new sign-in of `user`.
pub async fn start_family(
    db: &impl ConnectionTrait,
    user: &user::Model,
) -> ApiResult<IssuedRefresh> {
    issue(db, user, Uuid::now_v7(), crate::time::now()).await
}

async fn issue(
    db: &impl ConnectionTrait,
    user: &user::Model,
    family_id: Uuid,
    now: DateTime<Utc>,
) -> ApiResult<IssuedRefresh> {
    let token = format!("{TOKEN_PREFIX}{}", random_alphanumeric(TOKEN_LEN));
    refresh_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        family_id: Set(family_id),
        user_id: Set(user.id),
        org_id: Set(user.org_id),
        token_hash: Set(sha256_hex(&token)),
        created_at: Set(now),
        expires_at: Set(now + REFRESH_TOKEN_TTL),
        rotated_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(IssuedRefresh {
        token,
        expires_in_seconds: REFRESH_TOKEN_TTL.num_seconds(),
    })
}

/// Exchanges `token` for a new one of the same family, and returns the member it belongs
/// to (read afresh, so a changed role takes effect at the next refresh).
pub async fn rotate(state: &AppState, token: &str) -> ApiResult<(user::Model, IssuedRefresh)> {
    let hash = sha256_hex(token);
    let now = crate::time::now();
    let txn = crate::db::begin_write(&state.db).await?;
    // Claim the token with one conditional write, so two concurrent uses cannot both win.
    let claimed = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RotatedAt, Expr::value(now))
        .filter(refresh_token::Column::TokenHash.eq(&hash))
        .filter(refresh_token::Column::RotatedAt.is_null())
        .filter(refresh_token::Column::RevokedAt.is_null())
        .filter(refresh_token::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?
        .rows_affected;
    let row = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(&hash))
        .one(&txn)
        .await?
        .ok_or(INVALID)?;
    if claimed == 0 {
        if row.rotated_at.is_some() && row.revoked_at.is_none() {
            revoke_where(&txn, refresh_token::Column::FamilyId.eq(row.family_id), now).await?;
            txn.commit().await?;
            tracing::warn!(family = %row.family_id, user = %row.user_id, "refresh token reuse: family revoked");
            return Err(REUSED);
        }
        return Err(INVALID);
    }
    let user = user::Entity::find_by_id(row.user_id)
        .one(&txn)
        .await?
        .ok_or(INVALID)?;
    let issued = issue(&txn, &user, row.family_id, now).await?;
    txn.commit().await?;
    Ok((user, issued))
}

/// Ends the sign-in `token` belongs to (log out), and returns the member whose sign-in it
/// was, if it was still live. Unknown or already revoked tokens are ignored, so logging out
/// twice is harmless.
pub async fn revoke_family_of(
    txn: &DatabaseTransaction,
    token: &str,
) -> ApiResult<Option<user::Model>> {
    let Some(row) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(sha256_hex(token)))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .one(txn)
        .await?
    else {
        return Ok(None);
    };
    revoke_where(
        txn,
        refresh_token::Column::FamilyId.eq(row.family_id),
        crate::time::now(),
    )
    .await?;
    Ok(user::Entity::find_by_id(row.user_id).one(txn).await?)
}

/// Ends every sign-in of `user` (log out everywhere, password change).
pub async fn revoke_all_of_user(db: &impl ConnectionTrait, user: UserId) -> ApiResult<()> {
    revoke_where(
        db,
        refresh_token::Column::UserId.eq(user.0),
        crate::time::now(),
    )
    .await
}

async fn revoke_where(
    db: &impl ConnectionTrait,
    condition: sea_orm::sea_query::SimpleExpr,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(condition)
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}
