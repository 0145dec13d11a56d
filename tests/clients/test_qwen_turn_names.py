"""Each Qwen Code turn's trace is named by the prompt the user sent, not by Qwen Code's root span.

Qwen Code names the root span of every turn alike, ``qwen-code.interaction``: a session of ten turns
listed ten rows of one name. Its prompt comes in a log record of its own, ``qwen-code.user_prompt``,
that names no trace, only the prompt's id (``prompt_id``), which the turn's root carries too
(``qwen-code.prompt_id``); the log records and the spans come in requests of their own, in either
order. The monitor joins the prompt to its turn by that id and names the turn's trace by the
prompt's first line, in the live store (the traces pane), in the file (``traces list``, ``sessions
show``, a reopened file) and in a replay of the file. With its sensitive span attributes on (as
``agenttrace-tui run`` turns them on) the root carries the prompt itself, and names the turn alone.
Replays of the real recordings into the real Monitor, in every order of arrival, the spans as the
client sent them (OTLP/JSON) and as protobuf; what each turn should be named is the prompt the
recorder gave the client on its command line (the manifest's argv).
"""

from __future__ import annotations

import asyncio
import io
import json
import sys
from contextlib import redirect_stdout
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from recording import read_body
from test_cli_turn_names import _expected
from test_codex_turn_names import assert_turns_named
from test_conformance import FIXTURES, ORDERS, _replay, cli_json

from agenttrace_tui.cli import main as cli_main
from agenttrace_tui.model import FIRST_PROMPT_KEY
from agenttrace_tui.normalize import conventions as cv

ROOT = "qwen-code.interaction"
RECORDERS = {"record_qwen_code.py", "record_qwen_code_mcp.py"}


def _manifest(name: str) -> dict:
    return json.loads((FIXTURES / name / "manifest.json").read_text())


#: The recordings of Qwen Code.
RECORDINGS = sorted(p.parent.name for p in FIXTURES.glob("*/manifest.json")
                    if json.loads(p.read_text()).get("recorder") in RECORDERS)


def _strings(items: list[dict]) -> dict[str, str]:
    return {a["key"]: a["value"].get("stringValue") for a in items}


def recorded(name: str) -> tuple[dict[str, tuple[str, str | None]], dict[str, tuple[str, str, bool]]]:
    """As the recording holds them: each logged prompt's id -> (its text, the trace its record names), and
    each turn's root span's trace id -> (the run, the prompt id it carries, whether it carries the
    user's message)."""
    folder = FIXTURES / name
    prompts: dict[str, tuple[str, str | None]] = {}
    roots: dict[str, tuple[str, str, bool]] = {}
    for f in _manifest(name)["files"]:
        if f["signal"] not in ("logs", "traces"):
            continue
        assert f["content_type"].startswith("application/json")  # Qwen Code's exporter: OTLP/JSON
        doc = json.loads(read_body(folder / f["file"]))
        for rl in doc.get("resourceLogs", ()):
            for sl in rl.get("scopeLogs", ()):
                for rec in sl.get("logRecords", ()):
                    attrs = _strings(rec.get("attributes", []))
                    if attrs.get("event.name") == "qwen-code.user_prompt":
                        prompts[attrs["prompt_id"]] = (attrs["prompt"], rec.get("traceId") or None)
        for rs in doc.get("resourceSpans", ()):
            for ss in rs.get("scopeSpans", ()):
                for span in ss.get("spans", ()):
                    if span["name"] == ROOT:
                        attrs = _strings(span.get("attributes", []))
                        roots[span["traceId"]] = (f["run"], attrs["qwen-code.prompt_id"],
                                                  cv.TURN_MESSAGES_KEY in attrs)
    return prompts, roots


def prompt_sent(run: dict) -> str:
    """The prompt the recorder gave the client in one run (``qwen -p <prompt>``)."""
    argv = run["argv"]
    return argv[argv.index("-p") + 1]


def turns_wanted(name: str) -> dict[str, str]:
    """Trace id -> the name each turn of the recording should read: its run's prompt."""
    runs = {run["label"]: run for run in _manifest(name)["runs"]}
    return {tid: _expected(prompt_sent(runs[label])) for tid, (label, _pid, _msgs) in recorded(name)[1].items()}


