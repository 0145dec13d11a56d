"""Record pydantic-ai's own OpenTelemetry instrumentation when the model asks for two tool calls at once.

The ``pydantic_ai`` agent (``Agent.instrument_all()``, ``openai:gpt-4o-mini`` on Chat Completions; the
same pins as ``record_pydantic_ai.py``) with two tools, asked for the weather in Paris and the time in
Tokyo: the fake LLM answers model call 1 with a ``get_weather`` and a ``get_time`` call in one message
(``parallel_calls``), pydantic-ai runs them concurrently (each takes a moment, so their times overlap),
model call 2 answers with the results.

Run: ``python tests/clients/record_pydantic_ai_parallel_tools.py`` (creates its own venv).
The OTel SDK exports traces, logs and metrics as OTLP/HTTP protobuf.
"""

from __future__ import annotations

from pathlib import Path

from record_pydantic_ai import PACKAGES as PYDANTIC_AI_PACKAGES
from recording import (
    FAKE_KEY,
    OTEL_SDK_SETUP,
    Recording,
    installed_versions,
    otel_env,
    recorder_main,
)

NAME = "pydantic_ai_parallel_tools"
PACKAGES = list(PYDANTIC_AI_PACKAGES)
#: What model call 1 asks for, in one message.
PARALLEL_CALLS = [("get_weather", {"city": "Paris"}), ("get_time", {"city": "Tokyo"})]

AGENT = OTEL_SDK_SETUP + '''
import sys
import time
from pydantic_ai import Agent

Agent.instrument_all()

agent = Agent("openai:gpt-4o-mini", instructions="Answer with the get_weather and get_time tools.")


@agent.tool_plain
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    time.sleep(0.3)  # a call that takes a moment: run side by side, the two calls overlap
    return f"Sunny, 22 C in {city}"


@agent.tool_plain
def get_time(city: str) -> str:
    """Get the local time in a city."""
    time.sleep(0.3)
    return f"It is 09:00 in {city}"


code = 0
try:
    result = agent.run_sync("What is the weather in Paris, and what time is it in Tokyo?")
    print("FINAL:", result.output)
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
finally:
    otel_shutdown()
sys.exit(code)
'''


def record(python: Path) -> None:
    with Recording(NAME, parallel_calls=PARALLEL_CALLS) as rec:
        env = otel_env(rec.cap.url, service_name="pydantic-ai-recording")
        env |= {"OPENAI_BASE_URL": rec.llm.openai_base_url, "OPENAI_API_KEY": FAKE_KEY}
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error")
        rec.save(
            packages=installed_versions(python, ["pydantic-ai-slim", "openai", "opentelemetry-sdk", "opentelemetry-api"]),
            env=env,
            recorder=Path(__file__).name,
            notes=["Model string 'openai:gpt-4o-mini' (the Responses API); default InstrumentationSettings; model call 1 "
                   "answered with get_weather(Paris) and get_time(Tokyo) in one message, each tool sleeping 0.3 s."],
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
