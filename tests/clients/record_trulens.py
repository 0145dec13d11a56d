"""Record TruLens 2.x tracing a hand-written OpenAI tool loop, exported over OTLP/HTTP to the monitor.

Run: ``python tests/clients/record_trulens.py`` (creates its own venv).
A small app as TruLens's documentation writes one: a class whose methods are
``@instrument``-ed (the tool with ``span_type=SpanType.TOOL``), wrapped in
``TruApp(app, app_name=..., app_version=..., main_method=app.query)`` and run
inside ``with tru_app as recording:``; the model called through the plain
``openai.OpenAI`` client (both calls not streamed), which TruLens itself wraps
in a ``generation`` span carrying the usage and cost it computes (the
``trulens-providers-openai`` package's cost tracking, on when that package is
installed).

``TruSession(database_url=<sqlite in the run's dir>, otel_exporter="otlp",
otlp_protocol="http/protobuf")`` with ``TRULENS_OTEL_TRACING=1``: TruLens runs
its own tracer provider and hands its spans to an OTLP/HTTP span exporter, and
its GenAI metrics (token usage and duration histograms) to an OTLP/HTTP metric
exporter, both built with no endpoint so they read the standard
``OTEL_EXPORTER_OTLP_ENDPOINT`` (``otlp_endpoint=`` would give the one URL to
both exporters as is, no signal path added: one of them would post to the
other's path). Its own database is kept in the run's temporary working dir.

What it sends, seen in the recording: every span under the scope ``trulens``,
``service.name`` ``trulens`` (``OTEL_SERVICE_NAME`` is not read), a
``service.instance.id`` of its own per process; ``ai.observability.span_type``
(``record_root`` for the main method, ``generation``, ``tool``), the traced
method's arguments one attribute each (``ai.observability.call.kwargs.<name>``)
and its return value (``ai.observability.call.return``); on each generation span
the OpenAI call's ``ai.observability.cost.model`` / ``num_prompt_tokens`` (cached
tokens in) / ``num_completion_tokens`` / ``num_tokens`` / ``cost`` (no cached
count); the tool's ``gen_ai.tool.name`` is the method's qualified name
(``__main__.WeatherAgent.get_weather``). The cost tracking makes no span of its
own: a model call made straight from the main method adds its counts to the record
root's (both calls summed there, seen while recording), hence the generation
method. Metrics: ``gen_ai.client.token.usage`` and
``gen_ai.client.operation.duration`` histograms.
"""

from __future__ import annotations

from pathlib import Path

from recording import Recording, openai_env, record_turns, recorder_main

NAME = "trulens"
# trulens-providers-openai 2.16.0 takes openai <2; the core's `otlp` extra brings both OTLP exporters.
PACKAGES = ["trulens-core[otlp]==2.16.0", "trulens-providers-openai==2.16.0", "openai==1.109.1"]

AGENT = '''
import json, os, sys
from openai import OpenAI
from trulens.core import TruSession
from trulens.core.otel.instrument import instrument
from trulens.otel.semconv.trace import SpanAttributes
from trulens.apps.app import TruApp

session = TruSession(database_url="sqlite:///" + os.path.join(os.getcwd(), "trulens.sqlite"),
                     otel_exporter="otlp", otlp_protocol="http/protobuf")
MODEL = "gpt-4o-mini"
TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "Get the current weather for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]


class WeatherAgent:
    def __init__(self):
        self.client = OpenAI(max_retries=0)

    @instrument(span_type=SpanAttributes.SpanType.TOOL)
    def get_weather(self, city: str) -> str:
        return f"Sunny, 22 C in {city}"

    @instrument(span_type=SpanAttributes.SpanType.GENERATION)
    def generate(self, messages: list) -> dict:
        completion = self.client.chat.completions.create(model=MODEL, messages=messages, tools=TOOLS)
        return completion.choices[0].message.model_dump(exclude_none=True)

    @instrument()
    def query(self, question: str) -> str:
        messages = [{"role": "system", "content": "Answer weather questions with the get_weather tool."},
                    {"role": "user", "content": question}]
        msg = self.generate(messages)
        messages.append(msg)
        for call in msg.get("tool_calls") or []:
            result = self.get_weather(**json.loads(call["function"]["arguments"]))
            messages.append({"role": "tool", "tool_call_id": call["id"], "content": result})
        return self.generate(messages)["content"]


agent = WeatherAgent()
tru_app = TruApp(agent, app_name="weather-agent", app_version="v1", main_method=agent.query)
code = 0
try:
    with tru_app as recording:
        print("FINAL:", agent.query("What is the weather in Paris?"))
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
finally:
    session.force_flush()
sys.exit(code)
'''


def trulens_env(rec: Recording) -> dict[str, str]:
    """The OpenAI client at the fake LLM, and TruLens's OpenTelemetry mode (its default in 2.x) said outright."""
    return openai_env(rec) | {"TRULENS_OTEL_TRACING": "1"}


def record(python: Path) -> None:
    record_turns(
        NAME, python, AGENT,
        versions=["trulens-core", "trulens-providers-openai", "trulens-otel-semconv", "openai", "opentelemetry-sdk",
                  "opentelemetry-exporter-otlp-proto-http"],
        notes=["A class with @instrument-ed methods (get_weather with span_type=TOOL) wrapped in TruApp, run in "
               "`with tru_app as recording:`; the plain openai.OpenAI client, whose calls TruLens wraps itself "
               "(trulens-providers-openai's cost tracking); TruSession(otel_exporter='otlp', "
               "otlp_protocol='http/protobuf') reading OTEL_EXPORTER_OTLP_ENDPOINT, its database in the run's dir."],
        recorder="record_trulens.py", client_env=trulens_env, signals=("traces", "metrics"))


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
