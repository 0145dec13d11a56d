"""Record Agno (an ``Agent`` with one tool) traced by OpenInference, set up as its documentation says.

Run: ``python tests/clients/record_agno.py`` (creates its own venv).
One agent with one tool on ``OpenAIChat`` (chat completions), against the fake
LLM; ``AgnoInstrumentor`` exports its spans with the OTel SDK over OTLP/HTTP
protobuf. Agno's own telemetry is switched off (it would leave the host).
"""

from __future__ import annotations

from pathlib import Path

from recording import OTEL_SDK_PACKAGES, OTEL_SDK_SETUP, guarded, openai_env, record_turns, recorder_main

NAME = "agno"
PACKAGES = ["agno==3.1.10", "openai", "openinference-instrumentation-agno==1.0.15", *OTEL_SDK_PACKAGES]

AGENT = OTEL_SDK_SETUP + '''
import os, sys
from openinference.instrumentation.agno import AgnoInstrumentor

AgnoInstrumentor().instrument(tracer_provider=tracer_provider)

from agno.agent import Agent
from agno.models.openai import OpenAIChat


def get_weather(city: str) -> str:
    """Get the current weather for a city.

    Args:
        city: The city.
    """
    return f"Sunny, 22 C in {city}"


agent = Agent(model=OpenAIChat(id="gpt-4o-mini", base_url=os.environ["OPENAI_BASE_URL"], max_retries=0),
              tools=[get_weather], instructions="Answer weather questions with the get_weather tool.",
              telemetry=False)
''' + guarded('''
out = agent.run("What is the weather in Paris?")
print("FINAL:", out.content)
if getattr(out, "status", None) is not None and str(out.status).lower().endswith("error"):
    code = 3
''')



def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name,
                 versions=["agno", "openinference-instrumentation-agno", "openai", "opentelemetry-sdk"],
                 notes=["Agent with one tool, OpenAIChat (chat completions); Agno telemetry off."],
                 client_env=lambda rec: openai_env(rec) | {"AGNO_TELEMETRY": "false"})


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
