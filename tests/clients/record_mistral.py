"""Record Mistral's Python SDK (``mistralai``) traced by OpenLLMetry's ``opentelemetry-instrumentation-mistralai``.

Run: ``python tests/clients/record_mistral.py`` (creates its own venv).
A hand-written tool loop on Mistral's chat API against the fake LLM (its
Mistral route: the SDK's ``server_url`` is ``<fake>/mistral``): call 1 is
``client.chat.complete`` asking for ``get_weather``, the script runs the tool,
call 2 is ``client.chat.stream`` (Mistral sends a stream's usage on its last
chunk). Exported by the plain OTel SDK as OTLP/HTTP protobuf.

OpenLLMetry's instrumentation (0.62.4, the newest) imports ``mistralai.models``
and wraps ``mistralai.chat.Chat``: mistralai 2.0 moved both under
``mistralai.client``, so it fails to import with mistralai 2.x and 3.x
(``ModuleNotFoundError: No module named 'mistralai.models'``). This recording
pins mistralai 1.12.4, the newest release it can instrument; that SDK also
traces each request itself through the global tracer provider.
``record_mistral_openinference.py`` records the newest mistralai under
OpenInference's instrumentation with the same loop.
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

NAME = "mistral"
PACKAGES = ["mistralai==1.12.4", "opentelemetry-instrumentation-mistralai==0.62.4", *OTEL_SDK_PACKAGES]
MODEL = "mistral-large-latest"

#: What turns the instrumentation on; the OpenInference recorder puts its own in its place.
INSTRUMENT = '''
from opentelemetry.instrumentation.mistralai import MistralAiInstrumentor

MistralAiInstrumentor().instrument()
'''

LOOP = '''
import json, os, sys
try:
    from mistralai.client import Mistral  # mistralai 2.0 and later
except ImportError:
    from mistralai import Mistral

client = Mistral(api_key=os.environ["MISTRAL_API_KEY"], server_url=os.environ["MISTRAL_SERVER_URL"])
''' + CHAT_TOOL_TURN + guarded(f'''
first = client.chat.complete(model="{MODEL}", messages=messages, tools=TOOLS, tool_choice="auto")
answer = first.choices[0].message
call = answer.tool_calls[0]
args = call.function.arguments
args = json.loads(args) if isinstance(args, str) else args
messages.append({{"role": "assistant", "content": answer.content or "", "tool_calls": [
    {{"id": call.id, "type": "function", "function": {{"name": call.function.name, "arguments": json.dumps(args)}}}}]}})
messages.append({{"role": "tool", "tool_call_id": call.id, "name": call.function.name,
                 "content": get_weather(**args)}})
stream = client.chat.stream(model="{MODEL}", messages=messages, tools=TOOLS)
text = "".join(ev.data.choices[0].delta.content or "" for ev in stream if ev.data.choices)
print("FINAL:", text)
''')


def agent(instrument: str) -> str:
    """The tool loop, instrumented by ``instrument`` (Python source run after the OTel SDK is set up)."""
    return OTEL_SDK_SETUP + instrument + LOOP


def mistral_env(rec: Recording) -> dict[str, str]:
    """What points the Mistral SDK at the fake LLM's Mistral route."""
    return {"MISTRAL_SERVER_URL": rec.llm.url + "/mistral", "MISTRAL_API_KEY": FAKE_KEY}


def record(python: Path) -> None:
    record_turns(NAME, python, agent(INSTRUMENT), recorder=Path(__file__).name, client_env=mistral_env,
                 versions=["mistralai", "opentelemetry-instrumentation-mistralai",
                           "opentelemetry-semantic-conventions-ai", "opentelemetry-sdk"],
                 notes=["Call 1 client.chat.complete (asks for get_weather), call 2 client.chat.stream; content "
                        "traced (OpenLLMetry's default).",
                        "mistralai 1.12.4, the newest the instrumentation can import (it needs mistralai.models, "
                        "gone since mistralai 2.0); that SDK also traces each request itself through the global "
                        "tracer provider (scope mistralai_sdk_tracer)."])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
