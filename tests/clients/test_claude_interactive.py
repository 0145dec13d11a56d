"""An interactive Claude Code session's transcript imports with the live monitor's numbers.

``fixtures/claude-code-interactive/`` (``record_claude_code_interactive.py``) holds the
transcript the real CLI wrote for an interactive session (a Bash turn, a second
prompt, ``/compact``, a third prompt, ``/exit``) AND the OTLP it exported for the
same calls. Records a ``claude -p`` run never writes: the session title the CLI asks
the model for (``ai-title``), the compaction (``compact_boundary``, the
``isCompactSummary`` message, the ``/compact`` command's own records), the mode
records and the CLI's running totals (``cost-state``). Checked:

* every record type is known (none skipped), the session is named by its title;
* each logged response once, with the fake LLM's usage and genai-prices' price;
* the title and compaction calls, which the transcript does not log as responses
  (their telemetry does, ``query_source`` ``generate_session_title`` and
  ``compact``), counted from ``cost-state``: one call holding their tokens;
* ``/compact`` is a turn of its own without calls, the summary message no turn;
* the session's tokens, cost and tool calls equal those of the live replay of the
  same OTLP (``test_conformance._replay``), and its errors but one: the refused title
  request, which leaves nothing in the transcript (the ``error`` run).
"""

from __future__ import annotations

import asyncio
import gzip
import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_claude_transcript import _genai_price, import_transcripts
from test_conformance import _replay

from agenttrace_tui.model import SpanKind, Status
from agenttrace_tui.store.sqlite import Reader

NAME = "claude-code-interactive"
FIXTURE = Path(__file__).resolve().parent / "fixtures" / NAME
MANIFEST = json.loads((FIXTURE / "manifest.json").read_text())
RUNS = {r["label"]: r for r in MANIFEST["runs"]}
SIDS = {label: sid for label, (sid,) in MANIFEST["sessions"].items()}
SID = SIDS["ok"]
CALLS = [c for c in RUNS["ok"]["fake_calls"] if c["status"] == 200]


def _records(label: str) -> list[dict]:
    (main,) = MANIFEST["transcripts"][label]
    raw = gzip.decompress((FIXTURE / "transcripts" / f"{main}.gz").read_bytes())
    return [json.loads(line) for line in raw.splitlines() if line.strip()]


RECORDS = _records("ok")
LOGGED = {r["requestId"] for r in RECORDS if r["type"] == "assistant"}
#: The calls the transcript has no response of: the session title (structured output) and the compaction.
UNLOGGED = [c for c in CALLS if c["request_id"] not in LOGGED]


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    return import_transcripts(FIXTURE, MANIFEST, tmp_path_factory.mktemp("claude-interactive"))


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return asyncio.run(_replay(NAME, tmp_path_factory.mktemp("claude-interactive-live") / "live.db"))


def _spans(db: Path, sid: str = SID) -> list[Any]:
    with Reader(db) as r:
        return [s for t in r.traces(sid) for s in r.spans_of_trace(t.trace_id)]


def test_the_session_has_what_only_an_interactive_session_writes() -> None:
    kinds = {r["type"] for r in RECORDS}
    assert {"ai-title", "custom-title", "mode", "permission-mode", "cost-state"} <= kinds
    assert [r["compactMetadata"]["trigger"] for r in RECORDS if r.get("subtype") == "compact_boundary"] == ["manual"]
    assert sum(1 for r in RECORDS if r.get("isCompactSummary")) == 1
    # Title and compaction: asked of the model, no response of theirs in the transcript.
    assert [c["kind"] for c in UNLOGGED] == ["json", "text"]
    assert len(CALLS) == 8 and all(r["exit_code"] == 0 for r in RUNS.values())


def test_import_counts(imported: tuple[Path, dict[str, Any]]) -> None:
    _, stats = imported
    assert stats["files"] == 2 and stats["sessions"] == 2
    # ok: three prompts and /compact (/rename is logged as a title and a meta message, no command), and
    # the calls not in the transcript; six logged responses and one call holding the two unlogged ones'
    # tokens; three Bash calls. error: one prompt, one failed call.
    assert stats["traces"] == 5 + 1 and stats["llm_spans"] == 7 + 1 and stats["tool_spans"] == 3
    assert stats["duplicates"] == 0
    assert stats["skipped"] == {}  # every record type the CLI wrote is known


def test_session_is_named_by_its_title(imported: tuple[Path, dict[str, Any]]) -> None:
    """The model's title (ai-title) until the user renames the session (/rename: custom-title)."""
    db, _ = imported
    (ai_title,) = {r["aiTitle"] for r in RECORDS if r["type"] == "ai-title"}
    (custom,) = {r["customTitle"] for r in RECORDS if r["type"] == "custom-title"}
    assert RUNS["ok"]["typed"][-2] == f"/rename {custom}" and ai_title != custom
    with Reader(db) as r:
        row = r.session(SID)
    assert row.session.name == custom and row.session.framework == "claude-code"
    # Without the rename, the model's title.
    renamed_at = next(i for i, r in enumerate(RECORDS) if r["type"] == "custom-title")
    (ai_only,) = {r["aiTitle"] for r in RECORDS[:renamed_at] if r["type"] == "ai-title"}
    assert ai_only == ai_title


