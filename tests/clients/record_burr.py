"""Record Burr (an ``Application`` of three actions) traced by its OpenTelemetry bridge and OpenLLMetry's OpenAI instrumentation.

Run: ``python tests/clients/record_burr.py`` (creates its own venv).
One Burr ``Application`` (apache-burr 0.43.0, the name Burr is published
under since burr 0.42.0) of three actions, as Burr's tool-calling example names them: ``select_tool``
calls OpenAI's chat completions (``gpt-4o-mini``, ``base_url`` at the fake LLM)
offering one tool, ``get_weather``; the action named after the tool,
``get_weather``, runs the tool the model asked for; ``format_results`` calls the
model again with the tool's result. Traced as
Burr's OpenTelemetry guide sets it up: the OTel SDK's global tracer provider
(exporting OTLP/HTTP protobuf to the capture server), Burr's
``OpenTelemetryBridge()`` as a lifecycle hook of the application (a span for
the ``run()`` call and one per action, scope ``burr.integrations.opentelemetry``)
and ``init_instruments("openai")``, which turns on OpenLLMetry's OpenAI
instrumentation (``opentelemetry-instrumentation-openai``) for the model calls.
The application has an app id and a partition key (``with_identifiers``): the
bridge puts neither on any span.
"""

from __future__ import annotations

from pathlib import Path

from recording import OTEL_SDK_PACKAGES, OTEL_SDK_SETUP, guarded, record_turns, recorder_main

NAME = "burr"
# burr 0.42.0 was the package's last release under that name (it installs apache-burr 0.42.0):
# Burr is published as apache-burr since.
PACKAGES = ["apache-burr==0.43.0", "openai==3.63.0",
            "opentelemetry-instrumentation-openai==0.62.4", *OTEL_SDK_PACKAGES]

AGENT = OTEL_SDK_SETUP + '''
import json, sys, uuid
import openai
from burr.core import ApplicationBuilder, State, action, default, expr
from burr.integrations.opentelemetry import OpenTelemetryBridge, init_instruments

# Burr instruments only the libraries already imported (openai, above).
init_instruments("openai")

client = openai.OpenAI(max_retries=0)
TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Get the current weather for a city.",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]


@action(reads=["messages"], writes=["messages", "tool_call"])
def select_tool(state: State) -> State:
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=state["messages"], tools=TOOLS)
    message = reply.choices[0].message
    call = message.tool_calls[0] if message.tool_calls else None
    tool_call = {"id": call.id, "name": call.function.name, "arguments": call.function.arguments} if call else None
    return state.update(tool_call=tool_call).append(messages=message.model_dump(exclude_none=True))


@action(reads=["tool_call"], writes=["messages"])
def get_weather(state: State) -> State:
    city = json.loads(state["tool_call"]["arguments"])["city"]
    return state.append(messages={"role": "tool", "tool_call_id": state["tool_call"]["id"],
                                  "content": f"Sunny, 22 C in {city}"})


@action(reads=["messages"], writes=["messages", "answer"])
def format_results(state: State) -> State:
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=state["messages"], tools=TOOLS)
    text = reply.choices[0].message.content
    return state.update(answer=text).append(messages={"role": "assistant", "content": text})


app = (
    ApplicationBuilder()
    .with_actions(select_tool=select_tool, get_weather=get_weather, format_results=format_results)
    .with_transitions(("select_tool", "get_weather", expr("tool_call is not None")),
                      ("select_tool", "format_results", default),
                      ("get_weather", "format_results"))
    .with_state(messages=[{"role": "system", "content": "Answer weather questions with the get_weather tool."},
                          {"role": "user", "content": "What is the weather in Paris?"}])
    .with_entrypoint("select_tool")
    .with_identifiers(app_id=str(uuid.uuid4()), partition_key="user-1")
    .with_hooks(OpenTelemetryBridge())
    .build()
)
''' + guarded('''
last, _, state = app.run(halt_after=["format_results"])
print("FINAL:", state["answer"])
''')


def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name,
                 versions=["apache-burr", "openai", "opentelemetry-instrumentation-openai", "opentelemetry-sdk"],
                 notes=["A Burr Application of three actions (select_tool: chat completions offering get_weather; "
                        "get_weather: the tool; format_results: the model again), "
                        "app.run(halt_after=['format_results']), "
                        "with_identifiers(app_id=<a uuid per run>, partition_key='user-1'); Burr's "
                        "OpenTelemetryBridge() as a lifecycle hook on the global tracer provider and "
                        "init_instruments('openai') (OpenLLMetry's OpenAI instrumentation), as Burr's "
                        "OpenTelemetry guide sets them up; openai max_retries=0."])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
