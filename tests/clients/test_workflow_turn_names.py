"""Each turn of an agent framework whose root span has one name on every turn is named by its prompt.

LangGraph names every run's root ``LangGraph``, Agno and smolagents ``Agent.run`` / ``<team>.run`` /
``ToolCallingAgent.run``, Google ADK ``invoke_workflow <agent>`` (OpenInference's ``invocation [<app>]``),
the OpenAI Agents SDK ``Agent workflow`` (``Agent Workflow`` through OpenLLMetry, ``OpenAI Agents trace:
Agent workflow`` through logfire), LlamaIndex ``FunctionAgent.run``, Haystack ``Agent.run``
(``haystack.agent.run`` by its own tracing), the Vercel AI SDK 4-6 ``ai.generateText`` / ``ai.streamText``,
VoltAgent its agent's name, CrewAI a crew's kickoff ``Crew_<id>.kickoff`` (``crewai.workflow`` through
OpenLLMetry): a session of ten turns listed ten rows of one name (a crew's, of none). Some of those roots
carry the turn's input the OpenInference way (``llm.input_messages.<i>.*``, ``input.value``), the AI SDK's
in its ``ai.prompt``, VoltAgent's in its ``input``, a crew's its tasks (the first one's description is what
it was asked); the OpenAI Agents SDK's, Google ADK's, LlamaIndex's and Haystack's own tracing's carry none,
and their turn's prompt is the user's text the turn's first model call was sent (in the call's span, or in
the ``gen_ai.client.inference.operation.details`` record logged in it). The monitor names each such turn by
the first line of that text, live, in the file and in a replay. Replays of the real recordings into the
real Monitor; the expected names are read here from the recorded requests with the OpenTelemetry protobuf
classes, and found in the script the recorder ran.
"""

from __future__ import annotations

import ast
import asyncio
import base64
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from recording import read_body
from show import attrs, load
from test_agent_turn_names import RECORDERS
from test_cli_turn_names import _expected
from test_codex_turn_names import assert_turns_named
from test_conformance import FIXTURES, _replay

#: Root span names a framework gives every turn (whole names), and how some begin or end.
ROOT_NAMES = {"LangGraph", "Agent workflow", "Agent Workflow", "OpenAI Agents trace: Agent workflow", "crewai.workflow",
              "haystack.agent.run", "ai.generateText", "ai.streamText", "ai.generateObject", "ai.streamObject"}
ROOT_BEGINNINGS = ("invoke_workflow ", "invocation [")
ROOT_ENDINGS = (".run", ".kickoff")
#: The instrumentation scopes whose roots those are (an app's own span of such a name is another matter).
SCOPES = ("openinference.instrumentation.langchain", "@arizeai/openinference-instrumentation-langchain",
          "openinference.instrumentation.agno", "openinference.instrumentation.smolagents",
          "openinference.instrumentation.google_adk", "gcp.vertex.agent", "openinference.instrumentation.openai_agents",
          "@arizeai/openinference-instrumentation-openai-agents", "opentelemetry.instrumentation.openai_agents",
          "logfire.openai_agents", "openinference.instrumentation.crewai", "openinference.instrumentation.llama_index",
          "opentelemetry.instrumentation.crewai.instrumentation", "openinference.instrumentation.haystack",
          "haystack", "ai")
#: Instrumentation scopes whose every root is a turn's, whatever its name (VoltAgent's: named after its agent).
ANY_ROOT_SCOPES = ("@voltagent/core",)


def _workflow_root(span: dict[str, Any], scope: str, a: dict[str, Any]) -> bool:
    name = a.get("logfire.msg", span["name"])  # (logfire names a span by its template: the message is its name)
    return not span.get("parentSpanId") and (scope in ANY_ROOT_SCOPES or (scope in SCOPES and (
        name in ROOT_NAMES or name.startswith(ROOT_BEGINNINGS) or name.endswith(ROOT_ENDINGS))))


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "\n".join(p.get("content", p.get("text", "")) for p in content or () if isinstance(p, dict)
                     and p.get("type", "text") == "text")


def _user_in(messages: Any) -> str | None:
    """The last user message with text in a message list (GenAI's parts, chat messages, (role, text) pairs)."""
    if isinstance(messages, str):
        try:
            messages = json.loads(messages)
        except ValueError:
            return None
    if not isinstance(messages, list):
        return None
    texts = [_text(m.get("parts", m.get("content"))) if isinstance(m, dict) else _haystack(m) if isinstance(m, str) else m[1]
             for m in messages if (isinstance(m, dict) and m.get("role") == "user")
             or (isinstance(m, list) and m[:1] in (["user"], ["human"])) or (isinstance(m, str) and "ChatRole.USER" in m)]
    return next((t for t in reversed(texts) if t.strip()), None)


def _haystack(message: str) -> str:
    """The texts of a Haystack ChatMessage's Python repr, as Python reads its string literals."""
    return "\n".join(ast.literal_eval(t) for t in re.findall(r"TextContent\(text=(.*?)\)(?=, TextContent|\])", message))


