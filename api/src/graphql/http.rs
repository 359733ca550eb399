//! GraphQL over HTTP (`POST /graphql`), the GraphiQL page (`GET /graphql`) and
//! subscriptions over WebSocket (`/graphql/ws`, graphql-transport-ws).

use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql::{BatchRequest, BatchResponse, Data};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::Extension;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, State, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

use crate::audit::RequestMeta;
use crate::auth::viewer::{admit, authenticate_header};
use crate::error::ApiError;
use crate::state::AppState;

use super::Schemas;
use super::error_codes::{BAD_USER_INPUT, with_code};

/// Most operations accepted in one batched request.
pub const MAX_BATCH_SIZE: usize = 10;

/// Executes a query, mutation or batch sent as JSON.
pub async fn execute(
    State(state): State<AppState>,
    Extension(schemas): Extension<Schemas>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    match prepare(&state, &headers, client.ip(), body).await {
        Ok(request) => {
            let response = match request {
                BatchRequest::Single(r) => BatchResponse::Single(run(&schemas, r).await),
                BatchRequest::Batch(rs) => BatchResponse::Batch(
                    futures_util::future::join_all(rs.into_iter().map(|r| run(&schemas, r))).await,
                ),
            };
            axum::Json(response).into_response()
        }
        Err(err) => error_response(err),
    }
}

/// Runs one operation on the schema meant for it.
async fn run(schemas: &Schemas, request: async_graphql::Request) -> async_graphql::Response {
    let schema = schemas.for_query(&request.query);
    fill_codes(schema.execute(request).await)
}

/// Errors async-graphql raised while reading argument values carry no code yet; ours and
/// the parse/validation ones already do.
fn fill_codes(mut response: async_graphql::Response) -> async_graphql::Response {
    response.errors = std::mem::take(&mut response.errors)
        .into_iter()
        .map(|err| with_code(err, BAD_USER_INPUT))
        .collect();
    response
}

/// Checks the transport-level rules and reads the request: JSON only (a cross-site form
/// cannot send it without a preflight), within the body limit, a valid credential if any,
/// and at most [`MAX_BATCH_SIZE`] operations.
async fn prepare(
    state: &AppState,
    headers: &HeaderMap,
    client: IpAddr,
    body: Result<Bytes, BytesRejection>,
) -> Result<BatchRequest, ApiError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(ApiError::MalformedRequest(
            "Content-Type must be application/json".to_owned(),
        ));
    }
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge {
                limit: state.config.max_body_bytes,
            }
        } else {
            ApiError::MalformedRequest(rejection.body_text())
        }
    })?;
    let caller = admit(state, headers, client).await?;
    let request: BatchRequest = serde_json::from_slice(&body).map_err(|err| {
        ApiError::MalformedRequest(format!("request body is not a GraphQL request: {err}"))
    })?;
    let request = match request {
        BatchRequest::Batch(ops) if ops.len() > MAX_BATCH_SIZE => {
            return Err(ApiError::MalformedRequest(format!(
                "a batch may hold at most {MAX_BATCH_SIZE} operations"
            )));
        }
        BatchRequest::Batch(ops) if ops.is_empty() => {
            return Err(ApiError::MalformedRequest("the batch is empty".to_owned()));
        }
        request => request,
    };
    let request = request.data(RequestMeta::from_http(headers, client));
    Ok(match caller {
        Some(caller) => request.data(caller.viewer).data(caller),
        None => request,
    })
}

/// A transport-level failure in GraphQL's response shape, with the HTTP status that fits.
fn error_response(err: ApiError) -> Response {
    let body =
        json!({ "errors": [{ "message": err.message(), "extensions": { "code": err.code() } }] });
    err.respond_with(body)
}

/// Bytes a WebSocket read asks for at most (tungstenite's default: 128 KiB). tungstenite
/// zero-fills that much before every read attempt (snapview/tungstenite-rs#547), and a
/// subscription socket attempts a read each time it is woken to send an event: with 1,000
/// subscribers, the default spent more CPU zero-filling buffers than on everything else
/// together (`perf`, `humanaios bench feed`). Clients send small messages; a larger one is
/// still read whole, in several reads.
pub const WEBSOCKET_READ_BUFFER: usize = 4 * 1024;

/// Subscriptions over graphql-transport-ws (and the older graphql-ws). The credential comes
/// in the `connection_init` payload as `{"authorization": "Bearer …"}`; an invalid one
/// closes the connection, none leaves only anonymous operations possible.
pub async fn subscriptions(
    State(state): State<AppState>,
    Extension(schemas): Extension<Schemas>,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .read_buffer_size(WEBSOCKET_READ_BUFFER)
        .on_upgrade(move |socket| {
            GraphQLWebSocket::new(socket, schemas.api, protocol)
                .on_connection_init(move |payload| connection_data(state, payload))
                .serve()
        })
}

async fn connection_data(
    state: AppState,
    payload: serde_json::Value,
) -> async_graphql::Result<Data> {
    let authorization = ["authorization", "Authorization"]
        .iter()
        .find_map(|key| payload.get(*key).and_then(|v| v.as_str()));
    let mut data = Data::default();
    if let Some(caller) = authenticate_header(&state, authorization).await? {
        data.insert(caller.viewer);
    }
    Ok(data)
}

/// GraphiQL, with its scripts served by us from the dashboard bundle (no CDN).
pub async fn graphiql() -> Html<&'static str> {
    Html(include_str!("graphiql.html"))
}
