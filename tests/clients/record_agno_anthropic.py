"""Record Agno (an ``Agent`` with one tool) on Anthropic (``agno.models.anthropic.Claude``) traced by OpenInference.

Run: ``python tests/clients/record_agno_anthropic.py`` (creates its own venv).
The agent of ``record_agno.py`` with ``Claude(id="claude-sonnet-4-5")`` as its
model, on the Messages API of the fake LLM (``ANTHROPIC_BASE_URL``);
``AgnoInstrumentor`` exports its spans with the OTel SDK over OTLP/HTTP
protobuf. Anthropic reports its cache reads and writes beside
``input_tokens`` (not in it): what matters is how Agno passes them on. The
anthropic SDK (2.x) also traces each call itself through the global tracer
provider.
"""

from __future__ import annotations

from pathlib import Path

from record_agno import AGENT as AGNO_AGENT
from record_langchain_anthropic_openinference import anthropic_env
from recording import OTEL_SDK_PACKAGES, record_turns, recorder_main

NAME = "agno_anthropic"
PACKAGES = ["agno==3.1.10", "anthropic", "openinference-instrumentation-agno==1.0.15", *OTEL_SDK_PACKAGES]
MODEL = "claude-sonnet-4-5"

# The agent of record_agno.py on Anthropic: only the model differs.
OPENAI_MODEL = 'OpenAIChat(id="gpt-4o-mini", base_url=os.environ["OPENAI_BASE_URL"], max_retries=0)'
AGENT = (AGNO_AGENT.replace("from agno.models.openai import OpenAIChat", "from agno.models.anthropic import Claude")
         .replace(OPENAI_MODEL, f'Claude(id="{MODEL}", client_params={{"max_retries": 0}})'))
assert "OpenAIChat" not in AGENT


def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name,
                 versions=["agno", "openinference-instrumentation-agno", "anthropic", "opentelemetry-sdk"],
                 notes=[f"Agent with one tool, Claude(id={MODEL!r}) (Messages API) at the fake LLM through "
                        "ANTHROPIC_BASE_URL; Agno telemetry off."],
                 client_env=lambda rec: anthropic_env(rec) | {"AGNO_TELEMETRY": "false"})


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
