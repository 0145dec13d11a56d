"""Record the Agno ``Team`` of ``record_agno_team.py`` traced by OpenLLMetry: its Agno and OpenAI
instrumentations both, as ``traceloop-sdk`` sets them up.

Run: ``python tests/clients/record_agno_team_openllmetry.py`` (creates its own venv).
The team, its members, the scripted delegations and the two runs are ``record_agno_team.py``'s; the
pins are ``record_agno_openllmetry.py``'s (OpenLLMetry's ``AgnoInstrumentor``, which wraps the agent
and team runs and the tools, and ``OpenAIInstrumentor``, the openai client's calls) on the plain
OpenTelemetry SDK.
"""

from __future__ import annotations

from pathlib import Path

from record_agno_openllmetry import OPENINFERENCE_SETUP, OPENLLMETRY_SETUP
from record_agno_openllmetry import PACKAGES as OPENLLMETRY_PACKAGES
from record_agno_team import AGENT as OPENINFERENCE_AGENT
from record_agno_team import TOOL_ANSWERS
from recording import Recording, installed_versions, openai_env, otel_env, recorder_main

NAME = "agno_team_openllmetry"
#: The agno_openllmetry recording's pins, with the openai version it recorded.
PACKAGES = [p if p != "openai" else "openai==3.63.0" for p in OPENLLMETRY_PACKAGES]
AGENT = OPENINFERENCE_AGENT.replace(OPENINFERENCE_SETUP, OPENLLMETRY_SETUP)
assert AGENT != OPENINFERENCE_AGENT and "openinference" not in AGENT


def record(python: Path) -> None:
    with Recording(NAME, tool_answers=TOOL_ANSWERS) as rec:
        env = otel_env(rec.cap.url, service_name="agno-team-openllmetry-recording")
        env |= openai_env(rec) | {"AGNO_TELEMETRY": "false"}
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error", refuse_offering="get_weather")
        rec.save(
            packages=installed_versions(python, ["agno", "opentelemetry-instrumentation-agno",
                                                 "opentelemetry-instrumentation-openai", "openai",
                                                 "opentelemetry-sdk"]),
            env=env,
            recorder=Path(__file__).name,
            notes=[
                "The agno_team Team ('Weather Team', coordinate mode, OpenAIChat gpt-4o-mini) of 'Weather Agent' "
                "(tool get_weather) and 'Writer Agent'; OpenLLMetry's Agno and OpenAI instrumentors, as "
                "Traceloop.init() sets them up; Agno telemetry off.",
                "The fake LLM's scripted tool answers (fakellm_tool_answers): the leader's first call gets "
                "delegate_task_to_member(member_id='weather-agent'), its second the same for 'writer-agent'.",
                "error run: only the requests offering get_weather (the weather agent's) are refused (HTTP 400); "
                "the leader's and the writer's calls are answered as in the ok run.",
            ],
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
