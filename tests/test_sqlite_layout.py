"""The spans table's layout and how a batch writes it: many rows per statement,
the indexes queries use, and files made by the previous layout.

Real SQLite files in tmp_path, the real Writer and Reader.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from agenttrace_tui.model import Cost, LlmInfo, Session, Span, SpanEvent, SpanKind, Status, TokenUsage
from agenttrace_tui.store.batch import UPSERT_SPAN, span_row, span_statements
from agenttrace_tui.store.memory import Store
from agenttrace_tui.store.reader import Reader
from agenttrace_tui.store.schema import (
    AUTOCHECKPOINT_BYTES,
    DDL,
    PAGE_SIZE,
    SCHEMA_VERSION,
    autocheckpoint_pragma,
    ddl_statements,
)
from agenttrace_tui.store.sqlite import Writer, rebuild_summaries

#: The index the previous layout had on top of today's (no query can use it).
OLD_INDEX = "CREATE INDEX IF NOT EXISTS spans_model ON spans (model, start_ns) WHERE model IS NOT NULL;\n"
_ANCHOR = "CREATE INDEX IF NOT EXISTS spans_problem"
OLD_DDL = DDL.replace(_ANCHOR, OLD_INDEX + _ANCHOR)
assert OLD_DDL != DDL


def spans(n: int, *, session: str = "s1", prefix: str = "t", t0: int = 1_700_000_000_000_000_000) -> list[Span]:
    """``n`` spans in traces of 7: a root agent, LLM calls (usage, cost), tools, some
    failing, some still running, some with events: NULL and non-NULL columns of every kind."""
    out = []
    for i in range(n):
        tno, j = divmod(i, 7)
        tid = f"{prefix}{tno:04d}"
        start = t0 + i * 1_000_000
        kw: dict = {}
        if j == 0:
            kw.update(name="orchestrator", kind=SpanKind.AGENT)
        elif j % 2:
            kw.update(name="chat", kind=SpanKind.LLM_CALL, llm=LlmInfo(provider="openai", model=f"gpt-{j}"),
                      usage=TokenUsage(input=100 + i, output=10 + j, total=110 + i + j), cost=Cost(total=0.001 * j))
        else:
            kw.update(name="grep", kind=SpanKind.TOOL_EXECUTION)
        if i % 11 == 5:
            kw.update(status=Status.ERROR, status_message="boom")
        if i % 13 == 3:
            kw.update(events=(SpanEvent(name="retry", time_ns=start + 5, attributes={"n": i}),))
        out.append(Span(
            span_id=f"{j:016x}", trace_id=tid, session_id=session,
            parent_span_id=None if j == 0 else f"{0:016x}", start_ns=start,
            end_ns=None if i % 17 == 4 else start + 500_000, **kw,
        ))
    return out


def key(s: Span) -> tuple[str, str]:
    return (s.trace_id, s.span_id)


def on_disk(path: Path) -> dict[tuple[str, str], Span]:
    with Reader(path) as r:
        return {key(s): s for sid in [x.id for x in r.sessions()] for s in r.iter_spans(sid)}


def test_statements_cover_every_row_once_in_order() -> None:
    width = UPSERT_SPAN.count("?")  # a span row's parameters
    rows = [tuple(range(i, i + width)) for i in range(1235)]
    stmts = span_statements(rows)
    flat = [v for _, params, _ in stmts for p in params for v in p]
    assert flat == [v for r in rows for v in r]
    for sql, params, many in stmts:
        assert many and all(len(p) == sql.count("?") for p in params)
    assert stmts[-1][0] == UPSERT_SPAN  # an odd count ends with the one-row statement
    assert span_statements([]) == []


@pytest.mark.parametrize("n", [1, 49, 1000, 1234])
async def test_a_batch_of_any_size_is_stored_row_for_row(tmp_path: Path, n: int) -> None:
    """Every span reads back identical, once, whatever statements carried it;
    a later batch updating some of them (ends arriving) replaces those rows."""
    store = Store(max_spans=10_000)
    first = spans(n)
    store.apply(first)
    w = Writer(store, tmp_path / "a.db", max_batch=5000)
    await w.start()
    await w.flush()
    got = on_disk(w.path)
    assert got == {key(s): s for s in first}
    ended = [s for s in first if s.end_ns is None]
    store.apply([Span(**{**{f: getattr(s, f) for f in s.__struct_fields__}, "end_ns": s.start_ns + 9}) for s in ended])
    await w.close()
    got = on_disk(w.path)
    assert len(got) == n and all(got[key(s)].end_ns == s.start_ns + 9 for s in ended)
    with sqlite3.connect(w.path) as conn:
        assert conn.execute("SELECT count(*) FROM spans").fetchone()[0] == n
        # the columns agree with the bodies: what the summaries and filters read
        rows = conn.execute("SELECT trace_id, span_id, model, end_ns, input_tokens, status FROM spans").fetchall()
    for tid, sid, model, end, tin, status in rows:
        s = got[(tid, sid)]
        assert (model, end, tin, status) == (s.llm.model if s.llm else None, s.end_ns,
                                            s.usage.input if s.usage else 0, s.status.value)


def _old_file(path: Path, content: list[Span]) -> None:
    """A file as the previous layout made it: its DDL, its version, rows by one-row upserts."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    for stmt in ddl_statements(OLD_DDL):
        conn.execute(stmt)
    conn.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
    conn.execute("BEGIN")
    conn.executemany(UPSERT_SPAN, [span_row(s) for s in content])
    conn.execute("COMMIT")
    conn.close()
    rebuild_summaries(path)


