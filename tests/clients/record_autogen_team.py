"""Record an AutoGen AgentChat team of two assistants traced by OpenInference.

Run: ``python tests/clients/record_autogen_team.py`` (creates its own venv).
A ``RoundRobinGroupChat`` of a weather assistant with one tool (``reflect_on_tool_use``,
so its turn ends in a model call that quotes the tool) and a writer with no tool, both on
``OpenAIChatCompletionClient``, against the fake LLM; the team stops once the writer has
spoken (``SourceMatchTermination``, a message cap beside it). Traced as ``record_autogen.py``
does: ``AutogenAgentChatInstrumentor`` as its documentation sets it up, the OTel SDK's provider
the global one, so AutoGen's own tracing (autogen-core traces agent runtimes and tools through
it) is recorded beside it. The error run refuses only the writer's model call (its system
prompt, ``refuse_system``).
"""

from __future__ import annotations

from pathlib import Path

from recording import (
    OTEL_SDK_PACKAGES,
    OTEL_SDK_SETUP,
    Recording,
    guarded,
    installed_versions,
    openai_env,
    otel_env,
    recorder_main,
)

NAME = "autogen_team"
# The autogen recording's pins.
PACKAGES = ["autogen-agentchat==0.7.5", "autogen-ext[openai]==0.7.5",
            "openinference-instrumentation-autogen-agentchat==0.1.22", *OTEL_SDK_PACKAGES]

WRITER_PROMPT = "You are the writer: turn the weather report into one friendly sentence."

AGENT = OTEL_SDK_SETUP + '''
import asyncio, os, sys
from openinference.instrumentation.autogen_agentchat import AutogenAgentChatInstrumentor

AutogenAgentChatInstrumentor().instrument(tracer_provider=tracer_provider)

from autogen_agentchat.agents import AssistantAgent
from autogen_agentchat.conditions import MaxMessageTermination, SourceMatchTermination
from autogen_agentchat.teams import RoundRobinGroupChat
from autogen_ext.models.openai import OpenAIChatCompletionClient


async def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"Sunny, 22 C in {city}"


async def main() -> str:
    client = OpenAIChatCompletionClient(model="gpt-4o-mini", base_url=os.environ["OPENAI_BASE_URL"],
                                        api_key=os.environ["OPENAI_API_KEY"], max_retries=0)
    weather = AssistantAgent("weather_agent", model_client=client, tools=[get_weather], reflect_on_tool_use=True,
                             system_message="Answer weather questions with the get_weather tool.")
    writer = AssistantAgent("writer", model_client=client, system_message=WRITER_PROMPT)
    team = RoundRobinGroupChat([weather, writer],
                               termination_condition=SourceMatchTermination(["writer"]) | MaxMessageTermination(6))
    result = await team.run(task="What is the weather in Paris?")
    await client.close()
    print("STOP:", result.stop_reason)
    return result.messages[-1].content


'''.replace("WRITER_PROMPT", repr(WRITER_PROMPT)) + guarded('''
print("FINAL:", asyncio.run(main()))
''')


def record(python: Path) -> None:
    with Recording(NAME) as rec:
        env = otel_env(rec.cap.url, service_name="autogen-team-recording", signals=("traces",)) | openai_env(rec)
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error", refuse_system=WRITER_PROMPT)
        rec.save(packages=installed_versions(python, [
                     "autogen-agentchat", "autogen-ext", "autogen-core",
                     "openinference-instrumentation-autogen-agentchat", "openai", "opentelemetry-sdk"]),
                 env=env, recorder=Path(__file__).name,
                 notes=["RoundRobinGroupChat of two AssistantAgents on one OpenAIChatCompletionClient (chat "
                        "completions): weather_agent with get_weather and reflect_on_tool_use, then writer with no "
                        "tool; SourceMatchTermination(['writer']) | MaxMessageTermination(6). OpenInference's "
                        "AgentChat instrumentor beside autogen-core's own tracing.",
                        "error run: only the writer's model call is refused (refuse_system, its own prompt); the "
                        "weather agent's two calls are answered as in the ok run."])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