def _input_text(a: dict[str, Any]) -> str | None:
    """The user's text a recorded span's input holds, as each instrumentation writes it."""
    for key in ("gen_ai.input.messages", "raw_input", "input"):
        if key in a and (text := _user_in(a[key])):
            return text
    flat = {int(k.split(".")[2]): a.get(f"llm.input_messages.{k.split('.')[2]}.message.content")
            for k, v in a.items() if k.startswith("llm.input_messages.") and k.endswith(".message.role") and v == "user"}
    flat = {i: text for i, text in flat.items() if text}  # (a message of content parts: read from input.value)
    if flat:
        return flat[max(flat)]
    for key in ("crew_tasks", "crewai.crew.tasks"):  # a crew's kickoff: its first task
        if key in a:
            return json.loads(a[key])[0]["description"]
    if isinstance(prompt := a.get("ai.prompt"), str):  # the AI SDK's: its prompt text, or its messages
        doc = json.loads(prompt)
        return doc["prompt"] if isinstance(doc.get("prompt"), str) else _user_in(doc.get("prompt") or doc.get("messages"))
    if isinstance(text := a.get("input"), str) and text[:1] not in "[{":  # VoltAgent's agent: the prompt's text
        return text
    value = a.get("input.value")
    if not isinstance(value, str) or not value.strip():
        return None
    if value[:1] not in "[{":
        return value
    doc = json.loads(value)
    if isinstance(doc, dict):
        if "task" in doc:
            return doc["task"]
        if "new_message" in doc:
            return _text(doc["new_message"]["parts"])
        doc = doc.get("messages")
    return _user_in(doc)


def _model_call(a: dict[str, Any]) -> bool:
    return (a.get("openinference.span.kind") == "LLM" or "LLM" in (a.get("logfire.tags") or ())
            or a.get("gen_ai.operation.name") in ("chat", "generate_content", "text_completion"))


def workflow_prompts(name: str) -> dict[str, str]:
    """Trace id -> the user's text that names its turn: its root's input, else the user's text of the first
    model call of its turn that holds one (in the call's span, or in a record logged in it; LlamaIndex's
    first, ``OpenAI._prepare_chat_with_tools``, holds none)."""
    roots: dict[str, str | None] = {}
    calls: dict[str, list[tuple[int, str]]] = {}  # trace id -> (start, span id) of its model calls
    inputs: dict[str, str] = {}  # span id -> the user's text recorded for it
    for f in sorted((FIXTURES / name).glob("[0-9][0-9][0-9]-*")):
        as_json = ".json" in f.name
        doc = json.loads(read_body(f)) if as_json else load(f)

        def hexed(v: str, as_json: bool = as_json) -> str:
            return v if as_json else base64.b64decode(v).hex()
        for rl in doc.get("resourceLogs", ()):
            for sl in rl.get("scopeLogs", ()):
                for rec in sl.get("logRecords", ()):
                    a = attrs(rec.get("attributes", []))
                    if rec.get("spanId") and (text := _user_in(a.get("gen_ai.input.messages"))):
                        inputs.setdefault(hexed(rec["spanId"]), text)
        for rs in doc.get("resourceSpans", ()):
            for ss in rs.get("scopeSpans", ()):
                scope = ss.get("scope", {}).get("name", "")
                for span in ss.get("spans", ()):
                    a = attrs(span.get("attributes", []))
                    tid, sid = hexed(span["traceId"]), hexed(span["spanId"])
                    if _workflow_root(span, scope, a):
                        roots[tid] = _input_text(a)
                    elif _model_call(a):
                        calls.setdefault(tid, []).append((int(span["startTimeUnixNano"]), sid))
                        if text := _input_text(a):
                            inputs[sid] = text
    out = {}
    for tid, text in roots.items():
        if text is None:
            first = min((call for call in calls.get(tid, ()) if call[1] in inputs), default=None)
            text = inputs[first[1]] if first is not None else None
        if text:
            out[tid] = text
    return out


RECORDINGS = sorted(name for name in (p.parent.name for p in FIXTURES.glob("*/manifest.json")) if workflow_prompts(name))


def test_the_frameworks_recordings_are_all_read() -> None:
    assert {"langchain", "langgraph_js", "agno", "agno_team", "smolagents", "smolagents_managed", "google_adk",
            "google_adk_multiagent", "google_adk_openinference", "openai_agents", "openai_agents_js",
            "openai_agents_openllmetry", "openai_agents_logfire", "openai_agents_chat_logfire", "crewai", "crewai_crew",
            "crewai_openllmetry", "llama_index", "haystack", "haystack_openllmetry", "ai_sdk_legacy",
            "ai_sdk6_session", "voltagent"} <= set(RECORDINGS)


@pytest.mark.parametrize("name", RECORDINGS)
def test_each_workflow_turn_is_named_by_its_prompt_live_in_the_file_and_replayed(name: str, tmp_path: Path) -> None:
    db = tmp_path / "turns.db"
    rp = asyncio.run(_replay(name, db))
    want = {}
    for tid, prompt in workflow_prompts(name).items():
        trace = rp.store.traces[tid]
        assert trace.root_id is not None
        # The prompt the recorder's agent was given (its script is in the recorders): the first line of it.
        assert prompt.splitlines()[0] in RECORDERS, (name, prompt)
        want[tid] = _expected(prompt)
    assert want
    assert_turns_named(rp.store, db, want, tick_ns=1_000_000)  # (a turn of the fake model lasts some ms)
    for tid in want:  # the root keeps its own name in the tree
        trace = rp.store.traces[tid]
        assert trace.spans[trace.root_id].name != want[tid]
