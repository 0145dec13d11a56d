"""Record a text-only Pipecat pipeline traced by Pipecat's own OpenTelemetry tracing.

Run: ``python tests/clients/record_pipecat.py`` (creates its own venv).
A pipeline with no transport and no speech services, as Pipecat's text examples build one:
the context aggregators' user side, ``OpenAILLMService`` (``gpt-4o-mini``, its ``base_url`` the
fake LLM, streamed with ``stream_options.include_usage``: Pipecat's default), a processor of the
script's that prints the answer and ends the pipeline once a response with text is over, the
assistant side; ``get_weather`` registered with ``llm.register_function`` and offered as a
``ToolsSchema``; the context holds the user's question and an ``LLMRunFrame`` queued on the
``PipelineWorker`` (Pipecat 1.3 renamed ``PipelineTask``, still there deprecated) starts the
turn; ``PipelineRunner(handle_sigint=False).run(worker)``. An ``on_pipeline_error`` handler ends
the pipeline when the refused call's ``ErrorFrame`` reaches the worker (exit code 3).

Tracing as Pipecat's documentation sets it up: ``setup_tracing(service_name=..., exporter=
OTLPSpanExporter())`` (a global ``TracerProvider`` with a batch processor of the exporter given)
and ``PipelineWorker(..., enable_tracing=True, conversation_id=...)``.

What it sends, seen in the recording: a ``conversation`` span (scope ``pipecat.turn``,
``conversation.id`` the worker's, ``conversation.type`` ``voice``), the root of the trace; a
``turn`` span in it (``turn.number``; a text-only pipeline has one turn, started by the
``StartFrame`` and ended by the ``EndFrame``: ``turn.was_interrupted`` true); in the turn one
``llm`` span per inference (scope ``pipecat``): ``gen_ai.provider.name`` ``openai``,
``gen_ai.request.model``, ``gen_ai.operation.name`` ``chat``, the messages as the provider takes
them as ``input`` (JSON), the system instruction apart as ``gen_ai.system_instructions``, the
tools as ``tools``, the service's settings as ``param.*``/``gen_ai.request.*``, the usage the API
sent (``gen_ai.usage.input_tokens`` with the cached tokens in, ``cache_read.input_tokens``,
``reasoning.output_tokens``) and the text the call streamed as ``output`` (a call that answered
with a tool call has none), ``metrics.ttfb``. No span of the function call: the tool's arguments
and result are only in the next call's ``input``. The resource is ``setup_tracing``'s:
``service.name`` the one given, ``service.instance.id`` ``$HOSTNAME`` or ``unknown`` (so each
run is a session by its conversation id, not its process). A refused call's ``llm`` span fails
(the OpenAI error raised through the traced method: ``BadRequestError``, its exception event);
the turn and the conversation end UNSET.
"""

from __future__ import annotations

from pathlib import Path

from recording import record_turns, recorder_main

NAME = "pipecat"
PACKAGES = ["pipecat-ai[openai,tracing]==1.14.0", "opentelemetry-sdk==1.45.2",
            "opentelemetry-exporter-otlp-proto-http==1.45.2"]

AGENT_TEMPLATE = '''
import asyncio, os, sys
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from pipecat.adapters.schemas.function_schema import FunctionSchema
from pipecat.adapters.schemas.tools_schema import ToolsSchema
from pipecat.frames.frames import EndFrame, LLMFullResponseEndFrame, LLMRunFrame, LLMTextFrame
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.runner import PipelineRunner
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.aggregators.llm_response_universal import LLMContextAggregatorPair
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.services.llm_service import FunctionCallParams
from pipecat.services.openai.llm import OpenAILLMService
{TRACING}

weather = FunctionSchema(name="get_weather", description="Get the current weather for a city.",
                         properties={"city": {"type": "string"}}, required=["city"])


async def get_weather(params: FunctionCallParams):
    await params.result_callback(f"Sunny, 22 C in {params.arguments['city']}")


class Answer(FrameProcessor):
    """Prints the bot's answer and ends the pipeline once a response with text is over."""

    def __init__(self):
        super().__init__()
        self.text = ""
        self.worker = None

    async def process_frame(self, frame, direction):
        await super().process_frame(frame, direction)
        if isinstance(frame, LLMTextFrame):
            self.text += frame.text
        elif isinstance(frame, LLMFullResponseEndFrame) and self.text:
            print("FINAL:", self.text, flush=True)
            await self.worker.queue_frame(EndFrame())
        await self.push_frame(frame, direction)


async def main() -> int:
    llm = OpenAILLMService(api_key=os.environ["OPENAI_API_KEY"], base_url=os.environ["OPENAI_BASE_URL"],
                           settings=OpenAILLMService.Settings(
                               model="gpt-4o-mini",
                               system_instruction="Answer weather questions with the get_weather tool."))
    llm.register_function("get_weather", get_weather)
    context = LLMContext([{"role": "user", "content": "What is the weather in Paris?"}],
                         tools=ToolsSchema(standard_tools=[weather]))
    aggregators = LLMContextAggregatorPair(context)
    answer = Answer()
    pipeline = Pipeline([aggregators.user(), llm, answer, aggregators.assistant()])
    worker = PipelineWorker(pipeline, params=PipelineParams(enable_metrics=True, enable_usage_metrics=True),
                            enable_tracing={ENABLE_TRACING}, conversation_id="weather-" + os.environ["RUN_LABEL"])
    answer.worker = worker
    errors = []

    @worker.event_handler("on_pipeline_error")
    async def on_pipeline_error(worker, frame):
        errors.append(frame.error)
        print("ERROR:", frame.error, flush=True)
        await worker.queue_frame(EndFrame())

    await worker.queue_frame(LLMRunFrame())
    await PipelineRunner(handle_sigint=False).run(worker)
    return 3 if errors else 0


code = 3
try:
    code = asyncio.run(main())
finally:
    trace.get_tracer_provider().shutdown()
sys.exit(code)
'''
#: Pipecat's own tracing as its documentation sets it up: ``setup_tracing`` (a global tracer provider with the
#: exporter given) and ``enable_tracing=True`` on the worker.
OWN_TRACING = '''
from pipecat.utils.tracing.setup import setup_tracing

setup_tracing(service_name="weather-bot", exporter=OTLPSpanExporter())
'''
AGENT = AGENT_TEMPLATE.replace("{TRACING}", OWN_TRACING).replace("{ENABLE_TRACING}", "True")


def record(python: Path) -> None:
    record_turns(
        NAME, python, AGENT,
        versions=["pipecat-ai", "openai", "opentelemetry-sdk", "opentelemetry-exporter-otlp-proto-http"],
        notes=["A text-only pipeline (user aggregator, OpenAILLMService at the fake LLM, an answer printer, "
               "assistant aggregator) on a PipelineWorker with enable_tracing=True and conversation_id "
               "weather-<run>; get_weather registered with register_function; one LLMRunFrame; ended by an "
               "EndFrame once the answer's text is over (or on the refused call's ErrorFrame).",
               "setup_tracing(service_name='weather-bot', exporter=OTLPSpanExporter()), Pipecat's own helper: its "
               "resource's service.instance.id is $HOSTNAME or 'unknown', OTEL_SERVICE_NAME is not read.",
               "No span of the function call; a call's output is the text it streamed (none for the tool call)."],
        recorder="record_pipecat.py")


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
