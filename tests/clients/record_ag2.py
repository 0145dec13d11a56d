"""Record AG2 1.x (an ``Agent`` with one tool) traced by its own ``TelemetryMiddleware``.

Run: ``python tests/clients/record_ag2.py`` (creates its own venv).
AG2 1.x is the rewritten framework in the ``ag2`` package (``from ag2 import
Agent``); the AutoGen 0.2 ``ConversableAgent`` and its ``autogen.opentelemetry``
instrumentors stayed in the 0.x line (``autogen`` package). One agent with one
``@tool`` on ``OpenAIConfig`` (chat completions) against the fake LLM, one
``ask``; AG2's ``TelemetryMiddleware`` (extra ``tracing``) as its documentation
sets it up, on the OTel SDK's provider, exporting OTLP/HTTP protobuf.
"""

from __future__ import annotations

from pathlib import Path

from recording import OTEL_SDK_PACKAGES, OTEL_SDK_SETUP, guarded, record_turns, recorder_main

NAME = "ag2"
PACKAGES = ["ag2[openai,tracing]==1.2.1", "openai==3.63.0", *OTEL_SDK_PACKAGES]

AGENT = OTEL_SDK_SETUP + '''
import asyncio, os, sys
from ag2 import Agent, tool
from ag2.config import OpenAIConfig
from ag2.middleware import TelemetryMiddleware


@tool
async def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"Sunny, 22 C in {city}"


agent = Agent(
    "weather_agent",
    prompt="Answer weather questions with the get_weather tool.",
    config=OpenAIConfig(model="gpt-4o-mini", base_url=os.environ["OPENAI_BASE_URL"],
                        api_key=os.environ["OPENAI_API_KEY"], max_retries=0),
    tools=[get_weather],
    middleware=[TelemetryMiddleware(tracer_provider=tracer_provider, agent_name="weather_agent")],
)


async def main() -> str | None:
    reply = await agent.ask("What is the weather in Paris?")
    return reply.body


''' + guarded('''
print("FINAL:", asyncio.run(main()))
''')


def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name,
                 versions=["ag2", "openai", "opentelemetry-sdk"],
                 notes=["Agent with one @tool, OpenAIConfig (chat completions), one ask(); AG2's own "
                        "TelemetryMiddleware (OTel GenAI conventions) on the SDK's tracer provider."])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
