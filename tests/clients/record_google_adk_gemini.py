"""Record Google ADK calling Gemini itself (its default model path, google-genai; no LiteLLM).

Run: ``python tests/clients/record_google_adk_gemini.py`` (creates its own venv).
ADK uses the global OTel providers, set up here by the OTel SDK with OTLP/HTTP
protobuf exporters (traces, logs, metrics), and the agent is ``record_google_adk.py``'s.
The agent's model is the string ``gemini-2.5-flash``: ADK resolves it to its
own ``Gemini`` model class, which calls the Gemini API through google-genai.
google-genai is pointed at the fake LLM with ``GOOGLE_GEMINI_BASE_URL`` and a
fake API key (``GOOGLE_GENAI_USE_VERTEXAI=false``: the Gemini API, not Vertex AI).
"""

from __future__ import annotations

from pathlib import Path

from fakellm import THINKING_USAGE
from record_google_adk import adk_agent
from recording import FAKE_KEY, Recording, installed_versions, otel_env, recorder_main

NAME = "google_adk_gemini"
# ADK pins its own OpenTelemetry range: the SDK and exporter are pinned to what it resolves to.
PACKAGES = ["google-adk==2.15.0", "google-genai==2.34.0", "opentelemetry-sdk==1.44.0",
            "opentelemetry-exporter-otlp-proto-http==1.44.0"]


AGENT = adk_agent('"gemini-2.5-flash"')


def gemini_env(rec: Recording) -> dict[str, str]:
    """What points ADK's Gemini client at the fake LLM (the Gemini API, not Vertex), the text captured."""
    return {
        "GOOGLE_GEMINI_BASE_URL": rec.llm.url,
        "GOOGLE_API_KEY": FAKE_KEY,
        "GOOGLE_GENAI_USE_VERTEXAI": "false",
        "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "true",
    }


def record(python: Path) -> None:
    with Recording(NAME, usage=THINKING_USAGE) as rec:
        env = otel_env(rec.cap.url, service_name="google-adk-gemini-recording")
        env |= gemini_env(rec)
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error")
        rec.save(
            packages=installed_versions(python, ["google-adk", "google-genai", "opentelemetry-sdk"]),
            env=env,
            recorder=Path(__file__).name,
            notes=[
                "Agent(model='gemini-2.5-flash'): ADK's own Gemini model class through google-genai "
                "(no LiteLLM), pointed at the fake LLM by GOOGLE_GEMINI_BASE_URL.",
                "Each answer's output includes thinking tokens (thoughtsTokenCount on the wire); the prompt "
                "count includes the cached tokens (cachedContentTokenCount).",
                "error: the model call gets HTTP 400 with a Gemini error body.",
            ],
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
