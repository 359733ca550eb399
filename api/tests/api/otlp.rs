//! OpenTelemetry ingest: `POST /v1/traces` stores OTLP spans (protobuf and JSON, plain or
//! gzipped) as runs of activities with their span tree, model, tokens and cost; answers
//! every kind of bad request with a stable code; and takes what the OpenTelemetry Python
//! SDK's own exporter sends.

use std::io::Write as _;
use std::str::FromStr as _;

use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use opentelemetry_proto::tonic::common::v1::{AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use prost::Message as _;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Backend, TestApp, python, spawn_app};
use humanaios::on_both_backends;

on_both_backends!(
    a_protobuf_export_becomes_a_run_with_its_span_tree_tokens_and_cost,
    an_otlp_json_export_is_read_with_hex_ids_onto_an_existing_agent,
    credentials_content_types_and_bodies_are_checked_with_stable_codes,
    the_python_sdk_exporter_reports_a_run,
);

const ACTIVITIES: &str = "{ activities(first: 100) { nodes { id type name model runId parentId \
    inputTokens outputTokens costUsd unpriced status errorMessage durationMs startedAt endedAt \
    payload agent { name type } } } }";

/// An API key of `scope` for a new organization.
async fn key(app: &TestApp, scope: &str) -> (String, String) {
    let admin = app.sign_up().await;
    let secret = app
        .graphql_ok(
            Some(&admin.token),
            "mutation($s: ApiKeyScope!) { createApiKey(input: { name: \"otel\", scope: $s }) { secret } }",
            json!({ "s": scope }),
        )
        .await["createApiKey"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    (admin.token, secret)
}

/// POSTs `body` to `/v1/traces`.
async fn send(
    app: &TestApp,
    key: Option<&str>,
    content_type: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url("/v1/traces"))
        .header("content-type", content_type)
        .body(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    request.send().await.expect("request sent")
}

/// Exports `request` as protobuf with `key` and reads the OTLP answer.
async fn export_protobuf(
    app: &TestApp,
    key: &str,
    request: &ExportTraceServiceRequest,
) -> ExportTraceServiceResponse {
    let protobuf = "application/x-protobuf";
    let response = send(app, Some(key), protobuf, &[], request.encode_to_vec()).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], protobuf);
    ExportTraceServiceResponse::decode(response.bytes().await.unwrap()).unwrap()
}

/// The activities the organization of `credential` can read, by name.
async fn activities(app: &TestApp, credential: &str) -> Vec<Value> {
    let data = app
        .graphql_ok(Some(credential), ACTIVITIES, json!({}))
        .await;
    let mut nodes = data["activities"]["nodes"].as_array().unwrap().clone();
    nodes.sort_by_key(|n| n["name"].as_str().unwrap_or_default().to_owned());
    nodes
}

async fn agents(app: &TestApp, credential: &str) -> Value {
    app.graphql_ok(
        Some(credential),
        "{ agents { nodes { name type } } }",
        json!({}),
    )
    .await["agents"]["nodes"]
        .clone()
}

fn decimal(value: &Value) -> Decimal {
    Decimal::from_str(value.as_str().expect("a decimal string")).unwrap()
}

/// The chat span both test runs send: gpt-4o, 1,200 input and 300 output tokens.
fn assert_is_the_gpt_4o_chat(chat: &Value) {
    assert_eq!(chat["type"], "DECISION");
    assert_eq!(chat["model"], "gpt-4o");
    assert_eq!(chat["inputTokens"], 1200);
    assert_eq!(chat["outputTokens"], 300);
    // At $2.50 / $10 per million tokens: 1,200 × 2.5 + 300 × 10 = $0.006.
    assert_eq!(decimal(&chat["costUsd"]), Decimal::new(6, 3));
    assert_eq!(chat["unpriced"], false);
}

/// OTLP attributes from (key, value) pairs.
fn attributes(pairs: Vec<(&str, Any)>) -> Vec<KeyValue> {
    let attribute = |(key, value): (&str, Any)| KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue { value: Some(value) }),
        ..KeyValue::default()
    };
    pairs.into_iter().map(attribute).collect()
}

fn string(text: &str) -> Any {
    Any::StringValue(text.to_owned())
}

fn now_nanos() -> u64 {
    chrono::Utc::now().timestamp_nanos_opt().unwrap() as u64
}

