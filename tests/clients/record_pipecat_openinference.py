"""Record the text-only Pipecat pipeline of ``record_pipecat.py`` traced by OpenInference's Pipecat instrumentation.

Run: ``python tests/clients/record_pipecat_openinference.py`` (creates its own venv).
The same pipeline, worker and frames as ``record_pipecat.py``, with Pipecat's own tracing off
(``enable_tracing=False``, its default) and ``PipecatInstrumentor().instrument(tracer_provider=...)``
on a tracer provider of the OTel SDK exporting over OTLP/HTTP, as the instrumentation's README
sets it up (Phoenix's ``register()`` there). The instrumentor wraps ``PipelineWorker.__init__``
and adds an observer of its own to every worker, which reads the frames the services push.

What it sends, seen in the recording (scope ``openinference.instrumentation.pipecat``): a
``pipecat.conversation.turn`` CHAIN span per turn, the root of its trace, ``session.id`` the
worker's ``conversation_id``; in it a ``pipecat.llm`` LLM span per inference with
``llm.input_messages.*`` (no system message: the system instruction only in ``metadata``),
``llm.output_messages.*`` and ``output.value`` (the text streamed: none for the call that asked
for the tool), ``llm.token_count.prompt`` (cached tokens in), ``.completion``,
``.prompt_details.cache_read``; and a ``pipecat.tool.get_weather`` TOOL span inside the call that
asked for it (``tool_call.id``, arguments and result). The model: ``llm.model_name`` and
``gen_ai.request.model`` read attributes Pipecat 1.x's services no longer keep, so a service's
first call is named ``unknown``; later ones, and ``metrics.model`` (the model Pipecat's usage
metrics name) on every call, name ``gpt-4o-mini``. Every span ends OK: the refused call's
``pipecat.llm`` span has no usage and no error (``error_not_reported``).
"""

from __future__ import annotations

from pathlib import Path

from record_pipecat import AGENT_TEMPLATE
from record_pipecat import PACKAGES as PIPECAT_PACKAGES
from recording import Recording, installed_versions, openai_env, otel_env, recorder_main

NAME = "pipecat_openinference"
PACKAGES = [*PIPECAT_PACKAGES, "openinference-instrumentation-pipecat==2.0.9"]

#: As Arize's and Phoenix's documentation set it up: a tracer provider with an OTLP exporter, the
#: instrumentor given it; Pipecat's own tracing left off (``enable_tracing`` is False by default).
OPENINFERENCE_TRACING = '''
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from openinference.instrumentation.pipecat import PipecatInstrumentor

tracer_provider = TracerProvider(resource=Resource.create())
tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
trace.set_tracer_provider(tracer_provider)
PipecatInstrumentor().instrument(tracer_provider=tracer_provider)
'''
VERSIONS = ["pipecat-ai", "openinference-instrumentation-pipecat", "openinference-instrumentation", "openai",
            "opentelemetry-sdk", "opentelemetry-exporter-otlp-proto-http"]
NOTES = ["The record_pipecat.py pipeline with enable_tracing off and PipecatInstrumentor().instrument("
         "tracer_provider=...) on an OTel SDK TracerProvider (Resource.create()) exporting over OTLP/HTTP.",
         "A service's first call is named llm.model_name 'unknown' (later ones gpt-4o-mini); metrics.model names "
         "the model on every call.",
         "error: every span ends OK; the refused call's span has no usage (error_not_reported)."]
AGENT = AGENT_TEMPLATE.replace("{TRACING}", OPENINFERENCE_TRACING).replace("{ENABLE_TRACING}", "False")


#: Why the refused call leaves no error in the telemetry (the manifest's ``error_not_reported``).
ERROR_NOT_REPORTED = (
    "the instrumentation ends every span it makes with status OK and records no exception: Pipecat's OpenAI "
    "service catches the refused call's BadRequestError and pushes an ErrorFrame, which the observer does not "
    "read; the refused call's pipecat.llm span ends OK with no usage, the turn's OK"
)


def record(python: Path) -> None:
    with Recording(NAME) as rec:
        env = otel_env(rec.cap.url, service_name="pipecat-openinference-recording", signals=("traces",))
        env |= openai_env(rec)
        rec.run_python("ok", python, AGENT, env)
        error = rec.run_python("error", python, AGENT, env, mode="error")
        error["error_not_reported"] = ERROR_NOT_REPORTED
        rec.save(packages=installed_versions(python, VERSIONS), env=env, recorder=Path(__file__).name, notes=NOTES)


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
