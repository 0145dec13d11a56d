"""Record a team of two PraisonAI agents, each with its own task, traced by PraisonAI's observability suite.

Run: ``python tests/clients/record_praisonai_team.py`` (creates its own venv).
The pins and tracing of ``record_praisonai.py`` (praisonaiagents 1.7.17 on ``gpt-4o-mini``, the OpenAI
SDK; praisonai-tools 0.2.45's ``obs.init(provider="langfuse")`` exporting the spans it builds to the
capture server) with two agents in a sequential ``AgentTeam`` (``PraisonAIAgents`` and ``Agents`` are
its other names): a ``Weather researcher`` with the ``get_weather`` tool, whose task looks the weather
up, and a ``Weather writer`` with no tool, whose task writes the report from the researcher's answer
(the task's context). By the fake LLM's rules the researcher calls ``get_weather`` then answers
(``tool_call``, ``final``), the writer, offered no tool, answers at once (``text``). The ``error`` run
refuses only the writer's requests (``refuse_system``: its instructions, in its system prompt only).
"""

from __future__ import annotations

from pathlib import Path

from record_praisonai import PACKAGES, SETUP, praisonai_env, versions
from recording import Recording, recorder_main

NAME = "praisonai_team"

#: The writer's instructions: in its system prompt and nobody else's (the error run refuses those requests).
WRITER_INSTRUCTIONS = "You write short weather reports for the newsletter."

AGENT = SETUP + '''
from praisonaiagents import Agent, AgentTeam, Task

researcher = Agent(name="Weather researcher", instructions="Look the weather up with the get_weather tool.",
                   llm="gpt-4o-mini", tools=[get_weather])
writer = Agent(name="Weather writer", instructions=''' + repr(WRITER_INSTRUCTIONS) + ''', llm="gpt-4o-mini")
research = Task(name="research", description="Find out the weather in Paris.", expected_output="The weather in Paris.",
                agent=researcher)
report = Task(name="report", description="Write the weather report for Paris.", expected_output="One sentence.",
              agent=writer, context=[research])
code = 0
try:
    result = AgentTeam(agents=[researcher, writer], tasks=[research, report], process="sequential",
                       name="Weather team").start()
    print("FINAL:", result)
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
finally:
    otel_shutdown()
sys.exit(code)
'''


def record(python: Path) -> None:
    with Recording(NAME) as rec:
        env = praisonai_env(rec, "praisonai-team-recording")
        runs = [rec.run_python("ok", python, AGENT, env),
                rec.run_python("error", python, AGENT, env, mode="error", refuse_system=WRITER_INSTRUCTIONS)]
        # The researcher's turn is one model call span with its last call's usage: its first call (the one
        # answered with the get_weather call, in both runs) is in none.
        first = [c for run in runs for c in run["fake_calls"] if c["kind"] == "tool_call"]
        rec.save(
            packages=versions(python),
            env=env,
            recorder=Path(__file__).name,
            notes=[
                "Two agents in a sequential AgentTeam, each with its own task: Weather researcher (get_weather) looks "
                "the weather up, Weather writer (no tool) writes the report from it (the task's context); PraisonAI's "
                "observability suite with its Langfuse provider, as the praisonai recording.",
                "error run: only the writer's requests are refused (refuse_system, its instructions).",
            ],
            extra={"usage_not_reported": {
                str(c["seq"]): "PraisonAI reports one model call span per agent turn, with the usage of its "
                               "last call only: the researcher's tool-call round's call is not reported." for c in first}},
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
