"""Record Google ADK calling Gemini itself (its default model path, google-genai; no LiteLLM).

Run: ``python tests/clients/record_google_adk_gemini.py`` (creates its own venv).
ADK uses the global OTel providers, set up here by the OTel SDK with OTLP/HTTP
protobuf exporters (traces, logs, metrics), as in ``record_google_adk.py``.
The agent's model is the string ``gemini-2.5-flash``: ADK resolves it to its
own ``Gemini`` model class, which calls the Gemini API through google-genai.
google-genai is pointed at the fake LLM with ``GOOGLE_GEMINI_BASE_URL`` and a
fake API key (``GOOGLE_GENAI_USE_VERTEXAI=false``: the Gemini API, not Vertex AI).
"""

from __future__ import annotations

from pathlib import Path

from fakellm import DEFAULT_USAGE, Usage
from recording import FAKE_KEY, OTEL_SDK_SETUP, Recording, installed_versions, otel_env, recorder_main

NAME = "google_adk_gemini"
# ADK pins its own OpenTelemetry range: the SDK and exporter are pinned to what it resolves to.
PACKAGES = ["google-adk==2.13.0", "google-genai==2.34.0", "opentelemetry-sdk==1.44.0",
            "opentelemetry-exporter-otlp-proto-http==1.44.0"]

#: Gemini 2.5 thinks before it answers: each answer's output includes thinking tokens
#: (thoughtsTokenCount on the wire, billed as output); Gemini reports no cache writes.
USAGE = {kind: Usage(u.input, u.output, u.cached, 0, reasoning) for (kind, u), reasoning
         in zip(DEFAULT_USAGE.items(), (24, 40, 0, 0), strict=True)}

AGENT = OTEL_SDK_SETUP + '''
import asyncio, sys
from google.adk.agents import Agent
from google.adk.runners import InMemoryRunner
from google.genai import types


def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"Sunny, 22 C in {city}"


agent = Agent(
    name="weather_agent",
    model="gemini-2.5-flash",
    instruction="Answer weather questions with the get_weather tool.",
    tools=[get_weather],
)


async def main():
    runner = InMemoryRunner(agent=agent, app_name="weather_app")
    session = await runner.session_service.create_session(app_name="weather_app", user_id="user-1")
    msg = types.Content(role="user", parts=[types.Part(text="What is the weather in Paris?")])
    final = None
    async for event in runner.run_async(user_id="user-1", session_id=session.id, new_message=msg):
        if event.is_final_response() and event.content and event.content.parts:
            final = event.content.parts[0].text
        if getattr(event, "error_code", None):
            raise RuntimeError(f"{event.error_code}: {event.error_message}")
    return final


code = 0
try:
    print("FINAL:", asyncio.run(main()))
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
finally:
    otel_shutdown()
sys.exit(code)
'''


def record(python: Path) -> None:
    with Recording(NAME, usage=USAGE) as rec:
        env = otel_env(rec.cap.url, service_name="google-adk-gemini-recording")
        env |= {
            "GOOGLE_GEMINI_BASE_URL": rec.llm.url,
            "GOOGLE_API_KEY": FAKE_KEY,
            "GOOGLE_GENAI_USE_VERTEXAI": "false",
            "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "true",
        }
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
