"""Compare two traces (or two sessions) in the UI: ``m`` marks A, ``m`` on another opens A vs B.

``m`` acts on the focused pane's selection: the session under the cursor
when the session list has focus, else the trace shown in the tree. The
spans are copied when marked, so A survives a store swap (history, replay
rebuilds) and B may come from another saved session. The screen shows
``compare.compare_spans``: both summaries with deltas, then one row per span
name (added, removed, slower, faster, costlier...), biggest differences
first, in a scrollable view; Esc or q closes. Names are cleaned, never markup.

The app owns the mark (``compare_a``) and acts on ``mark_step``'s answer;
nothing here knows the app (no import of ui/app.py, not even for types).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from ..analysis.compare import compare_spans, side_cost
from ..model import Span
from . import fmt
from .text import clean, safe_text

if TYPE_CHECKING:
    from ..store.memory import Store


class Marked(NamedTuple):
    kind: str  # "trace" | "session"
    ident: str
    label: str  # untrusted: cleaned when shown
    spans: list[Span]
    #: its session when that still runs: its open model calls are to come (``+…``), not never-ended (``$?``)
    live: frozenset[str] = frozenset()


def _live(store: Store, session_id: str) -> frozenset[str]:
    entry = store.session(session_id)
    return frozenset((session_id,)) if entry is not None and entry.ended_with_open_spans() is None else frozenset()


def selection(store: Store, *, session_id: str | None, trace_id: str | None) -> Marked | None:
    """What ``m`` acts on: ``session_id`` when the session list has focus, else the trace."""
    if session_id is not None:
        entry = store.session(session_id)
        if entry is None:
            return None
        spans = [s for t in store.traces_of(session_id) for s in t.spans.values()]
        return Marked("session", session_id, entry.session.label, spans, _live(store, session_id))
    trace = store.trace(trace_id) if trace_id else None
    if trace is None:
        return None
    return Marked("trace", trace.trace_id, trace.name, list(trace.spans.values()), _live(store, trace.session_id))


class MarkStep(NamedTuple):
    """What one ``m`` does: the new mark A, what to say, and a compare screen to open."""

    mark: Marked | None
    message: str | None
    screen: CompareScreen | None


def mark_step(marked: Marked | None, sel: Marked | None) -> MarkStep:
    """``m`` on ``sel`` with ``marked`` as A: mark it, unmark it, or compare A with it."""
    if sel is None:
        return MarkStep(marked, "Nothing to mark: select a trace (or focus a session).", None)
    if marked is not None and marked.kind == sel.kind and marked.ident == sel.ident:
        return MarkStep(None, f"Unmarked {sel.kind} A.", None)
    if marked is None or marked.kind != sel.kind:
        return MarkStep(
            sel, f"Marked {sel.kind} {clean(sel.label, 60)} as A; press m on another {sel.kind} to compare.", None,
        )
    return MarkStep(None, None, CompareScreen(marked, sel))


#: change -> theme colour name (worse is error, better is success)
CHANGE_COLOR = {
    "added": "success",
    "removed": "error",
    "slower": "warning",
    "faster": "success",
    "more_expensive": "warning",
    "cheaper": "success",
    "more_errors": "error",
    "fewer_errors": "success",
    "more_calls": "accent",
    "fewer_calls": "accent",
    "same": "text-muted",
}


class CompareScreen(Screen[None]):
    """A vs B: summaries, then per span name, biggest differences first."""

    BINDINGS = [
        Binding("escape,q", "close", "Close compare", id="compare.close"),
        Binding("down,j", "scroll(1)", "Down", show=False, id="compare.down"),
        Binding("up,k", "scroll(-1)", "Up", show=False, id="compare.up"),
    ]

    DEFAULT_CSS = """
    CompareScreen { background: $background; }
    CompareScreen #compare-body { height: 1fr; border: round $border; background: $surface; padding: 0 1; }
    """

    def __init__(self, a: Marked, b: Marked) -> None:
        super().__init__()
        self.a, self.b = a, b
        self.result: dict[str, Any] = compare_spans(a.spans, b.spans, a.ident, b.ident, (a.live | b.live).__contains__)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="compare-body") as body:
            body.border_title = f"Compare {self.a.kind}s · A vs B · esc closes"
            yield Static(self.renderable(), id="compare-table")
        yield Footer(compact=True)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_scroll(self, step: int) -> None:
        body = self.query_one("#compare-body", VerticalScroll)
        body.scroll_to(y=body.scroll_y + step, animate=False)

    # -- drawing ---------------------------------------------------------
    def _color(self, name: str):
        from .colors import style

        return style(self.app, name)

    def _delta(self, v: float | None, f, worse_if_more: bool = True) -> Text:
        text = fmt.signed(v, f)
        if v is None or v == 0:
            return Text(text, style=self._color("text-muted"))
        worse = (v > 0) == worse_if_more
        return Text(text, style=self._color("error" if worse else "success"))

    def _cost_delta(self, v: float | None, digits: int | None = None, priced: float = 0.0, to_come: bool = False) -> Text:
        """A difference (``v``), or, unknown because calls still run, the priced parts' (``priced``) +…."""
        if to_come:
            v = priced
        text = fmt.cost_delta(v, digits, to_come)
        if v is None or text == "$0" or to_come:
            return Text(text, style=self._color("text-muted"))
        return Text(text, style=self._color("error" if v > 0 else "success"))

    def renderable(self) -> Group:
        r = self.result
        a, b, d = r["a"], r["b"], r["delta"]
        head = Text(no_wrap=True, overflow="ellipsis")
        muted = self._color("text-muted")
        for n, (tag, side) in enumerate((("A ", self.a), ("B ", self.b))):
            if n:
                head.append("   vs   ", style=muted)
            head.append(tag, style=self._color("accent") + _bold())
            head.append_text(safe_text(side.label, limit=60))
            # Two runs of one agent share their names: the id tells them apart.
            head.append(" (", style=muted)
            head.append_text(safe_text(side.ident, style=muted, limit=40))
            head.append(")", style=muted)

        summary = Table(box=None, padding=(0, 2), show_edge=False, header_style="bold")
        summary.add_column("")
        summary.add_column("A", justify="right")
        summary.add_column("B", justify="right")
        summary.add_column("Δ", justify="right")
        summary.add_row("duration", fmt.span_time(a["duration_ns"], a["unfinished"]),
                        fmt.span_time(b["duration_ns"], b["unfinished"]), self._delta(d["duration_ns"], fmt.duration))
        summary.add_row("spans", str(a["spans"]), str(b["spans"]), self._delta(d["spans"], str, worse_if_more=False))
        for k in sorted(set(a["spans_by_kind"]) | set(b["spans_by_kind"])):
            va, vb = a["spans_by_kind"].get(k, 0), b["spans_by_kind"].get(k, 0)
            summary.add_row(Text(f"  {k}", style=self._color("text-muted")), str(va), str(vb), self._delta(vb - va, str, worse_if_more=False))
        summary.add_row(
            "tokens",
            fmt.tokens(a["tokens"], a["tokens_estimated"]),
            fmt.tokens(b["tokens"], b["tokens_estimated"]),
            self._delta(d["tokens"], fmt.tokens),
        )
        # One number of decimals for the row ($0.013 beside $0.01 read as two precisions).
        digits = fmt.column_digits([a["cost_priced"], b["cost_priced"], d["cost"]])
        summary.add_row(
            "cost",
            fmt.cost(a["cost_priced"], a["tokens_estimated"], a["unpriced"], digits, running=a["calls_running"]),
            fmt.cost(b["cost_priced"], b["tokens_estimated"], b["unpriced"], digits, running=b["calls_running"]),
            self._cost_delta(d["cost"], digits, d["cost_priced"], d["cost_to_come"]),
        )
        summary.add_row("errors", str(a["errors"]), str(b["errors"]), self._delta(d["errors"], str))

        rows = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold", expand=True)
        rows.add_column("Span name", ratio=1, no_wrap=True, overflow="ellipsis")
        rows.add_column("Change", no_wrap=True)
        rows.add_column("Calls", justify="right", no_wrap=True)
        rows.add_column("Dur A", justify="right", no_wrap=True)
        rows.add_column("Dur B", justify="right", no_wrap=True)
        rows.add_column("Δ dur", justify="right", no_wrap=True)
        rows.add_column("Cost A", justify="right", no_wrap=True)
        rows.add_column("Cost B", justify="right", no_wrap=True)
        rows.add_column("Δ cost", justify="right", no_wrap=True)
        changed = [x for x in r["spans"] if x["changes"] != ["same"]]
        same = [x for x in r["spans"] if x["changes"] == ["same"]]
        digits = fmt.column_digits([v for x in r["spans"] for v in (x["cost_priced_a"], x["cost_priced_b"])])
        for x in changed + same:
            color = self._color(CHANGE_COLOR.get(x["changes"][0], "foreground"))
            dim = x["changes"] == ["same"]
            # (Spans with nothing to price read "—", as in the CLI's table; so does their difference.)
            cost_a, cost_b = side_cost(x, "a", digits), side_cost(x, "b", digits)
            nothing = {cost_a, cost_b} <= {fmt.NOTHING_COUNTED, "-"}
            rows.add_row(
                safe_text(x["name"], limit=200, style=self._color("text-muted") if dim else ""),
                Text(", ".join(c.replace("_", " ") for c in x["changes"]), style=color),
                f"{x['count_a']}→{x['count_b']}",
                fmt.span_time(x["duration_a_ns"], x["unfinished_a"]) if x["count_a"] else "-",
                fmt.span_time(x["duration_b_ns"], x["unfinished_b"]) if x["count_b"] else "-",
                self._delta(x["duration_delta_ns"], fmt.duration),
                cost_a,
                cost_b,
                Text(fmt.NOTHING_COUNTED, style=self._color("text-muted")) if nothing
                else self._cost_delta(x["cost_delta"], digits, x["cost_priced_b"] - x["cost_priced_a"], x["cost_to_come"]),
            )
        title = Text(f"By span name · {len(changed)} changed, {len(same)} same · biggest differences first", style=_bold())
        return Group(head, Text(""), summary, Text(""), title, rows)


def _bold():
    from rich.style import Style

    return Style(bold=True)
