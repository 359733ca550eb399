//! The GraphQL face of organizations.

use async_graphql::{ID, Object};
use chrono::{DateTime, Utc};
use entity::{Plan, organization};

/// An organization: the tenant that owns agents, members and keys.
pub struct Organization(pub organization::Model);

#[Object]
impl Organization {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The billing plan.
    async fn plan(&self) -> Plan {
        self.0.plan
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
