//! Queries and mutations: `POST /graphql` on the page's own origin, JSON in and out, with the
//! session's bearer token. The session is refreshed (`refreshSession`) shortly before its
//! access token expires, and once more when the server refuses the token; a refused refresh
//! signs the session out, which sends the user to the login page.

use std::cell::RefCell;

use futures::FutureExt;
use futures::future::{LocalBoxFuture, Shared};
use gloo_net::http::Request;
use graphql_client::{GraphQLQuery, Response};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::{ApiError, UNAUTHENTICATED};
use super::ops::{LogOut, RefreshSession, log_out, refresh_session, request_body};
use crate::session::{Session, Tokens};

/// Where the server answers GraphQL over HTTP (same origin as the dashboard).
pub const GRAPHQL_PATH: &str = "/graphql";

type Refresh = Shared<LocalBoxFuture<'static, Result<(), ApiError>>>;

thread_local! {
    /// The refresh in flight, shared by every request that needs it: a refresh token works
    /// once, and presenting it twice ends the whole sign-in.
    static REFRESHING: RefCell<Option<Refresh>> = const { RefCell::new(None) };
}

/// Runs operation `Q` and returns its data, or the reason there is none.
///
/// Only the encoding of the variables and the decoding of the data are generic: sending,
/// refreshing the session and interpreting the answer is [`authorized_post`], compiled once
/// for every operation.
pub fn execute<Q: GraphQLQuery>(
    session: Session,
    variables: Q::Variables,
) -> impl Future<Output = Result<Q::ResponseData, ApiError>> {
    let answer = authorized_post(session, request_body::<Q>(variables).to_string());
    async move { decode(answer.await?) }
}

/// Sends `body` with the session's token and returns the answer's `data`, still as JSON.
/// A refused token gets one refresh and one retry; refused again, the session signs out.
/// Each answer is read once.
async fn authorized_post(session: Session, body: String) -> Result<Value, ApiError> {
    let token = fresh_token(session).await;
    let (status, text) = post(token.as_deref(), &body).await?;
    let mut result = interpret(status, &text);
    // Refused: maybe the token expired early (clock skew, a server restart with a new
    // secret). One refresh and one retry, then give up.
    if refused(&result) && token.is_some() && refresh(session).await.is_ok() {
        let (status, text) = post(session.token_untracked().as_deref(), &body).await?;
        result = interpret(status, &text);
    }
    if refused(&result) {
        session.sign_out();
    }
    result
}

/// Whether the server refused the credential.
fn refused(result: &Result<Value, ApiError>) -> bool {
    matches!(result, Err(ApiError::Unauthenticated(_)))
}

/// The access token to send, refreshed first when it is about to expire.
pub async fn fresh_token(session: Session) -> Option<String> {
    if session.token_untracked().is_some() && session.refresh_due() {
        // A failure leaves the old token; the server's answer to it decides what happens.
        let _ = refresh(session).await;
    }
    session.token_untracked()
}

/// Exchanges the stored refresh token for a new session, sharing one exchange among every
/// caller that asks while it runs.
pub async fn refresh(session: Session) -> Result<(), ApiError> {
    let shared = REFRESHING.with(|cell| {
        cell.borrow_mut()
            .get_or_insert_with(|| exchange(session).boxed_local().shared())
            .clone()
    });
    shared.await
}

async fn exchange(session: Session) -> Result<(), ApiError> {
    let result = match session.refresh_token() {
        None => Err(ApiError::Unauthenticated(
            "Your session has expired. Please sign in again.".to_owned(),
        )),
        Some(refresh_token) => {
            let body = request_body::<RefreshSession>(refresh_session::Variables { refresh_token })
                .to_string();
            // No bearer: the expired token would only be refused.
            send::<refresh_session::ResponseData>(None, &body)
                .await
                .map(|data| session.sign_in(Tokens::from(data.refresh_session)))
        }
    };
    // Cleared by the exchange itself, exactly once, so a later refresh starts afresh.
    REFRESHING.with(|cell| cell.borrow_mut().take());
    result
}

/// Ends the sign-in on the server (`logOut`, so its refresh token stops working) and forgets
/// it here, also when the server cannot be reached.
pub async fn log_out(session: Session) {
    if let Some(refresh_token) = session.refresh_token() {
        let body = request_body::<LogOut>(log_out::Variables { refresh_token }).to_string();
        let _ = send::<log_out::ResponseData>(None, &body).await;
    }
    session.sign_out();
}

/// One `POST /graphql` with `body`, bearing `token` if given, decoded as `Data`.
async fn send<Data: DeserializeOwned>(token: Option<&str>, body: &str) -> Result<Data, ApiError> {
    let (status, text) = post(token, body).await?;
    interpret(status, &text).and_then(decode)
}

/// The request itself: status and body, not yet read.
async fn post(token: Option<&str>, body: &str) -> Result<(u16, String), ApiError> {
    let mut request = Request::post(GRAPHQL_PATH).header("Content-Type", "application/json");
    if let Some(token) = token {
        request = request.header("Authorization", &format!("Bearer {token}"));
    }
    let response = request
        .body(body.to_owned())
        .map_err(|e| ApiError::Unreachable(e.to_string()))?
        .send()
        .await
        .map_err(|e| ApiError::Unreachable(e.to_string()))?;
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|e| ApiError::Unreachable(e.to_string()))?;
    Ok((status, text))
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
    fn a_refused_credential_is_told_apart_without_the_operations_types() {
        let unauthenticated =
            r#"{"errors":[{"message":"expired","extensions":{"code":"UNAUTHENTICATED"}}]}"#;
        assert!(refused(&interpret(200, unauthenticated)));
        assert!(refused(&interpret(401, "")));
        assert!(!refused(&interpret(200, r#"{"data":{"n":1}}"#)));
        let forbidden = r#"{"errors":[{"message":"no","extensions":{"code":"FORBIDDEN"}}]}"#;
        assert!(!refused(&interpret(200, forbidden)));
    }

    #[test]
    fn a_non_graphql_answer_reports_its_status() {
        assert_eq!(
            answer::<Data>(502, "<html>Bad gateway</html>"),
            Err(ApiError::Http(502))
        );
    }
}
