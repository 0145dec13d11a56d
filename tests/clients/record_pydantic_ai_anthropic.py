"""Record pydantic-ai's built-in OpenTelemetry instrumentation with an Anthropic model.

Run: ``python tests/clients/record_pydantic_ai_anthropic.py`` (creates its own venv).
The agent turn of ``record_pydantic_ai.py`` (``Agent.instrument_all()``, the
OTel SDK exporting traces, logs and metrics as OTLP/HTTP protobuf) with
``AnthropicModel`` on the Messages API instead of OpenAI chat completions.
Anthropic reports its cache reads and writes beside ``input_tokens`` (not in
it): what matters is how pydantic-ai passes them on and prices them.
"""

from __future__ import annotations

from pathlib import Path

from record_pydantic_ai import agent_source
from recording import FAKE_KEY, OTEL_SDK_PACKAGES, record_turns, recorder_main

NAME = "pydantic_ai_anthropic"
PACKAGES = ["pydantic-ai-slim[anthropic]==2.78.0", *OTEL_SDK_PACKAGES]

AGENT = agent_source(
    'AnthropicModel("claude-sonnet-4-5", provider=AnthropicProvider(\n'
    '    base_url=os.environ["ANTHROPIC_BASE_URL"], api_key=os.environ["ANTHROPIC_API_KEY"]))',
    imports="import os\nfrom pydantic_ai.models.anthropic import AnthropicModel\n"
    "from pydantic_ai.providers.anthropic import AnthropicProvider\n",
)


def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name,
                 versions=["pydantic-ai-slim", "anthropic", "opentelemetry-sdk", "opentelemetry-api"],
                 notes=["AnthropicModel('claude-sonnet-4-5') with an AnthropicProvider given the fake LLM's URL; "
                        "default InstrumentationSettings."],
                 client_env=lambda rec: {"ANTHROPIC_BASE_URL": rec.llm.url, "ANTHROPIC_API_KEY": FAKE_KEY},
                 signals=("traces", "logs", "metrics"))


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
