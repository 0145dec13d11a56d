"""Several ``codex exec`` runs reported into one monitor: each run's spans in its own conversation's session.

Codex names its conversation (``conversation.id``) on a handful of the ~600 spans of a run; its start-up
and shut-down spans (``auth``, ``fs.read_file``, ``initialize``, the ``codex.exec`` trace's config loading,
``get_model_info``, ``thread/unsubscribe``...) name nothing, and its resource names no process (no
``service.instance.id``, no pid: every run's is the same). What ties them to their run is the export
request they come in: each is one process's batch. A run's first export (512 spans) names the
conversation only near its end, after the monitor converted its first 256 spans: those were filed under
the conversation the service named last, the previous run's, which grew by the next run's start-up
(9 traces, 61 spans of ``codex-resume`` in ``codex``'s session). Replays of two real recordings into
the real Monitor, one after the other or both at once, each run's files in each order of arrival; what
each session should hold is read from the recordings' own exports.
"""

from __future__ import annotations

import asyncio
import json
import sys
from itertools import zip_longest
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from recording import read_body
from test_conformance import FIXTURES, ORDERS, _post, cli_json

from agenttrace_tui.config import Config
from agenttrace_tui.runtime.monitor import Monitor
from agenttrace_tui.store.reader import Reader

#: Two recordings of ``codex exec`` (the second one two processes, ``codex exec resume --last`` the
#: second), each an ``ok`` run of its own conversation.
PAIRS = [("codex", "codex-resume"), ("codex-resume", "codex"), ("codex-mcp", "codex")]


def _ok_files(name: str) -> list[dict]:
    manifest = json.loads((FIXTURES / name / "manifest.json").read_text())
    return [f for f in manifest["files"] if f["run"] == "ok"]


def run_traces(name: str) -> tuple[str, dict[str, int]]:
    """The conversation the ``ok`` run of recording ``name`` names (one) and its spans per trace id."""
    conversations: set[str] = set()
    spans: dict[str, int] = {}
    for f in _ok_files(name):
        if f["signal"] != "traces":
            continue
        req = ExportTraceServiceRequest.FromString(read_body(FIXTURES / name / f["file"]))
        for rs in req.resource_spans:
            for ss in rs.scope_spans:
                for sp in ss.spans:
                    spans[sp.trace_id.hex()] = spans.get(sp.trace_id.hex(), 0) + 1
                    conversations.update(a.value.string_value for a in sp.attributes if a.key == "conversation.id")
    (conversation,) = conversations
    return conversation, spans


#: Orders of the two runs' exports: one run after the other, or both at once (each run's next export in turn).
RUNS = ("one after the other", "at once")


async def _post_runs(names: tuple[str, ...], order: str, runs: str, db: Path) -> Any:
    """The ``ok`` runs of ``names`` posted into one real Monitor over OTLP/HTTP, each run's files in ``order``."""
    monitor = Monitor(Config(persist=True, db=str(db), otlp_port=0, otlp_grpc_port=None, udp_port=None,
                             tcp_port=None, socket=""))
    await monitor.start()
    try:
        port = monitor.otlp.address[1]
        each = [[(name, f) for f in sorted(_ok_files(name), key=ORDERS[order])] for name in names]
        if runs == "at once":
            posts = [p for turn in zip_longest(*each) for p in turn if p is not None]
        else:
            posts = [p for run in each for p in run]
        for name, f in posts:
            status = await asyncio.to_thread(_post, port, f["path"], read_body(FIXTURES / name / f["file"]),
                                             f["content_type"])
            assert status == 200, f"{name}/{f['file']}: HTTP {status}"
    finally:
        await monitor.stop()
    return monitor.store


@pytest.mark.parametrize("runs", RUNS)
@pytest.mark.parametrize("order", list(ORDERS))
@pytest.mark.parametrize("names", PAIRS, ids="+".join)
def test_each_codex_run_keeps_its_own_spans_in_its_conversations_session(
        names: tuple[str, str], order: str, runs: str, tmp_path: Path) -> None:
    db = tmp_path / "codex.db"
    store = asyncio.run(_post_runs(names, order, runs, db))
    want = dict(run_traces(name) for name in names)
    assert len(want) == len(names)  # each run its own conversation
    # Live: every trace of a run (those naming no conversation too) in its run's session with all its spans,
    # its model calls the run's, and no session but the runs' (none of the service's holding what named nothing).
    for (sid, spans), name in zip(want.items(), names, strict=True):
        misplaced = {tid: store.traces[tid].session_id for tid in spans if store.traces[tid].session_id != sid}
        assert not misplaced, (sid, len(misplaced))
        held = {t.trace_id: len(t.spans) for t in store.traces_of(sid)}
        assert {tid: n for tid, n in held.items() if tid in spans} == spans
        (run,) = [r for r in json.loads((FIXTURES / name / "manifest.json").read_text())["runs"] if r["label"] == "ok"]
        assert store.sessions[sid].totals.llm_calls == len(run["fake_calls"])
    assert set(store.sessions) == set(want)
    # The file, read by another process (the monitor stopped), and its CLI: the same sessions, the same spans.
    with Reader(db) as reader:
        for sid in want:
            assert {t.trace_id for t in reader.traces(sid, limit=100_000)} == {t.trace_id for t in store.traces_of(sid)}
    listed = {s["id"]: s for s in cli_json(db, "sessions", "list", "--limit", "1000")}
    assert set(listed) == set(want)
    for sid in want:
        assert listed[sid]["spans"] == sum(len(t.spans) for t in store.traces_of(sid))
