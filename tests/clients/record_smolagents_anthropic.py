"""Record smolagents on an Anthropic model through LiteLLM, traced by OpenInference.

Run: ``python tests/clients/record_smolagents_anthropic.py`` (creates its own venv).
The agent of ``record_smolagents.py`` (a ``ToolCallingAgent`` with one tool) on
``LiteLLMModel(model_id="anthropic/claude-sonnet-4-5")``, its ``api_base`` the
fake LLM's Messages API. Anthropic reports its cache reads and writes beside
``input_tokens``; LiteLLM turns that into an OpenAI-shaped usage
(``prompt_tokens`` with the cache in), which smolagents reads for its own
token counts: what matters is that each call's cache is counted once and priced
at Anthropic's cache prices.

Two fixture folders come out:

* ``fixtures/smolagents_anthropic/``: OpenInference's ``SmolagentsInstrumentor``
  alone, as smolagents' documentation sets it up;
* ``fixtures/smolagents_anthropic_litellm/``: the same with OpenInference's
  ``LiteLLMInstrumentor`` too, so each model call has smolagents' span and
  LiteLLM's span under it.
"""

from __future__ import annotations

from pathlib import Path

from recording import FAKE_KEY, OTEL_SDK_PACKAGES, OTEL_SDK_SETUP, Recording, guarded, record_turns, recorder_main

NAME = "smolagents_anthropic"
STACKED = "smolagents_anthropic_litellm"
# smolagents and its instrumentor as record_smolagents.py pins them; LiteLLM and its instrumentor
# as record_litellm_anthropic.py pins them.
PACKAGES = ["smolagents[litellm]==1.26.0", "openinference-instrumentation-smolagents==0.1.43", "litellm==1.110.2",
            "openinference-instrumentation-litellm==0.1.51", *OTEL_SDK_PACKAGES]
MODEL = "anthropic/claude-sonnet-4-5"

_INSTRUMENT = '''
from openinference.instrumentation.smolagents import SmolagentsInstrumentor

SmolagentsInstrumentor().instrument(tracer_provider=tracer_provider)
'''
_INSTRUMENT_LITELLM = '''
from openinference.instrumentation.litellm import LiteLLMInstrumentor

LiteLLMInstrumentor().instrument(tracer_provider=tracer_provider)
'''
_AGENT = f'''
import os, sys
from smolagents import LiteLLMModel, ToolCallingAgent, tool


@tool
def get_weather(city: str) -> str:
    """Get the current weather for a city.

    Args:
        city: The city.
    """
    return f"Sunny, 22 C in {{city}}"


model = LiteLLMModel(model_id="{MODEL}", api_base=os.environ["FAKE_ANTHROPIC_BASE_URL"],
                     api_key=os.environ["FAKE_ANTHROPIC_API_KEY"], num_retries=0)
agent = ToolCallingAgent(tools=[get_weather], model=model, max_steps=3, verbosity_level=0)
''' + guarded('''
print("FINAL:", agent.run("What is the weather in Paris?"))
''')
AGENT = OTEL_SDK_SETUP + _INSTRUMENT + _AGENT
AGENT_STACKED = OTEL_SDK_SETUP + _INSTRUMENT + _INSTRUMENT_LITELLM + _AGENT

VERSIONS = ["smolagents", "openinference-instrumentation-smolagents", "litellm", "opentelemetry-sdk"]
NOTE = (f"ToolCallingAgent with one tool, LiteLLMModel({MODEL!r}, api_base=<fake Messages API>), max_steps 3")


def fake_anthropic(rec: Recording) -> dict[str, str]:
    """Passed to LiteLLMModel as api_base/api_key (LiteLLM appends /v1/messages); LiteLLM is told to
    use its bundled price map so it does not fetch one at import."""
    return {"FAKE_ANTHROPIC_BASE_URL": rec.llm.url, "FAKE_ANTHROPIC_API_KEY": FAKE_KEY,
            "LITELLM_LOCAL_MODEL_COST_MAP": "True"}


def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name, client_env=fake_anthropic, versions=VERSIONS,
                 notes=[f"{NOTE}; OpenInference's SmolagentsInstrumentor."])
    record_turns(STACKED, python, AGENT_STACKED, recorder=Path(__file__).name, client_env=fake_anthropic,
                 versions=[*VERSIONS, "openinference-instrumentation-litellm"],
                 notes=[f"{NOTE}; OpenInference's SmolagentsInstrumentor and LiteLLMInstrumentor."])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
