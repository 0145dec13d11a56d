"""Record the Google Gen AI SDK traced by ``opentelemetry-instrumentation-google-genai``.

Run: ``python tests/clients/record_google_genai.py`` (creates its own venv).
``GoogleGenAiSdkInstrumentor().instrument()`` as its docs say, message content
captured (``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=span_and_event``:
on the spans and as ``gen_ai.client.inference.operation.details`` events),
exported by the OTel SDK as OTLP/HTTP protobuf (traces, logs, metrics).

The turn is one ``client.models.generate_content`` with a Python function as
its tool: the SDK's automatic function calling makes model call 1 (a
functionCall of ``get_weather``), runs the function and makes model call 2
(the answer), all inside that one SDK call.  The client is pointed at the
fake LLM with ``HttpOptions(base_url=...)`` and a fake API key.
"""

from __future__ import annotations

from pathlib import Path

from fakellm import THINKING_USAGE
from recording import (
    FAKE_KEY,
    OTEL_SDK_PACKAGES,
    OTEL_SDK_SETUP,
    Recording,
    guarded,
    installed_versions,
    otel_env,
    recorder_main,
)

NAME = "google_genai"
# The instrumentation instruments only google-genai>=1.32.0,<3 (its instrumentation_dependencies):
# with google-genai 3.x, instrument() logs an error and instruments nothing. 2.34.0 is the newest
# release it accepts.
PACKAGES = [
    "google-genai==2.34.0",
    "opentelemetry-instrumentation-google-genai==1.3b0",
    "opentelemetry-util-genai==1.3b0",
    *OTEL_SDK_PACKAGES,
]


#: What a google-genai agent script imports after the OTel SDK set-up (the recorders of other
#: instrumentations of the SDK put theirs after it).
IMPORTS = '''
import sys
from google import genai
from google.genai import types
'''

#: The start of a google-genai agent script: the OTel SDK, the instrumentation (also record_vertex_ai's).
HEAD = OTEL_SDK_SETUP + IMPORTS + '''from opentelemetry.instrumentation.google_genai import GoogleGenAiSdkInstrumentor

GoogleGenAiSdkInstrumentor().instrument()
'''

#: The packages whose versions a recording names (also record_vertex_ai's).
VERSIONED = ["google-genai", "opentelemetry-instrumentation-google-genai", "opentelemetry-util-genai", "opentelemetry-sdk"]

#: The Gemini API client on the fake LLM (also the client of the other instrumentations' recorders).
CLIENT = '''client = genai.Client(api_key=os.environ["GEMINI_API_KEY"],
                      http_options=types.HttpOptions(base_url=os.environ["FAKELLM_URL"]))'''

AGENT = HEAD + '''

def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"Sunny, 22 C in {city}"


''' + CLIENT + '''
''' + guarded('''
response = client.models.generate_content(
    model="gemini-2.5-flash",
    contents="What is the weather in Paris?",
    config=types.GenerateContentConfig(
        system_instruction="Answer weather questions with the get_weather tool.",
        tools=[get_weather],
    ),
)
print("FINAL:", response.text)
''')


def record(python: Path) -> None:
    with Recording(NAME, usage=THINKING_USAGE) as rec:
        env = otel_env(rec.cap.url, service_name="google-genai-recording")
        env |= {
            "FAKELLM_URL": rec.llm.url,
            "GEMINI_API_KEY": FAKE_KEY,
            "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "span_and_event",
        }
        ok = rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error")
        # The instrumentation wraps generate_content, around the SDK's automatic function calling
        # loop: its one span reports the response the SDK returns, the last call's.
        served = [c for c in ok["fake_calls"] if c["status"] == 200]
        not_reported = {str(c["seq"]): "made by automatic function calling inside the same generate_content, "
                        "whose span reports only the last call's response (and usage)" for c in served[:-1]}
        rec.save(
            packages=installed_versions(python, VERSIONED),
            env=env,
            recorder=Path(__file__).name,
            notes=[
                "One client.models.generate_content(model='gemini-2.5-flash', tools=[get_weather]) with the SDK's "
                "automatic function calling: model call 1 asks for get_weather, the SDK runs it, model call 2 "
                "answers, all inside that one SDK call.",
                "Each answer's output includes thinking tokens (thoughtsTokenCount on the wire); the prompt count "
                "includes the cached tokens (cachedContentTokenCount).",
                "error: the model call gets HTTP 400 with a Gemini error body.",
                "The instrumentation traces generate_content itself (one span; the tool's execute_tool span "
                "inside it): the model calls automatic function calling makes before the last are not reported "
                "(usage_not_reported).",
            ],
            extra={"usage_not_reported": not_reported},
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
