"""Record the OpenAI Agents SDK traced by OpenLLMetry, exported as OTLP/HTTP protobuf.

Run: ``python tests/clients/record_openai_agents_openllmetry.py`` (creates its own venv).
The agent of ``record_openai_agents.py`` (the SDK's default model API,
Responses, against the fake LLM; the SDK's own trace upload switched off),
traced by the two instrumentations OpenLLMetry's ``traceloop-sdk`` sets up for
it: ``opentelemetry-instrumentation-openai-agents`` (the SDK's agent, model
and tool spans) and ``opentelemetry-instrumentation-openai`` (the OpenAI
client's spans), so each model call may be reported twice.
"""

from __future__ import annotations

from pathlib import Path

from record_openai_agents import AGENT as OPENINFERENCE_AGENT
from recording import OTEL_SDK_PACKAGES, record_turns, recorder_main

NAME = "openai_agents_openllmetry"
OPENLLMETRY = "0.62.4"
PACKAGES = [
    "openai-agents==0.25.0",
    f"opentelemetry-instrumentation-openai-agents=={OPENLLMETRY}",
    f"opentelemetry-instrumentation-openai=={OPENLLMETRY}",
    *OTEL_SDK_PACKAGES,
]

# The same agent, instrumented as Traceloop.init() does: both OpenLLMetry instrumentors.
OPENINFERENCE_SETUP = '''from openinference.instrumentation.openai_agents import OpenAIAgentsInstrumentor

# Drop the SDK's default processor (it uploads to the vendor); OpenInference adds its own.
set_trace_processors([])
OpenAIAgentsInstrumentor().instrument(tracer_provider=tracer_provider)
'''
OPENLLMETRY_SETUP = '''from opentelemetry.instrumentation.openai_agents import OpenAIAgentsInstrumentor
from opentelemetry.instrumentation.openai import OpenAIInstrumentor

# Drop the SDK's default processor (it uploads to the vendor); OpenLLMetry adds its own.
set_trace_processors([])
OpenAIAgentsInstrumentor().instrument(tracer_provider=tracer_provider)
OpenAIInstrumentor().instrument(tracer_provider=tracer_provider)
'''
AGENT = OPENINFERENCE_AGENT.replace(OPENINFERENCE_SETUP, OPENLLMETRY_SETUP)
assert AGENT != OPENINFERENCE_AGENT


def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name,
                 versions=[p.split("==")[0] for p in PACKAGES] + ["openai", "opentelemetry-semantic-conventions-ai"],
                 notes=["Responses API (the SDK default); the SDK's own trace upload is disabled; OpenLLMetry's "
                        "openai-agents and openai instrumentations both on (as traceloop-sdk sets them up); "
                        "content traced (OpenLLMetry's default); traces only: the openai instrumentation records no "
                        "metrics for the Responses API, the openai-agents one none at all."])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
