"""Record a LiveKit Agents session, text only, traced by LiveKit's own OpenTelemetry tracing.

Run: ``python tests/clients/record_livekit_agents.py`` (creates its own venv).
No LiveKit server and no room: an ``AgentSession(llm=openai.LLM(base_url=<fake LLM>/v1, ...,
model="gpt-4o-mini"))`` with no STT, TTS or VAD is driven as LiveKit's testing guide drives one,
``async with AgentSession(...) as session: await session.start(agent); await
session.run(user_input=...)``; the ``Agent`` (instructions, ``@function_tool`` ``get_weather(city)``)
answers in one turn: the model asks for the tool, LiveKit runs it and calls the model again.
``livekit-plugins-openai``'s ``LLM`` uses Chat Completions, streamed with
``stream_options.include_usage``. A refused call raises ``APIStatusError`` (400, not retried)
out of ``session.run`` (exit code 3).

Tracing as LiveKit's documentation sets it up: a ``TracerProvider`` of the OTel SDK with a batch
processor of an ``OTLPSpanExporter`` (the standard ``OTEL_*`` variables), handed to
``livekit.agents.telemetry.set_tracer_provider`` (not made the global provider: LiveKit keeps its
own tracer on it).

What it sends, seen in the recording (scope ``livekit-agents``, every span INTERNAL): the root
``agent_session`` (``gen_ai.operation.name`` ``invoke_workflow``), in it ``session_start`` >
``start_agent_activity`` (``create_agent``) > ``on_enter``, ``setup_toolsets``; one ``agent_turn``
(``invoke_agent``, ``gen_ai.agent.name`` ``weather_agent``, the user's text as
``lk.pii.user_input``, the answer as ``lk.pii.response.text``) holding per model call an
``llm_node`` (the chat context as ``lk.pii.chat_ctx``) > ``llm_request`` (``chat``: the request's
model, ``gen_ai.provider.name`` the base URL's host and port, ``gen_ai.input.messages`` /
``output.messages`` / ``system_instructions`` / ``tool.definitions``, the usage the API sent:
``gen_ai.usage.input_tokens`` with the cached tokens in, ``cache_read.input_tokens`` and its older
spelling ``input_cached_tokens``, the response id and model) > ``llm_request_run`` (one try: model,
provider, ``lk.retry_count``); the ``function_tool`` span (``execute_tool``, the call id,
arguments and result) and ``agent_speaking``; then ``session_close`` > ``drain_agent_activity``
> ``on_exit``. No span carries a session id: LiveKit stamps ``gen_ai.conversation.id`` (the
room's sid) only inside a job, which a room-less session has not. A refused call fails
``llm_request_run``, ``llm_request`` (``error.type`` ``400``), ``llm_node`` and ``agent_turn``,
each with an exception event; the session spans end UNSET.
"""

from __future__ import annotations

from pathlib import Path

from recording import record_turns, recorder_main

NAME = "livekit_agents"
PACKAGES = ["livekit-agents==1.8.9", "livekit-plugins-openai==1.8.9", "opentelemetry-sdk==1.45.2",
            "opentelemetry-exporter-otlp-proto-http==1.45.2"]

AGENT = '''
import asyncio, os, sys
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from livekit.agents import Agent, AgentSession, function_tool
from livekit.agents.telemetry import set_tracer_provider
from livekit.plugins import openai

tracer_provider = TracerProvider(resource=Resource.create())
tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
set_tracer_provider(tracer_provider)


class WeatherAgent(Agent):
    def __init__(self):
        super().__init__(instructions="Answer weather questions with the get_weather tool.")

    @function_tool
    async def get_weather(self, city: str) -> str:
        """Get the current weather for a city."""
        return f"Sunny, 22 C in {city}"


async def main():
    llm = openai.LLM(base_url=os.environ["OPENAI_BASE_URL"], api_key=os.environ["OPENAI_API_KEY"],
                     model="gpt-4o-mini")
    async with AgentSession(llm=llm) as session:
        await session.start(WeatherAgent())
        result = await session.run(user_input="What is the weather in Paris?")
    print("FINAL:", result.events[-1].item.text_content)


code = 0
try:
    asyncio.run(main())
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
finally:
    tracer_provider.shutdown()
sys.exit(code)
'''


def record(python: Path) -> None:
    record_turns(
        NAME, python, AGENT,
        versions=["livekit-agents", "livekit-plugins-openai", "openai", "opentelemetry-sdk",
                  "opentelemetry-exporter-otlp-proto-http"],
        notes=["No LiveKit server, no room, no STT/TTS/VAD: AgentSession(llm=openai.LLM(base_url=<fake LLM>, "
               "model='gpt-4o-mini')) in an async with, session.start(agent), session.run(user_input=...), "
               "as LiveKit's testing guide drives a session; the Agent's @function_tool get_weather(city).",
               "set_tracer_provider(TracerProvider with a BatchSpanProcessor(OTLPSpanExporter())), LiveKit's "
               "documented set-up; no metadata, so no span names a session (gen_ai.conversation.id is the "
               "room's sid, stamped only inside a job).",
               "gen_ai.provider.name is the base URL's host and port (the fake LLM's 127.0.0.1:<port>; "
               "api.openai.com against OpenAI)."],
        recorder="record_livekit_agents.py")


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
