"""Record IBM's BeeAI Framework (a ``RequirementAgent`` with one tool) traced by OpenInference.

Run: ``python tests/clients/record_beeai.py`` (creates its own venv).
One ``RequirementAgent`` (the framework's main agent) with one tool on
``OpenAIChatModel`` (its OpenAI provider, LiteLLM underneath, chat
completions) with ``base_url`` at the fake LLM, answering in text
(``final_answer_as_tool=False``); ``BeeAIInstrumentor`` exports its spans with
the OTel SDK over OTLP/HTTP protobuf, set up as its documentation says.
LiteLLM reads its price map from the package (it would otherwise fetch it
from the network).
"""

from __future__ import annotations

from pathlib import Path

from recording import OTEL_SDK_PACKAGES, OTEL_SDK_SETUP, guarded, openai_env, record_turns, recorder_main

NAME = "beeai"
PACKAGES = ["beeai-framework==0.1.85", "openinference-instrumentation-beeai==0.1.30", *OTEL_SDK_PACKAGES]

AGENT = OTEL_SDK_SETUP + '''
import asyncio, os, sys
from openinference.instrumentation.beeai import BeeAIInstrumentor

BeeAIInstrumentor().instrument(tracer_provider=tracer_provider)

from beeai_framework.adapters.openai import OpenAIChatModel
from beeai_framework.agents.requirement import RequirementAgent
from beeai_framework.tools import tool


@tool
def get_weather(city: str) -> str:
    """Get the current weather for a city.

    Args:
        city: The city.
    """
    return f"Sunny, 22 C in {city}"


llm = OpenAIChatModel("gpt-4o-mini", base_url=os.environ["OPENAI_BASE_URL"], api_key=os.environ["OPENAI_API_KEY"])
# By default the agent must end with a call of its final_answer tool and asks again (up to 5 calls)
# when the model answers in text, as the fake LLM does after a tool result; in text mode the turn is
# the usual two calls.
agent = RequirementAgent(llm=llm, tools=[get_weather], instructions="Answer weather questions with the get_weather tool.",
                         final_answer_as_tool=False)
''' + guarded('''
async def main():
    return await agent.run("What is the weather in Paris?")


out = asyncio.run(main())
print("FINAL:", out.last_message.text)
''')


def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name,
                 versions=["beeai-framework", "openinference-instrumentation-beeai", "litellm", "openai",
                           "opentelemetry-sdk"],
                 notes=["RequirementAgent with one tool, final_answer_as_tool=False (the model answers in text, "
                        "which the agent hands to its own final_answer tool), OpenAIChatModel (LiteLLM, "
                        "chat completions) with base_url."],
                 client_env=lambda rec: openai_env(rec) | {"LITELLM_LOCAL_MODEL_COST_MAP": "True"})


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
