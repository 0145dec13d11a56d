"""Record Microsoft Agent Framework's built-in OpenTelemetry GenAI instrumentation.

Run: ``python tests/clients/record_agent_framework.py`` (creates its own venv).
One ``Agent`` with one tool on ``OpenAIChatCompletionClient`` (chat completions),
against the fake LLM. The framework's instrumentation uses the global OTel
providers; its documentation's "set up the providers yourself" path is followed:
the OTel SDK exports traces, logs and metrics over OTLP/HTTP protobuf, and the
framework's own switches (``ENABLE_INSTRUMENTATION``, ``ENABLE_SENSITIVE_DATA``)
turn its spans on with prompts and answers.
"""

from __future__ import annotations

from pathlib import Path

from recording import OTEL_SDK_PACKAGES, OTEL_SDK_SETUP, guarded, openai_env, record_turns, recorder_main

NAME = "agent_framework"
PACKAGES = ["agent-framework-core==1.26.0", "agent-framework-openai==1.17.0", *OTEL_SDK_PACKAGES]

AGENT = OTEL_SDK_SETUP + '''
import asyncio, sys
from agent_framework import Agent
from agent_framework.observability import enable_sensitive_telemetry
from agent_framework.openai import OpenAIChatCompletionClient

# The framework reads ENABLE_INSTRUMENTATION / ENABLE_SENSITIVE_DATA at import; its docs add this
# call after setting up one's own providers, to be sure prompts and answers are captured.
enable_sensitive_telemetry()


def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"Sunny, 22 C in {city}"


agent = Agent(client=OpenAIChatCompletionClient(model="gpt-4o-mini"), name="weather-agent",
              instructions="Answer weather questions with the get_weather tool.", tools=get_weather)
''' + guarded('''
result = asyncio.run(agent.run("What is the weather in Paris?"))
print("FINAL:", result.text)
''')


def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name,
                 versions=["agent-framework-core", "agent-framework-openai", "openai", "opentelemetry-sdk"],
                 signals=("traces", "logs", "metrics"),
                 notes=["Agent with one tool on OpenAIChatCompletionClient (chat completions); the OTel SDK's "
                        "providers with ENABLE_INSTRUMENTATION and ENABLE_SENSITIVE_DATA on."],
                 client_env=lambda rec: openai_env(rec) | {"ENABLE_INSTRUMENTATION": "true",
                                                          "ENABLE_SENSITIVE_DATA": "true"})


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
