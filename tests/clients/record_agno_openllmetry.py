"""Record Agno traced by OpenLLMetry: its Agno and OpenAI instrumentations both, as ``traceloop-sdk`` sets them up.

Run: ``python tests/clients/record_agno_openllmetry.py`` (creates its own venv).
The agent of ``record_agno.py`` (an ``Agent`` with the ``get_weather`` tool on
``OpenAIChat``, chat completions, against the fake LLM; Agno's telemetry off)
with OpenLLMetry's ``AgnoInstrumentor`` (agent, model and tool spans) and
``OpenAIInstrumentor`` (the openai client Agno calls) on the plain
OpenTelemetry SDK: the set-up where one model call could be reported twice.
"""

from __future__ import annotations

from pathlib import Path

from record_agno import AGENT as OPENINFERENCE_AGENT
from record_agno import PACKAGES as OPENINFERENCE_PACKAGES
from recording import OTEL_SDK_PACKAGES, openai_env, record_turns, recorder_main

NAME = "agno_openllmetry"
OPENLLMETRY = "0.62.4"
PACKAGES = [
    *(p for p in OPENINFERENCE_PACKAGES if p.startswith("agno")),
    "openai",
    f"opentelemetry-instrumentation-agno=={OPENLLMETRY}",
    f"opentelemetry-instrumentation-openai=={OPENLLMETRY}",
    *OTEL_SDK_PACKAGES,
]

OPENINFERENCE_SETUP = '''from openinference.instrumentation.agno import AgnoInstrumentor

AgnoInstrumentor().instrument(tracer_provider=tracer_provider)
'''
OPENLLMETRY_SETUP = '''from opentelemetry.instrumentation.agno import AgnoInstrumentor
from opentelemetry.instrumentation.openai import OpenAIInstrumentor

AgnoInstrumentor().instrument(tracer_provider=tracer_provider)
OpenAIInstrumentor().instrument(tracer_provider=tracer_provider)
'''
AGENT = OPENINFERENCE_AGENT.replace(OPENINFERENCE_SETUP, OPENLLMETRY_SETUP)
assert AGENT != OPENINFERENCE_AGENT and "openinference" not in AGENT


def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name,
                 versions=["agno", "opentelemetry-instrumentation-agno", "opentelemetry-instrumentation-openai",
                           "openai", "opentelemetry-sdk"],
                 notes=["The agno agent (one tool, OpenAIChat chat completions); OpenLLMetry's Agno and OpenAI "
                        "instrumentors, as Traceloop.init() sets them up; Agno telemetry off."],
                 client_env=lambda rec: openai_env(rec) | {"AGNO_TELEMETRY": "false"})


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
