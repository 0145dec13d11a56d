"""Record AutoGen AgentChat (an ``AssistantAgent`` with one tool) traced by OpenInference.

Run: ``python tests/clients/record_autogen.py`` (creates its own venv).
One agent with one tool on ``OpenAIChatCompletionClient``, against the fake
LLM, with ``reflect_on_tool_use`` so the turn ends in a model call that quotes
the tool. ``AutogenAgentChatInstrumentor`` as its documentation sets it up; the
OTel SDK's provider is the global one, so AutoGen's own tracing (autogen-core
traces agent runtimes and tools through it) is recorded beside it.
"""

from __future__ import annotations

from pathlib import Path

from recording import OTEL_SDK_PACKAGES, OTEL_SDK_SETUP, guarded, record_turns, recorder_main

NAME = "autogen"
PACKAGES = ["autogen-agentchat==0.7.5", "autogen-ext[openai]==0.7.5",
            "openinference-instrumentation-autogen-agentchat==0.1.22", *OTEL_SDK_PACKAGES]

AGENT = OTEL_SDK_SETUP + '''
import asyncio, os, sys
from openinference.instrumentation.autogen_agentchat import AutogenAgentChatInstrumentor

AutogenAgentChatInstrumentor().instrument(tracer_provider=tracer_provider)

from autogen_agentchat.agents import AssistantAgent
from autogen_ext.models.openai import OpenAIChatCompletionClient


async def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"Sunny, 22 C in {city}"


async def main() -> str:
    client = OpenAIChatCompletionClient(model="gpt-4o-mini", base_url=os.environ["OPENAI_BASE_URL"],
                                        api_key=os.environ["OPENAI_API_KEY"], max_retries=0)
    agent = AssistantAgent("weather_agent", model_client=client, tools=[get_weather], reflect_on_tool_use=True,
                           system_message="Answer weather questions with the get_weather tool.")
    result = await agent.run(task="What is the weather in Paris?")
    await client.close()
    return result.messages[-1].content


''' + guarded('''
print("FINAL:", asyncio.run(main()))
''')



def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name,
                 versions=["autogen-agentchat", "autogen-ext", "autogen-core",
                           "openinference-instrumentation-autogen-agentchat", "openai", "opentelemetry-sdk"],
                 notes=["AssistantAgent with one tool, reflect_on_tool_use; OpenAIChatCompletionClient (chat "
                        "completions); OpenInference's AgentChat instrumentor beside autogen-core's own tracing."])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
