//! The one error type at the API boundary.
//!
//! Every failure a client can see is an [`ApiError`] with a stable machine-readable
//! [`code`](ApiError::code): GraphQL puts it in `extensions.code`, REST in `error.code`.
//! Internal causes are logged with their whole chain and never sent to clients.

use std::sync::Arc;

use async_graphql::ErrorExtensions as _;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// A failure as the client sees it.
///
/// Deliberately not `Display`: async-graphql converts any `Display` type into an error
/// without extensions, which would drop the code. [`ApiError::message`] gives the text.
#[derive(Debug, Clone)]
pub enum ApiError {
    /// No credential, or one that is expired, tampered with or revoked.
    Unauthenticated(&'static str),
    /// The credential is valid but its role may not call this operation (named as in the
    /// role matrix).
    Forbidden(&'static str),
    /// The record does not exist in the caller's organization (whether or not it exists
    /// elsewhere: the two are indistinguishable by design).
    NotFound(&'static str),
    /// Input that fails validation.
    InvalidInput { field: String, message: String },
    /// The request body is not valid JSON or not the expected shape.
    MalformedRequest(String),
    /// The request body is over the size limit.
    PayloadTooLarge { limit: usize },
    /// The body's `Content-Type` or `Content-Encoding` is not one the route reads (named).
    UnsupportedMediaType(String),
    /// The request conflicts with the current state (a taken name, a stale version).
    Conflict { code: &'static str, message: String },
    /// Email and password do not match an account.
    InvalidCredentials,
    /// Too many requests from this caller; retry after the given number of seconds.
    RateLimited { retry_after_seconds: u64 },
    /// A fault on our side; the cause goes to the log, not to the client.
    Internal(Arc<anyhow::Error>),
}

impl ApiError {
    /// The stable code clients branch on.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthenticated(_) => "UNAUTHENTICATED",
            ApiError::Forbidden(_) => "FORBIDDEN",
            ApiError::NotFound(_) => "NOT_FOUND",
            ApiError::InvalidInput { .. } => "BAD_USER_INPUT",
            ApiError::MalformedRequest(_) => "MALFORMED_REQUEST",
            ApiError::PayloadTooLarge { .. } => "PAYLOAD_TOO_LARGE",
            ApiError::UnsupportedMediaType(_) => "UNSUPPORTED_MEDIA_TYPE",
            ApiError::Conflict { code, .. } => code,
            ApiError::InvalidCredentials => "INVALID_CREDENTIALS",
            ApiError::RateLimited { .. } => "RATE_LIMITED",
            ApiError::Internal(_) => "INTERNAL",
        }
    }

    /// The HTTP status for REST answers (GraphQL answers 200 with `errors`).
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthenticated(_) | ApiError::InvalidCredentials => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::InvalidInput { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::MalformedRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Shorthand for a validation failure on one input field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::InvalidInput {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The human-readable message; never includes an internal cause.
    pub fn message(&self) -> String {
        match self {
            ApiError::Unauthenticated(why) => (*why).to_owned(),
            ApiError::Forbidden(operation) => format!("your role may not call {operation}"),
            ApiError::NotFound(what) => format!("{what} not found"),
            ApiError::InvalidInput { field, message } => format!("{field}: {message}"),
            ApiError::MalformedRequest(why) | ApiError::UnsupportedMediaType(why) => why.clone(),
            ApiError::PayloadTooLarge { limit } => {
                format!("request body is larger than the limit of {limit} bytes")
            }
            ApiError::Conflict { message, .. } => message.clone(),
            ApiError::InvalidCredentials => "invalid email or password".to_owned(),
            ApiError::RateLimited {
                retry_after_seconds,
            } => format!("too many requests; retry in {retry_after_seconds} s"),
            ApiError::Internal(_) => "internal error".to_owned(),
        }
    }

    /// The message sent to clients; internal causes are logged here, once, with their chain.
    fn client_message(&self) -> String {
        if let ApiError::Internal(cause) = self {
            tracing::error!(error = ?cause, "internal error");
        }
        self.message()
    }

    /// The body of a REST error answer: `{"error": {"code", "message"}}`.
    pub fn rest_body(&self) -> serde_json::Value {
        json!({ "error": { "code": self.code(), "message": self.client_message() } })
    }
}

impl ApiError {
    /// An internal fault; `cause` is logged, never shown.
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        ApiError::Internal(Arc::new(cause.into()))
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(err: sea_orm::DbErr) -> Self {
        ApiError::internal(err)
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(err: anyhow::Error) -> Self {
        ApiError::internal(err)
    }
}

impl ApiError {
    /// An HTTP answer with this error's status, `body`, and the headers its status calls
    /// for: the `WWW-Authenticate` challenge of a 401, the `Retry-After` of a 429.
    pub fn respond_with(&self, body: serde_json::Value) -> Response {
        let status = self.status();
        let mut response = (status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        if let ApiError::RateLimited {
            retry_after_seconds,
        } = self
        {
            headers.insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(*retry_after_seconds),
            );
        }
        response
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.respond_with(self.rest_body())
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(err: ApiError) -> Self {
        let code = err.code();
        let extra_field = match &err {
            ApiError::InvalidInput { field, .. } => Some(field.clone()),
            _ => None,
        };
        async_graphql::Error::new(err.client_message()).extend_with(|_, ext| {
            ext.set("code", code);
            if let Some(field) = extra_field {
                ext.set("field", field);
            }
        })
    }
}

/// Result of a service function.
pub type ApiResult<T> = Result<T, ApiError>;

/// `NOT_FOUND` as `None`, for fields that answer `null` for an id the organization does not
/// have; every other error stays an error.
pub fn found<T>(result: ApiResult<T>) -> ApiResult<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(ApiError::NotFound(_)) => Ok(None),
        Err(err) => Err(err),
    }
}
