//! How an OTLP span becomes an activity (pure functions; the service resolves the agent and
//! stores).
//!
//! - The resource's `service.name` names the agent; a new one is registered with the type its
//!   instrumentation scopes suggest (LangChain, CrewAI), else `CUSTOM`.
//! - The trace is the run: `runId` is the trace id's 16 bytes as a UUID. The activity id and
//!   the parent id are UUIDs derived from (organization, trace id, span id), so a re-sent
//!   export stores nothing twice.
//! - Type: `gen_ai.operation.name` = `execute_tool` (or a `gen_ai.tool.name`) is a
//!   `TOOL_CALL`; a model or agent operation (`chat`, `text_completion`, `generate_content`,
//!   `embeddings`, `invoke_agent`, `create_agent`) is a `DECISION`, the closest type there is
//!   to a model call (there is no LLM type: the model call is where the agent decides). Any
//!   other span is a `DECISION` too (a step), or an `ERROR` when it failed; a failed tool or
//!   model call keeps its type and gets status `ERROR`.
//! - Name: `gen_ai.tool.name`, else the span's name. Model: `gen_ai.response.model`, else
//!   `gen_ai.request.model`.
//! - Tokens from `gen_ai.usage.*` (current and older names). The conventions count cached
//!   input inside the input total and reasoning inside the output total, while an activity
//!   counts each kind once (each has its own price), so the parts are taken out of the
//!   totals; a total smaller than its parts evidently left them out already and is kept.
//! - Times: start and end (Unix nanoseconds) give `timestamp` (= start), `startedAt`,
//!   `endedAt` and `durationMs`.
//! - Payload: `{"attributes": {...}, "events": [...], "otel": {kind, scope, traceId, spanId,
//!   status}}`, so prompts and completions (`gen_ai.input.messages`, `gen_ai.output.messages`
//!   attributes, `gen_ai.content.*` events) are kept.

use chrono::{DateTime, Utc};
use entity::{ActivityId, ActivityStatus, ActivityType, AgentId, AgentType, OrgId};
use opentelemetry_proto::tonic::common::v1::InstrumentationScope;
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::span::{Event, SpanKind};
use opentelemetry_proto::tonic::trace::v1::{Span, status::StatusCode};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

use super::attributes::{self, Attributes};
use crate::activities::service::{ActivityDetails, NewActivity, TokenCounts};

/// The agent of a resource without a `service.name` (the name the SDKs' own default starts
/// with).
pub const UNKNOWN_SERVICE: &str = "unknown_service";

/// Model and agent operations: the agent decides.
const MODEL_OPERATIONS: &[&str] = &[
    "chat",
    "text_completion",
    "generate_content",
    "embeddings",
    "invoke_agent",
    "create_agent",
];

/// Span kinds other instrumentations (OpenLLMetry, OpenInference) mark tool calls with.
const TOOL_KINDS: &[(&str, &str)] = &[
    ("traceloop.span.kind", "tool"),
    ("openinference.span.kind", "TOOL"),
];

/// The agent a resource reports as: its `service.name`.
pub fn service_name(resource: Option<&Resource>) -> String {
    resource
        .and_then(|r| Attributes::of(&r.attributes).text("service.name"))
        .map_or(UNKNOWN_SERVICE, str::trim)
        .to_owned()
}

/// The type to register a new agent with, from the names of its instrumentation scopes.
pub fn agent_type<'a>(scope_names: impl IntoIterator<Item = &'a str>) -> AgentType {
    let names: Vec<String> = scope_names.into_iter().map(str::to_lowercase).collect();
    let any = |needles: &[&str]| names.iter().any(|n| needles.iter().any(|x| n.contains(x)));
    if any(&["langchain", "langgraph"]) {
        AgentType::Langchain
    } else if any(&["crewai"]) {
        AgentType::Crewai
    } else {
        AgentType::Custom
    }
}

