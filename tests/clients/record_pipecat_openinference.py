"""Record the text-only Pipecat pipeline of ``record_pipecat.py`` traced by OpenInference's Pipecat instrumentation.

Run: ``python tests/clients/record_pipecat_openinference.py [pipecat_openinference] [pipecat_both]`` (creates
its own venv; records both unless named).
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

``pipecat_both`` turns both tracers on, each as its own documentation sets it up: ``record_pipecat.py``'s
``setup_tracing`` and ``enable_tracing=True``, then the instrumentor on a tracer provider of its own (its
``set_tracer_provider`` refused: Pipecat's is set; it exports at exit). Each model call is reported twice,
by Pipecat's ``llm`` span and OpenInference's ``pipecat.llm`` span, in two traces (two services, two
exports) of one session (the conversation id), neither naming a response id; the refused call's
``llm`` span fails, OpenInference's ends OK.
"""

from __future__ import annotations

from pathlib import Path

from record_pipecat import AGENT_TEMPLATE, OWN_TRACING
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
#: Both on, each as its own documentation sets it up: Pipecat's ``setup_tracing`` (the global tracer provider)
#: and ``enable_tracing=True``, then OpenInference's tracer provider given to the instrumentor (its
#: ``set_tracer_provider`` is refused: one is set already; the provider exports at exit, its own hook).
BOTH = "pipecat_both"
BOTH_AGENT = AGENT_TEMPLATE.replace("{TRACING}", OWN_TRACING + OPENINFERENCE_TRACING).replace(
    "{ENABLE_TRACING}", "True")
BOTH_NOTES = ["The record_pipecat.py pipeline with both tracers on, each set up as its documentation does: "
              "setup_tracing(service_name='weather-bot', exporter=OTLPSpanExporter()) and enable_tracing=True, "
              "then PipecatInstrumentor().instrument(tracer_provider=...) on a second TracerProvider "
              "(Resource.create(), its own OTLP exporter; trace.set_tracer_provider refused: one is set).",
              "Each model call reported twice: Pipecat's llm span (conversation > turn > llm) and OpenInference's "
              "pipecat.llm span (pipecat.conversation.turn > pipecat.llm), in two traces of one session (the "
              "conversation id: conversation.id on Pipecat's root and turn, session.id on OpenInference's turn), "
              "two services (weather-bot and the recording's OTEL_SERVICE_NAME); neither names a response id.",
              "error: Pipecat's llm span of the refused call fails; OpenInference's ends OK with no usage."]


#: Why the refused call leaves no error in the telemetry (the manifest's ``error_not_reported``).
ERROR_NOT_REPORTED = (
    "the instrumentation ends every span it makes with status OK and records no exception: Pipecat's OpenAI "
    "service catches the refused call's BadRequestError and pushes an ErrorFrame, which the observer does not "
    "read; the refused call's pipecat.llm span ends OK with no usage, the turn's OK"
)


def record(python: Path, name: str = NAME) -> None:
    both = name == BOTH
    with Recording(name) as rec:
        env = otel_env(rec.cap.url, service_name=f"{name.replace('_', '-')}-recording", signals=("traces",))
        env |= openai_env(rec)
        agent = BOTH_AGENT if both else AGENT
        rec.run_python("ok", python, agent, env)
        error = rec.run_python("error", python, agent, env, mode="error")
        if not both:  # (with both, Pipecat's own span of the refused call fails)
            error["error_not_reported"] = ERROR_NOT_REPORTED
        rec.save(packages=installed_versions(python, VERSIONS), env=env, recorder=Path(__file__).name,
                 notes=BOTH_NOTES if both else NOTES)


#: The recordings this recorder makes (all by default; name some on the command line).
VARIANTS = (NAME, BOTH)


def main() -> None:
    recorder_main(NAME, PACKAGES, record, variants=VARIANTS)


if __name__ == "__main__":
    main()
