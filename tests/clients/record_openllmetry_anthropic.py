"""Record OpenLLMetry's Anthropic instrumentation (Traceloop's ``opentelemetry-instrumentation-anthropic``).

Run: ``python tests/clients/record_openllmetry_anthropic.py`` (creates its own venv).
The hand-written Messages API tool loop of ``record_anthropic.py`` (call 1
plain, call 2 streaming), traced by the instrumentation ``traceloop-sdk``
installs for Anthropic, on the plain OpenTelemetry SDK. Anthropic reports its
cache reads and writes beside ``input_tokens`` (not in it): what matters is
how this instrumentation passes them on.
"""

from __future__ import annotations

from pathlib import Path

from record_anthropic import AGENT as ANTHROPIC_AGENT
from recording import FAKE_KEY, OTEL_SDK_PACKAGES, record_turns, recorder_main

NAME = "openllmetry_anthropic"
PACKAGES = ["anthropic", "opentelemetry-instrumentation-anthropic==0.62.4", *OTEL_SDK_PACKAGES]

# The same loop, instrumented by OpenLLMetry's AnthropicInstrumentor instead of OpenInference's.
AGENT = ANTHROPIC_AGENT.replace("from openinference.instrumentation.anthropic import AnthropicInstrumentor",
                                "from opentelemetry.instrumentation.anthropic import AnthropicInstrumentor").replace(
    "AnthropicInstrumentor().instrument(tracer_provider=tracer_provider)", "AnthropicInstrumentor().instrument()")
assert "opentelemetry.instrumentation.anthropic" in AGENT and "tracer_provider=tracer_provider" not in AGENT



def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name,
                 versions=["anthropic", "opentelemetry-instrumentation-anthropic",
                           "opentelemetry-semantic-conventions-ai", "opentelemetry-sdk"],
                 notes=["Call 1 non-streaming, call 2 streaming (messages.create(stream=True)); content traced "
                        "(OpenLLMetry's default)."],
                 client_env=lambda rec: {"ANTHROPIC_BASE_URL": rec.llm.url, "ANTHROPIC_API_KEY": FAKE_KEY})


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
