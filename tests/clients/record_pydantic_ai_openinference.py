"""Record pydantic-ai's own instrumentation with OpenInference's span processor on top.

Run: ``python tests/clients/record_pydantic_ai_openinference.py`` (creates its own venv).
The agent turn of ``record_pydantic_ai.py`` (``Agent.instrument_all()``, the
Responses API) with ``openinference-instrumentation-pydantic-ai``'s
``OpenInferenceSpanProcessor`` added to the tracer provider before the
exporter's processor, as its README sets it up: when each pydantic-ai span
ends, it adds OpenInference attributes (``openinference.span.kind``,
``llm.token_count.*``, ``input.value``/``output.value``, ``llm.*_messages``)
to the same span, beside pydantic-ai's own GenAI attributes. So one span
carries both conventions' usage and kind, and the agent run span both
pydantic-ai's summed usage and OpenInference's AGENT kind.
"""

from __future__ import annotations

from pathlib import Path

from record_pydantic_ai import agent_source
from recording import OTEL_SDK_PACKAGES, record_turns, recorder_main

NAME = "pydantic_ai_openinference"
PACKAGES = ["pydantic-ai-slim[openai]==2.78.0", "openinference-instrumentation-pydantic-ai==0.1.30",
            *OTEL_SDK_PACKAGES]

#: The exporter's processor of the shared set-up; OpenInference's processor must run before it
#: (it rewrites the span's attributes in ``on_end``, and the exporter's ``on_end`` takes the span).
EXPORT_LINE = "tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))\n"
OPENINFERENCE_LINES = (
    "from openinference.instrumentation.pydantic_ai import OpenInferenceSpanProcessor\n"
    "tracer_provider.add_span_processor(OpenInferenceSpanProcessor())\n"
)


def agent() -> str:
    """The pydantic-ai agent script, OpenInference's processor added ahead of the exporter."""
    source = agent_source('"openai:gpt-4o-mini"')
    assert source.count(EXPORT_LINE) == 1, "the shared OTel set-up changed: put the processor before the exporter"
    return source.replace(EXPORT_LINE, OPENINFERENCE_LINES + EXPORT_LINE)


def record(python: Path) -> None:
    record_turns(NAME, python, agent(), recorder=Path(__file__).name,
                 versions=["pydantic-ai-slim", "openai", "openinference-instrumentation-pydantic-ai",
                           "openinference-instrumentation", "openinference-semantic-conventions",
                           "opentelemetry-sdk", "opentelemetry-api"],
                 notes=["Model string 'openai:gpt-4o-mini' (the Responses API); default InstrumentationSettings; "
                        "OpenInferenceSpanProcessor() added to the tracer provider before the exporter's "
                        "BatchSpanProcessor (its README's order)."],
                 signals=("traces", "logs", "metrics"))


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
