"""Record the ``anthropic`` SDK traced by ``openinference-instrumentation-anthropic``.

Run: ``python tests/clients/record_anthropic.py`` (creates its own venv).
A hand-written tool loop on the Messages API (call 1 plain, call 2 streaming)
against the fake LLM, exported by the OTel SDK as OTLP/HTTP protobuf.
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

NAME = "anthropic"
PACKAGES = ["anthropic", "openinference-instrumentation-anthropic==3.1.0", *OTEL_SDK_PACKAGES]

AGENT = OTEL_SDK_SETUP + '''
import sys
import anthropic
from openinference.instrumentation.anthropic import AnthropicInstrumentor

AnthropicInstrumentor().instrument(tracer_provider=tracer_provider)

client = anthropic.Anthropic()
TOOLS = [{"name": "get_weather", "description": "Get the current weather for a city.",
          "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]
messages = [{"role": "user", "content": "What is the weather in Paris?"}]
code = 0
try:
    first = client.messages.create(model="claude-sonnet-4-5", max_tokens=512, tools=TOOLS, messages=messages,
                                   system="Answer weather questions with the get_weather tool.")
    use = next(b for b in first.content if b.type == "tool_use")
    messages.append({"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]})
    result = "Sunny, 22 C in " + use.input["city"]
    messages.append({"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id, "content": result}]})
    stream = client.messages.create(model="claude-sonnet-4-5", max_tokens=512, tools=TOOLS, messages=messages,
                                    system="Answer weather questions with the get_weather tool.", stream=True)
    text = "".join(ev.delta.text for ev in stream if ev.type == "content_block_delta" and ev.delta.type == "text_delta")
    print("FINAL:", text)
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
finally:
    otel_shutdown()
sys.exit(code)
'''


def record(python: Path) -> None:
    with Recording(NAME) as rec:
        env = otel_env(rec.cap.url, service_name="anthropic-recording", signals=("traces",))
        env |= {"ANTHROPIC_BASE_URL": rec.llm.url, "ANTHROPIC_API_KEY": FAKE_KEY}
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error")
        rec.save(
            packages=installed_versions(
                python, ["anthropic", "openinference-instrumentation-anthropic", "opentelemetry-sdk", "opentelemetry-api"]
            ),
            env=env,
            recorder=Path(__file__).name,
            notes=[
                "Call 1 non-streaming, call 2 streaming (messages.create(stream=True)).",
                "anthropic 2.x also traces itself through the global tracer provider (scope "
                "com.anthropic.sdk.python): each call has two LLM spans, one per instrumentation.",
            ],
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
