"""Record CrewAI on Anthropic (its native Anthropic provider) traced by OpenLLMetry, as ``traceloop-sdk`` sets it up.

Run: ``python tests/clients/record_crewai_anthropic_openllmetry.py`` (creates its own venv).
The crew of ``record_crewai_anthropic.py`` (one agent with the ``get_weather``
tool in a one-task crew on ``LLM(model="anthropic/claude-sonnet-4-5")``, CrewAI's
own provider on the anthropic SDK the ``crewai[anthropic]`` extra pins) with
OpenLLMetry's ``CrewAIInstrumentor`` and ``AnthropicInstrumentor`` instead of
OpenInference's, on the plain OpenTelemetry SDK: the set-up where one call
could be reported twice. CrewAI's own telemetry and its tracing prompt are
switched off (they would leave the host).
"""

from __future__ import annotations

from pathlib import Path

from record_crewai_anthropic import AGENT_BASE, MODEL, VERSIONS, crewai_anthropic_env
from recording import OTEL_SDK_PACKAGES, record_turns, recorder_main

NAME = "crewai_anthropic_openllmetry"
PACKAGES = ["crewai[anthropic]==1.15.44", "opentelemetry-instrumentation-crewai==0.62.4",
            "opentelemetry-instrumentation-anthropic==0.62.4", *OTEL_SDK_PACKAGES]

_OPENINFERENCE = (
    "from openinference.instrumentation.crewai import CrewAIInstrumentor\n"
    "from openinference.instrumentation.litellm import LiteLLMInstrumentor\n"
    "from openinference.instrumentation.openai import OpenAIInstrumentor\n\n"
    "CrewAIInstrumentor().instrument(tracer_provider=tracer_provider, skip_dep_check=True)\n"
    "LiteLLMInstrumentor().instrument(tracer_provider=tracer_provider)\n"
    "OpenAIInstrumentor().instrument(tracer_provider=tracer_provider)\n")
assert _OPENINFERENCE in AGENT_BASE
AGENT = AGENT_BASE.replace(
    _OPENINFERENCE,
    "from opentelemetry.instrumentation.crewai import CrewAIInstrumentor\n"
    "from opentelemetry.instrumentation.anthropic import AnthropicInstrumentor\n\n"
    "CrewAIInstrumentor().instrument()\nAnthropicInstrumentor().instrument()\n")
assert "openinference" not in AGENT


def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name,
                 versions=[*VERSIONS, "opentelemetry-instrumentation-crewai", "opentelemetry-instrumentation-anthropic"],
                 notes=[f"The crewai crew (one agent, one tool, one task) on LLM(model={MODEL!r}): CrewAI's native "
                        "Anthropic provider (anthropic SDK, not streamed); OpenLLMetry's CrewAI and Anthropic "
                        "instrumentors, as Traceloop.init() sets them up."],
                 client_env=crewai_anthropic_env)


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
