"""Record an AgentScope agent traced by AgentScope's own OpenTelemetry tracing.

Run: ``python tests/clients/record_agentscope.py`` (creates its own venv).
One ``Agent`` of AgentScope 2.0.11 (the ReAct agent of 2.x: reason, act, repeat) named
``weather_agent``, with a ``Toolkit`` of one ``FunctionTool``, ``get_weather`` (allowed
without asking: ``PermissionDecision(ALLOW)``), on ``OpenAIChatModel("gpt-4o-mini")`` whose
``OpenAICredential.base_url`` is the fake LLM (Chat Completions, streamed with
``stream_options.include_usage``, AgentScope's default); one ``await agent.reply(UserMsg(...))``.

AgentScope 2.x traces through its ``TracingMiddleware`` (in the agent's ``middlewares``): an
``invoke_agent`` span per reply, a ``chat`` span per model call and an ``execute_tool`` span per
tool call, on the tracer ``agentscope``, written only when the global tracer provider is the
SDK's. 1.x's ``agentscope.init(tracing_url=...)`` / ``setup_tracing(endpoint)`` is gone in 2.x; the
script sets up what it did (the SDK's ``TracerProvider``, a ``BatchSpanProcessor`` of OTLP/HTTP
protobuf to the capture server) with ``OTEL_SDK_SETUP``.

Two recordings (the command line names them, both by default):

* ``fixtures/agentscope/``: ``OpenAIChatModel("gpt-4o-mini")`` as above;
* ``fixtures/agentscope_anthropic/``: the same agent on ``AnthropicChatModel("claude-sonnet-4-5")`` whose
  ``AnthropicCredential.base_url`` is the fake Messages API (streamed, AgentScope's default; anthropic 2.17.0).
"""

from __future__ import annotations

from pathlib import Path

from recording import (
    FAKE_KEY,
    OTEL_SDK_PACKAGES,
    OTEL_SDK_SETUP,
    Recording,
    guarded,
    openai_env,
    record_turns,
    recorder_main,
)

NAME = "agentscope"
ANTHROPIC = "agentscope_anthropic"
PACKAGES = ["agentscope==2.0.11", "openai==3.63.0", "anthropic==2.17.0", *OTEL_SDK_PACKAGES]

AGENT_TEMPLATE = OTEL_SDK_SETUP + '''
import asyncio, sys
from agentscope.agent import Agent
from agentscope.message import UserMsg
from agentscope.middleware import TracingMiddleware
from agentscope.permission import PermissionBehavior, PermissionDecision
from agentscope.tool import FunctionTool, Toolkit


def get_weather(city: str) -> str:
    """Get the current weather for a city.

    Args:
        city (`str`): The city name.
    """
    return f"Sunny, 22 C in {city}"


__MODEL__
toolkit = Toolkit(tools=[FunctionTool(
    get_weather, permission=PermissionDecision(behavior=PermissionBehavior.ALLOW, message="read-only"))])
agent = Agent(name="weather_agent", system_prompt="Answer weather questions with the get_weather tool.",
              model=model, toolkit=toolkit, middlewares=[TracingMiddleware()])
''' + guarded('''
reply = asyncio.run(agent.reply(UserMsg(name="user", content="What is the weather in Paris?")))
print("FINAL:", reply.get_text_content())
''')


OPENAI_MODEL = '''from agentscope.credential import OpenAICredential
from agentscope.model import OpenAIChatModel

model = OpenAIChatModel(
    credential=OpenAICredential(api_key=os.environ["OPENAI_API_KEY"], base_url=os.environ["OPENAI_BASE_URL"]),
    model="gpt-4o-mini",
)'''
ANTHROPIC_MODEL = '''from agentscope.credential import AnthropicCredential
from agentscope.model import AnthropicChatModel

model = AnthropicChatModel(
    credential=AnthropicCredential(api_key=os.environ["ANTHROPIC_API_KEY"], base_url=os.environ["ANTHROPIC_BASE_URL"]),
    model="claude-sonnet-4-5",
)'''
AGENT = AGENT_TEMPLATE.replace("__MODEL__", OPENAI_MODEL, 1)
ANTHROPIC_AGENT = AGENT_TEMPLATE.replace("__MODEL__", ANTHROPIC_MODEL, 1)

NOTES = ("AgentScope 2.0.11: one Agent (weather_agent) with a Toolkit of one FunctionTool (get_weather, "
         "PermissionDecision ALLOW) on {model} at the fake LLM ({credential} base_url; {api}), one "
         "agent.reply(UserMsg(...)); traced by AgentScope's TracingMiddleware on the OTel SDK's global tracer "
         "provider (OTLP/HTTP protobuf), what 1.x's setup_tracing(endpoint) set up.")
VERSIONS = ["agentscope", "openai", "anthropic", "opentelemetry-sdk", "opentelemetry-api",
            "opentelemetry-semantic-conventions"]


def anthropic_env(rec: Recording) -> dict[str, str]:
    """What points AgentScope's Anthropic model at the fake Messages API."""
    return {"ANTHROPIC_BASE_URL": rec.llm.url, "ANTHROPIC_API_KEY": FAKE_KEY}


def record(python: Path, name: str = NAME) -> None:
    if name == ANTHROPIC:
        record_turns(name, python, ANTHROPIC_AGENT, recorder=Path(__file__).name, versions=VERSIONS,
                     client_env=anthropic_env,
                     notes=[NOTES.format(model="AnthropicChatModel('claude-sonnet-4-5')", credential="AnthropicCredential",
                                         api="the streamed Messages API")])
        return
    record_turns(name, python, AGENT, recorder=Path(__file__).name, versions=VERSIONS, client_env=openai_env,
                 notes=[NOTES.format(model="OpenAIChatModel('gpt-4o-mini')", credential="OpenAICredential",
                                     api="streamed Chat Completions with include_usage")])


VARIANTS = (NAME, ANTHROPIC)

if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record, variants=VARIANTS)
