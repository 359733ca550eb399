//! The GraphQL face of alerts: rules (operators), webhooks (admins), the alert history,
//! deliveries, and the `alertFired` subscription.

use async_graphql::{Context, ID, Object, Subscription};
use entity::{OrgId, alert_event};
use futures_util::{Stream, StreamExt as _};
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};

use crate::error::{ApiError, ApiResult};
use crate::events::{BusItem, Event};
use crate::graphql::connection::{CursorConnection, to_connection};
use crate::graphql::context::{ContextExt as _, audit_actor, parse_id};
use crate::pagination::{self, Page, PageRequest};
use crate::state::AppState;

use super::rules::{self, AlertRuleInput, AlertRulePatch};
use super::views::{Alert, AlertRule, CreatedWebhook, Webhook, WebhookDelivery};
use super::webhooks::{self, WebhookInput};

/// The organization's alerts, newest first; `firing` keeps only the open (`true`) or the
/// resolved (`false`) ones. Shared by GraphQL and REST.
pub async fn alerts(
    state: &AppState,
    org: OrgId,
    firing: Option<bool>,
    page: PageRequest,
) -> ApiResult<Page<alert_event::Model>> {
    let mut select = alert_event::Entity::find().filter(alert_event::Column::OrgId.eq(org.0));
    select = match firing {
        Some(true) => select.filter(alert_event::Column::ResolvedAt.is_null()),
        Some(false) => select.filter(alert_event::Column::ResolvedAt.is_not_null()),
        None => select,
    };
    pagination::fetch_page(
        &state.db,
        select,
        alert_event::Column::FiredAt,
        alert_event::Column::Id,
        page,
    )
    .await
}

#[derive(Default)]
pub struct AlertQuery;

#[Object]
impl AlertQuery {
    /// The organization's alert rules, oldest first.
    async fn alert_rules(&self, ctx: &Context<'_>) -> ApiResult<Vec<AlertRule>> {
        let viewer = ctx.authorize("Query.alertRules")?;
        let found = rules::list(ctx.state()?, viewer.org_id).await?;
        Ok(found.into_iter().map(AlertRule::from).collect())
    }

    /// Alerts that fired, newest first; `firing: true` for the open ones only.
    async fn alerts(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        firing: Option<bool>,
    ) -> ApiResult<CursorConnection<Alert>> {
        let viewer = ctx.authorize("Query.alerts")?;
        let request = PageRequest::new(first.map(i64::from), after.as_deref())?;
        let page = alerts(ctx.state()?, viewer.org_id, firing, request).await?;
        Ok(to_connection(page.map(Alert::from), request))
    }

    /// Where the organization's alerts are posted (admins).
    async fn webhooks(&self, ctx: &Context<'_>) -> ApiResult<Vec<Webhook>> {
        let viewer = ctx.authorize("Query.webhooks")?;
        let found = webhooks::list(ctx.state()?, viewer.org_id).await?;
        Ok(found.into_iter().map(Webhook::from).collect())
    }

    /// A webhook's deliveries with their attempts and last outcome, newest first (admins).
    async fn webhook_deliveries(
        &self,
        ctx: &Context<'_>,
        webhook_id: ID,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<CursorConnection<WebhookDelivery>> {
        let viewer = ctx.authorize("Query.webhookDeliveries")?;
        let id = parse_id(&webhook_id, "webhookId")?;
        let request = PageRequest::new(first.map(i64::from), after.as_deref())?;
        let page = webhooks::deliveries(ctx.state()?, viewer.org_id, id, request).await?;
        Ok(to_connection(page.map(WebhookDelivery::from), request))
    }
}

#[derive(Default)]
pub struct AlertMutation;

#[Object]
impl AlertMutation {
    /// Adds an alert rule (operators).
    async fn create_alert_rule(
        &self,
        ctx: &Context<'_>,
        input: AlertRuleInput,
    ) -> ApiResult<AlertRule> {
        let viewer = ctx.authorize("Mutation.createAlertRule")?;
        let actor = audit_actor(ctx)?;
        Ok(rules::create(ctx.state()?, viewer.org_id, &actor, input)
            .await?
            .into())
    }

    /// Changes an alert rule; a disabled rule's open alerts resolve at the next evaluation
    /// (operators).
    async fn update_alert_rule(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: AlertRulePatch,
    ) -> ApiResult<AlertRule> {
        let viewer = ctx.authorize("Mutation.updateAlertRule")?;
        let actor = audit_actor(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(
            rules::update(ctx.state()?, viewer.org_id, &actor, id, input)
                .await?
                .into(),
        )
    }

    /// Deletes an alert rule, resolving its open alerts (operators).
    async fn delete_alert_rule(&self, ctx: &Context<'_>, id: ID) -> ApiResult<AlertRule> {
        let viewer = ctx.authorize("Mutation.deleteAlertRule")?;
        let actor = audit_actor(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(rules::delete(ctx.state()?, viewer.org_id, &actor, id)
            .await?
            .into())
    }

    /// Adds a webhook; the answer holds its signing secret, shown this once (admins).
    async fn create_webhook(
        &self,
        ctx: &Context<'_>,
        input: WebhookInput,
    ) -> ApiResult<CreatedWebhook> {
        let viewer = ctx.authorize("Mutation.createWebhook")?;
        let actor = audit_actor(ctx)?;
        let (hook, secret) = webhooks::create(ctx.state()?, viewer.org_id, &actor, input).await?;
        Ok(CreatedWebhook {
            webhook: hook.into(),
            secret,
        })
    }

    /// Removes a webhook and its deliveries (admins).
    async fn delete_webhook(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Webhook> {
        let viewer = ctx.authorize("Mutation.deleteWebhook")?;
        let actor = audit_actor(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(webhooks::delete(ctx.state()?, viewer.org_id, &actor, id)
            .await?
            .into())
    }
}

#[derive(Default)]
pub struct AlertSubscription;

#[Subscription]
impl AlertSubscription {
    /// Every alert of the organization as it fires.
    async fn alert_fired(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = async_graphql::Result<Alert>> + use<>, ApiError> {
        let viewer = ctx.authorize("Subscription.alertFired")?;
        let events = ctx.state()?.bus.subscribe();
        Ok(events.filter_map(move |item| {
            let out = match item {
                BusItem::Event(envelope) if envelope.org_id == viewer.org_id => {
                    match &envelope.event {
                        Event::AlertFired(alert) => Some(Ok(Alert::from(alert.clone()))),
                        _ => None,
                    }
                }
                BusItem::Event(_) => None,
                BusItem::Lagged { missed } => Some(Err(crate::events::lagged(
                    missed,
                    "events",
                    "read missed alerts with the `alerts` query",
                )
                .into())),
            };
            std::future::ready(out)
        }))
    }
}
