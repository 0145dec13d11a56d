"""Spans of message-passing operations (OTel's messaging conventions) are no model, tool or agent calls.

AutoGen's agent runtime (autogen-core's ``SingleThreadedAgentRuntime``, on the global tracer
provider) traces every message between the agents of an AgentChat team: ``autogen {operation}
{recipient}``, with ``messaging.operation`` and ``messaging.destination``. Guessed by their names,
the group chat manager's (``RoundRobinGroupChatManager_…``) were model calls (the word "Chat") and
each agent's container (``weather_agent_…``) an agent naming none; the model calls counted were
eleven where the fake LLM served three.
"""

from __future__ import annotations

import pytest

from agenttrace_tui.ingest.otlp_decode import build_span
from agenttrace_tui.model import SpanKind
from agenttrace_tui.normalize import conventions as cv

#: autogen-core 0.7.5's runtime spans, as recorded (tests/clients/fixtures/autogen_team).
TEAM = "3620399b-7fec-4b95-b730-21b3bd65d348"
MANAGER = f"RoundRobinGroupChatManager_{TEAM}.({TEAM})-A"
PROCESS = {"sender_agent_type": f"weather_agent_{TEAM}", "sender_agent_class": "ChatAgentContainer",
           "recipient_agent_type": f"RoundRobinGroupChatManager_{TEAM}", "recipient_agent_class": "RoundRobinGroupChatManager",
           "message": '{"message":{"source":"weather_agent","models_usage":{"prompt_tokens":1234,"completion_tokens":56}}}'}


def span(name: str, attrs: dict):
    return build_span("ab" * 16, "cd" * 8, None, name, 1_000, 2_000, dict(attrs), [], (), 0, "", "s")


@pytest.mark.parametrize(("name", "attrs"), [
    (f"autogen create {MANAGER}", {"messaging.operation": "create", "messaging.destination": MANAGER,
                                   "messaging.message.type": "GroupChatStart"}),
    (f"autogen send {MANAGER}", {"messaging.operation": "send", "messaging.destination": MANAGER}),
    (f"autogen process {MANAGER}", {**PROCESS, "messaging.operation": "process", "messaging.destination": MANAGER}),
    (f"autogen process weather_agent_{TEAM}.({TEAM})-A",
     {"messaging.operation": "process", "messaging.destination": f"weather_agent_{TEAM}.({TEAM})-A"}),
    (f"autogen publish weather_agent_{TEAM}.({TEAM})-T",
     {"messaging.operation": "publish", "messaging.destination": f"weather_agent_{TEAM}.({TEAM})-T"}),
    # The conventions' current key.
    ("publish chat_requests", {"messaging.operation.type": "send", "messaging.system": "kafka"}),
])
def test_a_message_passing_span_is_no_call(name: str, attrs: dict) -> None:
    # The general path, then the compiled one (a recipe is compiled after enough spans of a key set).
    for _ in range(300):
        got = span(name, attrs)
        assert got.kind is SpanKind.CUSTOM and got.usage is None and got.agent is None and got.tool is None, got


def test_a_genai_operation_still_says_the_kind() -> None:
    """A span that says its GenAI operation is that operation's, messaging keys beside it or not."""
    got = span("chat gpt-4o-mini", {"gen_ai.operation.name": "chat", "messaging.operation": "process",
                                    "gen_ai.request.model": "gpt-4o-mini"})
    assert got.kind is SpanKind.LLM_CALL
    assert cv.kind_from_attributes({"messaging.operation": " "}) == (None, None)
