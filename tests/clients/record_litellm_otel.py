"""Record LiteLLM's own OpenTelemetry callback (``litellm.callbacks = ["otel"]``), set up as its docs say.

Run: ``python tests/clients/record_litellm_otel.py`` (creates its own venv).
A hand-written tool loop with ``litellm.completion`` on ``openai/gpt-4o-mini``
against the fake LLM's chat completions: call 1 asks for ``get_weather``, the
tool runs in plain Python, call 2 (streamed, usage asked for with
``stream_options``) answers. LiteLLM's callback builds its own tracer provider
from ``OTEL_EXPORTER=otlp_http`` and ``OTEL_ENDPOINT`` (its documented
variables; the standard ``OTEL_EXPORTER_OTLP_*`` ones are left unset so the
documented ones are what is used) and exports over OTLP/HTTP protobuf; the SDK
flushes it at exit. LiteLLM is told to use its bundled price map so it does not
fetch one at import.
"""

from __future__ import annotations

from pathlib import Path

from recording import FAKE_KEY, OTEL_SDK_PACKAGES, Recording, installed_versions, recorder_main

NAME = "litellm_otel"
PACKAGES = ["litellm==1.110.2", *OTEL_SDK_PACKAGES]

AGENT = '''
import json, os, sys
import litellm

litellm.callbacks = ["otel"]

TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Get the current weather for a city.",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
MODEL = dict(model="openai/gpt-4o-mini", api_base=os.environ["FAKE_OPENAI_BASE_URL"],
             api_key=os.environ["FAKE_OPENAI_API_KEY"], tools=TOOLS)


def get_weather(city: str) -> str:
    return f"Sunny, 22 C in {city}"


messages = [{"role": "system", "content": "Answer weather questions with the get_weather tool."},
            {"role": "user", "content": "What is the weather in Paris?"}]
code = 0
try:
    first = litellm.completion(messages=messages, **MODEL)
    msg = first.choices[0].message
    call = msg.tool_calls[0]
    messages.append(msg.model_dump(exclude_none=True))
    result = get_weather(**json.loads(call.function.arguments))
    messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
    stream = litellm.completion(messages=messages, stream=True, stream_options={"include_usage": True}, **MODEL)
    print("FINAL:", "".join(c.choices[0].delta.content or "" for c in stream if c.choices))
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
sys.exit(code)
'''


def callback_env(rec: Recording, service_name: str) -> dict[str, str]:
    """What sets up LiteLLM's OTel callback as its docs say, exporting to the capture server
    (also used by the proxy's recording, whose proxy runs the same callback)."""
    return {
        "OTEL_EXPORTER": "otlp_http",
        "OTEL_ENDPOINT": f"{rec.cap.url}/v1/traces",
        "OTEL_SERVICE_NAME": service_name,
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }


def record(python: Path) -> None:
    with Recording(NAME) as rec:
        env = {
            **callback_env(rec, "litellm-otel-recording"),
            # Passed to litellm.completion as api_base/api_key, not read by LiteLLM itself.
            "FAKE_OPENAI_BASE_URL": rec.llm.openai_base_url,
            "FAKE_OPENAI_API_KEY": FAKE_KEY,
        }
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error")
        rec.save(
            packages=installed_versions(python, ["litellm", "openai", "opentelemetry-sdk",
                                                 "opentelemetry-exporter-otlp-proto-http"]),
            env=env,
            recorder=Path(__file__).name,
            notes=["litellm.completion('openai/gpt-4o-mini', api_base=<fake>, tools=[get_weather]) in a hand-written "
                   "loop: call 1 returns the tool call, the tool runs in plain Python, call 2 is streamed with "
                   "stream_options include_usage; litellm.callbacks = ['otel'] with OTEL_EXPORTER=otlp_http."],
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
