"""A trace that is one model call (its root a model call) is named by the prompt it was sent.

A provider SDK's instrumentation (OpenAI's, Anthropic's, LiteLLM's, Bedrock's ... through OpenInference,
OpenLLMetry, OpenTelemetry's own) makes each call a trace of its own, its root named by the operation and
the model: a session of ten calls listed ten rows of ``chat gpt-4o-mini``. The monitor names such a trace
by the first line of the last user message with text the call was sent (a client's own context block
before it, Gemini CLI's ``<session_context>``, left out); the root keeps its name in the tree. Replays of
the real recordings into the real Monitor; the expected names are read here from the recorded requests
with the OpenTelemetry protobuf classes, and found in the script the recorder ran.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
from pathlib import Path

import pytest
from recording import read_body
from show import attrs, load
from test_agent_turn_names import RECORDERS
from test_cli_turn_names import _expected
from test_codex_turn_names import assert_turns_named
from test_conformance import FIXTURES, _replay
from test_workflow_turn_names import _input_text, _model_call

#: A client's context block at the start of the user's message (Gemini CLI's), not the user's text.
_CONTEXT_BLOCK = re.compile(r"^\s*<(session_context|current_datetime)>.*?</\1>\s*", re.S)


def call_root_prompts(name: str) -> tuple[dict[str, str], dict[str, set[str]]]:
    """Trace id -> the user's text its root model call was sent, for the recording's traces whose one root
    is a model call holding one (Codex's calls through OpenInference sit beside its ``codex.turn``); and
    each response id a span names -> the traces of the spans naming it (one call reported twice)."""
    out: dict[str, str] = {}
    responses: dict[str, set[str]] = {}
    # Trace id -> its spans' ids and their parents' (a span whose parent is not in the trace tops it too).
    ids: dict[str, set[str]] = {}
    parents: dict[str, list[str]] = {}
    for f in sorted((FIXTURES / name).glob("[0-9][0-9][0-9]-*")):
        as_json = ".json" in f.name
        doc = json.loads(read_body(f)) if as_json else load(f)
        for rs in doc.get("resourceSpans", ()):
            for ss in rs.get("scopeSpans", ()):
                for span in ss.get("spans", ()):
                    a = attrs(span.get("attributes", []))
                    tid = span["traceId"] if as_json else base64.b64decode(span["traceId"]).hex()
                    if isinstance(rid := a.get("gen_ai.response.id"), str):
                        responses.setdefault(rid, set()).add(tid)
                    ids.setdefault(tid, set()).add(span["spanId"])
                    parents.setdefault(tid, []).append(span.get("parentSpanId", ""))
                    # (Gemini CLI's model calls are its ``llm_call`` operations.)
                    if span.get("parentSpanId") or not (_model_call(a) or a.get("gen_ai.operation.name") == "llm_call"):
                        continue
                    for key in ("gen_ai.input.messages", "input"):  # the user's own text of each message
                        if isinstance(a.get(key), str) and a[key][:1] == "[":
                            a[key] = json.dumps([_without_context(m) for m in json.loads(a[key])])
                    if text := _input_text(a):
                        out[tid] = text
    return {tid: text for tid, text in out.items() if sum(p not in ids[tid] for p in parents[tid]) == 1}, responses


def _without_context(message: object) -> object:
    """A recorded message with a client's context block before the user's text taken out."""
    if not isinstance(message, dict):
        return message
    parts = message.get("parts")
    if isinstance(parts, list):
        texts = [dict(p, content=_CONTEXT_BLOCK.sub("", p.get("content", p.get("text", "")))) for p in parts
                 if isinstance(p, dict) and p.get("type", "text") == "text"]
        texts = [p for p in texts if p["content"].strip()]
        return {**message, "parts": texts}
    return message


#: How the user messages a framework writes itself begin (KaibanJS's: the task it was given, in its template;
#: a tool's result, which it sends as the user's): the name is what the call was sent.
FRAMEWORK_WORDS = {"kaibanjs": ("Hi Weather Agent, please complete the following task: What is the weather in Paris?",
                                "You got this result from the tool: ")}

RECORDINGS = sorted(name for name in (p.parent.name for p in FIXTURES.glob("*/manifest.json")) if call_root_prompts(name)[0])


def test_the_call_recordings_are_all_read() -> None:
    assert len(RECORDINGS) >= 30
    assert {"openllmetry", "anthropic", "litellm_otel", "bedrock_openinference", "mistral_openinference",
            "google_genai_openinference", "openai_responses_openinference", "gemini-cli"} <= set(RECORDINGS)


@pytest.mark.parametrize("name", RECORDINGS)
def test_each_call_trace_is_named_by_its_prompt_live_in_the_file_and_replayed(name: str, tmp_path: Path) -> None:
    db = tmp_path / "calls.db"
    rp = asyncio.run(_replay(name, db))
    want = {}
    prompts, responses = call_root_prompts(name)
    for tid, prompt in prompts.items():
        if tid not in rp.store.traces:
            # A call two instrumentations each reported as a trace (the Anthropic SDK's own span and
            # OpenLLMetry's, one response id): one call, kept in the trace of its first report. (A refused
            # call names no response: not checked here.)
            kept = {t for same in responses.values() if tid in same for t in same if t in rp.store.traces}
            if not kept:
                continue
            tid, = kept
        # The prompt the recorder's agent was given (its script is in the recorders), or a framework's own
        # words to the model: the first line of it.
        line = prompt.splitlines()[0]
        assert line in RECORDERS or line.startswith(FRAMEWORK_WORDS.get(name, ())), (name, prompt)
        want[tid] = _expected(prompt)
    assert want
    assert_turns_named(rp.store, db, want, tick_ns=1_000_000)
    for tid in want:  # the root keeps its own name in the tree
        trace = rp.store.traces[tid]
        assert trace.spans[trace.root_id].name != want[tid]
