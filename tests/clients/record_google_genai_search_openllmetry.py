"""Record the Google Gen AI SDK calling Gemini with built-in tools, traced by OpenLLMetry's
``opentelemetry-instrumentation-google-generativeai``.

Run: ``python tests/clients/record_google_genai_search_openllmetry.py`` (creates its own venv).
The turn of ``record_google_genai_search_openinference.py`` (Google Search, then code execution,
streamed) with the instrumentation of ``record_google_genai_openllmetry.py``
(``GoogleGenerativeAiInstrumentor().instrument()`` as ``traceloop-sdk`` sets it up).
"""

from __future__ import annotations

from pathlib import Path

from record_google_genai_openllmetry import INSTRUMENT
from record_google_genai_search_openinference import record_builtin_tools
from recording import OTEL_SDK_PACKAGES, recorder_main

NAME = "google_genai_search_openllmetry"
PACKAGES = ["google-genai==3.6.1", "opentelemetry-instrumentation-google-generativeai==0.62.4", *OTEL_SDK_PACKAGES]


def record(python: Path) -> None:
    record_builtin_tools(NAME, python, INSTRUMENT, recorder=Path(__file__).name,
                         versions=["google-genai", "opentelemetry-instrumentation-google-generativeai",
                                   "opentelemetry-semantic-conventions-ai", "opentelemetry-sdk"],
                         notes=["gen_ai.usage.input_tokens = promptTokenCount (412, 530), gen_ai.usage.output_tokens = "
                                "candidatesTokenCount (96, 61), gen_ai.usage.total_tokens = totalTokenCount (2252, 967), "
                                "gen_ai.usage.cache_read.input_tokens = cachedContentTokenCount (128); neither "
                                "toolUsePromptTokenCount nor thoughtsTokenCount is sent: they are one sum in the total "
                                "(1744 = 1536 + 208, 376 = 244 + 132). The built-in tool is gen_ai.tool.definitions = "
                                "[{\"google_search\": {}}] ([{\"code_execution\": {}}]).",
                                "The streamed calls' spans keep the last chunk's text alone as the answer "
                                "(gen_ai.output.messages)."])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
