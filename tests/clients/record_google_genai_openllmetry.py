"""Record the Google Gen AI SDK traced by OpenLLMetry's ``opentelemetry-instrumentation-google-generativeai``.

Run: ``python tests/clients/record_google_genai_openllmetry.py`` (creates its own venv).
The tool loop of ``record_google_genai_openinference.py`` (the newest
google-genai on the Gemini API, ``gemini-2.5-flash``, automatic function
calling off: call 1 ``generate_content``, call 2 ``generate_content_stream``),
instrumented by Traceloop's instrumentation for google-genai as
``traceloop-sdk`` sets it up (``GoogleGenerativeAiInstrumentor().instrument()``,
its legacy attributes: prompts and answers on the spans, content traced by
default), on the plain OTel SDK (OTLP/HTTP protobuf).
"""

from __future__ import annotations

from pathlib import Path

from record_google_genai_openinference import USAGE_NOTE, record_genai
from recording import OTEL_SDK_PACKAGES, recorder_main

NAME = "google_genai_openllmetry"
PACKAGES = ["google-genai==3.6.1", "opentelemetry-instrumentation-google-generativeai==0.62.4", *OTEL_SDK_PACKAGES]

INSTRUMENT = '''from opentelemetry.instrumentation.google_generativeai import GoogleGenerativeAiInstrumentor

GoogleGenerativeAiInstrumentor().instrument()
'''


def record(python: Path) -> None:
    record_genai(NAME, python, INSTRUMENT, recorder=Path(__file__).name,
                 versions=["google-genai", "opentelemetry-instrumentation-google-generativeai",
                           "opentelemetry-semantic-conventions-ai", "opentelemetry-sdk"],
                 notes=["google-genai on the Gemini API, automatic function calling off: call 1 generate_content "
                        "(asks for get_weather), the script runs the tool, call 2 generate_content_stream (answers); "
                        "content traced (OpenLLMetry's default).",
                        USAGE_NOTE,
                        "gen_ai.usage.output_tokens is candidatesTokenCount alone (32, 38: the thinking left out) and "
                        "gen_ai.usage.total_tokens totalTokenCount (1290, 1478: the thinking in); no reasoning count.",
                        "The streamed call's span has the last chunk's text alone as its answer (gen_ai.output.messages).",
                        "error: the model call gets HTTP 400 with a Gemini error body."])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
