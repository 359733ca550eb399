//! Queries and mutations: `POST /graphql` on the page's own origin, JSON in and out, with the
//! session's bearer token. A refused credential signs the session out, which sends the user to
//! the login page.

use gloo_net::http::Request;
use graphql_client::{GraphQLQuery, Response};

use super::error::{ApiError, UNAUTHENTICATED};
use super::ops::request_body;
use crate::session::Session;

/// Where the server answers GraphQL over HTTP (same origin as the dashboard).
pub const GRAPHQL_PATH: &str = "/graphql";

/// Runs operation `Q` and returns its data, or the reason there is none.
pub async fn execute<Q: GraphQLQuery>(
    session: Session,
    variables: Q::Variables,
) -> Result<Q::ResponseData, ApiError> {
    let body = request_body::<Q>(variables).to_string();
    let mut request = Request::post(GRAPHQL_PATH).header("Content-Type", "application/json");
    if let Some(token) = session.token_untracked() {
        request = request.header("Authorization", &format!("Bearer {token}"));
    }
    let response = request
        .body(body)
        .map_err(|e| ApiError::Unreachable(e.to_string()))?
        .send()
        .await
        .map_err(|e| ApiError::Unreachable(e.to_string()))?;

    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|e| ApiError::Unreachable(e.to_string()))?;
    let result = interpret::<Q::ResponseData>(status, &text);
    if matches!(result, Err(ApiError::Unauthenticated(_))) {
        session.sign_out();
    }
    result
}

/// Turns an HTTP status and body into data or an [`ApiError`].
fn interpret<Data: serde::de::DeserializeOwned>(status: u16, text: &str) -> Result<Data, ApiError> {
    let parsed = serde_json::from_str::<Response<Data>>(text);
    let first_error = parsed
        .as_ref()
        .ok()
        .and_then(|r| r.errors.as_ref())
        .and_then(|errors| errors.first());

    if let Some(error) = first_error {
        let code = error
            .extensions
            .as_ref()
            .and_then(|ext| ext.get("code"))
            .and_then(serde_json::Value::as_str);
        if status == 401 || code == Some(UNAUTHENTICATED) {
            return Err(ApiError::Unauthenticated(error.message.clone()));
        }
        return Err(ApiError::Graphql {
            code: code.map(str::to_owned),
            message: error.message.clone(),
        });
    }
    if status == 401 {
        return Err(ApiError::Unauthenticated(
            "Your session has expired. Please sign in again.".to_owned(),
        ));
    }
    match parsed {
        Ok(Response {
            data: Some(data), ..
        }) => Ok(data),
        Ok(_) => Err(ApiError::Decode("a response without data".to_owned())),
        Err(_) if !(200..300).contains(&status) => Err(ApiError::Http(status)),
        Err(e) => Err(ApiError::Decode(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Data {
        n: i32,
    }

    #[test]
    fn data_comes_through() {
        assert_eq!(
            interpret::<Data>(200, r#"{"data":{"n":1}}"#),
            Ok(Data { n: 1 })
        );
    }

    #[test]
    fn the_first_graphql_error_is_reported() {
        let body = r#"{"data":null,"errors":[{"message":"Invalid email or password"},{"message":"other"}]}"#;
        assert_eq!(
            interpret::<Data>(200, body),
            Err(ApiError::Graphql {
                code: None,
                message: "Invalid email or password".to_owned()
            })
        );
        let body = r#"{"errors":[{"message":"the task has changed","extensions":{"code":"VERSION_CONFLICT"}}]}"#;
        let error = interpret::<Data>(200, body).unwrap_err();
        assert_eq!(error.code(), Some("VERSION_CONFLICT"));
        assert_eq!(error.to_string(), "the task has changed");
    }

    #[test]
    fn unauthenticated_code_or_401_is_recognised() {
        let body =
            r#"{"errors":[{"message":"Sign in first","extensions":{"code":"UNAUTHENTICATED"}}]}"#;
        assert_eq!(
            interpret::<Data>(200, body),
            Err(ApiError::Unauthenticated("Sign in first".to_owned()))
        );
        assert!(matches!(
            interpret::<Data>(401, "Unauthorized"),
            Err(ApiError::Unauthenticated(_))
        ));
    }

    #[test]
    fn a_non_graphql_answer_reports_its_status() {
        assert_eq!(
            interpret::<Data>(502, "<html>Bad gateway</html>"),
            Err(ApiError::Http(502))
        );
    }
}