def test_qwen_code_logs_its_prompt_naming_no_trace_only_the_id_its_turns_root_carries() -> None:
    assert {"qwen-code", "qwen-code-run", "qwen-code-mcp", "qwen-code-mcp-results"} <= set(RECORDINGS)
    for name in RECORDINGS:
        manifest = _manifest(name)
        runs = {run["label"]: run for run in manifest["runs"]}
        prompts, roots = recorded(name)
        assert len(roots) == len(runs), name  # a turn a run
        for _tid, (label, prompt_id, _msgs) in roots.items():
            text, trace = prompts[prompt_id]
            assert trace is None  # the record names no trace: joined by the prompt's id alone
            assert text == prompt_sent(runs[label])
        # The prompt on the root itself only with its sensitive span attributes on (as `run` sets them).
        carried = {msgs for _label, _pid, msgs in roots.values()}
        assert carried == {manifest["env"].get("QWEN_TELEMETRY_INCLUDE_SENSITIVE_SPAN_ATTRIBUTES") == "true"}, name


@pytest.mark.parametrize("protobuf", [False, True], ids=["json", "protobuf"])
@pytest.mark.parametrize("order", list(ORDERS))
@pytest.mark.parametrize("name", RECORDINGS)
def test_each_qwen_code_turn_is_named_by_its_prompt_live_in_the_file_and_replayed(
        name: str, order: str, protobuf: bool, tmp_path: Path) -> None:
    want = turns_wanted(name)
    db = tmp_path / "qwen.db"
    rp = asyncio.run(_replay(name, db, order, protobuf=protobuf))
    store = rp.store
    for tid in want:
        trace = store.traces[tid]
        root = trace.spans.get(trace.root_id) if trace.root_id else None
        assert root is not None and root.name == ROOT and root.name in cv.GENERIC_TURN_ROOTS  # Qwen Code's own root
    turns = [t for t in store.traces.values() if t.root_id and t.spans[t.root_id].name == ROOT]
    assert sorted(t.trace_id for t in turns) == sorted(want)  # no turn left named `qwen-code.interaction`
    assert_turns_named(store, db, want)


@pytest.mark.parametrize("name", RECORDINGS)
def test_with_no_log_record_only_a_root_carrying_the_prompt_names_its_turn(name: str, tmp_path: Path) -> None:
    """The spans alone: a root carrying the user's message (sensitive span attributes on) names its turn by
    it; one that does not stays named as Qwen Code named it (its prompt is in the log record only)."""
    rp = asyncio.run(_replay(name, tmp_path / "spans.db", signals=frozenset({"traces"})))
    want = turns_wanted(name)
    for tid, (_label, _pid, carries) in recorded(name)[1].items():
        assert rp.store.traces[tid].name == (want[tid] if carries else ROOT)


def _cli_text(db: Path, *argv: str) -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli_main([*argv, "--db", str(db)]) == 0
    return out.getvalue()


@pytest.mark.parametrize("order", list(ORDERS))
@pytest.mark.parametrize("name", RECORDINGS)
def test_each_qwen_code_session_is_named_by_its_first_prompt_live_and_in_the_file(
        name: str, order: str, tmp_path: Path) -> None:
    """Qwen Code gives its session no name (every one read ``qwen-code``, its service's): like Gemini CLI's,
    it is named by its first prompt, the text of its first ``qwen-code.user_prompt`` record, in the live
    store (the sessions pane) and in the file (``sessions list``, ``sessions show``), whether the logs or the
    spans come first; a session ``agenttrace-tui run`` pinned too."""
    runs = {run["label"]: run for run in _manifest(name)["runs"]}
    rp = asyncio.run(_replay(name, tmp_path / "qwen.db", order))
    listed = _cli_text(rp.db, "sessions", "list", "--limit", "1000").splitlines()
    assert set(rp.sessions) == set(runs)
    for label, sids in rp.sessions.items():
        (sid,) = sids  # a session a run
        want = cv.prompt_name(prompt_sent(runs[label]))
        session = rp.store.sessions[sid].session
        assert (session.name, session.shown_name) == (None, want)
        assert cli_json(rp.db, "sessions", "show", sid)["attributes"][FIRST_PROMPT_KEY] == want
        assert f"name: {want}" in _cli_text(rp.db, "sessions", "show", sid)
        assert [line.split(None, 1)[1].startswith(want) for line in listed if line.startswith(sid)] == [True]
