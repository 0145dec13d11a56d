"""Pure pieces of the app: burn rate, text bars, stylesheet lookup, row layout."""

from __future__ import annotations

import fixtures
from agenttrace_tui.model import Cost, Span, TokenUsage
from agenttrace_tui.store.memory import Store
from agenttrace_tui.ui.burn import ALL, BurnMeter
from agenttrace_tui.ui.cost_panel import bar
from agenttrace_tui.ui.fmt import ago
from agenttrace_tui.ui.paths import styles_dir
from agenttrace_tui.ui.rowlist import Column, RowList
from agenttrace_tui.ui.session_list import SessionList

S = 1_000_000_000
MIN = 60 * S


def _spend(store: Store, sid: str, t_ns: int, cost: float, tokens: int) -> None:
    store.apply([Span(span_id=sid, trace_id="t", session_id="s", name="llm", start_ns=t_ns - S, end_ns=t_ns,
                      usage=TokenUsage(input=tokens, output=0, total=tokens), cost=Cost(total=cost))])


def test_burn_rate_over_the_window_from_samples():
    store = Store()
    meter = BurnMeter()
    t0 = 1_000 * MIN
    _spend(store, "a", t0, 1.0, 1000)
    meter.sample(store, t0)
    assert meter.rate(ALL, store.totals, t0) is None  # no history yet
    _spend(store, "b", t0 + MIN, 0.5, 600)
    meter.sample(store, t0 + MIN)
    usd, tok = meter.rate(ALL, store.totals, t0 + 2 * MIN)
    assert abs(usd - 0.25) < 1e-9 and abs(tok - 300) < 1e-9  # $0.50 and 600 tokens over 2 minutes
    # Ten minutes on with no spend: the window holds nothing new.
    usd, tok = meter.rate(ALL, store.totals, t0 + 12 * MIN)
    assert usd == 0 and tok == 0
    # The session's own ring gives the same answer (all spend is in session "s").
    per_session = meter.rate("s", store.session("s").totals, t0 + 2 * MIN)
    assert per_session is not None and abs(per_session[0] - 0.25) < 1e-9


def test_burn_rate_seeded_from_span_end_times():
    store = fixtures.build_store()
    meter = BurnMeter()
    meter.seed(store, fixtures.NOW_NS)
    usd, tok = meter.rate(fixtures.RESEARCH, store.session(fixtures.RESEARCH).totals, fixtures.NOW_NS)
    recent = [s for t in store.traces_of(fixtures.RESEARCH) for s in t.spans.values()
              if s.end_ns is not None and s.end_ns >= fixtures.NOW_NS - 5 * MIN]
    expected = sum(s.cost.total for s in recent if s.cost is not None and s.cost.total is not None) / 5
    assert abs(usd - expected) < 1e-12 and tok > 0


def test_bar_has_eighth_cell_precision():
    assert bar(0, 4) == "    "
    assert bar(1, 4) == "████"
    assert bar(0.5, 4) == "██  "
    assert bar(1 / 32, 4) == "▏   "
    assert bar(2.0, 3) == "███"


def test_ago_is_compact():
    assert ago(0, S) == "now"
    assert ago(0, 42 * S) == "42s"
    assert ago(0, 3 * MIN) == "3m"
    assert ago(0, 5 * 3600 * S) == "5h"


def test_stylesheet_is_found_from_source_tree():
    assert (styles_dir() / "app.tcss").is_file()


def test_row_layout_drops_optional_columns_and_keeps_a_flexible_one():
    layout = RowList._layout(SessionList.__new__(SessionList), 46)
    titles = [c.title for _, c in layout]
    assert titles == [" ", "Session", "Dur", "Tokens", "Cost", "Last"]
    assert sum(c.width for _, c in layout) + len(layout) - 1 == 46
    wide = [c.title for _, c in RowList._layout(SessionList.__new__(SessionList), 120)]
    assert wide == [c.title for c in SessionList.COLUMNS]
    assert all(isinstance(c, Column) for c in SessionList.COLUMNS)