/// A span of trace `trace` that started a second ago and took 250 ms.
fn span(trace: [u8; 16], id: u8, parent: Option<u8>, name: &str, attrs: Vec<(&str, Any)>) -> Span {
    let start = now_nanos() - 1_000_000_000;
    Span {
        trace_id: trace.to_vec(),
        span_id: vec![id; 8],
        parent_span_id: parent.map(|p| vec![p; 8]).unwrap_or_default(),
        name: name.to_owned(),
        kind: 3,
        start_time_unix_nano: start,
        end_time_unix_nano: start + 250_000_000,
        attributes: attributes(attrs),
        ..Span::default()
    }
}

fn export(service: &str, spans: Vec<Span>) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: attributes(vec![("service.name", string(service))]),
                ..Resource::default()
            }),
            scope_spans: vec![ScopeSpans {
                scope: Some(InstrumentationScope {
                    name: "opentelemetry.instrumentation.openai_v2".to_owned(),
                    version: "2.1b0".to_owned(),
                    ..InstrumentationScope::default()
                }),
                spans,
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    }
}

async fn a_protobuf_export_becomes_a_run_with_its_span_tree_tokens_and_cost(backend: Backend) {
    let app = spawn_app(backend).await;
    let (admin, key) = key(&app, "INGEST").await;
    let trace = *Uuid::now_v7().as_bytes();
    let request = export(
        "support-bot",
        vec![
            span(
                trace,
                1,
                None,
                "invoke_agent support-bot",
                vec![("gen_ai.operation.name", string("invoke_agent"))],
            ),
            span(
                trace,
                2,
                Some(1),
                "chat gpt-4o",
                vec![
                    ("gen_ai.operation.name", string("chat")),
                    ("gen_ai.request.model", string("gpt-4o")),
                    ("gen_ai.usage.input_tokens", Any::IntValue(1200)),
                    ("gen_ai.usage.output_tokens", Any::IntValue(300)),
                ],
            ),
            span(
                trace,
                3,
                Some(1),
                "execute_tool search",
                vec![
                    ("gen_ai.operation.name", string("execute_tool")),
                    ("gen_ai.tool.name", string("search")),
                ],
            ),
            // A span with an all-zero trace id is invalid: rejected alone.
            span([0; 16], 4, None, "broken", vec![]),
        ],
    );

    let answer = export_protobuf(&app, &key, &request).await;
    let partial = answer.partial_success.expect("one span was rejected");
    assert_eq!(partial.rejected_spans, 1);
    assert!(
        partial.error_message.contains("traceId must be 16 bytes"),
        "{}",
        partial.error_message
    );

    let stored = activities(&app, &admin).await;
    assert_eq!(stored.len(), 3, "{stored:#?}");
    let (chat, root, tool) = (&stored[0], &stored[1], &stored[2]);
    let run = Uuid::from_bytes(trace).to_string();
    for activity in &stored {
        assert_eq!(activity["runId"], run);
        assert_eq!(
            activity["agent"],
            json!({ "name": "support-bot", "type": "CUSTOM" })
        );
        assert_eq!(activity["durationMs"], 250);
    }
    assert_eq!(root["name"], "invoke_agent support-bot");
    assert_eq!(root["type"], "DECISION");
    assert_eq!(root["parentId"], Value::Null);
    assert_eq!(chat["parentId"], root["id"]);
    assert_is_the_gpt_4o_chat(chat);
    assert_eq!(chat["payload"]["otel"]["kind"], "CLIENT");
    assert_eq!(
        chat["payload"]["otel"]["scope"]["name"],
        "opentelemetry.instrumentation.openai_v2"
    );
    assert_eq!(tool["type"], "TOOL_CALL");
    assert_eq!(tool["name"], "search");
    assert_eq!(tool["parentId"], root["id"]);
    assert_eq!(tool["status"], "OK");

    // The exporter retries: the same spans again store nothing new and register no agent.
    let again = export_protobuf(&app, &key, &request).await;
    assert_eq!(again.partial_success.map(|p| p.rejected_spans), Some(1));
    assert_eq!(activities(&app, &admin).await, stored);
    assert_eq!(agents(&app, &admin).await.as_array().unwrap().len(), 1);
}

