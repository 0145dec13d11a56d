"""Record ``opentelemetry-instrumentation-openai-v2`` with message content captured.

Run: ``python tests/clients/record_openai_v2.py`` (creates its own venv).
A hand-written tool loop on chat completions (call 1 plain, call 2 streaming
with ``include_usage``, call 3 streaming without it: no usage on the wire, the
API's default, so its span carries none); with
``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`` and the logs
exporter on, message events are exported as OTLP logs beside the spans and
the GenAI metrics.  Two fixture folders come out:

* ``fixtures/openai_v2/``: ``CAPTURE_MESSAGE_CONTENT=true`` alone.  With
  util-genai 1.1b0 the value ``true`` is not a capturing mode (it warns and
  falls back to no content), so this recording has spans and metrics only;
* ``fixtures/openai_v2_latest/``: ``OTEL_SEMCONV_STABILITY_OPT_IN=
  gen_ai_latest_experimental`` with ``CAPTURE_MESSAGE_CONTENT=span_and_event``:
  content on spans and the message events as OTLP logs.
"""

from __future__ import annotations

from pathlib import Path

from recording import (
    FAKE_KEY,
    OTEL_SDK_PACKAGES,
    OTEL_SDK_SETUP,
    Recording,
    installed_versions,
    otel_env,
    recorder_main,
)

NAME = "openai_v2"
# The instrumentation imports httpx, which openai 3.x no longer brings, and
# opentelemetry.util.genai.instruments, which util-genai dropped in 1.2b0.
PACKAGES = [
    "opentelemetry-instrumentation-openai-v2==2.4b0",
    "opentelemetry-util-genai==1.1b0",
    "openai",
    "httpx",
    *OTEL_SDK_PACKAGES,
]

# The loop shared with the other hand-written clients: call, tool, call.
AGENT = OTEL_SDK_SETUP + '''
import json, sys
import openai
from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor

OpenAIInstrumentor().instrument()

client = openai.OpenAI()
TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Get the current weather for a city.",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
messages = [{"role": "system", "content": "Answer weather questions with the get_weather tool."},
            {"role": "user", "content": "What is the weather in Paris?"}]
code = 0
try:
    first = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS)
    call = first.choices[0].message.tool_calls[0]
    messages.append(first.choices[0].message.model_dump(exclude_none=True))
    result = "Sunny, 22 C in " + json.loads(call.function.arguments)["city"]
    messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
    stream = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS, stream=True,
                                            stream_options={"include_usage": True})
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    print("FINAL:", text)
    # Streaming as the API does by default: no usage on the wire, so the span has none.
    messages += [{"role": "assistant", "content": text}, {"role": "user", "content": "Thanks! Anything else?"}]
    again = client.chat.completions.create(model="gpt-4o-mini", messages=messages, stream=True)
    print("AGAIN:", "".join(c.choices[0].delta.content or "" for c in again if c.choices))
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
finally:
    otel_shutdown()
sys.exit(code)
'''


MODES = {
    "openai_v2": {"OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "true"},
    "openai_v2_latest": {
        "OTEL_SEMCONV_STABILITY_OPT_IN": "gen_ai_latest_experimental",
        "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "span_and_event",
    },
}


def record(python: Path) -> None:
    versions = installed_versions(
        python,
        ["opentelemetry-instrumentation-openai-v2", "opentelemetry-util-genai", "openai", "opentelemetry-sdk"],
    )
    for fixture, extra in MODES.items():
        with Recording(fixture) as rec:
            env = otel_env(rec.cap.url, service_name="openai-v2-recording")
            env |= {"OPENAI_BASE_URL": rec.llm.openai_base_url, "OPENAI_API_KEY": FAKE_KEY, **extra}
            rec.run_python("ok", python, AGENT, env)
            rec.run_python("error", python, AGENT, env, mode="error")
            rec.save(
                packages=versions,
                env=env,
                recorder=Path(__file__).name,
                notes=["Call 1 non-streaming, call 2 streaming with include_usage, call 3 streaming without it "
                       "(no usage on the wire); no agent framework."],
            )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
