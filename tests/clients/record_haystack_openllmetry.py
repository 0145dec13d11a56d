"""Record Haystack traced by OpenLLMetry: its Haystack and OpenAI instrumentations both, as ``traceloop-sdk`` sets them up.

Run: ``python tests/clients/record_haystack_openllmetry.py`` (creates its own venv).
The agent of ``record_haystack.py`` (an ``Agent`` with the ``get_weather``
``@tool`` on ``OpenAIChatGenerator``, chat completions, against the fake LLM)
with OpenLLMetry's ``HaystackInstrumentor`` and ``OpenAIInstrumentor`` on the
plain OpenTelemetry SDK instead of OpenInference's instrumentor.

Haystack 2, not 3: the instrumentor (0.62.4) wraps ``OpenAIGenerator.run``,
which Haystack 3 removed, so on haystack-ai 3.4.1 ``instrument()`` raises
``wrapt.exceptions.TargetModuleNotFoundError: unable to import module
'haystack.components.generators.openai'`` and nothing is traced; 2.31.0 is the
last Haystack 2.  The instrumentor patches ``OpenAIChatGenerator.run`` and
``Pipeline.run`` on their classes, by module path, so the import order of
``record_haystack.py`` does not change what it traces (its source).

Haystack 2 also traces itself to OpenTelemetry: ``haystack.tracing`` turns
its own tracer on at import when a recording tracer provider is already set
(as here: the SDK is set up first), so three reporters meet: Haystack's
``haystack.agent.run`` and ``haystack.component.run`` spans (no usage, no
text: its content tracing is off by default), OpenLLMetry's
``haystack.openai.chat`` span of each generator run (no model, no usage, the
answer dict's key ``replies`` as its completion) and the OpenAI client's
``openai.chat`` span inside it (model, usage, messages).  Each process also
sends two one-span traces from that import, ``haystack.tracing.auto_enable``,
the first failed with an ImportError (Haystack's circular import, caught).
"""

from __future__ import annotations

from pathlib import Path

from record_haystack import AGENT as OPENINFERENCE_AGENT
from recording import OTEL_SDK_PACKAGES, record_turns, recorder_main

NAME = "haystack_openllmetry"
OPENLLMETRY = "0.62.4"
PACKAGES = [
    "haystack-ai==2.31.0",
    f"opentelemetry-instrumentation-haystack=={OPENLLMETRY}",
    f"opentelemetry-instrumentation-openai=={OPENLLMETRY}",
    *OTEL_SDK_PACKAGES,
]

OPENINFERENCE_SETUP = '''from openinference.instrumentation.haystack import HaystackInstrumentor

HaystackInstrumentor().instrument(tracer_provider=tracer_provider)
'''
OPENLLMETRY_SETUP = '''from opentelemetry.instrumentation.haystack import HaystackInstrumentor
from opentelemetry.instrumentation.openai import OpenAIInstrumentor

HaystackInstrumentor().instrument(tracer_provider=tracer_provider)
OpenAIInstrumentor().instrument(tracer_provider=tracer_provider)
'''
AGENT = OPENINFERENCE_AGENT.replace(OPENINFERENCE_SETUP, OPENLLMETRY_SETUP)
assert AGENT != OPENINFERENCE_AGENT and "openinference" not in AGENT


def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name,
                 versions=[p.split("==")[0] for p in PACKAGES] + ["openai", "opentelemetry-semantic-conventions-ai"],
                 notes=["The haystack Agent with one @tool on OpenAIChatGenerator (chat completions); OpenLLMetry's "
                        "haystack and openai instrumentations both on (as traceloop-sdk sets them up).",
                        "Haystack 2.31.0: on Haystack 3 the haystack instrumentor's instrument() raises "
                        "TargetModuleNotFoundError (it wraps OpenAIGenerator, removed in 3.0).",
                        "Haystack's own OpenTelemetry tracer is on too (the tracer provider is set before haystack "
                        "is imported): haystack.agent.run and haystack.component.run spans."])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