async fn an_otlp_json_export_is_read_with_hex_ids_onto_an_existing_agent(backend: Backend) {
    let app = spawn_app(backend).await;
    let (admin, key) = key(&app, "INGEST").await;
    app.create_agent(&admin, "crew").await;
    let start = now_nanos() - 2_000_000_000;
    // OTLP/JSON: lowerCamelCase fields, hex ids, 64-bit integers as strings, enums as numbers.
    let body = json!({
        "resourceSpans": [{
            "resource": { "attributes": [
                { "key": "service.name", "value": { "stringValue": "crew" } }
            ] },
            "scopeSpans": [{
                "scope": { "name": "crewai.telemetry" },
                "spans": [{
                    "traceId": "5B8EFFF798038103D269B633813FC60C",
                    "spanId": "eee19b7ec3c1b174",
                    "parentSpanId": "eee19b7ec3c1b173",
                    "name": "chat claude-sonnet-4-5",
                    "kind": 3,
                    "startTimeUnixNano": start.to_string(),
                    "endTimeUnixNano": (start + 1_500_000_000).to_string(),
                    "attributes": [
                        { "key": "gen_ai.operation.name", "value": { "stringValue": "chat" } },
                        { "key": "gen_ai.response.model", "value": { "stringValue": "claude-sonnet-4-5" } },
                        { "key": "gen_ai.usage.input_tokens", "value": { "intValue": "1000" } },
                        { "key": "gen_ai.usage.cache_read.input_tokens", "value": { "intValue": 600 } },
                        { "key": "gen_ai.usage.output_tokens", "value": { "intValue": "200" } }
                    ],
                    "status": { "code": 2, "message": "rate limited" }
                }]
            }]
        }]
    });
    let response = send(
        &app,
        Some(&key),
        "application/json",
        &[],
        serde_json::to_vec(&body).unwrap(),
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let answer: Value = response.json().await.unwrap();
    assert!(
        answer["partialSuccess"].is_null(),
        "nothing was rejected: {answer}"
    );

    let stored = activities(&app, &admin).await;
    assert_eq!(stored.len(), 1);
    let chat = &stored[0];
    assert_eq!(chat["runId"], "5b8efff7-9803-8103-d269-b633813fc60c");
    assert!(
        chat["parentId"].is_string(),
        "the parent is derived: {chat}"
    );
    assert_eq!(
        chat["agent"],
        json!({ "name": "crew", "type": "MCP" }),
        "the existing agent"
    );
    assert_eq!(chat["model"], "claude-sonnet-4-5");
    // The 600 cached tokens are inside the 1,000 input tokens: counted once, at their rate.
    assert_eq!(chat["inputTokens"], 400);
    assert_eq!(chat["outputTokens"], 200);
    // 400 × $3 + 600 × $0.30 + 200 × $15 per million = $0.00438.
    assert_eq!(decimal(&chat["costUsd"]), Decimal::new(438, 5));
    assert_eq!(chat["status"], "ERROR");
    assert_eq!(chat["errorMessage"], "rate limited");
    assert_eq!(chat["type"], "DECISION");
    assert_eq!(chat["durationMs"], 1500);
    assert_eq!(agents(&app, &admin).await.as_array().unwrap().len(), 1);
}

/// An export request, to vary.
#[derive(Clone)]
struct Export<'a> {
    key: Option<&'a str>,
    content_type: &'a str,
    encoding: Option<&'a str>,
    body: Vec<u8>,
}

