"""Record logfire's OpenAI instrumentation exported to a local OTLP endpoint.

Run: ``python tests/clients/record_logfire.py`` (creates its own venv).
``logfire.configure(send_to_logfire=False)`` plus the standard
``OTEL_EXPORTER_OTLP_*`` variables make logfire export traces, logs and
metrics as OTLP/HTTP protobuf; ``logfire.instrument_openai()`` traces a
hand-written tool loop (call, tool, call) on chat completions.
"""

from __future__ import annotations

from pathlib import Path

from recording import FAKE_KEY, Recording, installed_versions, otel_env, recorder_main

NAME = "logfire"
PACKAGES = ["logfire==5.4.0", "openai"]

AGENT = '''
import json, os, sys
import logfire
import openai

logfire.configure(send_to_logfire=False, console=False, service_name="logfire-recording")
logfire.instrument_openai()

client = openai.OpenAI()
TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Get the current weather for a city.",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
messages = [{"role": "system", "content": "Answer weather questions with the get_weather tool."},
            {"role": "user", "content": "What is the weather in Paris?"}]
code = 0
try:
    with logfire.span("weather agent turn"):
        first = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS)
        call = first.choices[0].message.tool_calls[0]
        messages.append(first.choices[0].message.model_dump(exclude_none=True))
        with logfire.span("tool {name}", name=call.function.name):
            result = "Sunny, 22 C in " + json.loads(call.function.arguments)["city"]
        messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
        stream = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS, stream=True,
                                                stream_options={"include_usage": True})
        text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
        print("FINAL:", text)
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
finally:
    logfire.shutdown()
sys.exit(code)
'''


def record(python: Path) -> None:
    with Recording(NAME) as rec:
        env = otel_env(rec.cap.url, service_name="logfire-recording")
        env |= {"OPENAI_BASE_URL": rec.llm.openai_base_url, "OPENAI_API_KEY": FAKE_KEY}
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error")
        rec.save(
            packages=installed_versions(python, ["logfire", "openai", "opentelemetry-sdk", "opentelemetry-api"]),
            env=env,
            recorder=Path(__file__).name,
            notes=["Call 1 non-streaming, call 2 streaming with include_usage, inside one logfire span."],
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