/// The activity a span of `agent` records, or why the span cannot be taken.
pub fn activity(
    org: OrgId,
    agent: AgentId,
    scope: Option<&InstrumentationScope>,
    span: &Span,
) -> Result<NewActivity, String> {
    let trace_id = id_bytes::<16>(&span.trace_id, "traceId")?;
    let span_id = id_bytes::<8>(&span.span_id, "spanId")?;
    // An all-zero parent is how some exporters say "none".
    let parent_id = match id_bytes::<8>(&span.parent_span_id, "parentSpanId") {
        Ok(parent) => Some(span_uuid(org, &trace_id, &parent)),
        Err(_) if span.parent_span_id.iter().all(|b| *b == 0) => None,
        Err(why) => return Err(why),
    };
    let started_at = time(span.start_time_unix_nano)?;
    let ended_at = time(span.end_time_unix_nano)?;
    let duration_ms = match (started_at, ended_at) {
        (Some(start), Some(end)) if end < start => {
            return Err("endTimeUnixNano is before startTimeUnixNano".to_owned());
        }
        (Some(start), Some(end)) => Some((end - start).num_milliseconds()),
        _ => None,
    };

    let attributes = Attributes::of(&span.attributes);
    let failed = span
        .status
        .as_ref()
        .is_some_and(|s| s.code == StatusCode::Error as i32);
    Ok(NewActivity {
        id: Some(ActivityId(span_uuid(org, &trace_id, &span_id))),
        agent_id: agent,
        activity_type: activity_type(&attributes, failed),
        payload: Some(payload(span, scope)),
        cost_usd: None,
        duration_ms,
        timestamp: started_at,
        details: ActivityDetails {
            run_id: Some(Uuid::from_bytes(trace_id)),
            parent_id,
            name: attributes
                .text("gen_ai.tool.name")
                .or(Some(span.name.as_str()).filter(|n| !n.trim().is_empty()))
                .map(str::to_owned),
            model: attributes
                .text("gen_ai.response.model")
                .or_else(|| attributes.text("gen_ai.request.model"))
                .map(str::to_owned),
            tokens: tokens(&attributes),
            status: Some(if failed {
                ActivityStatus::Error
            } else {
                ActivityStatus::Ok
            }),
            error_message: failed.then(|| error_message(span, &attributes)).flatten(),
            started_at,
            ended_at,
        },
    })
}

/// A trace or span id of exactly `N` bytes, not all zero (OTLP's rule for valid ids).
fn id_bytes<const N: usize>(bytes: &[u8], field: &str) -> Result<[u8; N], String> {
    <[u8; N]>::try_from(bytes)
        .ok()
        .filter(|id| id.iter().any(|b| *b != 0))
        .ok_or_else(|| format!("{field} must be {N} bytes, not all zero"))
}

