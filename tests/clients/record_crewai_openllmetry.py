"""Record CrewAI traced by OpenLLMetry: its CrewAI and OpenAI instrumentations both, as ``traceloop-sdk`` sets them up.

Run: ``python tests/clients/record_crewai_openllmetry.py`` (creates its own venv).
The crew of ``record_crewai.py`` (one agent with the ``get_weather`` tool in a
one-task crew, on ``gpt-4o-mini``, against the fake LLM) with OpenLLMetry's
``CrewAIInstrumentor`` (crew, agent, task, tool and LLM spans) and
``OpenAIInstrumentor`` (CrewAI of this version calls OpenAI models through the
openai SDK, not LiteLLM; OpenLLMetry has no LiteLLM instrumentation) on the
plain OpenTelemetry SDK: the set-up where one call could be reported twice.
CrewAI's own telemetry and its tracing prompt are switched off (they would
leave the host); ``OTEL_SDK_DISABLED`` is left unset so the SDK stays on.
"""

from __future__ import annotations

from pathlib import Path

from record_crewai import AGENT as CREWAI_AGENT
from recording import OTEL_SDK_PACKAGES, openai_env, record_turns, recorder_main

NAME = "crewai_openllmetry"
PACKAGES = ["crewai==1.15.44", "opentelemetry-instrumentation-crewai==0.62.4",
            "opentelemetry-instrumentation-openai==0.62.4", *OTEL_SDK_PACKAGES]

_OPENINFERENCE = (
    "from openinference.instrumentation.crewai import CrewAIInstrumentor\n"
    "from openinference.instrumentation.litellm import LiteLLMInstrumentor\n"
    "from openinference.instrumentation.openai import OpenAIInstrumentor\n\n"
    "CrewAIInstrumentor().instrument(tracer_provider=tracer_provider, skip_dep_check=True)\n"
    "LiteLLMInstrumentor().instrument(tracer_provider=tracer_provider)\n"
    "OpenAIInstrumentor().instrument(tracer_provider=tracer_provider)\n")
AGENT = CREWAI_AGENT.replace(
    _OPENINFERENCE,
    "from opentelemetry.instrumentation.crewai import CrewAIInstrumentor\n"
    "from opentelemetry.instrumentation.openai import OpenAIInstrumentor\n\n"
    "CrewAIInstrumentor().instrument()\nOpenAIInstrumentor().instrument()\n")
assert "from opentelemetry.instrumentation.crewai import" in AGENT and "openinference" not in AGENT


def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name,
                 versions=["crewai", "opentelemetry-instrumentation-crewai", "opentelemetry-instrumentation-openai",
                           "openai", "opentelemetry-sdk"],
                 notes=["The crewai crew (one agent, one tool, one task); OpenLLMetry's CrewAI and OpenAI "
                        "instrumentors, as Traceloop.init() sets them up."],
                 client_env=lambda rec: openai_env(rec) | {
                     "OPENAI_API_BASE": rec.llm.openai_base_url, "CREWAI_DISABLE_TELEMETRY": "true",
                     "CREWAI_TRACING_ENABLED": "false", "CREWAI_DISABLE_TRACKING": "true"})


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
