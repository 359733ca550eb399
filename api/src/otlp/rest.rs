//! `POST /v1/traces`, OTLP over HTTP: an `ExportTraceServiceRequest` as protobuf
//! (`application/x-protobuf`) or OTLP/JSON (`application/json`), optionally gzipped
//! (`Content-Encoding: gzip`), at most 1 MiB before and after decompression; the caller
//! authenticates with `Authorization: Bearer <API key>` like every REST route (exporters send
//! it through `OTEL_EXPORTER_OTLP_HEADERS`). The answer is an `ExportTraceServiceResponse` in
//! the request's encoding, with `partialSuccess` when some spans were rejected; failures
//! are our usual JSON errors with a stable code (415 `UNSUPPORTED_MEDIA_TYPE` for another
//! content type or encoding, 400 `MALFORMED_REQUEST` for a body that does not decode).

use std::io::Read as _;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse as _, Response};
use axum::routing::post;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message as _;

use super::service::{self, ExportOutcome};
use crate::activities::rest::MAX_INGEST_BYTES;
use crate::audit::Actor;
use crate::auth::viewer::RequireViewer;
use crate::error::{ApiError, ApiResult};
use crate::http::rest::RestRoute;
use crate::state::AppState;

const PROTOBUF: &str = "application/x-protobuf";
const JSON: &str = "application/json";

/// The OTLP routes (at the paths the OTLP specification fixes).
pub fn routes() -> Vec<RestRoute> {
    vec![RestRoute::standard(
        "POST",
        "/v1/traces",
        post(traces).layer(DefaultBodyLimit::max(MAX_INGEST_BYTES)),
    )]
}

/// The two encodings of OTLP over HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Protobuf,
    Json,
}

impl Encoding {
    /// The request's encoding, from its `Content-Type` (parameters such as `charset` aside).
    fn of(headers: &HeaderMap) -> ApiResult<Encoding> {
        let media_type = header_text(headers, header::CONTENT_TYPE)
            .map(|t| t.split(';').next().unwrap_or_default().trim().to_owned());
        match media_type.as_deref() {
            Some(t) if t.eq_ignore_ascii_case(PROTOBUF) => Ok(Encoding::Protobuf),
            Some(t) if t.eq_ignore_ascii_case(JSON) => Ok(Encoding::Json),
            _ => Err(ApiError::UnsupportedMediaType(format!(
                "Content-Type must be {PROTOBUF} or {JSON}"
            ))),
        }
    }

    fn decode(self, body: &[u8]) -> ApiResult<ExportTraceServiceRequest> {
        match self {
            Encoding::Protobuf => ExportTraceServiceRequest::decode(body).map_err(|err| {
                ApiError::MalformedRequest(format!(
                    "the body is not a protobuf ExportTraceServiceRequest: {err}"
                ))
            }),
            Encoding::Json => serde_json::from_slice(body).map_err(|err| {
                ApiError::MalformedRequest(format!(
                    "the body is not an OTLP/JSON ExportTraceServiceRequest: {err}"
                ))
            }),
        }
    }

    fn respond(self, answer: &ExportTraceServiceResponse) -> ApiResult<Response> {
        let (content_type, body) = match self {
            Encoding::Protobuf => (PROTOBUF, answer.encode_to_vec()),
            Encoding::Json => (
                JSON,
                serde_json::to_vec(answer).map_err(ApiError::internal)?,
            ),
        };
        Ok((StatusCode::OK, [(header::CONTENT_TYPE, content_type)], body).into_response())
    }
}

/// Records the spans of an export; answers after the commit.
async fn traces(
    State(state): State<AppState>,
    RequireViewer(viewer): RequireViewer,
    Extension(actor): Extension<Actor>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let encoding = Encoding::of(&headers)?;
    let gzipped = match header_text(&headers, header::CONTENT_ENCODING).map(str::trim) {
        None | Some("") => false,
        Some(e) if e.eq_ignore_ascii_case("identity") => false,
        Some(e) if e.eq_ignore_ascii_case("gzip") => true,
        Some(_) => {
            return Err(ApiError::UnsupportedMediaType(
                "Content-Encoding must be gzip or none".to_owned(),
            ));
        }
    };
    let body = body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge {
            limit: MAX_INGEST_BYTES,
        },
        _ => ApiError::MalformedRequest(rejection.body_text()),
    })?;
    let request = if gzipped {
        encoding.decode(&gunzip(&body, MAX_INGEST_BYTES)?)?
    } else {
        encoding.decode(&body)?
    };
    let outcome = service::export(&state, viewer.org_id, &actor, &request).await?;
    encoding.respond(&answer(outcome))
}

/// The OTLP answer: `partialSuccess` only when a span was rejected.
fn answer(outcome: ExportOutcome) -> ExportTraceServiceResponse {
    ExportTraceServiceResponse {
        partial_success: (outcome.rejected > 0).then(|| ExportTracePartialSuccess {
            rejected_spans: outcome.rejected as i64,
            error_message: format!(
                "{} of {} spans rejected; the first: {}",
                outcome.rejected,
                outcome.rejected + outcome.accepted,
                outcome.error_message
            ),
        }),
    }
}

/// A gzipped body, inflated to at most `limit` bytes (a small body must not become a huge
/// one).
fn gunzip(body: &[u8], limit: usize) -> ApiResult<Vec<u8>> {
    let mut inflated = Vec::new();
    flate2::read::MultiGzDecoder::new(body)
        .take(limit as u64 + 1)
        .read_to_end(&mut inflated)
        .map_err(|_| ApiError::MalformedRequest("the body is not valid gzip".to_owned()))?;
    if inflated.len() > limit {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    Ok(inflated)
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (k.clone(), v.parse().unwrap()))
            .collect()
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn the_content_type_picks_the_encoding() {
        let of = |t: &str| Encoding::of(&headers(&[(header::CONTENT_TYPE, t)]));
        assert_eq!(of("application/x-protobuf").unwrap(), Encoding::Protobuf);
        assert_eq!(
            of("Application/JSON; charset=utf-8").unwrap(),
            Encoding::Json
        );
        assert_eq!(
            of("text/plain").unwrap_err().code(),
            "UNSUPPORTED_MEDIA_TYPE"
        );
        assert_eq!(
            Encoding::of(&HeaderMap::new()).unwrap_err().code(),
            "UNSUPPORTED_MEDIA_TYPE"
        );
    }

    #[test]
    fn gzip_inflates_within_the_limit_only() {
        assert_eq!(gunzip(&gzip(b"hello"), 5).unwrap(), b"hello");
        let bomb = gzip(&vec![0; 10_000]);
        assert!(bomb.len() < 100);
        assert_eq!(
            gunzip(&bomb, 9_999).unwrap_err().code(),
            "PAYLOAD_TOO_LARGE"
        );
        assert_eq!(
            gunzip(b"not gzip", 100).unwrap_err().code(),
            "MALFORMED_REQUEST"
        );
    }

    #[test]
    fn partial_success_is_set_only_when_spans_were_rejected() {
        assert_eq!(answer(ExportOutcome::default()).partial_success, None);
        let partial = answer(ExportOutcome {
            accepted: 2,
            rejected: 1,
            error_message: "span 01: traceId must be 16 bytes, not all zero".to_owned(),
        });
        let partial = partial.partial_success.unwrap();
        assert_eq!(partial.rejected_spans, 1);
        assert_eq!(
            partial.error_message,
            "1 of 3 spans rejected; the first: span 01: traceId must be 16 bytes, not all zero"
        );
    }
}
