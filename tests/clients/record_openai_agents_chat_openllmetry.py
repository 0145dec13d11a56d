"""Record the OpenAI Agents SDK on a Chat Completions model traced by OpenLLMetry, as OTLP/HTTP protobuf.

Run: ``python tests/clients/record_openai_agents_chat_openllmetry.py`` (creates its own venv).
The agent of ``record_openai_agents_openllmetry.py`` (same pinned versions,
both of OpenLLMetry's instrumentations on as ``traceloop-sdk`` sets them up)
with ``OpenAIChatCompletionsModel(model="gpt-4.1-mini", openai_client=AsyncOpenAI(base_url=...))``
as its model: how users run the SDK on any OpenAI-compatible provider. Each
model call is a Chat Completions request, seen by the SDK's generation span
(the openai-agents instrumentation) and by the OpenAI client's chat span (the
openai instrumentation), so each may be reported twice.
"""

from __future__ import annotations

from pathlib import Path

from record_openai_agents_openllmetry import AGENT as RESPONSES_AGENT
from record_openai_agents_openllmetry import PACKAGES
from recording import record_turns, recorder_main

NAME = "openai_agents_chat_openllmetry"

#: What turns a Responses agent of the SDK into a Chat Completions one: the model object users
#: pass for an OpenAI-compatible provider (its client pointed at the provider's base URL).
CHAT_IMPORTS = "import os, sys\nfrom openai import AsyncOpenAI\nfrom agents import OpenAIChatCompletionsModel\n"
CHAT_MODEL = ('model=OpenAIChatCompletionsModel(model="gpt-4.1-mini",\n'
              '                                     openai_client=AsyncOpenAI(base_url=os.environ["OPENAI_BASE_URL"])),')
_RESPONSES_MODEL = 'model="gpt-4.1-mini",'


def on_chat_completions(agent: str) -> str:
    """``agent`` (an SDK agent script of ``record_openai_agents*.py``) on ``OpenAIChatCompletionsModel``."""
    assert agent.count("import sys\n") == 1 and agent.count(_RESPONSES_MODEL) == 1
    return agent.replace("import sys\n", CHAT_IMPORTS, 1).replace(_RESPONSES_MODEL, CHAT_MODEL, 1)


AGENT = on_chat_completions(RESPONSES_AGENT)


def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name,
                 versions=[p.split("==")[0] for p in PACKAGES] + ["openai", "opentelemetry-semantic-conventions-ai"],
                 notes=["OpenAIChatCompletionsModel(model='gpt-4.1-mini', openai_client=AsyncOpenAI(base_url=<fake>)) "
                        "(Chat Completions, not streamed); the SDK's own trace upload is disabled; OpenLLMetry's "
                        "openai-agents and openai instrumentations both on (as traceloop-sdk sets them up); content "
                        "traced (OpenLLMetry's default); traces only."])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
