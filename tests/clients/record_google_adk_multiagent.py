"""Record a multi-agent run of Google ADK: a root agent that transfers to a sub-agent, ADK's own
OpenTelemetry tracing exported as OTLP/HTTP protobuf (all signals).

Run: ``python tests/clients/record_google_adk_multiagent.py`` (creates its own venv).
The pins, the model (``LiteLlm("openai/gpt-4o-mini")`` at the fake chat completions API) and
the OTel set-up are ``record_google_adk.py``'s. The root agent has no tool of its own, only
``sub_agents=[weather_agent]``; the weather agent answers itself (``disallow_transfer_to_parent``
and ``_to_peers``, so it is offered ``get_weather`` only). ADK offers its model the ``transfer_to_agent`` function, which
the fake LLM is scripted to call with ``agent_name="weather_agent"`` (``tool_answers``). ADK then
runs the weather agent on the conversation, scripted to call ``get_weather`` first, then
answered with text quoting the tool's result. The ``error`` run refuses only the requests
offering ``get_weather`` (the weather agent's): the transfer succeeds, the sub-agent's call fails.
"""

from __future__ import annotations

from pathlib import Path

from record_google_adk import PACKAGES
from recording import FAKE_KEY, OTEL_SDK_SETUP, Recording, installed_versions, otel_env, recorder_main

NAME = "google_adk_multiagent"

#: The root agent's transfer, then the weather agent's one tool call.
TOOL_ANSWERS = {"transfer_to_agent": [{"agent_name": "weather_agent"}], "get_weather": [{"city": "Paris"}]}

AGENT = OTEL_SDK_SETUP + '''
import asyncio, sys
from google.adk.agents import Agent
from google.adk.models.lite_llm import LiteLlm
from google.adk.runners import Runner
from google.adk.sessions import InMemorySessionService
from google.genai import types


def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"Sunny, 22 C in {city}"


def model():
    return LiteLlm(model="openai/gpt-4o-mini", api_base=os.environ["OPENAI_BASE_URL"],
                   api_key=os.environ["OPENAI_API_KEY"])


weather_agent = Agent(
    name="weather_agent",
    model=model(),
    description="Answers questions about the weather.",
    instruction="Answer weather questions with the get_weather tool.",
    tools=[get_weather],
    # A specialist that answers itself: no transfer back to the root agent or to a peer.
    disallow_transfer_to_parent=True,
    disallow_transfer_to_peers=True,
)

root_agent = Agent(
    name="root_agent",
    model=model(),
    instruction="Transfer weather questions to the weather_agent.",
    sub_agents=[weather_agent],
)


async def main():
    sessions = InMemorySessionService()
    runner = Runner(agent=root_agent, app_name="weather_app", session_service=sessions)
    session = await sessions.create_session(app_name="weather_app", user_id="user-1")
    msg = types.Content(role="user", parts=[types.Part(text="What is the weather in Paris?")])
    final = None
    async for event in runner.run_async(user_id="user-1", session_id=session.id, new_message=msg):
        print("EVENT:", event.author, [p.function_call.name if p.function_call else (p.text or "")[:60]
                                       for p in (event.content.parts if event.content else []) or []])
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
    with Recording(NAME, tool_answers=TOOL_ANSWERS) as rec:
        env = otel_env(rec.cap.url, service_name="google-adk-multiagent-recording")
        env |= {
            "OPENAI_BASE_URL": rec.llm.openai_base_url,
            "OPENAI_API_KEY": FAKE_KEY,
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "true",
        }
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error", refuse_offering="get_weather")
        rec.save(
            packages=installed_versions(python, ["google-adk", "litellm", "google-genai", "openai",
                                                 "opentelemetry-sdk"]),
            env=env,
            recorder=Path(__file__).name,
            notes=[
                "LiteLlm('openai/gpt-4o-mini') against the fake chat completions endpoint, for both agents.",
                "Two agents: 'root_agent' (sub_agents=[weather_agent], no tool) transfers to 'weather_agent' "
                "(tool get_weather) by ADK's transfer_to_agent function.",
                "The fake LLM's scripted tool answers (fakellm_tool_answers): the root agent's call gets "
                "transfer_to_agent(agent_name='weather_agent'), the weather agent's first get_weather(city='Paris').",
                "error run: only the requests offering get_weather (the weather agent's) are refused (HTTP 400); "
                "the root agent's transfer call is answered as in the ok run.",
            ],
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