/// The activity id of a span: a version-8 UUID from a hash of the organization, the trace id
/// and the span id (the organization too, so another organization's copy of a trace is its
/// own and never taken for a retry).
fn span_uuid(org: OrgId, trace_id: &[u8; 16], span_id: &[u8; 8]) -> Uuid {
    let digest = Sha256::new()
        .chain_update(b"otlp-span")
        .chain_update(org.0.as_bytes())
        .chain_update(trace_id)
        .chain_update(span_id)
        .finalize();
    let mut bytes = [0; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

/// Unix nanoseconds as a time; 0 is "not set".
fn time(unix_nanos: u64) -> Result<Option<DateTime<Utc>>, String> {
    if unix_nanos == 0 {
        return Ok(None);
    }
    i64::try_from(unix_nanos)
        .map(|nanos| Some(DateTime::from_timestamp_nanos(nanos)))
        .map_err(|_| "a time is past the year 2262".to_owned())
}

fn activity_type(attributes: &Attributes, failed: bool) -> ActivityType {
    let tool_kind = TOOL_KINDS
        .iter()
        .any(|(key, value)| attributes.text(key) == Some(*value));
    match attributes.text("gen_ai.operation.name") {
        Some("execute_tool") => ActivityType::ToolCall,
        Some(operation) if MODEL_OPERATIONS.contains(&operation) => ActivityType::Decision,
        _ if tool_kind || attributes.text("gen_ai.tool.name").is_some() => ActivityType::ToolCall,
        _ if failed => ActivityType::Error,
        _ => ActivityType::Decision,
    }
}

fn tokens(attributes: &Attributes) -> TokenCounts {
    let input = attributes.count(&["gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"]);
    let output = attributes.count(&[
        "gen_ai.usage.output_tokens",
        "gen_ai.usage.completion_tokens",
    ]);
    let cache_read = attributes.count(&[
        "gen_ai.usage.cache_read.input_tokens",
        "gen_ai.usage.cache_read_input_tokens",
    ]);
    let cache_write = attributes.count(&[
        "gen_ai.usage.cache_creation.input_tokens",
        "gen_ai.usage.cache_creation_input_tokens",
    ]);
    let reasoning = attributes.count(&[
        "gen_ai.usage.reasoning.output_tokens",
        "gen_ai.usage.reasoning_tokens",
        "gen_ai.usage.output_tokens_details.reasoning_tokens",
    ]);
    let cached = cache_read
        .unwrap_or(0)
        .saturating_add(cache_write.unwrap_or(0));
    TokenCounts {
        input: input.map(|total| without(total, cached)),
        output: output.map(|total| without(total, reasoning.unwrap_or(0))),
        cache_read,
        cache_write,
        reasoning,
    }
}

/// `total` less `parts` when the total includes them (it is at least as large).
fn without(total: i64, parts: i64) -> i64 {
    if parts <= total { total - parts } else { total }
}

/// What went wrong: the status message, else the exception's message, else `error.type`.
fn error_message(span: &Span, attributes: &Attributes) -> Option<String> {
    let status = span
        .status
        .as_ref()
        .map(|s| s.message.as_str())
        .filter(|m| !m.trim().is_empty());
    let exception = || {
        span.events
            .iter()
            .filter(|e| e.name == "exception")
            .find_map(|e| Attributes::of(&e.attributes).text("exception.message"))
    };
    status
        .or_else(exception)
        .or_else(|| attributes.text("error.type"))
        .map(str::to_owned)
}

fn payload(span: &Span, scope: Option<&InstrumentationScope>) -> Value {
    let kind = SpanKind::try_from(span.kind).unwrap_or(SpanKind::Unspecified);
    let mut otel = json!({
        "kind": kind.as_str_name().trim_start_matches("SPAN_KIND_"),
        "traceId": hex::encode(&span.trace_id),
        "spanId": hex::encode(&span.span_id),
    });
    if let Some(scope) = scope {
        otel["scope"] = json!({ "name": scope.name, "version": scope.version });
    }
    if let Some(status) = &span.status {
        let code = StatusCode::try_from(status.code).unwrap_or(StatusCode::Unset);
        otel["status"] = json!({
            "code": code.as_str_name().trim_start_matches("STATUS_CODE_"),
            "message": status.message,
        });
    }
    let mut payload = json!({ "attributes": attributes::to_json(&span.attributes), "otel": otel });
    if !span.events.is_empty() {
        payload["events"] = span.events.iter().map(event).collect();
    }
    payload
}

fn event(event: &Event) -> Value {
    let mut value = json!({
        "name": event.name,
        "attributes": attributes::to_json(&event.attributes),
    });
    if let Ok(Some(at)) = time(event.time_unix_nano) {
        value["time"] = json!(at);
    }
    value
}

#[cfg(test)]
mod tests {
    use opentelemetry_proto::tonic::common::v1::KeyValue;
    use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
    use opentelemetry_proto::tonic::trace::v1::Status;

    use super::*;
    use crate::otlp::attributes::tests::kv;

    const TRACE: [u8; 16] = [7; 16];
    const START: u64 = 1_764_000_000_000_000_000;

    fn text(key: &str, value: &str) -> KeyValue {
        kv(key, Any::StringValue(value.to_owned()))
    }

    fn int(key: &str, value: i64) -> KeyValue {
        kv(key, Any::IntValue(value))
    }

    fn span(id: u8, parent: Option<u8>, attributes: Vec<KeyValue>) -> Span {
        Span {
            trace_id: TRACE.to_vec(),
            span_id: vec![id; 8],
            parent_span_id: parent.map(|p| vec![p; 8]).unwrap_or_default(),
            name: "chat gpt-4o".to_owned(),
            kind: SpanKind::Client as i32,
            start_time_unix_nano: START,
            end_time_unix_nano: START + 1_250_000_000,
            attributes,
            ..Span::default()
        }
    }

    fn org() -> OrgId {
        OrgId(Uuid::from_u128(1))
    }

    fn agent() -> AgentId {
        AgentId(Uuid::from_u128(2))
    }

    fn map(span: &Span) -> NewActivity {
        activity(org(), agent(), None, span).expect("the span maps")
    }

    #[test]
    fn a_chat_span_is_a_decision_with_its_model_tokens_run_and_times() {
        let chat = span(
            2,
            Some(1),
            vec![
                text("gen_ai.operation.name", "chat"),
                text("gen_ai.request.model", "gpt-4o"),
                text("gen_ai.response.model", "gpt-4o-2024-08-06"),
                int("gen_ai.usage.input_tokens", 1200),
                int("gen_ai.usage.output_tokens", 300),
            ],
        );
        let a = map(&chat);
        assert_eq!(a.activity_type, ActivityType::Decision);
        assert_eq!(a.agent_id, agent());
        assert_eq!(a.details.model.as_deref(), Some("gpt-4o-2024-08-06"));
        assert_eq!(a.details.name.as_deref(), Some("chat gpt-4o"));
        assert_eq!(a.details.tokens.input, Some(1200));
        assert_eq!(a.details.tokens.output, Some(300));
        assert_eq!(a.details.run_id, Some(Uuid::from_bytes(TRACE)));
        assert_eq!(a.details.status, Some(ActivityStatus::Ok));
        assert_eq!(a.duration_ms, Some(1250));
        let start = DateTime::from_timestamp_nanos(START as i64);
        assert_eq!(a.timestamp, Some(start));
        assert_eq!(a.details.started_at, Some(start));
        assert_eq!(
            a.details.ended_at,
            Some(start + chrono::Duration::milliseconds(1250))
        );
        assert_eq!(a.cost_usd, None, "priced at ingest, from the tokens");
    }

    #[test]
    fn ids_are_stable_and_parents_are_derived_like_ids() {
        let parent = map(&span(1, None, vec![]));
        let child = map(&span(2, Some(1), vec![]));
        assert_eq!(parent.details.parent_id, None);
        assert_eq!(child.details.parent_id, parent.id.map(|id| id.0));
        assert_eq!(
            map(&span(2, Some(1), vec![])).id,
            child.id,
            "a re-send is a retry"
        );
        assert_ne!(child.id, parent.id);
        let elsewhere = activity(
            OrgId(Uuid::from_u128(9)),
            agent(),
            None,
            &span(2, None, vec![]),
        );
        assert_ne!(elsewhere.unwrap().id, child.id, "ids are per organization");
        let zero_parent = Span {
            parent_span_id: vec![0; 8],
            ..span(3, None, vec![])
        };
        assert_eq!(map(&zero_parent).details.parent_id, None);
    }

    #[test]
    fn a_tool_span_is_a_tool_call_named_after_the_tool() {
        let tool = span(
            3,
            Some(1),
            vec![
                text("gen_ai.operation.name", "execute_tool"),
                text("gen_ai.tool.name", "get_weather"),
            ],
        );
        let a = map(&tool);
        assert_eq!(a.activity_type, ActivityType::ToolCall);
        assert_eq!(a.details.name.as_deref(), Some("get_weather"));
        let openllmetry = span(4, None, vec![text("traceloop.span.kind", "tool")]);
        assert_eq!(map(&openllmetry).activity_type, ActivityType::ToolCall);
    }

    #[test]
    fn a_failed_span_keeps_its_type_and_says_what_went_wrong() {
        let mut tool = span(3, None, vec![text("gen_ai.operation.name", "execute_tool")]);
        tool.status = Some(Status {
            code: StatusCode::Error as i32,
            message: String::new(),
        });
        tool.events = vec![Event {
            name: "exception".to_owned(),
            attributes: vec![text("exception.message", "timeout after 30 s")],
            ..Event::default()
        }];
        let a = map(&tool);
        assert_eq!(a.activity_type, ActivityType::ToolCall);
        assert_eq!(a.details.status, Some(ActivityStatus::Error));
        assert_eq!(
            a.details.error_message.as_deref(),
            Some("timeout after 30 s")
        );

        let mut step = span(4, None, vec![]);
        step.status = Some(Status {
            code: StatusCode::Error as i32,
            message: "boom".to_owned(),
        });
        let a = map(&step);
        assert_eq!(a.activity_type, ActivityType::Error);
        assert_eq!(a.details.error_message.as_deref(), Some("boom"));
        assert_eq!(
            map(&span(5, None, vec![])).activity_type,
            ActivityType::Decision
        );
    }

    #[test]
    fn cached_and_reasoning_tokens_are_counted_once() {
        let current = map(&span(
            1,
            None,
            vec![
                int("gen_ai.usage.input_tokens", 1000),
                int("gen_ai.usage.cache_read.input_tokens", 600),
                int("gen_ai.usage.cache_creation.input_tokens", 100),
                int("gen_ai.usage.output_tokens", 500),
                int("gen_ai.usage.reasoning.output_tokens", 200),
            ],
        ));
        let t = current.details.tokens;
        assert_eq!(
            (t.input, t.cache_read, t.cache_write, t.output, t.reasoning),
            (Some(300), Some(600), Some(100), Some(300), Some(200))
        );
        let older = map(&span(
            2,
            None,
            vec![
                int("gen_ai.usage.prompt_tokens", 50),
                int("gen_ai.usage.cache_read_input_tokens", 4000),
                int("gen_ai.usage.cache_creation_input_tokens", 10),
                int("gen_ai.usage.completion_tokens", 40),
                int("gen_ai.usage.output_tokens_details.reasoning_tokens", 15),
            ],
        ));
        let t = older.details.tokens;
        // 50 input cannot include 4,010 cached: it left them out, and is kept.
        assert_eq!(
            (t.input, t.cache_read, t.cache_write, t.output, t.reasoning),
            (Some(50), Some(4000), Some(10), Some(25), Some(15))
        );
        let plain = map(&span(
            3,
            None,
            vec![int("gen_ai.usage.reasoning_tokens", 5)],
        ));
        assert_eq!(plain.details.tokens.reasoning, Some(5));
        assert_eq!(plain.details.tokens.input, None);
    }

    #[test]
    fn the_payload_keeps_attributes_events_and_the_span_context() {
        let mut chat = span(
            2,
            Some(1),
            vec![text("gen_ai.input.messages", "[{\"role\":\"user\"}]")],
        );
        chat.events = vec![Event {
            name: "gen_ai.content.prompt".to_owned(),
            time_unix_nano: START,
            attributes: vec![text("gen_ai.prompt", "hello")],
            ..Event::default()
        }];
        let scope = InstrumentationScope {
            name: "opentelemetry.instrumentation.openai".to_owned(),
            version: "0.1".to_owned(),
            ..InstrumentationScope::default()
        };
        let a = activity(org(), agent(), Some(&scope), &chat).unwrap();
        let payload = a.payload.unwrap();
        assert_eq!(
            payload["attributes"]["gen_ai.input.messages"],
            "[{\"role\":\"user\"}]"
        );
        assert_eq!(payload["events"][0]["name"], "gen_ai.content.prompt");
        assert_eq!(payload["events"][0]["attributes"]["gen_ai.prompt"], "hello");
        assert_eq!(payload["otel"]["kind"], "CLIENT");
        assert_eq!(
            payload["otel"]["scope"]["name"],
            "opentelemetry.instrumentation.openai"
        );
        assert_eq!(payload["otel"]["traceId"], hex::encode(TRACE));
        assert_eq!(payload["otel"]["spanId"], "0202020202020202");
    }

    #[test]
    fn malformed_spans_are_refused_with_a_reason() {
        type Breakage = (fn(&mut Span), &'static str);
        let breakages: [Breakage; 5] = [
            (|s| s.trace_id = vec![1; 8], "traceId must be 16 bytes"),
            (|s| s.span_id = vec![0; 8], "spanId must be 8 bytes"),
            (
                |s| s.parent_span_id = vec![1; 3],
                "parentSpanId must be 8 bytes",
            ),
            (
                |s| s.end_time_unix_nano = START - 1,
                "before startTimeUnixNano",
            ),
            (|s| s.start_time_unix_nano = u64::MAX, "past the year 2262"),
        ];
        for (break_it, why) in breakages {
            let mut bad = span(1, None, vec![]);
            break_it(&mut bad);
            let err = activity(org(), agent(), None, &bad).unwrap_err();
            assert!(err.contains(why), "{err:?} should say {why:?}");
        }
    }

    #[test]
    fn the_service_name_names_the_agent_and_scopes_suggest_its_type() {
        let resource = Resource {
            attributes: vec![text("service.name", " support-bot ")],
            ..Resource::default()
        };
        assert_eq!(service_name(Some(&resource)), "support-bot");
        assert_eq!(service_name(None), UNKNOWN_SERVICE);
        assert_eq!(
            agent_type(["opentelemetry.instrumentation.langchain"]),
            AgentType::Langchain
        );
        assert_eq!(agent_type(["crewai.telemetry"]), AgentType::Crewai);
        assert_eq!(
            agent_type(["opentelemetry.instrumentation.openai_v2"]),
            AgentType::Custom
        );
    }
}
