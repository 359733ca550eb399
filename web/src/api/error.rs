//! [`ApiError`]: every way a request to the server can fail, worded for the person reading
//! the dashboard.

use std::fmt;

/// The `extensions.code` the server puts on errors caused by a missing or expired credential.
pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";

/// Why a request produced no data.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The request never got an answer (server down, network gone).
    Unreachable(String),
    /// The server refused the credential (HTTP 401 or `extensions.code` UNAUTHENTICATED).
    /// The session has been cleared by the time the caller sees this.
    Unauthenticated(String),
    /// The server answered with GraphQL errors: the first one's message and its stable
    /// `extensions.code` (e.g. `VERSION_CONFLICT`), when it has one.
    Graphql {
        code: Option<String>,
        message: String,
    },
    /// The server answered with something that is not a GraphQL response.
    Http(u16),
    /// A GraphQL response that does not match the operation's types.
    Decode(String),
}

impl ApiError {
    /// Whether retrying later could help (the server was unreachable or odd).
    pub fn is_transient(&self) -> bool {
        matches!(self, ApiError::Unreachable(_) | ApiError::Http(_))
    }

    /// The server's stable error code, if it sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Graphql { code, .. } => code.as_deref(),
            _ => None,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Unreachable(_) => {
                f.write_str("Can't reach the HumanAIOS server. Check that it is running.")
            }
            ApiError::Unauthenticated(message) | ApiError::Graphql { message, .. } => {
                f.write_str(message)
            }
            ApiError::Http(status) => write!(f, "The server answered with HTTP {status}."),
            ApiError::Decode(detail) => write!(f, "Unexpected answer from the server: {detail}"),
        }
    }
}
