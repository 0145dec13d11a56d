"""Each turn of GitHub Copilot CLI, Factory's Droid and the Cline CLI is named by the prompt the user sent.

These clients name the root span of every turn alike (Copilot's ``invoke_agent``, Droid's ``invoke_agent
droid``, Cline's ``invoke_agent <model>``): a session of ten turns listed ten rows of one name. The root
carries the turn's messages (``gen_ai.input.messages``); the monitor names the turn's trace by the first
line of the user's text there (Copilot's user message begins with a ``<current_datetime>`` block of its
own, left out), in the live store (the traces pane), in the file (``traces list``, ``sessions show``, a
reopened file) and in a replay of the file. Replays of the real recordings into the real Monitor; what each
turn should be named is the prompt the recorder gave the client on its command line (the manifest's argv).
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from recording import read_body
from test_codex_turn_names import assert_turns_named
from test_conformance import FIXTURES, ORDERS, _replay

from agenttrace_tui.normalize import conventions as cv

#: The recorders of these clients -> how each gives its prompt on the command line: the word after the
#: flag named (``copilot -p <prompt>``), or the last word (``droid exec … <prompt>``, ``cline … <prompt>``).
PROMPT_ARGUMENT = {"record_copilot_cli.py": "-p", "record_copilot_cli_mcp.py": "-p", "record_droid.py": None,
                   "record_droid_mcp.py": None,
                   "record_cline.py": None, "record_cline_mcp.py": None}


def _manifest(name: str) -> dict:
    return json.loads((FIXTURES / name / "manifest.json").read_text())


#: The recordings of these clients.
RECORDINGS = sorted(p.parent.name for p in FIXTURES.glob("*/manifest.json")
                    if json.loads(p.read_text()).get("recorder") in PROMPT_ARGUMENT)


def prompt_sent(manifest: dict, run: dict) -> str:
    """The prompt the recorder gave the client in one run (its argv)."""
    argv = run["argv"]
    flag = PROMPT_ARGUMENT[manifest["recorder"]]
    return argv[argv.index(flag) + 1] if flag is not None else argv[-1]


def _expected(prompt: str) -> str:
    """The prompt as a turn's name: its first line, cut to a name's length as a session's name is."""
    line = prompt.splitlines()[0]
    return line if len(line) <= cv.PROMPT_NAME_CHARS else line[:cv.PROMPT_NAME_CHARS - 1] + "…"


def recorded_user_messages(name: str) -> dict[str, str]:
    """Trace id -> the text of the first user message its root span recorded (as the client sent it)."""
    folder = FIXTURES / name
    out: dict[str, str] = {}
    for f in _manifest(name)["files"]:
        if f["signal"] != "traces":
            continue
        body = read_body(folder / f["file"])
        roots: list[tuple[str, str | None]] = []
        if f["content_type"].startswith("application/json"):
            doc = json.loads(body)
            roots = [(s["traceId"], next((a["value"].get("stringValue") for a in s.get("attributes", ())
                                          if a["key"] == "gen_ai.input.messages"), None))
                     for rs in doc.get("resourceSpans", ()) for ss in rs.get("scopeSpans", ())
                     for s in ss.get("spans", ()) if not s.get("parentSpanId")]
        else:
            from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

            req = ExportTraceServiceRequest()
            req.ParseFromString(body)
            roots = [(s.trace_id.hex(), next((a.value.string_value for a in s.attributes
                                              if a.key == "gen_ai.input.messages"), None))
                     for rs in req.resource_spans for ss in rs.scope_spans for s in ss.spans if not s.parent_span_id]
        for tid, messages in roots:
            if messages:
                user = next(m for m in json.loads(messages) if m["role"] == "user")
                out[tid] = "\n".join(p["content"] for p in user["parts"] if p["type"] == "text")
    return out


def test_the_recordings_of_these_clients_are_all_read() -> None:
    assert {"copilot-cli", "copilot-cli-anthropic", "copilot-cli-mcp", "copilot-cli-run", "droid", "droid-run",
            "cline"} <= set(RECORDINGS)


@pytest.mark.parametrize("order", list(ORDERS))
@pytest.mark.parametrize("name", RECORDINGS)
def test_each_turn_is_named_by_its_prompt_live_in_the_file_and_replayed(name: str, order: str, tmp_path: Path) -> None:
    manifest = _manifest(name)
    db = tmp_path / "turns.db"
    rp = asyncio.run(_replay(name, db, order))
    store = rp.store
    recorded = recorded_user_messages(name)
    want: dict[str, str] = {}
    for run in manifest["runs"]:
        prompt = _expected(prompt_sent(manifest, run))
        turns = [t for sid in rp.sessions[run["label"]] for t in store.traces.values() if t.session_id == sid]
        assert turns, run["label"]
        for trace in turns:
            root = trace.spans.get(trace.root_id) if trace.root_id else None
            assert root is not None and root.name.startswith("invoke_agent")  # the client's own root, alike on every turn
            assert prompt_sent(manifest, run) in recorded[trace.trace_id]  # the prompt its root carries
            if manifest["recorder"].startswith("record_copilot_cli"):
                # The user message begins with the time, in a block of Copilot's own: not the turn's name.
                assert recorded[trace.trace_id].startswith("<current_datetime>")
            want[trace.trace_id] = prompt
    if name == "cline":  # a trace per model call: the ok run's two calls, each named by the turn's prompt
        assert len(want) == 3
    assert_turns_named(store, db, want)
