"""Record AG2 0.x (two ``ConversableAgent``s and one tool) traced by OpenInference.

Run: ``python tests/clients/record_ag2_openinference.py`` (creates its own venv).
OpenInference's AG2 instrumentor patches the ``autogen`` API of AG2 0.14 (the
``ConversableAgent`` line; AG2 1.x's ``Agent`` is not covered, see
``record_ag2.py`` for that one's own tracing). A ``weather_agent`` with the
fake LLM in its ``llm_config`` (chat completions) proposes ``get_weather``
(``register_for_llm``); a ``user_proxy`` with no model runs it
(``register_for_execution``) and starts the chat
(``user_proxy.initiate_chat(weather_agent, max_turns=2)``). As the
instrumentor's own examples do, OpenInference's OpenAI instrumentor traces the
model calls (the AG2 instrumentor traces chats, replies and tools only), both
on the OTel SDK's provider, exporting OTLP/HTTP protobuf.
"""

from __future__ import annotations

from pathlib import Path

from recording import OTEL_SDK_PACKAGES, OTEL_SDK_SETUP, guarded, record_turns, recorder_main

NAME = "ag2_openinference"
# ag2 0.14.0 is the last 0.x (the instrumentor takes ag2 >=0.14, <1); its openai extra takes openai below 3:
# 2.54.0, the newest 2.x.
PACKAGES = ["ag2[openai]==0.14.0", "openai==2.54.0", "openinference-instrumentation-ag2==0.1.12",
            "openinference-instrumentation-openai==0.1.66", *OTEL_SDK_PACKAGES]

AGENT = OTEL_SDK_SETUP + '''
import os, sys
from openinference.instrumentation.ag2 import AG2Instrumentor
from openinference.instrumentation.openai import OpenAIInstrumentor

AG2Instrumentor().instrument(tracer_provider=tracer_provider)
OpenAIInstrumentor().instrument(tracer_provider=tracer_provider)

from autogen import ConversableAgent

llm_config = {"config_list": [{"model": "gpt-4o-mini", "base_url": os.environ["OPENAI_BASE_URL"],
                               "api_key": os.environ["OPENAI_API_KEY"]}], "cache_seed": None}

weather_agent = ConversableAgent(
    "weather_agent",
    system_message="Answer weather questions with the get_weather tool.",
    llm_config=llm_config,
    human_input_mode="NEVER",
)
user_proxy = ConversableAgent("user_proxy", llm_config=False, human_input_mode="NEVER")


@user_proxy.register_for_execution()
@weather_agent.register_for_llm(description="Get the current weather for a city.")
def get_weather(city: str) -> str:
    return f"Sunny, 22 C in {city}"


''' + guarded('''
chat = user_proxy.initiate_chat(weather_agent, message="What is the weather in Paris?", max_turns=2, silent=True)
print("FINAL:", chat.chat_history[-1]["content"])
''')


def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name,
                 versions=["ag2", "openai", "openinference-instrumentation-ag2",
                           "openinference-instrumentation-openai", "opentelemetry-sdk"],
                 notes=["weather_agent (ConversableAgent, chat completions) proposes get_weather, user_proxy "
                        "(no model) runs it: user_proxy.initiate_chat(weather_agent, max_turns=2); OpenInference's "
                        "AG2 instrumentor (chats, replies, tools) and its OpenAI instrumentor (the model calls) on "
                        "the SDK's tracer provider."])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