async fn credentials_content_types_and_bodies_are_checked_with_stable_codes(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, ingest) = key(&app, "INGEST").await;
    let (_, read) = key(&app, "READ").await;
    let fine = Export {
        key: Some(&ingest),
        content_type: "application/x-protobuf",
        encoding: None,
        body: ExportTraceServiceRequest::default().encode_to_vec(),
    };
    let answer = export_protobuf(&app, &ingest, &ExportTraceServiceRequest::default()).await;
    assert_eq!(answer.partial_success, None, "an ingest key may export");

    let mut bomb = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    bomb.write_all(&vec![0; 4 * 1024 * 1024]).unwrap();
    let gzip = Some("gzip");
    let json = "application/json";
    let refused = [
        (
            "no key",
            Export {
                key: None,
                ..fine.clone()
            },
            (401, "UNAUTHENTICATED"),
        ),
        (
            "unknown key",
            Export {
                key: Some("hai_unknown_key_12345"),
                ..fine.clone()
            },
            (401, "UNAUTHENTICATED"),
        ),
        (
            "read-only key",
            Export {
                key: Some(&read),
                ..fine.clone()
            },
            (403, "FORBIDDEN"),
        ),
        (
            "text",
            Export {
                content_type: "text/plain",
                ..fine.clone()
            },
            (415, "UNSUPPORTED_MEDIA_TYPE"),
        ),
        (
            "brotli",
            Export {
                encoding: Some("br"),
                ..fine.clone()
            },
            (415, "UNSUPPORTED_MEDIA_TYPE"),
        ),
        (
            "not protobuf",
            Export {
                body: b"\xff\xff garbage".to_vec(),
                ..fine.clone()
            },
            (400, "MALFORMED_REQUEST"),
        ),
        (
            "wrong JSON",
            Export {
                content_type: json,
                body: b"{\"resourceSpans\": 7}".to_vec(),
                ..fine.clone()
            },
            (400, "MALFORMED_REQUEST"),
        ),
        (
            "not gzip",
            Export {
                encoding: gzip,
                ..fine.clone()
            },
            (400, "MALFORMED_REQUEST"),
        ),
        (
            "over 1 MiB",
            Export {
                body: vec![0; 1024 * 1024 + 1],
                ..fine.clone()
            },
            (413, "PAYLOAD_TOO_LARGE"),
        ),
        (
            "gzip bomb",
            Export {
                encoding: gzip,
                body: bomb.finish().unwrap(),
                ..fine.clone()
            },
            (413, "PAYLOAD_TOO_LARGE"),
        ),
    ];
    for (case, request, answer) in refused {
        let encoding: Vec<_> = request
            .encoding
            .map(|e| ("content-encoding", e))
            .into_iter()
            .collect();
        let response = send(
            &app,
            request.key,
            request.content_type,
            &encoding,
            request.body,
        )
        .await;
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let code = body["error"]["code"].as_str().unwrap_or_default();
        assert_eq!((status, code), answer, "{case}: {body}");
    }
}

async fn the_python_sdk_exporter_reports_a_run(backend: Backend) {
    let app = spawn_app(backend).await;
    let (admin, key) = key(&app, "INGEST").await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/otlp_export.py");
    // Configured exactly as the README tells an agent developer to.
    let output = tokio::process::Command::new(python())
        .arg(script)
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", app.url(""))
        .env(
            "OTEL_EXPORTER_OTLP_HEADERS",
            format!("Authorization=Bearer%20{key}"),
        )
        .env("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip")
        .env("OTEL_SERVICE_NAME", "weather-assistant")
        .output()
        .await
        .expect("python runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the export failed: {stderr}");
    let trace_id = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    let run = Uuid::from_bytes(hex::decode(&trace_id).unwrap().try_into().unwrap()).to_string();

    let stored = activities(&app, &admin).await;
    assert_eq!(stored.len(), 3, "{stored:#?}");
    let (chat, tool, root) = (&stored[0], &stored[1], &stored[2]);
    assert_eq!(root["name"], "invoke_agent weather-assistant");
    assert_eq!(chat["name"], "chat gpt-4o");
    assert_eq!(tool["name"], "get_weather");
    for activity in &stored {
        assert_eq!(activity["runId"], run);
        assert_eq!(
            activity["agent"],
            json!({ "name": "weather-assistant", "type": "CUSTOM" })
        );
        assert!(activity["startedAt"].is_string() && activity["endedAt"].is_string());
    }
    assert_eq!(root["parentId"], Value::Null);
    assert_eq!(chat["parentId"], root["id"]);
    assert_eq!(tool["parentId"], root["id"]);

    assert_is_the_gpt_4o_chat(chat);
    assert_eq!(
        chat["payload"]["events"][0]["name"],
        "gen_ai.content.prompt"
    );
    assert_eq!(
        chat["payload"]["events"][0]["attributes"]["gen_ai.prompt"],
        "What is the weather in Paris?"
    );
    assert_eq!(
        chat["payload"]["otel"]["scope"]["name"],
        "humanaios.tests.otlp_export"
    );

    assert_eq!(tool["type"], "TOOL_CALL");
    assert_eq!(tool["status"], "ERROR");
    assert_eq!(tool["errorMessage"], "weather service timed out");
    assert_eq!(
        tool["payload"]["attributes"]["gen_ai.tool.call.id"],
        "call_1"
    );
}
