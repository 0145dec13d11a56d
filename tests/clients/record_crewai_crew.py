"""Record a CrewAI crew of two agents, each with its own task, traced by OpenInference.

Run: ``python tests/clients/record_crewai_crew.py`` (creates its own venv).
The pins and tracing of ``record_crewai.py`` (crewai 1.15.44 on ``gpt-4o-mini``,
OpenInference's CrewAI, LiteLLM and OpenAI instrumentors, CrewAI's own
telemetry and its tracing prompt off) with two agents in a sequential crew: a
``Weather researcher`` with the ``get_weather`` tool, whose task looks the
weather up, and a ``Weather writer`` with no tool, whose task writes the report
from the researcher's answer (the task's context). By the fake LLM's rules the
researcher calls ``get_weather`` then answers (``tool_call``, ``final``), the
writer, offered no tool, answers at once (``text``). The ``error`` run refuses
only the writer's requests (``refuse_system``: its backstory, in its system
prompt only): the researcher's task succeeds, the writer's fails.
"""

from __future__ import annotations

from pathlib import Path

from record_crewai import PACKAGES as CREWAI_PACKAGES
from recording import OTEL_SDK_SETUP, Recording, guarded, installed_versions, openai_env, otel_env, recorder_main

NAME = "crewai_crew"
# The pins of record_crewai.py, LiteLLM at the version that recording installed.
PACKAGES = [p if p != "litellm" else "litellm==1.110.2" for p in CREWAI_PACKAGES]

#: The writer's backstory: in its system prompt and nobody else's (the error run refuses those requests).
WRITER_BACKSTORY = "You write short weather reports for the newsletter."

AGENT = OTEL_SDK_SETUP + '''
import sys
from openinference.instrumentation.crewai import CrewAIInstrumentor
from openinference.instrumentation.litellm import LiteLLMInstrumentor
from openinference.instrumentation.openai import OpenAIInstrumentor

CrewAIInstrumentor().instrument(tracer_provider=tracer_provider, skip_dep_check=True)
LiteLLMInstrumentor().instrument(tracer_provider=tracer_provider)
OpenAIInstrumentor().instrument(tracer_provider=tracer_provider)

from crewai import LLM, Agent, Crew, Process, Task
from crewai.tools import tool


@tool("get_weather")
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"Sunny, 22 C in {city}"


researcher = Agent(role="Weather researcher", goal="Look the weather up with the get_weather tool.",
                   backstory="You research the weather.", tools=[get_weather],
                   llm=LLM(model="gpt-4o-mini", max_retries=0), max_iter=3, allow_delegation=False, verbose=False)
writer = Agent(role="Weather writer", goal="Write a one-sentence weather report from the research.",
               backstory=''' + repr(WRITER_BACKSTORY) + ''', llm=LLM(model="gpt-4o-mini", max_retries=0),
               max_iter=3, allow_delegation=False, verbose=False)
research = Task(description="Find out the weather in Paris.", expected_output="The weather in Paris.",
                agent=researcher)
report = Task(description="Write the weather report for Paris.", expected_output="One sentence.",
              agent=writer, context=[research])
''' + guarded('''
result = Crew(agents=[researcher, writer], tasks=[research, report], process=Process.sequential,
              verbose=False).kickoff()
print("FINAL:", result)
''')


def crew_runs(rec: Recording, python: Path, agent: str, service: str, recorder: str, notes: list[str]) -> None:
    """The ``ok`` and ``error`` runs of a crew script ``agent`` (the error run refusing only the
    writer's requests), traced to the capture server as ``service``, and the recording saved with
    ``notes``: this recorder's and ``record_crewai_crew_delegation``'s (``recorder``: the file's name)."""
    env = otel_env(rec.cap.url, service_name=service, signals=("traces",))
    env |= openai_env(rec) | {
        "OPENAI_API_BASE": rec.llm.openai_base_url, "CREWAI_DISABLE_TELEMETRY": "true",
        "OTEL_SDK_DISABLED": "false", "CREWAI_TRACING_ENABLED": "false", "CREWAI_DISABLE_TRACKING": "true"}
    rec.run_python("ok", python, agent, env)
    rec.run_python("error", python, agent, env, mode="error", refuse_system=WRITER_BACKSTORY)
    rec.save(
        packages=installed_versions(python, [p.split("==")[0] for p in PACKAGES if "==" in p]
                                    + ["openai", "opentelemetry-sdk"]),
        env=env,
        recorder=recorder,
        notes=notes,
    )


def record(python: Path) -> None:
    with Recording(NAME) as rec:
        crew_runs(rec, python, AGENT, "crewai-crew-recording", Path(__file__).name, [
            "Two agents in a sequential crew, each with its own task: Weather researcher (get_weather) looks "
            "the weather up, Weather writer (no tool) writes the report from it (the task's context); "
            "CrewAI, LiteLLM and OpenAI instrumentors of OpenInference, as the crewai recording.",
            "error run: only the writer's requests are refused (refuse_system, its backstory); the researcher's "
            "task succeeds, the writer's fails and the crew with it.",
        ])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
