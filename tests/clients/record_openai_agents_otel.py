"""Record the OpenAI Agents SDK traced by OpenTelemetry's own instrumentation, exported as OTLP/HTTP protobuf.

Run: ``python tests/clients/record_openai_agents_otel.py`` (creates its own venv).
The agent of ``record_openai_agents.py`` (the SDK's default model API,
Responses, against the fake LLM; the SDK's own trace upload switched off),
traced by ``opentelemetry-instrumentation-openai-agents-v2``, the
OpenTelemetry project's instrumentation: a processor of the SDK's trace events
that turns them into GenAI semantic-convention spans (``invoke_agent``,
``chat``, ``execute_tool``) and the GenAI metrics.  Content capture on as a
user turns it on (``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=
span_and_event`` with the latest-semconv opt-in): the messages, the tool's
arguments and result as span attributes (the instrumentation emits no
events).
"""

from __future__ import annotations

from pathlib import Path

from record_openai_agents import AGENT as OPENINFERENCE_AGENT
from recording import OTEL_SDK_PACKAGES, Recording, installed_versions, openai_env, otel_env, recorder_main

NAME = "openai_agents_otel"
PACKAGES = [
    "openai-agents==0.25.0",
    "opentelemetry-instrumentation-openai-agents-v2==0.1.0",
    "opentelemetry-util-genai==1.3b0",
    *OTEL_SDK_PACKAGES,
]

OPENINFERENCE_SETUP = '''from openinference.instrumentation.openai_agents import OpenAIAgentsInstrumentor

# Drop the SDK's default processor (it uploads to the vendor); OpenInference adds its own.
set_trace_processors([])
OpenAIAgentsInstrumentor().instrument(tracer_provider=tracer_provider)
'''
# As the instrumentation's README sets it up; it adds its processor beside the SDK's own.
OTEL_SETUP = '''from opentelemetry.instrumentation.openai_agents import OpenAIAgentsInstrumentor

# Drop the SDK's default processor (it uploads to the vendor); the instrumentation adds its own.
set_trace_processors([])
OpenAIAgentsInstrumentor().instrument(tracer_provider=tracer_provider)
'''
AGENT = OPENINFERENCE_AGENT.replace(OPENINFERENCE_SETUP, OTEL_SETUP)
assert AGENT != OPENINFERENCE_AGENT

CONTENT_ENV = {
    "OTEL_SEMCONV_STABILITY_OPT_IN": "gen_ai_latest_experimental",
    "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "span_and_event",
}


def record(python: Path) -> None:
    with Recording(NAME) as rec:
        env = otel_env(rec.cap.url, service_name="openai-agents-otel-recording", signals=("traces", "logs", "metrics"))
        env |= openai_env(rec) | CONTENT_ENV
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error")
        rec.save(
            packages=installed_versions(python, [p.split("==")[0] for p in PACKAGES] + ["openai", "opentelemetry-api"]),
            env=env,
            recorder=Path(__file__).name,
            notes=["Responses API (the SDK default); the SDK's own trace upload is disabled; content capture on "
                   "(span_and_event, latest semconv): content on spans only, the instrumentation emits no events; "
                   "traces and metrics; the logs exporter on, none sent."],
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
