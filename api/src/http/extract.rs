//! REST request extractors whose rejections are [`ApiError`]s with stable codes, and the
//! shared shape of a paginated REST answer.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::pagination::Page;
use crate::state::AppState;

/// A JSON body; malformed JSON, unknown fields, wrong types and oversized bodies become
/// `MALFORMED_REQUEST` / `PAYLOAD_TOO_LARGE` errors in our error shape.
pub struct ApiJson<T>(pub T);

/// An id from a URL path. A malformed id names nothing, so it is "not found" like any
/// unknown id (and like another organization's).
pub fn path_id<T: std::str::FromStr>(id: &str, what: &'static str) -> Result<T, ApiError> {
    id.parse().map_err(|_| ApiError::NotFound(what))
}

/// A route's own body limit, when it differs from the server's (set beside
/// `DefaultBodyLimit` so that errors name the right number).
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let limit = req
            .extensions()
            .get::<BodyLimit>()
            .map_or(state.config.max_body_bytes, |l| l.0);
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(rejection, limit)),
        }
    }
}

fn json_rejection(rejection: JsonRejection, limit: usize) -> ApiError {
    match rejection {
        JsonRejection::BytesRejection(bytes)
            if bytes.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE =>
        {
            ApiError::PayloadTooLarge { limit }
        }
        JsonRejection::MissingJsonContentType(_) => {
            ApiError::MalformedRequest("Content-Type must be application/json".to_owned())
        }
        JsonRejection::JsonDataError(err) => ApiError::MalformedRequest(err.body_text()),
        JsonRejection::JsonSyntaxError(err) => ApiError::MalformedRequest(err.body_text()),
        other => ApiError::MalformedRequest(other.body_text()),
    }
}

/// Query-string parameters, with the same error shape.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|rejection: QueryRejection| ApiError::MalformedRequest(rejection.body_text()))
    }
}

/// The query parameters of a REST list that filters nothing.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageParams {
    pub first: Option<i64>,
    pub after: Option<String>,
}

/// `{"items": [...], "pageInfo": {...}}`, the body of every REST list.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PageBody<T> {
    pub items: Vec<T>,
    pub page_info: PageInfoBody,
}

/// Where the next page starts.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PageInfoBody {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

impl<T> PageBody<T> {
    /// The body for `page`, mapping each row with `f`.
    pub fn from_page<M>(page: Page<M>, f: impl Fn(M) -> T) -> Self {
        let end_cursor = page.items.last().map(|(cursor, _)| cursor.encode());
        PageBody {
            items: page.items.into_iter().map(|(_, m)| f(m)).collect(),
            page_info: PageInfoBody {
                has_next_page: page.has_next_page,
                end_cursor,
            },
        }
    }
}
