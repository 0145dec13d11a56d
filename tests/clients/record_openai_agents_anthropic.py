"""Record the OpenAI Agents SDK on an Anthropic model through ``LitellmModel``, traced by OpenInference.

Run: ``python tests/clients/record_openai_agents_anthropic.py`` (creates its own venv).
The agent of ``record_openai_agents.py`` with
``LitellmModel(model="anthropic/claude-sonnet-4-5", base_url=<fake LLM>, api_key=...)``
as its model (the ``openai-agents[litellm]`` extra): LiteLLM calls the fake
LLM's Messages API, where Anthropic reports its cache reads and writes beside
``input_tokens`` (not in it). LiteLLM folds both into ``prompt_tokens``; the
SDK's ``Usage`` keeps them as ``input_tokens_details.cached_tokens`` and
``cache_write_tokens`` and puts them in its generation span's ``usage``: what
matters is what of that OpenInference passes on.
"""

from __future__ import annotations

from pathlib import Path

from record_openai_agents import AGENT as AGENTS_AGENT
from record_openai_agents import PACKAGES as AGENTS_PACKAGES
from recording import FAKE_KEY, Recording, record_turns, recorder_main

NAME = "openai_agents_anthropic"
PACKAGES = [p.replace("openai-agents==", "openai-agents[litellm]==") if p.startswith("openai-agents==") else p
            for p in AGENTS_PACKAGES] + ["litellm==1.110.2"]
MODEL = "anthropic/claude-sonnet-4-5"

# The agent of record_openai_agents.py on Anthropic: only the model differs.
_OPENAI_MODEL = 'model="gpt-4.1-mini",'
assert _OPENAI_MODEL in AGENTS_AGENT
AGENT = (AGENTS_AGENT.replace("import sys\n", "import os, sys\nfrom agents.extensions.models.litellm_model import LitellmModel\n", 1)
         .replace(_OPENAI_MODEL, f'model=LitellmModel(model="{MODEL}", base_url=os.environ["FAKE_ANTHROPIC_BASE_URL"],\n'
                                 '                       api_key=os.environ["FAKE_ANTHROPIC_API_KEY"]),'))
assert "gpt-4.1-mini" not in AGENT and "LitellmModel(" in AGENT


def fake_anthropic(rec: Recording) -> dict[str, str]:
    """Passed to LitellmModel as base_url/api_key (LiteLLM appends /v1/messages); LiteLLM is told to use its
    bundled price map so it does not fetch one at import."""
    return {"FAKE_ANTHROPIC_BASE_URL": rec.llm.url, "FAKE_ANTHROPIC_API_KEY": FAKE_KEY,
            "LITELLM_LOCAL_MODEL_COST_MAP": "True"}


def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name,
                 versions=["openai-agents", "openinference-instrumentation-openai-agents", "litellm", "openai",
                           "opentelemetry-sdk"],
                 notes=[f"Agent with one tool, LitellmModel(model={MODEL!r}, base_url=<fake>) (Messages API, not "
                        "streamed); the SDK's own trace upload is disabled."],
                 client_env=fake_anthropic)


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
