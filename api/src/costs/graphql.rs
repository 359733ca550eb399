//! The GraphQL face of costs: `modelPrices`, the price table ingest applies.

use async_graphql::{Context, Object};

use super::prices::{self, ModelPrice};
use crate::error::ApiResult;
use crate::graphql::context::ContextExt as _;

#[derive(Default)]
pub struct CostQuery;

#[Object]
impl CostQuery {
    /// Every model's price as ingest applies it now (USD per million tokens by kind): the
    /// shipped list prices with the organization's overrides (settings `prices`) in place.
    /// Activities of a model not listed here are stored `unpriced`.
    async fn model_prices(&self, ctx: &Context<'_>) -> ApiResult<Vec<ModelPrice>> {
        let viewer = ctx.authorize("Query.modelPrices")?;
        let settings = crate::orgs::service::settings_of(&ctx.state()?.db, viewer.org_id).await?;
        Ok(prices::effective(&settings, crate::time::now()))
    }
}
