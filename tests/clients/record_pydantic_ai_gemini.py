"""Record pydantic-ai's built-in OpenTelemetry instrumentation with Google Gemini (``GoogleModel``).

Run: ``python tests/clients/record_pydantic_ai_gemini.py`` (creates its own venv).
The agent turn of ``record_pydantic_ai.py`` (``Agent.instrument_all()``, the OTel
SDK exporting traces, logs and metrics as OTLP/HTTP protobuf) with the model
string ``google:gemini-2.5-flash`` (earlier pydantic-ai spelled it
``google-gla:``): pydantic-ai's ``GoogleModel`` on the Gemini API through
google-genai, pointed at the fake LLM by ``GOOGLE_GEMINI_BASE_URL`` with a
fake ``GOOGLE_API_KEY`` (``gemini_env``, shared with the ADK-on-Gemini recorder). Gemini 2.5 thinks
before it answers: its usage counts thinking tokens (``thoughtsTokenCount``,
billed as output) beside the answer's (``candidatesTokenCount``), and cached
tokens (``cachedContentTokenCount``) inside the prompt's; what matters is how
pydantic-ai passes them on.
"""

from __future__ import annotations

from pathlib import Path

from fakellm import THINKING_USAGE
from record_google_adk_gemini import gemini_env
from record_pydantic_ai import agent_source
from recording import OTEL_SDK_PACKAGES, Recording, installed_versions, otel_env, recorder_main

NAME = "pydantic_ai_gemini"
PACKAGES = ["pydantic-ai-slim[google]==2.78.0", "google-genai==2.34.0", *OTEL_SDK_PACKAGES]
MODEL = "google:gemini-2.5-flash"

AGENT = agent_source(f'"{MODEL}"')


def record(python: Path) -> None:
    with Recording(NAME, usage=THINKING_USAGE) as rec:
        env = otel_env(rec.cap.url, service_name="pydantic-ai-gemini-recording")
        env |= gemini_env(rec)
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error")
        rec.save(
            packages=installed_versions(python, ["pydantic-ai-slim", "google-genai", "opentelemetry-sdk",
                                                 "opentelemetry-api"]),
            env=env,
            recorder=Path(__file__).name,
            notes=[
                f"Model string '{MODEL}': GoogleModel with GoogleProvider (google-genai, the Gemini API), "
                "pointed at the fake LLM by GOOGLE_GEMINI_BASE_URL; default InstrumentationSettings.",
                "Each answer's output includes thinking tokens (thoughtsTokenCount on the wire); the prompt "
                "count includes the cached tokens (cachedContentTokenCount).",
                "error: the model call gets HTTP 400 with a Gemini error body.",
            ],
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
