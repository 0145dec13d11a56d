"""Each turn of an agent framework whose root span is OpenTelemetry GenAI's ``invoke_agent …`` is named by its prompt.

Strands, Pydantic AI, Mastra, the Vercel AI SDK 7, Microsoft Agent Framework and AgentScope name the root
span of every turn of an agent alike (``invoke_agent Strands Agents``, ``invoke_agent agent``, ``invoke_agent
gpt-4o-mini``): a session of ten turns listed ten rows of one name, cut to ``invoke_agent …`` in the traces
pane. The root carries the turn's messages (GenAI's ``gen_ai.input.messages``, Pydantic AI's
``pydantic_ai.all_messages``, Mastra's ``mastra.agent_run.input``, or Strands' per-message events); the
monitor names the turn's trace by the first line of its user message, in the live store, in the file
(``traces list``, ``sessions show``, a reopened file) and in a replay of the file. Replays of the real
recordings into the real Monitor; what each turn should be named is read from the recorded requests with
the OpenTelemetry protobuf classes, and found in the script the recorder ran.
"""

from __future__ import annotations

import asyncio
import base64
import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from recording import read_body
from show import attrs, load
from test_cli_turn_names import RECORDINGS as CODING_AGENT_RECORDINGS
from test_cli_turn_names import _expected
from test_codex_turn_names import assert_turns_named
from test_conformance import FIXTURES, _replay

#: The recorders' sources: each holds the script it gives its agent (some share another recorder's).
RECORDERS = "\n".join(p.read_text() for p in sorted(Path(__file__).resolve().parent.glob("record_*.py")))


def _user_text(message: dict[str, Any]) -> str:
    parts = message.get("parts", message.get("content"))
    if isinstance(parts, str):
        return parts
    return "\n".join(p.get("content", p.get("text", "")) for p in parts or () if p.get("type", "text") == "text")


def _last_user(messages: Any) -> str | None:
    if isinstance(messages, str):
        messages = json.loads(messages)
    texts = [_user_text(m) for m in messages if m.get("role") == "user"]
    return next((t for t in reversed(texts) if t.strip()), None)


def root_prompts(name: str) -> dict[str, str]:
    """Trace id -> the user's text its ``invoke_agent …`` root span recorded, as the client sent it."""
    out: dict[str, str] = {}
    for f in sorted((FIXTURES / name).glob("[0-9][0-9][0-9]-traces*")):
        # OTLP/JSON as sent (its ids in hex), protobuf through the real classes (their JSON's ids in base64).
        as_json = ".json" in f.name
        for rs in (json.loads(read_body(f)) if as_json else load(f)).get("resourceSpans", ()):
            for ss in rs.get("scopeSpans", ()):
                for span in ss.get("spans", ()):
                    if span.get("parentSpanId") or not span["name"].startswith("invoke_agent"):
                        continue
                    a = attrs(span.get("attributes", []))
                    text = None
                    if "gen_ai.input.messages" in a:
                        text = _last_user(a["gen_ai.input.messages"])
                    elif "pydantic_ai.all_messages" in a:
                        text = _last_user(a["pydantic_ai.all_messages"])
                    elif "mastra.agent_run.input" in a:
                        text = a["mastra.agent_run.input"]
                    if text is None:
                        for ev in reversed(span.get("events", ())):
                            e = attrs(ev.get("attributes", []))
                            if ev["name"] == "gen_ai.user.message":
                                text = "\n".join(b["text"] for b in json.loads(e["content"]) if "text" in b)
                            elif "gen_ai.input.messages" in e:
                                text = _last_user(e["gen_ai.input.messages"])
                            if text:
                                break
                    if text:
                        out[span["traceId"] if as_json else base64.b64decode(span["traceId"]).hex()] = text
    return out


#: Recordings whose agent's root carries its turn's prompt (the coding agents' have tests of their own).
RECORDINGS = sorted(name for name in (p.parent.name for p in FIXTURES.glob("*/manifest.json"))
                    if name not in CODING_AGENT_RECORDINGS and root_prompts(name))


def test_the_agent_frameworks_recordings_are_all_read() -> None:
    assert {"strands", "strands_latest", "strands_ts", "pydantic_ai", "pydantic_ai_gemini_search", "mastra",
            "ai_sdk7_session", "agent_framework", "agentscope"} <= set(RECORDINGS)


@pytest.mark.parametrize("name", RECORDINGS)
def test_each_agent_turn_is_named_by_its_prompt_live_in_the_file_and_replayed(name: str, tmp_path: Path) -> None:
    manifest = json.loads((FIXTURES / name / "manifest.json").read_text())
    db = tmp_path / "turns.db"
    rp = asyncio.run(_replay(name, db))
    prompts = root_prompts(name)
    want = {}
    for tid, prompt in prompts.items():
        root = rp.store.traces[tid].root_id
        assert root is not None and rp.store.traces[tid].spans[root].name.startswith("invoke_agent")
        # The prompt a recorder's agent was given (its script is in the recorders): the first line of it.
        assert prompt.splitlines()[0] in RECORDERS, (name, manifest["recorder"], prompt)
        want[tid] = _expected(prompt)
    assert want
    assert_turns_named(rp.store, db, want, tick_ns=1_000_000)  # (a turn of the fake model lasts some ms)
