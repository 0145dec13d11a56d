"""Record Groq's Python SDK (``groq``) traced by OpenLLMetry's ``opentelemetry-instrumentation-groq``.

Run: ``python tests/clients/record_groq_openllmetry.py`` (creates its own venv).
A hand-written tool loop on Groq's chat API against the fake LLM's Groq route
(the SDK's base URL is the fake server; the SDK adds ``/openai/v1``): call 1 is
``client.chat.completions.create`` asking for ``get_weather``, the script runs
the tool, call 2 is the same call streamed (Groq sends a stream's usage in
``x_groq.usage`` on its last chunk, which is where the instrumentation reads
it). Exported by the plain OTel SDK as OTLP/HTTP protobuf.
``record_groq_openinference.py`` records the same loop under OpenInference's
instrumentation.
"""

from __future__ import annotations

from pathlib import Path

from recording import (
    CHAT_TOOL_TURN,
    FAKE_KEY,
    OTEL_SDK_PACKAGES,
    OTEL_SDK_SETUP,
    Recording,
    guarded,
    record_turns,
    recorder_main,
)

NAME = "groq_openllmetry"
PACKAGES = ["groq==1.7.0", "opentelemetry-instrumentation-groq==0.62.4", *OTEL_SDK_PACKAGES]
#: A model genai-prices prices under Groq (and no other provider).
MODEL = "llama-3.3-70b-versatile"

#: What turns the instrumentation on; the OpenInference recorder puts its own in its place.
INSTRUMENT = '''
from opentelemetry.instrumentation.groq import GroqInstrumentor

GroqInstrumentor().instrument(tracer_provider=tracer_provider)
'''

LOOP = '''
import json, os, sys
from groq import Groq

client = Groq()  # GROQ_API_KEY, GROQ_BASE_URL
''' + CHAT_TOOL_TURN


def turn(stream: bool) -> str:
    """The turn's two calls, call 2 streamed or not (Python source)."""
    answer = (f'stream = client.chat.completions.create(model="{MODEL}", messages=messages, tools=TOOLS, stream=True)\n'
              'text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)\n' if stream else
              f'text = client.chat.completions.create(model="{MODEL}", messages=messages, tools=TOOLS)'
              '.choices[0].message.content\n')
    return guarded(f'''
first = client.chat.completions.create(model="{MODEL}", messages=messages, tools=TOOLS, tool_choice="auto")
call = first.choices[0].message.tool_calls[0]
messages.append({{"role": "assistant", "content": first.choices[0].message.content or "", "tool_calls": [
    {{"id": call.id, "type": "function", "function": {{"name": call.function.name, "arguments": call.function.arguments}}}}]}})
messages.append({{"role": "tool", "tool_call_id": call.id, "content": get_weather(**json.loads(call.function.arguments))}})
{answer}print("FINAL:", text)
''')


def agent(instrument: str, stream: bool) -> str:
    """The tool loop, instrumented by ``instrument`` (Python source run after the OTel SDK is set up)."""
    return OTEL_SDK_SETUP + instrument + LOOP + turn(stream)


def groq_env(rec: Recording) -> dict[str, str]:
    """What points the Groq SDK at the fake LLM (its Groq route is under /openai/v1, as Groq's)."""
    return {"GROQ_BASE_URL": rec.llm.url, "GROQ_API_KEY": FAKE_KEY}


def record(python: Path) -> None:
    record_turns(NAME, python, agent(INSTRUMENT, stream=True), recorder=Path(__file__).name, client_env=groq_env,
                 signals=("traces", "logs", "metrics"),
                 versions=["groq", "opentelemetry-instrumentation-groq", "opentelemetry-semantic-conventions-ai",
                           "opentelemetry-sdk"],
                 notes=[f"Model {MODEL}. Call 1 client.chat.completions.create (asks for get_weather), call 2 the "
                        "same streamed (usage in x_groq.usage on the last chunk); content traced (OpenLLMetry's "
                        "default); its metrics (token usage and duration histograms) exported too."])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
