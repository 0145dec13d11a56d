"""Record Strands Agents (OpenAI model provider) with OpenInference's Strands span processor.

Run: ``python tests/clients/record_strands_openinference.py`` (creates its own venv).
The agent of ``record_strands.py`` (StrandsTelemetry's OTLP exporters), with
``StrandsAgentsToOpenInferenceProcessor`` from
``openinference-instrumentation-strands-agents`` added to Strands' tracer
provider. The processor makes no spans of its own: when a Strands span ends it
rewrites it in place, adding OpenInference's attributes
(``openinference.span.kind``, ``llm.token_count.*``, ``input.value``,
``llm.input_messages.*`` ...) beside Strands' own GenAI ones, so each exported
span carries both conventions. Its README asks for it to be added before the
exporter's processor (it mutates the span the exporter then reads), so it is
added right after ``StrandsTelemetry()`` and before ``setup_otlp_exporter()``.
"""

from __future__ import annotations

from pathlib import Path

from record_strands import AGENT as STRANDS_AGENT
from recording import FAKE_KEY, Recording, installed_versions, otel_env, recorder_main

NAME = "strands_openinference"
# The OpenTelemetry pins are what strands-agents 1.62.0 alone resolved to (1.65.0 alone now gets SDK 1.45.2,
# threading 0.66b2; the pins kept, they install beside it): with the processor added and them left open,
# pip backtracks opentelemetry-instrumentation-threading down to 0.51b0 and gives up
# (ResolutionImpossible on opentelemetry-semantic-conventions).
PACKAGES = ["strands-agents[openai,otel]==1.65.0", "openinference-instrumentation-strands-agents==0.1.12",
            "opentelemetry-sdk==1.45.1", "opentelemetry-instrumentation-threading==0.66b1"]

_TELEMETRY = "telemetry = StrandsTelemetry()\n"
_WITH_PROCESSOR = '''telemetry = StrandsTelemetry()
from openinference.instrumentation.strands_agents import StrandsAgentsToOpenInferenceProcessor

# Before the exporter's processor: it rewrites each span in place when it ends.
telemetry.tracer_provider.add_span_processor(StrandsAgentsToOpenInferenceProcessor())
'''
assert STRANDS_AGENT.count(_TELEMETRY) == 1, "record_strands.AGENT no longer sets up StrandsTelemetry as expected"
AGENT = STRANDS_AGENT.replace(_TELEMETRY, _WITH_PROCESSOR)


def record(python: Path) -> None:
    versions = installed_versions(python, ["strands-agents", "openinference-instrumentation-strands-agents",
                                           "openinference-instrumentation", "openai", "opentelemetry-sdk"])
    with Recording(NAME) as rec:
        env = otel_env(rec.cap.url, service_name="strands-openinference-recording", signals=("traces", "metrics"))
        env |= {"OPENAI_BASE_URL": rec.llm.openai_base_url, "OPENAI_API_KEY": FAKE_KEY}
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error")
        rec.save(packages=versions, env=env, recorder=Path(__file__).name,
                 notes=["OpenAI model provider (streaming chat completions) via StrandsTelemetry's OTLP exporters, "
                        "with OpenInference's StrandsAgentsToOpenInferenceProcessor added to Strands' tracer "
                        "provider before the exporter: each span carries GenAI and OpenInference attributes."])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
