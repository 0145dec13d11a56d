"""Record an Agno ``Team`` (a leader coordinating two member agents) traced by OpenInference.

Run: ``python tests/clients/record_agno_team.py`` (creates its own venv).
The pins and tracing of ``record_agno.py`` (agno, ``OpenAIChat`` chat completions against the
fake LLM, ``AgnoInstrumentor`` exporting with the OTel SDK over OTLP/HTTP protobuf; Agno's own
telemetry off). A ``Team`` in its default ``coordinate`` mode, with its own model, leads two
members: ``Weather Agent`` (the ``get_weather`` tool) and ``Writer Agent`` (no tool). Agno offers
the leader's model its ``delegate_task_to_member`` tool (``member_id``, ``task``): the fake LLM is
scripted to call it for the weather agent first, then for the writer agent, then the leader
answers with the writer's text. The weather agent's own conversation is the task only: offered
``get_weather``, it calls it, then answers with its result; the writer, offered no tool, answers
with text. The ``error`` run refuses only the requests offering ``get_weather`` (the weather
agent's): the member's run fails, the leader goes on with the writer.
"""

from __future__ import annotations

from pathlib import Path

from record_agno import PACKAGES as AGNO_PACKAGES
from recording import OTEL_SDK_SETUP, Recording, guarded, installed_versions, openai_env, otel_env, recorder_main

NAME = "agno_team"
#: The agno recording's pins, with the openai version it recorded.
PACKAGES = [p if p != "openai" else "openai==3.63.0" for p in AGNO_PACKAGES]

WEATHER_TASK = "Find the current weather in Paris."
WRITER_TASK = "Write one friendly sentence about the weather in Paris: Sunny, 22 C."
#: The leader's two delegations, in order: the weather agent, then the writer.
TOOL_ANSWERS = {"delegate_task_to_member": [{"member_id": "weather-agent", "task": WEATHER_TASK},
                                            {"member_id": "writer-agent", "task": WRITER_TASK}]}

AGENT = OTEL_SDK_SETUP + '''
import os, sys
from openinference.instrumentation.agno import AgnoInstrumentor

AgnoInstrumentor().instrument(tracer_provider=tracer_provider)

from agno.agent import Agent
from agno.models.openai import OpenAIChat
from agno.team import Team


def get_weather(city: str) -> str:
    """Get the current weather for a city.

    Args:
        city: The city.
    """
    return f"Sunny, 22 C in {city}"


def model():
    return OpenAIChat(id="gpt-4o-mini", base_url=os.environ["OPENAI_BASE_URL"], max_retries=0)


weather_agent = Agent(id="weather-agent", name="Weather Agent", model=model(), tools=[get_weather],
                      role="Looks up the current weather.",
                      instructions="Answer weather questions with the get_weather tool.", telemetry=False)
writer_agent = Agent(id="writer-agent", name="Writer Agent", model=model(),
                     role="Writes short friendly text.",
                     instructions="Write one short friendly sentence.", telemetry=False)
team = Team(id="weather-team", name="Weather Team", model=model(), members=[weather_agent, writer_agent],
            instructions="Ask the Weather Agent for the weather, then the Writer Agent for the sentence.",
            telemetry=False)
''' + guarded('''
out = team.run("What is the weather in Paris? Answer in one friendly sentence.")
print("FINAL:", out.content)
for m in out.member_responses or []:
    print("MEMBER:", getattr(m, "agent_id", None), getattr(m, "status", None), (m.content or "")[:80])
if getattr(out, "status", None) is not None and str(out.status).lower().endswith("error"):
    code = 3
''')


def record(python: Path) -> None:
    with Recording(NAME, tool_answers=TOOL_ANSWERS) as rec:
        env = otel_env(rec.cap.url, service_name="agno-team-recording")
        env |= openai_env(rec) | {"AGNO_TELEMETRY": "false"}
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error", refuse_offering="get_weather")
        rec.save(
            packages=installed_versions(python, ["agno", "openinference-instrumentation-agno", "openai",
                                                 "opentelemetry-sdk"]),
            env=env,
            recorder=Path(__file__).name,
            notes=[
                "A Team ('Weather Team', coordinate mode, its own OpenAIChat gpt-4o-mini) of two members: "
                "'Weather Agent' (tool get_weather) and 'Writer Agent' (no tool); Agno telemetry off.",
                "The fake LLM's scripted tool answers (fakellm_tool_answers): the leader's first call gets "
                "delegate_task_to_member(member_id='weather-agent'), its second the same for 'writer-agent'.",
                "error run: only the requests offering get_weather (the weather agent's) are refused (HTTP 400); "
                "the leader's and the writer's calls are answered as in the ok run.",
            ],
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
