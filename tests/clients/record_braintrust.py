"""Record Braintrust's Python SDK exporting OpenTelemetry (``braintrust[otel]``'s ``BraintrustSpanProcessor``).

Run: ``python tests/clients/record_braintrust.py`` (creates its own venv).
What a user following Braintrust's OpenTelemetry guide for Python gets: a
``TracerProvider`` set as the global one, ``BraintrustSpanProcessor()`` added
to it (configured by ``BRAINTRUST_API_KEY``, ``BRAINTRUST_PARENT`` and
``BRAINTRUST_API_URL``, here the capture server), and OpenLLMetry's OpenAI
instrumentation (the library the guide names for model calls) tracing a
hand-written tool loop on chat completions (call 2 streamed with
``stream_options.include_usage``). The turn and the tool are the user's own
spans, set with the ``braintrust.*`` attributes Braintrust's guide documents
(``braintrust.span_attributes`` for the span's type, ``braintrust.input_json``
and ``braintrust.output_json``). The processor exports OTLP/HTTP protobuf to
``{BRAINTRUST_API_URL}/otel/v1/traces`` with ``Authorization: Bearer <key>``
and ``x-bt-parent: <BRAINTRUST_PARENT>``; no ``OTEL_*`` variable is set.

Braintrust's own tracing (``wrap_openai``, ``@traced``, ``init_logger``) is
not OpenTelemetry: it logs to Braintrust's REST API, so it is not recorded.
"""

from __future__ import annotations

from pathlib import Path

from recording import OTEL_SDK_PACKAGES, Recording, installed_versions, openai_env, recorder_main

NAME = "braintrust"
PACKAGES = ["braintrust[otel]==0.48.1", "opentelemetry-instrumentation-openai==0.62.4", "openai==3.63.0", "httpx",
            *OTEL_SDK_PACKAGES]

AGENT = '''
import json, sys
import openai
from braintrust.otel import BraintrustSpanProcessor
from opentelemetry import trace
from opentelemetry.instrumentation.openai import OpenAIInstrumentor
from opentelemetry.sdk.trace import TracerProvider

# Braintrust's set-up: the global tracer provider, its processor added.
provider = TracerProvider()
trace.set_tracer_provider(provider)
provider.add_span_processor(BraintrustSpanProcessor())
OpenAIInstrumentor().instrument()

tracer = trace.get_tracer("weather-agent")
client = openai.OpenAI(max_retries=0)
MODEL = "gpt-4o-mini"
TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Get the current weather for a city.",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]


def get_weather(city: str) -> str:
    return f"Sunny, 22 C in {city}"


def weather_agent(question: str) -> str:
    messages = [{"role": "system", "content": "Answer weather questions with the get_weather tool."},
                {"role": "user", "content": question}]
    first = client.chat.completions.create(model=MODEL, messages=messages, tools=TOOLS)
    msg = first.choices[0].message
    messages.append(msg.model_dump(exclude_none=True))
    for call in msg.tool_calls or []:
        with tracer.start_as_current_span(call.function.name) as tool:
            tool.set_attribute("braintrust.span_attributes", json.dumps({"type": "tool"}))
            tool.set_attribute("braintrust.input_json", call.function.arguments)
            result = get_weather(**json.loads(call.function.arguments))
            tool.set_attribute("braintrust.output_json", json.dumps(result))
        messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
    stream = client.chat.completions.create(model=MODEL, messages=messages, tools=TOOLS, stream=True,
                                            stream_options={"include_usage": True})
    return "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)


code = 0
try:
    question = "What is the weather in Paris?"
    with tracer.start_as_current_span("weather_agent") as span:
        span.set_attribute("braintrust.span_attributes", json.dumps({"type": "task"}))
        span.set_attribute("braintrust.input_json", json.dumps(question))
        answer = weather_agent(question)
        span.set_attribute("braintrust.output_json", json.dumps(answer))
    print("FINAL:", answer)
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
finally:
    provider.shutdown()
sys.exit(code)
'''


def braintrust_env(rec: Recording) -> dict[str, str]:
    """What a Braintrust user sets: a key (any: the receiver takes it as a Bearer token), the project, the API URL."""
    return openai_env(rec) | {
        "BRAINTRUST_API_KEY": "sk-bt-recording",
        "BRAINTRUST_PARENT": "project_name:weather-agent",
        "BRAINTRUST_API_URL": rec.cap.url,
    }


def record(python: Path) -> None:
    with Recording(NAME) as rec:
        env = braintrust_env(rec)
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error")
        rec.save(
            packages=installed_versions(python, ["braintrust", "opentelemetry-instrumentation-openai",
                                                 "opentelemetry-semantic-conventions-ai", "openai",
                                                 "opentelemetry-sdk", "opentelemetry-exporter-otlp-proto-http"]),
            env=env,
            recorder=Path(__file__).name,
            notes=["Braintrust's OpenTelemetry set-up: TracerProvider + BraintrustSpanProcessor() (BRAINTRUST_API_KEY, "
                   "BRAINTRUST_PARENT, BRAINTRUST_API_URL), OpenLLMetry's OpenAIInstrumentor; hand-written loop, "
                   "call 2 streamed with include_usage; the turn and the tool are the user's own spans with "
                   "braintrust.span_attributes/input_json/output_json; exported to {OTLP_URL}/otel/v1/traces."],
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
