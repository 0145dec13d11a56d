"""Record the ``ollama`` Python library calling a local model, traced by OpenLLMetry's Ollama instrumentation.

Run: ``python tests/clients/record_ollama.py`` (creates its own venv).
A hand-written tool loop against Ollama's own API (``POST /api/chat``, served
by the fake LLM in Ollama's shape): call 1 offers ``get_weather`` and gets a
tool call, the script runs the tool, call 2 hands the result back streaming
(NDJSON; Ollama's usage comes in the last line). Traced by Traceloop's
``opentelemetry-instrumentation-ollama`` on the plain OpenTelemetry SDK; it
records prompts and answers on its spans by default (``TRACELOOP_TRACE_CONTENT``).
"""

from __future__ import annotations

from pathlib import Path

from recording import OTEL_SDK_PACKAGES, OTEL_SDK_SETUP, Recording, guarded, record_turns, recorder_main

NAME = "ollama"
PACKAGES = ["ollama==0.6.3", "opentelemetry-instrumentation-ollama==0.62.4", *OTEL_SDK_PACKAGES]

AGENT = OTEL_SDK_SETUP + '''
import os, sys
import ollama
from opentelemetry.instrumentation.ollama import OllamaInstrumentor

OllamaInstrumentor().instrument()

client = ollama.Client(host=os.environ["OLLAMA_HOST"])
TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Get the current weather for a city.",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
messages = [{"role": "system", "content": "Answer weather questions with the get_weather tool."},
            {"role": "user", "content": "What is the weather in Paris?"}]
''' + guarded('''
first = client.chat(model="llama3.1:8b", messages=messages, tools=TOOLS, stream=False)
call = first.message.tool_calls[0]
messages.append(first.message)
result = "Sunny, 22 C in " + call.function.arguments["city"]
messages.append({"role": "tool", "tool_name": call.function.name, "content": result})
stream = client.chat(model="llama3.1:8b", messages=messages, tools=TOOLS, stream=True)
print("FINAL:", "".join(part.message.content or "" for part in stream))
''')


def ollama_env(rec: Recording) -> dict[str, str]:
    """What points the ollama library at the fake LLM (it reads OLLAMA_HOST too)."""
    return {"OLLAMA_HOST": rec.llm.url}


def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name, client_env=ollama_env,
                 signals=("traces", "logs", "metrics"),
                 versions=["ollama", "opentelemetry-instrumentation-ollama", "opentelemetry-semantic-conventions-ai",
                           "opentelemetry-sdk"],
                 notes=["Ollama's /api/chat: call 1 non-streaming (a tool call), call 2 streaming (NDJSON) with "
                        "the tool result; model llama3.1:8b, no agent framework; content traced (OpenLLMetry's "
                        "default)."])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
