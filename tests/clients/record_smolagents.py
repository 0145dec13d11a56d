"""Record smolagents (a ``ToolCallingAgent``) traced by OpenInference, set up as its documentation says.

Run: ``python tests/clients/record_smolagents.py`` (creates its own venv).
One agent with one tool on ``OpenAIServerModel`` (chat completions), against
the fake LLM; ``SmolagentsInstrumentor`` exports its spans with the OTel SDK
over OTLP/HTTP protobuf.
"""

from __future__ import annotations

from pathlib import Path

from recording import OTEL_SDK_PACKAGES, OTEL_SDK_SETUP, guarded, record_turns, recorder_main

NAME = "smolagents"
PACKAGES = ["smolagents[openai]==1.26.0", "openinference-instrumentation-smolagents==0.1.43", *OTEL_SDK_PACKAGES]

AGENT = OTEL_SDK_SETUP + '''
import os, sys
from openinference.instrumentation.smolagents import SmolagentsInstrumentor

SmolagentsInstrumentor().instrument(tracer_provider=tracer_provider)

from smolagents import OpenAIServerModel, ToolCallingAgent, tool


@tool
def get_weather(city: str) -> str:
    """Get the current weather for a city.

    Args:
        city: The city.
    """
    return f"Sunny, 22 C in {city}"


model = OpenAIServerModel(model_id="gpt-4o-mini", api_base=os.environ["OPENAI_BASE_URL"],
                          api_key=os.environ["OPENAI_API_KEY"], client_kwargs={"max_retries": 0})
agent = ToolCallingAgent(tools=[get_weather], model=model, max_steps=3, verbosity_level=0)
''' + guarded('''
print("FINAL:", agent.run("What is the weather in Paris?"))
''')



def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name,
                 versions=["smolagents", "openinference-instrumentation-smolagents", "openai", "opentelemetry-sdk"],
                 notes=["ToolCallingAgent with one tool, OpenAIServerModel (chat completions), max_steps 3."])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
