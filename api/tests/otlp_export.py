"""Reports one agent run to HumanAIOS the way an OpenTelemetry-instrumented agent does: the
OpenTelemetry Python SDK with its OTLP/HTTP (protobuf) exporter, configured only through the
standard environment variables (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS,
OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_COMPRESSION).

The run: an `invoke_agent` span with two children, a `chat` call to gpt-4o that used 1,200
input and 300 output tokens, and an `execute_tool` call of `get_weather` that failed.
Prints the trace id (32 hex digits); exits 1 unless every export succeeded.

Run by api/tests/api/otlp.rs with the virtualenv that scripts/setup.sh installs.
"""

import sys

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.trace import SpanKind, Status, StatusCode


class CheckedExporter(SpanExporter):
    """The real exporter, remembering whether each export succeeded."""

    def __init__(self, inner):
        self.inner = inner
        self.results = []

    def export(self, spans):
        result = self.inner.export(spans)
        self.results.append(result)
        return result

    def shutdown(self):
        self.inner.shutdown()

    def force_flush(self, timeout_millis=30_000):
        return self.inner.force_flush(timeout_millis)


# The GenAI semantic conventions' attributes of each span.
AGENT = {
    "gen_ai.operation.name": "invoke_agent",
    "gen_ai.agent.name": "weather-assistant",
}
CHAT = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4o",
    "gen_ai.response.model": "gpt-4o",
    "gen_ai.usage.input_tokens": 1200,
    "gen_ai.usage.output_tokens": 300,
}
TOOL = {
    "gen_ai.operation.name": "execute_tool",
    "gen_ai.tool.name": "get_weather",
    "gen_ai.tool.call.id": "call_1",
}


def main():
    exporter = CheckedExporter(OTLPSpanExporter())
    provider = TracerProvider(resource=Resource.create({}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    tracer = provider.get_tracer("humanaios.tests.otlp_export", "1.0.0")

    with tracer.start_as_current_span("invoke_agent weather-assistant", attributes=AGENT) as root:
        with tracer.start_as_current_span("chat gpt-4o", kind=SpanKind.CLIENT, attributes=CHAT) as chat:
            chat.add_event("gen_ai.content.prompt", {"gen_ai.prompt": "What is the weather in Paris?"})
        with tracer.start_as_current_span("execute_tool get_weather", attributes=TOOL) as tool:
            tool.record_exception(TimeoutError("weather service timed out"))
            tool.set_status(Status(StatusCode.ERROR))
        trace_id = root.get_span_context().trace_id

    # Shutting down flushes the batch processor: every span is exported before exit.
    provider.shutdown()
    print(f"{trace_id:032x}")
    ok = exporter.results and all(r is SpanExportResult.SUCCESS for r in exporter.results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
