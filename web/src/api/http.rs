//! Queries and mutations: `POST /graphql` on the page's own origin, JSON in and out, with the
//! session's bearer token. A refused credential signs the session out, which sends the user to
//! the login page.

use gloo_net::http::Request;
use graphql_client::{GraphQLQuery, Response};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::{ApiError, UNAUTHENTICATED};
use super::ops::request_body;
use crate::session::Session;

/// Where the server answers GraphQL over HTTP (same origin as the dashboard).
pub const GRAPHQL_PATH: &str = "/graphql";

/// Runs operation `Q` and returns its data, or the reason there is none.
///
/// Only the encoding of the variables and the decoding of the data are generic: sending,
/// reading and interpreting the answer is [`post`], compiled once for every operation.
pub fn execute<Q: GraphQLQuery>(
    session: Session,
    variables: Q::Variables,
) -> impl Future<Output = Result<Q::ResponseData, ApiError>> {
    let answer = post(session, request_body::<Q>(variables).to_string());
    async move { decode(answer.await?) }
}

/// Sends one GraphQL request body and returns the `data` of the answer, still as JSON. A
/// refused credential signs the session out.
async fn post(session: Session, body: String) -> Result<Value, ApiError> {
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
    let result = interpret(status, &text);
    if matches!(result, Err(ApiError::Unauthenticated(_))) {
        session.sign_out();
    }
    result
}

/// Reads an operation's data out of its JSON; the one generic step of a response, shared
/// by queries, mutations and subscription events.
// Never inlined: copied into each caller (six task steps in one `match`) it cost 1.8 kB of
// brotli more.
#[inline(never)]
pub fn decode<Data: DeserializeOwned>(data: Value) -> Result<Data, ApiError> {
    serde_json::from_value(data).map_err(|e| ApiError::Decode(e.to_string()))
}

/// Turns an HTTP status and body into the response's `data` or an [`ApiError`].
fn interpret(status: u16, text: &str) -> Result<Value, ApiError> {
    let parsed = serde_json::from_str::<Response<Value>>(text);
    let first_error = parsed
        .as_ref()
        .ok()
        .and_then(|r| r.errors.as_ref())
        .and_then(|errors| errors.first());

    if let Some(error) = first_error {
        let code = error_code(error);
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

/// A GraphQL error's stable `extensions.code`, if it has one.
pub fn error_code(error: &graphql_client::Error) -> Option<&str> {
    error
        .extensions
        .as_ref()
        .and_then(|ext| ext.get("code"))
        .and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `execute` makes of an answer, without the browser.
    fn answer<Data: DeserializeOwned>(status: u16, text: &str) -> Result<Data, ApiError> {
        interpret(status, text).and_then(decode)
    }

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Data {
        n: i32,
    }

    #[test]
    fn data_comes_through() {
        assert_eq!(
            answer::<Data>(200, r#"{"data":{"n":1}}"#),
            Ok(Data { n: 1 })
        );
    }

    #[test]
    fn the_first_graphql_error_is_reported() {
        let body = r#"{"data":null,"errors":[{"message":"Invalid email or password"},{"message":"other"}]}"#;
        assert_eq!(
            answer::<Data>(200, body),
            Err(ApiError::Graphql {
                code: None,
                message: "Invalid email or password".to_owned()
            })
        );
        let body = r#"{"errors":[{"message":"the task has changed","extensions":{"code":"VERSION_CONFLICT"}}]}"#;
        let error = answer::<Data>(200, body).unwrap_err();
        assert_eq!(error.code(), Some("VERSION_CONFLICT"));
        assert_eq!(error.to_string(), "the task has changed");
    }

    #[test]
    fn unauthenticated_code_or_401_is_recognised() {
        let body =
            r#"{"errors":[{"message":"Sign in first","extensions":{"code":"UNAUTHENTICATED"}}]}"#;
        assert_eq!(
            answer::<Data>(200, body),
            Err(ApiError::Unauthenticated("Sign in first".to_owned()))
        );
        assert!(matches!(
            answer::<Data>(401, "Unauthorized"),
            Err(ApiError::Unauthenticated(_))
        ));
    }

    #[test]
    fn data_of_the_wrong_shape_or_none_is_a_decode_error() {
        assert!(matches!(
            answer::<Data>(200, r#"{"data":{"n":"one"}}"#),
            Err(ApiError::Decode(_))
        ));
        assert!(matches!(
            answer::<Data>(200, r#"{"data":null}"#),
            Err(ApiError::Decode(_))
        ));
    }

    #[test]
    fn a_non_graphql_answer_reports_its_status() {
        assert_eq!(
            answer::<Data>(502, "<html>Bad gateway</html>"),
            Err(ApiError::Http(502))
        );
    }
}