def test_each_logged_call_once_with_the_fake_llms_usage_and_price(imported: tuple[Path, dict[str, Any]]) -> None:
    db, _ = imported
    llm = {s.attributes["claude.request_id"]: s for s in _spans(db)
           if s.kind is SpanKind.LLM_CALL and "claude.request_id" in s.attributes}
    logged = [c for c in CALLS if c["request_id"] in LOGGED]
    assert sorted(llm) == sorted(c["request_id"] for c in logged) and len(logged) == 6
    for c in logged:
        span, u = llm[c["request_id"]], c["usage_normalized"]
        got = (span.usage.input, span.usage.output, span.usage.cache_read, span.usage.cache_write)
        assert got == (u["input"] + u["cached"] + u["cache_creation"], u["output"], u["cached"], u["cache_creation"])
        assert span.cost is not None and span.cost.total == pytest.approx(_genai_price(c["model"], u, span.start_ns))


def test_title_and_compaction_calls_are_counted_from_the_clis_totals(imported: tuple[Path, dict[str, Any]],
                                                                     live: Any) -> None:
    db, _ = imported
    (span,) = [s for s in _spans(db) if s.attributes.get("claude.unlogged_calls")]
    u = {k: sum(c["usage_normalized"][k] for c in UNLOGGED) for k in ("input", "output", "cached", "cache_creation")}
    assert (span.usage.input, span.usage.output, span.usage.cache_read, span.usage.cache_write) == (
        u["input"] + u["cached"] + u["cache_creation"], u["output"], u["cached"], u["cache_creation"])
    assert span.llm.model == UNLOGGED[0]["model"] and span.status is Status.OK
    assert span.cost is not None and span.cost.total == pytest.approx(
        sum(_genai_price(c["model"], c["usage_normalized"], span.start_ns) for c in UNLOGGED))
    # The live telemetry reports both calls one by one, saying what they are for.
    reported = {s.attributes.get("request_id"): s.attributes.get("query_source") for s in _spans(live.db)
                if s.kind is SpanKind.LLM_CALL}
    assert [reported[c["request_id"]] for c in UNLOGGED] == ["generate_session_title", "compact"]


def test_compact_is_a_turn_and_its_summary_is_not(imported: tuple[Path, dict[str, Any]]) -> None:
    db, _ = imported
    spans = _spans(db)
    roots = sorted((s for s in spans if s.parent_span_id is None), key=lambda s: s.start_ns)
    assert [s.name for s in roots] == [RUNS["ok"]["typed"][0][:80], "Now say hello.", "/compact", "What did the command print?",
                                       "(calls not in the transcript: session title, compaction, ...)"]
    compact = roots[2]
    assert not [s for s in spans if s.parent_span_id == compact.span_id]  # its call is not logged


def _rows(imported: tuple[Path, dict[str, Any]], live: Any, label: str) -> tuple[Any, Any]:
    sid = SIDS[label]
    assert live.sessions[label] == [sid]  # the CLI's session id names both
    with Reader(live.db) as r:
        want = r.session(sid)
    with Reader(imported[0]) as r:
        got = r.session(sid)
    return got, want


@pytest.mark.parametrize("label", ["ok", "error"])
def test_totals_equal_the_live_replay_of_the_same_calls(imported: tuple[Path, dict[str, Any]], live: Any,
                                                        label: str) -> None:
    got, want = _rows(imported, live, label)
    assert (got.input_tokens, got.output_tokens, got.unpriced) == (want.input_tokens, want.output_tokens, want.unpriced)
    assert got.cost == pytest.approx(want.cost, rel=1e-9, abs=1e-12)
    tools = [sum(1 for s in _spans(db, SIDS[label]) if s.kind is SpanKind.TOOL_EXECUTION) for db in (imported[0], live.db)]
    assert tools[0] == tools[1] == (3 if label == "ok" else 0)


@pytest.mark.parametrize("label", ["ok", "error"])
def test_errors_equal_the_live_replay_but_a_refused_title(imported: tuple[Path, dict[str, Any]], live: Any,
                                                          label: str) -> None:
    """The refused title request leaves nothing in the transcript (no response, no error record, no
    title): live, it is a failed call beside the conversation's; imported, only the conversation's."""
    got, want = _rows(imported, live, label)
    failed = [s for s in _spans(live.db, SIDS[label]) if s.kind is SpanKind.LLM_CALL and s.status is Status.ERROR]
    logged = {r.get("requestId") for r in _records(label) if r.get("isApiErrorMessage")}
    assert got.errors == sum(1 for s in failed if s.attributes.get("request_id") in logged)
    assert sorted(s.attributes.get("query_source") for s in failed if s.attributes.get("request_id") not in logged) == (
        ["generate_session_title"] if label == "error" else [])
    assert want.errors == len(failed) == (2 if label == "error" else 0)
    if label == "error":  # no title: named by its prompt
        with Reader(imported[0]) as r:
            assert r.session(SIDS[label]).session.name == RUNS[label]["typed"][0][:80]
