"""Record Mirascope v2's own OpenTelemetry tracing (``mirascope.ops``) of a tool-calling agent.

Run: ``python tests/clients/record_mirascope.py`` (creates its own venv).
As Mirascope's tracing docs set it up: an OTel SDK ``TracerProvider`` with an OTLP/HTTP span
exporter handed to ``ops.configure(tracer_provider=...)``, then ``ops.instrument_llm()`` (a GenAI
``chat`` span for every model call) and ``@ops.trace`` on the agent's functions. The agent is
``@llm.call("openai/gpt-4o-mini", tools=[get_weather])`` on Mirascope's OpenAI provider
(``llm.register_provider("openai", base_url=...)`` at the fake LLM; Mirascope picks the Responses
API for this model), run in its documented loop: call, ``execute_tools()``, ``resume()``.
"""

from __future__ import annotations

from pathlib import Path

from recording import (
    OTEL_SDK_PACKAGES,
    OTEL_SDK_SETUP,
    guarded,
    record_turns,
    recorder_main,
)

NAME = "mirascope"
#: ``ops`` needs the ``anthropic`` and ``google`` extras too (see NOTES); Mirascope's ``openai`` extra wants openai<3.
PACKAGES = ["mirascope[openai,anthropic,google,ops]==2.8.2", "openai==2.54.0", *OTEL_SDK_PACKAGES]
MODEL = "openai/gpt-4o-mini"

AGENT = OTEL_SDK_SETUP + '''
import sys
from mirascope import llm, ops

llm.register_provider("openai", base_url=os.environ["OPENAI_BASE_URL"], api_key=os.environ["OPENAI_API_KEY"])
ops.configure(tracer_provider=tracer_provider)
ops.instrument_llm()


@llm.tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"Sunny, 22 C in {city}"


@ops.trace
@llm.call("''' + MODEL + '''", tools=[get_weather])
def weather_agent(question: str):
    return [llm.messages.system("Answer weather questions with the get_weather tool."), llm.messages.user(question)]


@ops.trace
def run_agent(question: str) -> str:
    response = weather_agent(question)
    while response.tool_calls:
        response = response.resume(response.execute_tools())
    return response.text()
''' + guarded('''
print("FINAL:", run_agent("What is the weather in Paris?"))
''')

NOTES = [
    "llm.register_provider('openai', base_url=..., api_key=...) at the fake LLM; ops.configure(tracer_provider=...) "
    "with the script's OTel SDK provider (OTLP/HTTP protobuf span exporter; it is the global provider already, so "
    "ops.configure's own set_tracer_provider logs 'Overriding of current TracerProvider is not allowed'), then "
    "ops.instrument_llm(); @ops.trace on the @llm.call function and on the agent loop.",
    "mirascope[ops] alone does not turn ops on: its import check wants the Anthropic and Google GenAI "
    "instrumentations it lists importable, which import anthropic and google-genai: installed with those extras.",
    f"{MODEL}: Mirascope's OpenAI provider picks the Responses API for it (not streamed). Each call is a "
    "'chat openai/gpt-4o-mini' span (scope mirascope.llm) with gen_ai.usage.input_tokens/output_tokens only, the "
    "cache reads only in mirascope.response.usage (JSON); the @ops.trace span of weather_agent (call 1) and "
    "'Response.resume' (call 2, scope mirascope.ops) repeat that JSON around the call, with no flat usage.",
    "No tool span: execute_tools() is not traced; the tool call (with its arguments) is call 1's output message, "
    "its result call 2's last input message (tool_call_response).",
    "error: every model call gets HTTP 400 with OpenAI's error body; Mirascope does not retry it.",
]


def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, versions=["mirascope", "openai", "opentelemetry-sdk", "opentelemetry-api",
                                                 "opentelemetry-instrumentation-openai-v2"],
                 notes=NOTES, recorder=Path(__file__).name)


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
