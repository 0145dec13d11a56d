"""Record the OpenAI Agents SDK traced by OpenInference, exported as OTLP/HTTP protobuf.

Run: ``python tests/clients/record_openai_agents.py`` (creates its own venv).
The agent uses the SDK's default model API (Responses) against the fake LLM;
the SDK's own trace upload is switched off so only OpenInference exports.
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

NAME = "openai_agents"
PACKAGES = [
    "openai-agents==0.25.0",
    "openinference-instrumentation-openai-agents==2.6.0",
    *OTEL_SDK_PACKAGES,
]

#: The agent (its tool and its definition), as every recording of this SDK runs it.
AGENT_DEFINITION = '''

@function_tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"Sunny, 22 C in {city}"


agent = Agent(
    name="weather-agent",
    instructions="Answer weather questions with the get_weather tool.",
    model="gpt-4.1-mini",
    tools=[get_weather],
)
'''

AGENT = OTEL_SDK_SETUP + '''
import sys
from agents import Agent, Runner, function_tool, set_trace_processors
from openinference.instrumentation.openai_agents import OpenAIAgentsInstrumentor

# Drop the SDK's default processor (it uploads to the vendor); OpenInference adds its own.
set_trace_processors([])
OpenAIAgentsInstrumentor().instrument(tracer_provider=tracer_provider)
''' + AGENT_DEFINITION + '''code = 0
try:
    result = Runner.run_sync(agent, "What is the weather in Paris?")
    print("FINAL:", result.final_output)
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
finally:
    otel_shutdown()
sys.exit(code)
'''


def record(python: Path) -> None:
    with Recording(NAME) as rec:
        env = otel_env(rec.cap.url, service_name="openai-agents-recording", signals=("traces",))
        env |= {"OPENAI_BASE_URL": rec.llm.openai_base_url, "OPENAI_API_KEY": FAKE_KEY}
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error")
        rec.save(
            packages=installed_versions(python, [p.split("==")[0] for p in PACKAGES] + ["openai", "opentelemetry-api"]),
            env=env,
            recorder=Path(__file__).name,
            notes=["Responses API (the SDK default); the SDK's own trace upload is disabled."],
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
