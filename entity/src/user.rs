//! A member of an organization.

use sea_orm::entity::prelude::*;

use crate::domain::{AuthProvider, Role};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub org_id: Uuid,
    /// Stored lower-cased; unique across all organizations.
    #[sea_orm(unique)]
    pub email: String,
    /// Argon2id PHC string; `None` for users who sign in only through a provider.
    pub password_hash: Option<String>,
    pub role: Role,
    pub auth_provider: AuthProvider,
    pub created_at: DateTimeUtc,
    /// Where the member last said they are (WGS84 degrees), for assignment suggestions.
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// Whether the member takes tasks now.
    pub available: bool,
    pub located_at: Option<DateTimeUtc>,
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
