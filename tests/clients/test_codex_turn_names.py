"""Each Codex turn's trace is named by the prompt the user sent, not by Codex's root span.

Codex names the root span of every turn alike, ``turn/start``: a session of ten turns listed ten
rows of one name. The prompt's text comes in Codex's ``codex.user_prompt`` log record (with
``log_user_prompt = true``), logged inside the turn's tree; the monitor names the turn's trace by its
first line, in the live store (the traces pane), in the file (``traces list``, ``sessions show``, a
reopened file) and in a replay of the file. Replays of the real recordings into the real Monitor,
each in every order of arrival (the root, exported last by Codex, before or after the prompt's
record); what each turn should be named is read from the recording's own log records.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from recording import read_body
from test_conformance import FIXTURES, ORDERS, _replay, cli_json

from agenttrace_tui.history.replay import Player
from agenttrace_tui.normalize import conventions as cv
from agenttrace_tui.store.reader import Reader


def _records(folder: Path, f: dict) -> list[tuple[str, dict[str, str]]]:
    """(trace id, string attributes) of each log record of one captured request, protobuf or OTLP/JSON."""
    body = read_body(folder / f["file"])
    if f["content_type"].startswith("application/json"):
        doc = json.loads(body)
        return [(r.get("traceId", ""), {a["key"]: a["value"].get("stringValue") for a in r.get("attributes", ())})
                for rl in doc.get("resourceLogs", ()) for sl in rl.get("scopeLogs", ()) for r in sl.get("logRecords", ())]
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest

    req = ExportLogsServiceRequest()
    req.ParseFromString(body)
    return [(r.trace_id.hex(), {a.key: a.value.string_value for a in r.attributes})
            for rl in req.resource_logs for sl in rl.scope_logs for r in sl.log_records]


def prompts_sent(name: str) -> dict[str, str]:
    """Trace id -> the prompt of each turn whose ``codex.user_prompt`` record the recording holds with
    its text and the turn's trace context (Codex's own telemetry with ``log_user_prompt = true``)."""
    folder = FIXTURES / name
    manifest = json.loads((folder / "manifest.json").read_text())
    out: dict[str, str] = {}
    for f in manifest["files"]:
        if f["signal"] != "logs":
            continue
        for trace_id, attrs in _records(folder, f):
            if attrs.get("event.name") == "codex.user_prompt" and attrs.get("prompt") and trace_id.strip("0"):
                out[trace_id] = attrs["prompt"]
    return out


#: The Codex recordings whose turns' prompts were logged in the turn's trace.
RECORDINGS = sorted(p.parent.name for p in FIXTURES.glob("codex*/manifest.json") if prompts_sent(p.parent.name))


def test_the_codex_recordings_of_its_own_telemetry_log_their_prompts() -> None:
    assert {"codex", "codex-json", "codex-resume", "codex-run", "codex_openinference_native"} <= set(RECORDINGS)


def _expected(prompt: str) -> str:
    """The recorded prompt as the turn's name: its first line (each recording's prompt is one short line)."""
    line = prompt.splitlines()[0]
    assert len(line) <= cv.PROMPT_NAME_CHARS, "a prompt longer than a name: cut (tests/test_otlp_logs.py)"
    return line


@pytest.mark.parametrize("order", list(ORDERS))
@pytest.mark.parametrize("name", RECORDINGS)
def test_each_codex_turn_is_named_by_its_prompt_live_in_the_file_and_replayed(
        name: str, order: str, tmp_path: Path) -> None:
    sent = prompts_sent(name)
    want = {tid: _expected(p) for tid, p in sent.items()}
    db = tmp_path / "codex.db"
    rp = asyncio.run(_replay(name, db, order))
    store = rp.store
    # Live: the traces pane lists the store's traces by their name.
    for tid, prompt in want.items():
        trace = store.traces[tid]
        root = trace.spans.get(trace.root_id) if trace.root_id else None
        assert root is not None and root.name in cv.GENERIC_TURN_ROOTS  # Codex's own root: `turn/start`
        assert trace.name == prompt, (tid, trace.name)
    turns = [t for t in store.traces.values() if t.root_id and t.spans[t.root_id].name in cv.GENERIC_TURN_ROOTS]
    assert sorted(t.trace_id for t in turns) == sorted(want)  # no turn left named `turn/start`
    if name == "codex-resume":  # two turns of one session, two prompts: two names
        assert len(set(want.values())) == 2
    assert_turns_named(store, db, want)


def assert_turns_named(store: Any, db: Path, want: dict[str, str], tick_ns: int = 50_000_000) -> None:
    """Each trace of ``want`` (trace id -> the name it should read) is named so by the live store (the
    traces pane), in the file (read again by another process, the monitor stopped: its reader, `traces
    list`, `sessions show`) and in a replay of the file, while it plays (``tick_ns`` of it a tick: shorter
    than a turn) and once played."""
    for tid, name in want.items():
        assert store.traces[tid].name == name, (tid, store.traces[tid].name)
    # The file: read again by another process (the monitor is stopped), and its CLI.
    by_session: dict[str, dict[str, str]] = {}
    for tid, prompt in want.items():
        by_session.setdefault(store.traces[tid].session_id, {})[tid] = prompt
    with Reader(db) as reader:
        assert {tid: reader.trace(tid).name for tid in want} == want
        for sid, turns in by_session.items():
            named = {r.trace_id: r.name for r in reader.traces(sid, limit=100_000)}
            assert {tid: named[tid] for tid in turns} == turns
    listed = {t["trace_id"]: t["name"] for t in cli_json(db, "traces", "list", "--limit", "100000", "--internal")}
    assert {tid: listed[tid] for tid in want} == want
    for sid, turns in by_session.items():
        shown = {t["trace_id"]: t["name"] for t in cli_json(db, "sessions", "show", sid, "--internal")["trace_list"]}
        assert {tid: shown[tid] for tid in turns} == turns
    # A replay of the file, a tick at a time: each turn named so while it plays (its root, which
    # starts first, carries the name), and once played.
    with Reader(db) as reader:
        for sid, turns in by_session.items():
            wall = [0]
            player = Player(reader, sid, clock=lambda wall=wall: wall[0], max_idle_ns=1_000_000_000)
            seen = set()
            for _ in range(100_000):
                if player.finished:
                    break
                wall[0] += tick_ns
                player.tick()
                for tid, prompt in turns.items():
                    trace = player.store.traces.get(tid)
                    if trace is not None and trace.spans and not player.finished:
                        assert trace.name == prompt
                        seen.add(tid)
            assert player.finished and seen == set(turns)
            assert {tid: player.store.traces[tid].name for tid in turns} == turns
