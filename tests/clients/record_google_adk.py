"""Record Google ADK (LiteLLM model pointing at the fake OpenAI-compatible API).

Run: ``python tests/clients/record_google_adk.py`` (creates its own venv).
ADK uses the global OTel providers, set up here by the OTel SDK with OTLP/HTTP
protobuf exporters (traces, logs, metrics).  LiteLLM is told to use its
bundled price map so it does not fetch one at import.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from recording import FAKE_KEY, OTEL_SDK_SETUP, Recording, installed_versions, otel_env, recorder_main

NAME = "google_adk"
# ADK pins its own OpenTelemetry range, so the SDK and exporter are left to the resolver.
PACKAGES = ["google-adk==2.15.0", "litellm==1.110.2", "opentelemetry-sdk", "opentelemetry-exporter-otlp-proto-http"]


def adk_agent(model: str, imports: str = "") -> str:
    """The recorded agent: one ADK ``Agent`` with ``get_weather`` on ``model`` (a Python
    expression), one turn through a ``Runner``; ``imports``: what ``model`` needs."""
    return OTEL_SDK_SETUP + f'''
import asyncio, sys
from google.adk.agents import Agent
from google.adk.runners import Runner
from google.adk.sessions import InMemorySessionService
from google.genai import types
{imports}

def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"Sunny, 22 C in {{city}}"


agent = Agent(
    name="weather_agent",
    model={model},
    instruction="Answer weather questions with the get_weather tool.",
    tools=[get_weather],
)
''' + '''

async def main():
    sessions = InMemorySessionService()
    runner = Runner(agent=agent, app_name="weather_app", session_service=sessions)
    session = await sessions.create_session(app_name="weather_app", user_id="user-1")
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


AGENT = adk_agent('LiteLlm(model="openai/gpt-4o-mini", api_base=os.environ["OPENAI_BASE_URL"], '
                  'api_key=os.environ["OPENAI_API_KEY"])', "from google.adk.models.lite_llm import LiteLlm")


def record_litellm_agent(python: Path, name: str, agent: str, service: str, model_env: Callable[[Recording], dict],
                         versions: list[str], note: str, recorder: str) -> None:
    """Record ``agent`` (``adk_agent`` on a LiteLLM model) as fixture ``name``: ADK's telemetry
    to the capture server as ``service``, the model's endpoint and key from ``model_env(rec)``,
    LiteLLM on its bundled price map, message content captured; the ok and error runs."""
    with Recording(name) as rec:
        env = otel_env(rec.cap.url, service_name=service)
        env |= {
            **model_env(rec),
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "true",
        }
        rec.run_python("ok", python, agent, env)
        rec.run_python("error", python, agent, env, mode="error")
        rec.save(packages=installed_versions(python, versions), env=env, recorder=recorder, notes=[note])


def record(python: Path) -> None:
    record_litellm_agent(
        python, NAME, AGENT, "google-adk-recording",
        lambda rec: {"OPENAI_BASE_URL": rec.llm.openai_base_url, "OPENAI_API_KEY": FAKE_KEY},
        ["google-adk", "litellm", "google-genai", "openai", "opentelemetry-sdk"],
        "LiteLlm('openai/gpt-4o-mini') against the fake chat completions endpoint.", Path(__file__).name)


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
