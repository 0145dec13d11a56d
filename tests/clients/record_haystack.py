"""Record Haystack (an ``Agent`` with one tool) traced by OpenInference, set up as its documentation says.

Run: ``python tests/clients/record_haystack.py`` (creates its own venv).
One ``Agent`` with one ``@tool`` on ``OpenAIChatGenerator`` (chat completions),
against the fake LLM; ``HaystackInstrumentor`` exports its spans with the OTel
SDK over OTLP/HTTP protobuf.

Haystack 3 has no OpenTelemetry tracer of its own any more (``haystack.tracing``
is a no-op until a tracer is enabled; the OpenTelemetry one moved to a separate
integration), so OpenInference's instrumentor is all that traces it here.  That
instrumentor wraps ``Pipeline.run`` and the ``run`` of the component classes
registered (imported) when ``instrument()`` is called, and of those a pipeline
runs later.  An ``Agent`` used on its own calls its chat generator's ``run``
directly, outside any pipeline, so what is traced depends on the import order:
instrumenting before the imports, as the README's pipeline quickstart does,
traces nothing of a lone agent; after importing ``Agent`` but before
``OpenAIChatGenerator``, only ``Agent.run``.  The script imports both first, as
OpenInference's own agent example does: then ``Agent.run`` (CHAIN), the
``ChatPromptBuilder.run`` it uses for its system prompt and each model call
(``OpenAIChatGenerator.run``, an LLM span with messages, model and token
counts) are traced, so no OpenAI instrumentor is needed for the model calls.
The generator spans carry prompt/completion/total tokens only (no cached
count), and the agent runs its tools in a plain function (not a component)
that the instrumentor does not wrap: no span for the tool call.
"""

from __future__ import annotations

from pathlib import Path

from recording import OTEL_SDK_PACKAGES, OTEL_SDK_SETUP, guarded, record_turns, recorder_main

NAME = "haystack"
PACKAGES = ["haystack-ai==3.4.1", "openinference-instrumentation-haystack==0.1.46", *OTEL_SDK_PACKAGES]

AGENT = OTEL_SDK_SETUP + '''
import os, sys
from haystack.components.agents import Agent
from haystack.components.generators.chat import OpenAIChatGenerator
from haystack.dataclasses import ChatMessage
from haystack.tools import tool
from openinference.instrumentation.haystack import HaystackInstrumentor

HaystackInstrumentor().instrument(tracer_provider=tracer_provider)


@tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"Sunny, 22 C in {city}"


agent = Agent(chat_generator=OpenAIChatGenerator(model="gpt-4o-mini", api_base_url=os.environ["OPENAI_BASE_URL"]),
              tools=[get_weather], system_prompt="Answer weather questions with the get_weather tool.")
''' + guarded('''
result = agent.run(messages=[ChatMessage.from_user("What is the weather in Paris?")])
print("FINAL:", result["last_message"].text)
''')


def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name,
                 versions=["haystack-ai", "openinference-instrumentation-haystack", "openai", "opentelemetry-sdk"],
                 notes=["Agent with one @tool on OpenAIChatGenerator (chat completions); Agent and "
                        "OpenAIChatGenerator imported before HaystackInstrumentor().instrument(), as OpenInference's "
                        "agent example does (the instrumentor wraps the run of component classes registered then).",
                        "The agent runs its tool in a plain function the instrumentor does not wrap: no tool span."])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
