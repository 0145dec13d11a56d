"""Record the Langfuse Python SDK (``@observe`` and its OpenAI drop-in) pointed at the monitor.

Run: ``python tests/clients/record_langfuse.py`` (creates its own venv).
A hand-written tool loop as Langfuse's documentation writes one: an
``@observe()`` agent function, an ``@observe(as_type="tool")`` tool, the
model called through ``langfuse.openai.OpenAI`` (call 2 streamed with
``stream_options={"include_usage": True}``), the session and user set with
``propagate_attributes``, ``flush()`` at the end. The SDK runs its own
OpenTelemetry tracer provider and exports OTLP/HTTP protobuf (gzip) to
``{LANGFUSE_BASE_URL}/api/public/otel/v1/traces`` with Basic auth from its
keys; no ``OTEL_*`` variable is set (Langfuse reads none of them for its exporter).
"""

from __future__ import annotations

from pathlib import Path

from recording import Recording, installed_versions, openai_env, recorder_main

NAME = "langfuse"
PACKAGES = ["langfuse==5.2.0", "openai==3.63.0"]

AGENT = '''
import json, os, sys
from langfuse import get_client, observe, propagate_attributes
from langfuse.openai import OpenAI

langfuse = get_client()
client = OpenAI(max_retries=0)
MODEL = "gpt-4o-mini"
TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "Get the current weather for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]


@observe(as_type="tool")
def get_weather(city: str) -> str:
    return f"Sunny, 22 C in {city}"


@observe()
def weather_agent(question: str) -> str:
    messages = [{"role": "system", "content": "Answer weather questions with the get_weather tool."},
                {"role": "user", "content": question}]
    first = client.chat.completions.create(model=MODEL, messages=messages, tools=TOOLS)
    msg = first.choices[0].message
    messages.append(msg.model_dump(exclude_none=True))
    for call in msg.tool_calls or []:
        result = get_weather(**json.loads(call.function.arguments))
        messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
    stream = client.chat.completions.create(model=MODEL, messages=messages, tools=TOOLS, stream=True,
                                            stream_options={"include_usage": True})
    return "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)


code = 0
try:
    with propagate_attributes(session_id="weather-" + os.environ["RUN_LABEL"], user_id="recording-user"):
        print("FINAL:", weather_agent("What is the weather in Paris?"))
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
finally:
    langfuse.flush()
    langfuse.shutdown()
sys.exit(code)
'''


def langfuse_env(rec: Recording) -> dict[str, str]:
    """What a Langfuse user sets: keys (any: the receiver ignores them) and the base URL."""
    return openai_env(rec) | {
        "LANGFUSE_PUBLIC_KEY": "pk-lf-recording",
        "LANGFUSE_SECRET_KEY": "sk-lf-recording",
        "LANGFUSE_BASE_URL": rec.cap.url,
    }


def record(python: Path) -> None:
    with Recording(NAME) as rec:
        env = langfuse_env(rec)
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error")
        rec.save(
            packages=installed_versions(python, ["langfuse", "openai", "opentelemetry-sdk",
                                                 "opentelemetry-exporter-otlp-proto-http"]),
            env=env,
            recorder=Path(__file__).name,
            notes=["Hand-written tool loop: @observe() agent, @observe(as_type='tool') get_weather, "
                   "langfuse.openai.OpenAI (call 2 streamed with include_usage), propagate_attributes "
                   "(session_id, user_id); exported by the SDK to {OTLP_URL}/api/public/otel/v1/traces."],
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
