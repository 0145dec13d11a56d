"""A span row the database refuses is set aside with the span itself, as JSON.

The quarantine table keeps what was refused so the diagnostics view can show
it: for a span that is the span (decoded from its row's msgpack body), not a
list of the row's column values. Real parts: the writer, a real SQLite file,
and a trigger in that file refusing one span the way a constraint would.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import msgspec

from agenttrace_tui.model import Span
from agenttrace_tui.store.batch import SPAN_BODY_COLUMN, span_row
from agenttrace_tui.store.memory import Store
from agenttrace_tui.store.reader import Reader
from agenttrace_tui.store.writer import Writer


def test_span_row_body_column_holds_the_msgpack_span() -> None:
    span = Span(span_id="a", trace_id="t", session_id="s", name="n", start_ns=1, end_ns=2)
    row = span_row(span)
    assert msgspec.msgpack.decode(row[SPAN_BODY_COLUMN], type=Span) == span


async def test_a_refused_span_is_quarantined_as_the_span_and_its_neighbours_kept(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    store = Store()
    w = Writer(store, path, interval_s=3600)
    await w.start()
    conn = sqlite3.connect(path)
    try:
        conn.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON spans WHEN new.span_id = 'poison'"
            " BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
        )
        conn.commit()
    finally:
        conn.close()
    store.apply([Span(span_id=f"ok{i}", trace_id="t", session_id="s", name="a", start_ns=1, end_ns=2)
                 for i in range(20)])
    store.apply([Span(span_id="poison", trace_id="t", session_id="s", name="tool call", start_ns=3, end_ns=4,
                      attributes={"k": "v"})])
    await w.flush()
    rows = await w.quarantine()
    await w.close()
    spans = [r for r in rows if r.kind == "span"]
    assert len(spans) == 1 and spans[0].key == "t/poison"
    assert "refused by the test" in spans[0].reason
    body = json.loads(spans[0].body)
    assert body["span_id"] == "poison" and body["name"] == "tool call" and body["attributes"] == {"k": "v"}
    with Reader(path) as r:
        assert sorted(s.span_id for s in r.spans_of_trace("t")) == sorted(f"ok{i}" for i in range(20))
