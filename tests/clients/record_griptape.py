"""Record Griptape (an ``Agent`` with one tool) traced by its own OpenTelemetry observability driver.

Run: ``python tests/clients/record_griptape.py`` (creates its own venv).
One ``griptape.structures.Agent`` with one tool (a ``BaseTool`` with a
``get_weather`` activity) on ``OpenAiChatPromptDriver`` (chat completions,
``base_url`` at the fake LLM), run inside ``with Observability(observability_driver=...)``
with Griptape's ``OpenTelemetryObservabilityDriver`` and a ``BatchSpanProcessor``
exporting OTLP/HTTP protobuf to the capture server, as Griptape's documentation
sets it up, named after the application (``service_name="weather-app"``: the
driver names its tracer after it too). The driver's own tracer provider has a
resource of ``service.name`` alone (the ``OTEL_*`` resource variables are not
read, no ``service.instance.id``: every process of the app would be one session
to the monitor), so the script hands it one made by ``Resource.create()``.
The driver makes a span per observed method (``Agent.run()``,
``OpenAiChatPromptDriver.run()``, ``WeatherTool.try_run()`` ...) with no
attribute but a ``tags`` list on two of them: no model, usage, text or arguments.

Two fixture folders come out:

* ``fixtures/griptape/``: Griptape's driver alone;
* ``fixtures/griptape_openinference/``: the same with OpenInference's OpenAI
  instrumentation on the driver's tracer provider (the common way to get the
  model calls' tokens and text into the same traces), so each model call has
  Griptape's spans and the OpenAI client's span under them.
"""

from __future__ import annotations

from pathlib import Path

from recording import Recording, installed_versions, openai_env, otel_env, record_turns, recorder_main

NAME = "griptape"
STACKED = "griptape_openinference"
# The driver's extra wants opentelemetry-instrumentation-threading, whose newest release (0.66b1)
# goes with the OpenTelemetry SDK 1.45.1.
PACKAGES = ["griptape[drivers-observability-opentelemetry]==1.13.0", "openai==3.63.0",
            "opentelemetry-sdk==1.45.1", "opentelemetry-exporter-otlp-proto-http==1.45.1",
            "opentelemetry-instrumentation-threading==0.66b1", "openinference-instrumentation-openai==0.1.66"]

_DRIVER = '''
import os, sys
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from griptape.drivers.observability.open_telemetry import OpenTelemetryObservabilityDriver
from griptape.observability import Observability

# The application's own name, as Griptape's documentation names one (the driver's tracer is named after it
# too). The driver's own tracer provider has a resource of service.name alone (every process of the app one
# session to a monitor): given one made by Resource.create(), each process has its service.instance.id.
observability_driver = OpenTelemetryObservabilityDriver(
    service_name="weather-app", span_processor=BatchSpanProcessor(OTLPSpanExporter()),
    trace_provider=TracerProvider(resource=Resource.create({"service.name": "weather-app"})))


def otel_shutdown():
    observability_driver.trace_provider.shutdown()
'''
_INSTRUMENT = '''
from openinference.instrumentation.openai import OpenAIInstrumentor

OpenAIInstrumentor().instrument(tracer_provider=observability_driver.trace_provider)
'''
_AGENT = '''
from schema import Literal, Schema

from griptape.artifacts import TextArtifact
from griptape.drivers.prompt.openai import OpenAiChatPromptDriver
from griptape.rules import Rule
from griptape.structures import Agent
from griptape.tools import BaseTool
from griptape.utils.decorators import activity


class WeatherTool(BaseTool):
    @activity(config={"description": "Get the current weather for a city.",
                      "schema": Schema({Literal("city", description="The city."): str})})
    def get_weather(self, params: dict) -> TextArtifact:
        return TextArtifact(f"Sunny, 22 C in {params['values']['city']}")


prompt_driver = OpenAiChatPromptDriver(model="gpt-4o-mini", base_url=os.environ["OPENAI_BASE_URL"],
                                       api_key=os.environ["OPENAI_API_KEY"])
agent = Agent(prompt_driver=prompt_driver, tools=[WeatherTool()],
              rules=[Rule("Answer weather questions with the get_weather tool.")])
''' + '''
code = 0
try:
    with Observability(observability_driver=observability_driver):
        out = agent.run("What is the weather in Paris?")
    print("FINAL:", out.output.value)
    if type(out.output).__name__ == "ErrorArtifact":
        code = 3
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
finally:
    otel_shutdown()
sys.exit(code)
'''
AGENT = _DRIVER + _AGENT
AGENT_STACKED = _DRIVER + _INSTRUMENT + _AGENT

VERSIONS = ["griptape", "openai", "opentelemetry-sdk", "opentelemetry-instrumentation-threading"]
NOTE = ("Agent with one tool (WeatherTool, activity get_weather: offered to the model as WeatherTool_get_weather), "
        "OpenAiChatPromptDriver (chat completions, not streamed) with base_url (a 400 is not retried: "
        "BadRequestError is one of its ignored exception types); Griptape's OpenTelemetryObservabilityDriver "
        "(service_name weather-app, a TracerProvider with Resource.create() for a service.instance.id) with a "
        "BatchSpanProcessor(OTLPSpanExporter()), the run inside `with Observability(...)`. In the error run Griptape "
        "catches the refused call's error (the agent's output an ErrorArtifact): only the prompt driver's run() and "
        "try_run() spans fail, Agent.run() ends OK")


#: Why a served call's usage is in no span of Griptape's driver alone (the manifest's usage_not_reported).
NO_USAGE = ("Griptape's OpenTelemetryObservabilityDriver puts no attribute but `tags` on its spans: the call is its "
            "OpenAiChatPromptDriver.run() span, with no model, usage or text")


def record(python: Path) -> None:
    with Recording(NAME) as rec:
        env = otel_env(rec.cap.url, service_name="griptape-recording", signals=("traces",)) | openai_env(rec)
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error")
        not_reported = {str(c["seq"]): NO_USAGE for r in rec.runs for c in r["fake_calls"]
                        if c["status"] == 200 and c.get("usage")}
        rec.save(packages=installed_versions(python, VERSIONS), env=env, recorder=Path(__file__).name,
                 notes=[f"{NOTE}.", f"{NO_USAGE} (usage_not_reported)."],
                 extra={"usage_not_reported": not_reported})
    record_turns(STACKED, python, AGENT_STACKED, recorder=Path(__file__).name,
                 versions=[*VERSIONS, "openinference-instrumentation-openai"],
                 notes=[f"{NOTE}; OpenInference's OpenAIInstrumentor on the driver's tracer provider."])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
