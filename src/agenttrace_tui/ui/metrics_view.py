"""The metrics screen (``M``): every metric series with value, rate and sparkline.

Reads ``app.store.metrics`` (live, a replay, or a saved session in the
history view: whatever store the panes show) once a second while open.
One row per series (name + labels): the metric in words where it is one of
Claude Code's or Codex's known ones (``analysis.metrics``), the labels that
tell series apart, the value (a counter's total, a gauge's latest), the
rate over the last minute of samples and a sparkline of the recent samples.
Names and labels come from senders: shown through ``safe_text``, never markup.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static

from ..analysis.metrics import describe, fmt_value, rate_per_s, series_values, short_labels, sparkline, value_of
from ..format.numbers import fmt_number
from .colors import style
from .rowlist import Column, RowList
from .text import safe_text

if TYPE_CHECKING:
    from ..store.entries import MetricSeries
    from ..store.memory import Store

REFRESH_S = 1.0
SPARK_WIDTH = 16


def _key(series: MetricSeries) -> str:
    return series.name + "\x00" + "\x00".join(f"{k}={v}" for k, v in sorted(series.labels.items()))


class MetricList(RowList):
    """Series as rows, sorted by name then labels."""

    COLUMNS = [
        Column("Metric", 0),
        Column("Labels", 34, min_total=90),
        Column("Value", 12, "right"),
        Column("Rate/s", 9, "right", min_total=60),
        Column("Recent", SPARK_WIDTH, min_total=70),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.series: dict[str, MetricSeries] = {}

    def load(self, store: Store) -> None:
        self.series = {_key(s): s for s in list(store.metrics.values())}
        self.set_keys(sorted(self.series))
        self.refresh()

    def row_stamp(self, key: str) -> Hashable:
        s = self.series.get(key)
        return (id(s), s.count, s.time_ns) if s is not None else None

    def row_cells(self, key: str) -> list[Text]:
        s = self.series[key]
        muted = style(self.app, "text-muted")
        words = describe(s.name, s.labels)
        if words:
            name = Text(words, no_wrap=True, end="")
            name.append("  ")
            name.append_text(safe_text(s.name, style=muted, limit=200))
        else:
            name = safe_text(s.name, limit=200)
        points = list(s.points)
        rate = rate_per_s(points, s.kind)
        return [
            name,
            safe_text(short_labels(s.labels, 200), style=muted, limit=200),
            Text(fmt_value(s.name, value_of(s.kind, s.last, s.sum))),
            Text("" if rate is None else fmt_number(rate, 3)),
            Text(sparkline(series_values(points, s.kind), SPARK_WIDTH), style=style(self.app, "accent")),
        ]


class MetricsScreen(Screen[None]):
    """Full-screen list of metric series; Esc, M or q goes back to the panes."""

    BINDINGS = [
        Binding("escape,M,q", "close", "Back", id="metrics.close"),
    ]

    DEFAULT_CSS = """
    MetricsScreen { layout: vertical; background: $background; }
    MetricsScreen #metrics-title { height: 1; background: $panel; color: $accent; text-style: bold; padding: 0 1; }
    MetricsScreen #metrics-list { height: 1fr; border: round $border; background: $surface; }
    MetricsScreen #metrics-status { height: 1; color: $text-muted; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        yield Static("Metrics · value is a counter's total or a gauge's latest · rate over the last minute",
                     id="metrics-title", markup=False)
        self.list = MetricList(id="metrics-list")
        yield self.list
        yield Static("", id="metrics-status", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._reload()
        self.list.focus()
        self.set_interval(REFRESH_S, self._reload, name="metrics-refresh")

    def _reload(self) -> None:
        store = self.app.store  # type: ignore[attr-defined]
        self.list.load(store)
        n = len(self.list.keys)
        status = self.query_one("#metrics-status", Static)
        status.update("No metric series yet: OTLP metrics (Claude Code, Codex, any SDK) appear here."
                      if n == 0 else f"{n:,} series · j/k move · esc back")

    def action_close(self) -> None:
        self.dismiss(None)
