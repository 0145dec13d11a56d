"""Record the CrewAI crew of two agents with the writer asking the researcher a question, traced by OpenInference.

Run: ``python tests/clients/record_crewai_crew_delegation.py`` (creates its own venv).
The crew, pins and tracing of ``record_crewai_crew.py`` (crewai 1.15.44 on ``gpt-4o-mini``, a
``Weather researcher`` with ``get_weather`` and a ``Weather writer``, each with its own task in a
sequential crew), the writer with ``allow_delegation=True``: CrewAI offers its model the
``ask_question_to_coworker`` and ``delegate_work_to_coworker`` tools. The fake LLM is scripted
(``tool_answers``) so the writer's first call asks the researcher (``coworker``, its role) about the
weather; CrewAI runs the researcher on that question inside the tool call (it calls ``get_weather``,
then answers), and the writer answers from the reply. The ``error`` run refuses only the writer's
requests (``refuse_system``: its backstory), as ``crewai_crew``'s.
"""

from __future__ import annotations

from pathlib import Path

from record_crewai_crew import AGENT as CREW_AGENT
from record_crewai_crew import PACKAGES as CREW_PACKAGES
from record_crewai_crew import crew_runs
from recording import Recording, recorder_main

NAME = "crewai_crew_delegation"
PACKAGES = CREW_PACKAGES

#: The writer's one question to the researcher: CrewAI finds the coworker by its role.
QUESTION = {"question": "What is the weather in Paris right now?",
            "context": "I am writing the weather report for Paris.", "coworker": "Weather researcher"}
TOOL_ANSWERS = {"ask_question_to_coworker": [QUESTION]}

_NO_DELEGATION = "max_iter=3, allow_delegation=False, verbose=False)\nresearch = "
assert CREW_AGENT.count(_NO_DELEGATION) == 1, "record_crewai_crew.py's writer changed"
#: crewai_crew's script with the writer (the agent defined last before the tasks) allowed to delegate.
AGENT = CREW_AGENT.replace(_NO_DELEGATION, "max_iter=3, allow_delegation=True, verbose=False)\nresearch = ")


def record(python: Path) -> None:
    with Recording(NAME, tool_answers=TOOL_ANSWERS) as rec:
        crew_runs(rec, python, AGENT, "crewai-crew-delegation-recording", Path(__file__).name, [
            "The crewai_crew crew (Weather researcher with get_weather, then Weather writer, each with its "
            "own task, sequential) with the writer allowed to delegate (allow_delegation=True).",
            "The fake LLM's scripted tool answers (fakellm_tool_answers): the writer's first call asks the "
            "researcher (ask_question_to_coworker, coworker 'Weather researcher'); CrewAI runs the researcher "
            "on the question inside that tool call (get_weather, then its answer), with no agent span of its "
            "own; the writer then answers from the reply.",
            "error run: only the writer's requests are refused (refuse_system, its backstory); the researcher's "
            "task succeeds, the writer's fails before it asks anything, and the crew with it.",
        ])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
