"""Record Cohere's Python SDK (``cohere``, ``ClientV2``) traced by OpenLLMetry's ``opentelemetry-instrumentation-cohere``.

Run: ``python tests/clients/record_cohere_openllmetry.py`` (creates its own venv).
A hand-written tool loop on Cohere's v2 Chat API against the fake LLM (its
``/v2/chat`` route; the SDK's ``base_url`` is the fake's URL), written as
Cohere's tool-use guide writes it: call 1 is ``client.chat`` asking for
``get_weather``, the script runs the tool and hands its result back as a tool
message of document parts, call 2 is ``client.chat_stream`` (usage on the
stream's ``message-end`` event). Exported by the plain OTel SDK as OTLP/HTTP
protobuf.

Cohere reports two counts of each call: ``usage.billed_units`` (what it bills)
and ``usage.tokens`` (what the model read and wrote, its prompt template
included); the fake LLM makes them differ, so the fixture shows which one the
instrumentation passes on.

The instrumentation (0.62.4, the newest) declares ``cohere >=4.2.7, <6``, and
``instrument()`` checks it: with cohere 6 or 7 installed it logs an error and
instruments nothing. This recording pins cohere 5.21.1, the newest release in
that range.
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

NAME = "cohere_openllmetry"
PACKAGES = ["cohere==5.21.1", "opentelemetry-instrumentation-cohere==0.62.4", *OTEL_SDK_PACKAGES]
MODEL = "command-a-03-2025"

AGENT = OTEL_SDK_SETUP + '''
import json, os, sys
from opentelemetry.instrumentation.cohere import CohereInstrumentor

CohereInstrumentor().instrument()

import cohere

client = cohere.ClientV2(api_key=os.environ["CO_API_KEY"], base_url=os.environ["CO_API_URL"])
''' + CHAT_TOOL_TURN + guarded(f'''
first = client.chat(model="{MODEL}", messages=messages, tools=TOOLS)
messages.append({{"role": "assistant", "tool_plan": first.message.tool_plan, "tool_calls": first.message.tool_calls}})
for call in first.message.tool_calls:
    result = get_weather(**json.loads(call.function.arguments))
    messages.append({{"role": "tool", "tool_call_id": call.id,
                     "content": [{{"type": "document", "document": {{"data": json.dumps({{"weather": result}})}}}}]}})
text = ""
for event in client.chat_stream(model="{MODEL}", messages=messages, tools=TOOLS):
    if event.type == "content-delta":
        text += event.delta.message.content.text
print("FINAL:", text)
''')


def cohere_env(rec: Recording) -> dict[str, str]:
    """What points the Cohere SDK at the fake LLM (its ``/v2/chat`` route)."""
    return {"CO_API_URL": rec.llm.url, "CO_API_KEY": FAKE_KEY}


def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name, client_env=cohere_env,
                 versions=["cohere", "opentelemetry-instrumentation-cohere", "opentelemetry-semantic-conventions-ai",
                           "opentelemetry-sdk"],
                 notes=["Call 1 client.chat (asks for get_weather), call 2 client.chat_stream; the tool result "
                        "handed back as document parts (Cohere's tool-use guide); content traced (OpenLLMetry's "
                        "default).",
                        "cohere 5.21.1, the newest the instrumentation accepts (it declares cohere <6 and "
                        "instruments nothing with cohere 6 or 7)."])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
