"""Record CrewAI traced by OpenInference, set up as its documentation says.

Run: ``python tests/clients/record_crewai.py`` (creates its own venv).
One agent with one tool in a one-task crew, on ``gpt-4o-mini``, against the
fake LLM; ``CrewAIInstrumentor`` for the crew, agent, task and tool spans and
``LiteLLMInstrumentor`` plus ``OpenAIInstrumentor`` for the model calls (CrewAI
calls OpenAI models through the openai SDK or LiteLLM, by version): the set-up
where one call could be reported by two instrumentations. CrewAI's own
telemetry and its tracing prompt are switched off (they would leave the host).
"""

from __future__ import annotations

from pathlib import Path

from recording import OTEL_SDK_PACKAGES, OTEL_SDK_SETUP, guarded, openai_env, record_turns, recorder_main

NAME = "crewai"
PACKAGES = [
    "crewai==1.15.44",
    "openinference-instrumentation-crewai==1.1.21",
    "openinference-instrumentation-litellm==0.1.51",
    "openinference-instrumentation-openai==0.1.66",
    "litellm",
    *OTEL_SDK_PACKAGES,
]

AGENT = OTEL_SDK_SETUP + '''
import sys
from openinference.instrumentation.crewai import CrewAIInstrumentor
from openinference.instrumentation.litellm import LiteLLMInstrumentor
from openinference.instrumentation.openai import OpenAIInstrumentor

CrewAIInstrumentor().instrument(tracer_provider=tracer_provider, skip_dep_check=True)
LiteLLMInstrumentor().instrument(tracer_provider=tracer_provider)
OpenAIInstrumentor().instrument(tracer_provider=tracer_provider)

from crewai import LLM, Agent, Crew, Task
from crewai.tools import tool


@tool("get_weather")
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"Sunny, 22 C in {city}"


llm = LLM(model="gpt-4o-mini", max_retries=0)
agent = Agent(role="Weather reporter", goal="Answer weather questions with the get_weather tool.",
              backstory="You report the weather.", tools=[get_weather], llm=llm, max_iter=3, verbose=False)
task = Task(description="What is the weather in Paris?", expected_output="One sentence.", agent=agent)
''' + guarded('''
result = Crew(agents=[agent], tasks=[task], verbose=False).kickoff()
print("FINAL:", result)
''')



def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name,
                 versions=[p.split("==")[0] for p in PACKAGES if "==" in p] + ["litellm", "openai", "opentelemetry-sdk"],
                 notes=["One agent, one tool, one task; CrewAI, LiteLLM and OpenAI instrumentors of OpenInference."],
                 client_env=lambda rec: openai_env(rec) | {
                     "OPENAI_API_BASE": rec.llm.openai_base_url, "CREWAI_DISABLE_TELEMETRY": "true",
                     "OTEL_SDK_DISABLED": "false", "CREWAI_TRACING_ENABLED": "false", "CREWAI_DISABLE_TRACKING": "true"})


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
