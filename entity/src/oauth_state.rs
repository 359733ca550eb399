//! One OAuth sign-in in flight, valid once for a few minutes.

use sea_orm::entity::prelude::*;

use crate::domain::AuthProvider;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "oauth_states")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// SHA-256 of the `state` parameter, hex.
    #[sea_orm(unique)]
    pub state_hash: String,
    pub provider: AuthProvider,
    /// The PKCE code verifier sent with the code exchange.
    pub pkce_verifier: String,
    /// The invitation the sign-in may redeem.
    pub invitation_token: Option<String>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
