"""Record the Google Gen AI SDK traced by OpenInference's ``openinference-instrumentation-google-genai``.

Run: ``python tests/clients/record_google_genai_openinference.py`` (creates its own venv).
The newest google-genai on the Gemini API (the client of ``record_google_genai.py``,
pointed at the fake LLM with ``HttpOptions(base_url=...)``), calling
``gemini-2.5-flash``, a thinking model, with the tool loop of
``record_vertex_ai.py``: automatic function calling off, model call 1
(``generate_content``) asks for ``get_weather``, the script runs it and sends
its result back in model call 2, streamed (``generate_content_stream``).
``GoogleGenAIInstrumentor().instrument(tracer_provider=...)`` as Arize Phoenix's
docs set it up, on the plain OTel SDK (OTLP/HTTP protobuf).
"""

from __future__ import annotations

from pathlib import Path

from fakellm import THINKING_USAGE
from record_google_genai import CLIENT, IMPORTS
from record_vertex_ai import tool_loop
from recording import (
    FAKE_KEY,
    OTEL_SDK_PACKAGES,
    OTEL_SDK_SETUP,
    Recording,
    installed_versions,
    otel_env,
    recorder_main,
)

NAME = "google_genai_openinference"
PACKAGES = ["google-genai==3.6.1", "openinference-instrumentation-google-genai==1.4.14", *OTEL_SDK_PACKAGES]

INSTRUMENT = '''from openinference.instrumentation.google_genai import GoogleGenAIInstrumentor

GoogleGenAIInstrumentor().instrument(tracer_provider=tracer_provider)
'''

#: Both model calls' usage: each answer's output includes thinking tokens, each prompt cached ones.
USAGE_NOTE = ("Each answer's output includes thinking tokens (thoughtsTokenCount on the wire, beside "
              "candidatesTokenCount); the prompt count includes the cached tokens (cachedContentTokenCount).")


def agent(instrument: str) -> str:
    """The tool loop on the Gemini API, instrumented by ``instrument`` (Python source run after the
    OTel SDK is set up and google-genai imported)."""
    return OTEL_SDK_SETUP + IMPORTS + instrument + tool_loop(CLIENT)


def record_genai(name: str, python: Path, instrument: str, *, versions: list[str], notes: list[str],
                 recorder: str) -> None:
    """Record the two runs of ``agent(instrument)`` into ``fixtures/<name>/`` (traces, logs, metrics)."""
    with Recording(name, usage=THINKING_USAGE) as rec:
        env = otel_env(rec.cap.url, service_name=f"{name.replace('_', '-')}-recording")
        env |= {"FAKELLM_URL": rec.llm.url, "GEMINI_API_KEY": FAKE_KEY}
        script = agent(instrument)
        rec.run_python("ok", python, script, env)
        rec.run_python("error", python, script, env, mode="error")
        rec.save(packages=installed_versions(python, versions), env=env, recorder=recorder, notes=notes)


def record(python: Path) -> None:
    record_genai(NAME, python, INSTRUMENT, recorder=Path(__file__).name,
                 versions=["google-genai", "openinference-instrumentation-google-genai", "openinference-instrumentation",
                           "opentelemetry-sdk"],
                 notes=["google-genai on the Gemini API, automatic function calling off: call 1 generate_content "
                        "(asks for get_weather), the script runs the tool, call 2 generate_content_stream (answers).",
                        USAGE_NOTE,
                        "llm.token_count.completion counts the thinking in (56, 78), given also as "
                        "llm.token_count.completion_details.reasoning; llm.token_count.prompt the cached tokens "
                        "(llm.token_count.prompt_details.cache_read).",
                        "error: the model call gets HTTP 400 with a Gemini error body."])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