def _page_size(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA page_size").fetchone()[0]


async def test_a_new_file_has_big_pages_and_checkpoints_by_bytes(tmp_path: Path) -> None:
    store = Store()
    content = spans(60)
    store.apply(content)
    w = Writer(store, tmp_path / "new.db")
    await w.start()
    await w.close()
    assert _page_size(w.path) == PAGE_SIZE == 16384
    assert on_disk(w.path) == {key(s): s for s in content}
    # the log is checkpointed at the same size whatever the pages
    assert autocheckpoint_pragma(4096) == "PRAGMA wal_autocheckpoint=8000"
    assert autocheckpoint_pragma(PAGE_SIZE) == f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_BYTES // PAGE_SIZE}"


def _indexes(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'spans'")}


async def test_a_file_made_by_the_previous_layout_reads_the_same_and_takes_new_writes(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = spans(300, session="old", prefix="o")
    _old_file(path, old)
    assert "spans_model" in _indexes(path)
    with Reader(path) as r:  # read as it is
        before_sessions = r.sessions()
        before_traces = r.traces(limit=1000)
        before_model = r.query_spans(model="gpt-3")
    assert on_disk(path) == {key(s): s for s in old}

    store = Store(max_spans=10_000)
    new = spans(130, session="new", prefix="n", t0=1_800_000_000_000_000_000)
    store.apply(new)
    w = Writer(store, path)
    await w.start()  # opens the old file: the unused index goes, nothing else changes
    assert "spans_model" not in _indexes(path) and {"spans_session", "spans_start", "spans_problem"} <= _indexes(path)
    assert _page_size(path) == 4096  # a file keeps the page size it was made with
    await w.close()

    got = on_disk(path)
    assert got == {key(s): s for s in [*old, *new]}
    with Reader(path) as r:
        assert [x for x in r.sessions() if x.id == "old"] == [x for x in before_sessions if x.id == "old"]
        assert [t for t in r.traces(limit=1000) if t.session_id == "old"] == before_traces
        assert r.query_spans(model="gpt-3") == before_model + [s for s in new if s.llm and s.llm.model == "gpt-3"]
        now = {x.id: x for x in r.sessions()}
    # the totals the writer kept equal a full recompute from the spans
    rebuild_summaries(path)
    with Reader(path) as r:
        assert {x.id: x for x in r.sessions()} == now
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT max(version) FROM schema_version").fetchone()[0] == SCHEMA_VERSION


#: The previous layout's last statement of the trigger on a trace's move: only the catch-all went once empty.
_MOVE_DELETE = "DELETE FROM sessions WHERE id = old.session_id AND old.session_id <> new.session_id AND traces = 0;"
OLD_TRIGGER_DDL = DDL.replace(_MOVE_DELETE, _MOVE_DELETE.replace("WHERE id = ", "WHERE id = 'default' AND id = "))
assert OLD_TRIGGER_DDL != DDL


def _triggers(path: Path) -> dict[str, str]:
    with sqlite3.connect(path) as conn:
        return dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall())


@pytest.mark.parametrize("made_by", ["this layout", "the previous trigger", "unwritten"])
async def test_a_session_a_move_left_empty_is_gone_from_the_file(tmp_path: Path, made_by: str) -> None:
    """A trace filed under a process's own session until a later span named its session moves
    there: the session it left, now empty, goes from the file as from memory, in a file made before
    the trigger did that too (its trigger replaced when the writer opens it, the others kept), and
    is never written when it moved before the writer took it (``unwritten``)."""
    path = tmp_path / "moved.db"
    if made_by == "the previous trigger":
        conn = sqlite3.connect(path, isolation_level=None)
        for stmt in ddl_statements(OLD_TRIGGER_DDL):
            conn.execute(stmt)
        conn.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
        conn.close()
    before = _triggers(path)
    store = Store()
    w = Writer(store, path)
    await w.start()
    try:
        log = Span(span_id="a" * 16, trace_id="b" * 32, session_id="weather-agent/i-1", name="session log",
                   start_ns=1_700_000_000_000_000_000, end_ns=1_700_000_000_000_000_001)
        store.apply([Session(id="weather-agent/i-1", service="weather-agent"), log])
        if made_by != "unwritten":
            await w.flush()
            with Reader(path) as r:
                assert [x.id for x in r.sessions()] == ["weather-agent/i-1"]
        store.claim_trace(log.trace_id, "sess-1")
        assert list(store.sessions) == ["sess-1"]
        await w.flush()
    finally:
        await w.close()
    with Reader(path) as r:
        assert [(x.id, x.traces) for x in r.sessions()] == [("sess-1", 1)]
    after = _triggers(path)
    if before:
        changed = {n for n in after if after[n] != before[n]}
        assert changed == {"traces_after_update"}
    rebuild_summaries(path)
    with Reader(path) as r:
        assert [(x.id, x.traces) for x in r.sessions()] == [("sess-1", 1)]


async def test_a_session_a_later_trace_left_shows_the_same_duration_in_memory_and_in_the_file(tmp_path: Path) -> None:
    """A trace filed under a session until a later span named another (a run's spans that name no
    session of their own, later claimed by their run) takes its time with it: the session it left is
    as long as its own traces, in the monitor's panes as in the file the CLI reads, not as long as the
    span of time up to the trace that left (hours, when the two runs were hours apart)."""
    path = tmp_path / "moved.db"
    store = Store()
    w = Writer(store, path)
    await w.start()
    t0, hour = 1_700_000_000_000_000_000, 3_600_000_000_000
    try:
        mine = [Span(span_id=f"{i:016x}", trace_id=f"{i:032x}", session_id="run-1", name=f"step {i}",
                     start_ns=t0 + i * 1_000_000, end_ns=t0 + i * 1_000_000 + 500_000) for i in (1, 2)]
        later = Span(span_id="f" * 16, trace_id="e" * 32, session_id="run-1", name="start-up of run 2",
                     start_ns=t0 + 4 * hour, end_ns=t0 + 4 * hour + 1_000)
        store.apply([*mine, later])
        assert store.sessions["run-1"].duration_ns() == later.end_ns - mine[0].start_ns
        store.claim_trace(later.trace_id, "run-2")
        await w.flush()
    finally:
        await w.close()
    in_memory = {sid: (e.first_ns, e.last_ns, e.duration_ns()) for sid, e in store.sessions.items()}
    with Reader(path) as r:
        in_file = {x.id: (x.first_ns, x.last_ns, x.duration_ns) for x in r.sessions()}
    assert in_memory == in_file
    assert in_memory["run-1"] == (t0 + 1_000_000, t0 + 2_500_000, 1_500_000)
    assert in_memory["run-2"] == (later.start_ns, later.end_ns, 1_000)


QUERIES = [  # (what, SQL as Reader builds it)
    ("a session, in order", "SELECT start_ns, rowid, body FROM spans WHERE session_id = ? ORDER BY start_ns, rowid LIMIT ?"),
    ("a session, next page", "SELECT start_ns, rowid, body FROM spans WHERE session_id = ?"
     " AND (start_ns, rowid) > (?, ?) ORDER BY start_ns, rowid LIMIT ?"),
    ("a trace", "SELECT body FROM spans WHERE trace_id = ? ORDER BY start_ns, rowid"),
    ("problem spans", "SELECT body FROM spans WHERE status = ? AND status <> 'ok' ORDER BY start_ns ASC, rowid ASC LIMIT ?"),
    ("a time range", "SELECT body FROM spans WHERE start_ns >= ? AND start_ns < ? ORDER BY start_ns ASC, rowid ASC LIMIT ?"),
    ("newest first", "SELECT body FROM spans ORDER BY start_ns DESC, rowid DESC LIMIT ?"),
    ("a model, newest first", "SELECT body FROM spans WHERE lower(model) = ? ORDER BY start_ns DESC, rowid DESC LIMIT ?"),
    ("delete a session", "DELETE FROM spans WHERE session_id = ?"),
]


@pytest.mark.parametrize(("what", "sql"), QUERIES, ids=[q[0] for q in QUERIES])
async def test_no_reader_query_scans_the_whole_table(tmp_path: Path, what: str, sql: str) -> None:
    """Each query the read API and maintenance run walks an index, never the table."""
    store = Store()
    store.apply(spans(200))
    w = Writer(store, tmp_path / "a.db")
    await w.start()
    await w.close()
    with sqlite3.connect(w.path) as conn:
        conn.execute("ANALYZE")
        plan = [r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql, [1] * sql.count("?"))]
    assert plan and not any(p == "SCAN spans" for p in plan), plan
    assert any("USING INDEX" in p or "USING COVERING INDEX" in p for p in plan), plan
