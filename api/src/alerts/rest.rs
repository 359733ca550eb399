//! `/api/v1/alert-rules`, `/api/v1/alerts` and `/api/v1/webhooks`: the REST face of alerts,
//! on the same service functions as GraphQL.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, patch, post};
use serde::Deserialize;

use crate::audit::Actor;
use crate::auth::viewer::RequireViewer;
use crate::error::ApiResult;
use crate::http::extract::{ApiJson, ApiQuery, PageBody, path_id};
use crate::http::rest::RestRoute;
use crate::pagination::PageRequest;
use crate::state::AppState;

use super::rules::{self, AlertRuleInput, AlertRulePatch};
use super::views::{Alert, AlertRule, CreatedWebhook, Webhook, WebhookDelivery};
use super::webhooks::{self, WebhookInput};

/// The alert routes (below `/api/v1`).
pub fn routes() -> Vec<RestRoute> {
    vec![
        RestRoute::new("GET", "/alert-rules", get(list_rules)),
        RestRoute::new("POST", "/alert-rules", post(create_rule)),
        RestRoute::new("PATCH", "/alert-rules/{id}", patch(update_rule)),
        RestRoute::new("DELETE", "/alert-rules/{id}", delete(delete_rule)),
        RestRoute::new("GET", "/alerts", get(list_alerts)),
        RestRoute::new("GET", "/webhooks", get(list_webhooks)),
        RestRoute::new("POST", "/webhooks", post(create_webhook)),
        RestRoute::new("DELETE", "/webhooks/{id}", delete(delete_webhook)),
        RestRoute::new("GET", "/webhooks/{id}/deliveries", get(list_deliveries)),
    ]
}

/// `{"items": [...]}`, like the paged lists but in one page.
#[derive(serde::Serialize)]
struct Items<T> {
    items: Vec<T>,
}

async fn list_rules(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
) -> ApiResult<axum::Json<Items<AlertRule>>> {
    let found = rules::list(&state, viewer.org_id).await?;
    Ok(axum::Json(Items {
        items: found.into_iter().map(AlertRule::from).collect(),
    }))
}

/// Body as `AlertRuleInput`.
async fn create_rule(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    Extension(actor): Extension<Actor>,
    ApiJson(input): ApiJson<AlertRuleInput>,
) -> ApiResult<(StatusCode, axum::Json<AlertRule>)> {
    let rule = rules::create(&state, viewer.org_id, &actor, input).await?;
    Ok((StatusCode::CREATED, axum::Json(rule.into())))
}

/// Body as `AlertRulePatch`.
async fn update_rule(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<AlertRulePatch>,
) -> ApiResult<axum::Json<AlertRule>> {
    let id = path_id(&id, "alert rule")?;
    let rule = rules::update(&state, viewer.org_id, &actor, id, patch).await?;
    Ok(axum::Json(rule.into()))
}

async fn delete_rule(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<AlertRule>> {
    let id = path_id(&id, "alert rule")?;
    let rule = rules::delete(&state, viewer.org_id, &actor, id).await?;
    Ok(axum::Json(rule.into()))
}

/// Query parameters of the alert list.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AlertParams {
    first: Option<i64>,
    after: Option<String>,
    firing: Option<bool>,
}

async fn list_alerts(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    ApiQuery(params): ApiQuery<AlertParams>,
) -> ApiResult<axum::Json<PageBody<Alert>>> {
    let page = PageRequest::new(params.first, params.after.as_deref())?;
    let found = super::graphql::alerts(&state, viewer.org_id, params.firing, page).await?;
    Ok(axum::Json(PageBody::from_page(found, Alert::from)))
}

async fn list_webhooks(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
) -> ApiResult<axum::Json<Items<Webhook>>> {
    let found = webhooks::list(&state, viewer.org_id).await?;
    Ok(axum::Json(Items {
        items: found.into_iter().map(Webhook::from).collect(),
    }))
}

/// Body `{"url": "https://…"}`; the answer holds the signing secret, shown this once.
async fn create_webhook(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    Extension(actor): Extension<Actor>,
    ApiJson(input): ApiJson<WebhookInput>,
) -> ApiResult<(StatusCode, axum::Json<CreatedWebhook>)> {
    let (hook, secret) = webhooks::create(&state, viewer.org_id, &actor, input).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(CreatedWebhook {
            webhook: hook.into(),
            secret,
        }),
    ))
}

async fn delete_webhook(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Webhook>> {
    let id = path_id(&id, "webhook")?;
    let hook = webhooks::delete(&state, viewer.org_id, &actor, id).await?;
    Ok(axum::Json(hook.into()))
}

/// Query parameters of the delivery list.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PageParams {
    first: Option<i64>,
    after: Option<String>,
}

async fn list_deliveries(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    Path(id): Path<String>,
    ApiQuery(params): ApiQuery<PageParams>,
) -> ApiResult<axum::Json<PageBody<WebhookDelivery>>> {
    let id = path_id(&id, "webhook")?;
    let page = PageRequest::new(params.first, params.after.as_deref())?;
    let found = webhooks::deliveries(&state, viewer.org_id, id, page).await?;
    Ok(axum::Json(PageBody::from_page(
        found,
        WebhookDelivery::from,
    )))
}
