//! An API key with which agents report to HumanAIOS. Only its hash is stored.

use sea_orm::entity::prelude::*;

use crate::domain::ApiKeyScope;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "api_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub org_id: Uuid,
    pub name: String,
    /// The public part of the key (`hai_XXXXXXXX`), shown in lists and used for lookup.
    #[sea_orm(unique)]
    pub prefix: String,
    /// SHA-256 of the whole key, hex.
    pub key_hash: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub last_used_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
    /// What the key may do.
    pub scope: ApiKeyScope,
    /// When a rotated key stops working (the end of its grace period); `None`: never.
    pub expires_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organization::Entity",
        from = "Column::OrgId",
        to = "super::organization::Column::Id"
    )]
    Organization,
}

impl ActiveModelBehavior for ActiveModel {}
