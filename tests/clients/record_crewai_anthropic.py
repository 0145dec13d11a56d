"""Record CrewAI on Anthropic (its native Anthropic provider) traced by OpenInference.

Run: ``python tests/clients/record_crewai_anthropic.py`` (creates its own venv).
The crew of ``record_crewai.py`` (one agent with the ``get_weather`` tool in a
one-task crew) on ``LLM(model="anthropic/claude-sonnet-4-5")``: CrewAI of this
version calls Anthropic models through its own provider on the anthropic SDK
(the ``crewai[anthropic]`` extra), not through LiteLLM, so OpenInference's
CrewAI instrumentor is paired with its Anthropic one for the model calls.
The SDK finds the fake LLM's Messages API by ``ANTHROPIC_BASE_URL``. Anthropic
reports its cache reads and writes beside ``input_tokens``: what matters is
that the monitor counts each call and its cache once. CrewAI's own telemetry
and its tracing prompt are switched off (they would leave the host).
"""

from __future__ import annotations

from pathlib import Path

from record_crewai import AGENT as CREWAI_AGENT
from recording import FAKE_KEY, OTEL_SDK_PACKAGES, Recording, record_turns, recorder_main

NAME = "crewai_anthropic"
PACKAGES = [
    "crewai[anthropic]==1.15.44",
    "openinference-instrumentation-crewai==1.1.21",
    # The newest that instruments the anthropic SDK crewai[anthropic] pins (~=0.73.0): 1.x wants >= 0.84, 2.x >= 1.0.
    "openinference-instrumentation-anthropic==0.1.20",
    # 0.1.20 calls wrapt's wrap_function_wrapper(module=...), a keyword wrapt 2 renamed.
    "wrapt==1.17.3",
    *OTEL_SDK_PACKAGES,
]
MODEL = "anthropic/claude-sonnet-4-5"

_OPENINFERENCE = (
    "from openinference.instrumentation.crewai import CrewAIInstrumentor\n"
    "from openinference.instrumentation.litellm import LiteLLMInstrumentor\n"
    "from openinference.instrumentation.openai import OpenAIInstrumentor\n\n"
    "CrewAIInstrumentor().instrument(tracer_provider=tracer_provider, skip_dep_check=True)\n"
    "LiteLLMInstrumentor().instrument(tracer_provider=tracer_provider)\n"
    "OpenAIInstrumentor().instrument(tracer_provider=tracer_provider)\n")
_LLM = 'llm = LLM(model="gpt-4o-mini", max_retries=0)'
assert _OPENINFERENCE in CREWAI_AGENT and _LLM in CREWAI_AGENT
#: The crew of record_crewai.py with the model, and the instrumentor of the SDK that calls it, swapped.
AGENT_BASE = CREWAI_AGENT.replace(_LLM, f'llm = LLM(model="{MODEL}", max_retries=0)')
AGENT = AGENT_BASE.replace(
    _OPENINFERENCE,
    "from openinference.instrumentation.crewai import CrewAIInstrumentor\n"
    "from openinference.instrumentation.anthropic import AnthropicInstrumentor\n\n"
    "CrewAIInstrumentor().instrument(tracer_provider=tracer_provider, skip_dep_check=True)\n"
    "AnthropicInstrumentor().instrument(tracer_provider=tracer_provider)\n")

#: The packages whose installed versions the manifest names.
VERSIONS = ["crewai", "anthropic", "opentelemetry-sdk"]


def crewai_anthropic_env(rec: Recording) -> dict[str, str]:
    """The fake LLM for the anthropic SDK, CrewAI's telemetry and tracing prompt off (they would leave the host)."""
    return {"ANTHROPIC_BASE_URL": rec.llm.url, "ANTHROPIC_API_KEY": FAKE_KEY, "CREWAI_DISABLE_TELEMETRY": "true",
            "OTEL_SDK_DISABLED": "false", "CREWAI_TRACING_ENABLED": "false", "CREWAI_DISABLE_TRACKING": "true"}


def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name,
                 versions=[*VERSIONS, "openinference-instrumentation-crewai", "openinference-instrumentation-anthropic"],
                 notes=[f"The crewai crew (one agent, one tool, one task) on LLM(model={MODEL!r}): CrewAI's native "
                        "Anthropic provider (anthropic SDK, not streamed); OpenInference's CrewAI and Anthropic "
                        "instrumentors."],
                 client_env=crewai_anthropic_env)


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
