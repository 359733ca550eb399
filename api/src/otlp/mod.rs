//! OpenTelemetry ingest: `POST /v1/traces` takes OTLP/HTTP trace exports (protobuf or JSON)
//! and records their spans as activities, read after the GenAI semantic conventions
//! (`gen_ai.*` operation, model, token usage, tool), so an agent instrumented with
//! OpenTelemetry reports without an adapter. A resource's `service.name` is the agent, a
//! trace is a run, a span is an activity.

pub mod attributes;
pub mod mapping;
pub mod rest;
pub mod service;
