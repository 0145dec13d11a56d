"""Record Semantic Kernel for Python's built-in OpenTelemetry GenAI instrumentation.

Run: ``python tests/clients/record_semantic_kernel.py`` (creates its own venv).
One ``ChatCompletionAgent`` with one plugin function on ``OpenAIChatCompletion``
(chat completions) with automatic function calling, against the fake LLM.
Semantic Kernel's instrumentation uses the global OTel providers, as its
documentation sets them up: the OTel SDK exports traces, logs and metrics over
OTLP/HTTP protobuf, a ``LoggingHandler`` on the root logger (filtered to the
``semantic_kernel`` loggers) turns its log records into OTel logs, and its switches
(``SEMANTICKERNEL_EXPERIMENTAL_GENAI_ENABLE_OTEL_DIAGNOSTICS`` and ``…_SENSITIVE``)
turn its spans on with prompts and answers.
"""

from __future__ import annotations

from pathlib import Path

from recording import OTEL_SDK_PACKAGES, OTEL_SDK_SETUP, guarded, openai_env, record_turns, recorder_main

NAME = "semantic_kernel"
PACKAGES = ["semantic-kernel==1.45.0", "openai==3.63.0", *OTEL_SDK_PACKAGES]

AGENT = OTEL_SDK_SETUP + '''
import asyncio, logging, os, sys
from typing import Annotated

from opentelemetry.sdk._logs import LoggingHandler

# Semantic Kernel writes prompts and answers as Python log records (the span is current when it
# logs); its telemetry docs hand the "semantic_kernel" loggers to the OTel logs SDK this way.
handler = LoggingHandler(logger_provider=logger_provider)
handler.addFilter(logging.Filter("semantic_kernel"))
logging.getLogger().addHandler(handler)
logging.getLogger().setLevel(logging.INFO)

from openai import AsyncOpenAI
from semantic_kernel.agents import ChatCompletionAgent
from semantic_kernel.connectors.ai.open_ai import OpenAIChatCompletion
from semantic_kernel.functions import kernel_function


class WeatherPlugin:
    @kernel_function(description="Get the current weather for a city.")
    def get_weather(self, city: Annotated[str, "The city."]) -> str:
        return f"Sunny, 22 C in {city}"


# The connector's own settings have no base URL: the OpenAI client it is given points at the server.
client = AsyncOpenAI(base_url=os.environ["OPENAI_BASE_URL"], api_key=os.environ["OPENAI_API_KEY"], max_retries=0)
agent = ChatCompletionAgent(service=OpenAIChatCompletion(ai_model_id="gpt-4o-mini", async_client=client),
                            name="weather-agent", instructions="Answer weather questions with the get_weather tool.",
                            plugins=[WeatherPlugin()])
''' + guarded('''
response = asyncio.run(agent.get_response(messages="What is the weather in Paris?"))
print("FINAL:", response.content)
''')


def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name,
                 versions=["semantic-kernel", "openai", "opentelemetry-sdk", "opentelemetry-api"],
                 signals=("traces", "logs", "metrics"),
                 notes=["ChatCompletionAgent with one plugin function on OpenAIChatCompletion (chat completions), "
                        "automatic function calling; the OTel SDK's providers with Semantic Kernel's GenAI "
                        "diagnostics (sensitive: prompts and answers) on, and a LoggingHandler for the "
                        "semantic_kernel loggers (its messages are log records)."],
                 client_env=lambda rec: openai_env(rec) | {
                     "SEMANTICKERNEL_EXPERIMENTAL_GENAI_ENABLE_OTEL_DIAGNOSTICS": "true",
                     "SEMANTICKERNEL_EXPERIMENTAL_GENAI_ENABLE_OTEL_DIAGNOSTICS_SENSITIVE": "true"})


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
