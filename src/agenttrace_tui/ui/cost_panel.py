"""The cost panel: where the money and tokens go, for one session and for all.

Everything comes from the store's rollups (no span scans, no app-side
copies): ``Totals`` for cost and tokens, ``Totals.breakdown`` for models,
providers and kinds, ``Store.spend_series`` for the spend sparkline,
``Store.burn_window`` for $/min and tokens/min over five minutes,
``Store.tool_costs`` for which tool calls burn tokens, ``Store.agent_costs``
for what each agent of a run of several spent (docs/costs.md) and
``Store.kind_times`` for how long each kind of span ran. With a
per-session budget the session's spend shows against it as a bar.
Numbers built on estimated tokens carry ``≈``.
"""

from __future__ import annotations

import time
from typing import Literal

from rich.text import Text
from textual import events, on
from textual.timer import Timer

from ..analysis.budget import budget_state
from ..store.aggregates import Bucket, Totals
from ..store.entries import SessionEntry
from ..store.memory import Store
from . import fmt
from .colors import style
from .text import clean
from .textview import TextView

_EIGHTHS = " ▏▎▍▌▋▊▉"
#: The burn rate's window (seconds): the last five minutes.
BURN_S = 300
_SPARKS = "▁▂▃▄▅▆▇█"
#: Minutes of history in the spend sparkline (fewer when the pane is narrow).
SPARK_MINUTES = 30
TOOL_ROWS = 6
#: Spans' worth of changed traces each tools section attributes to tool calls
#: per draw (``Store.tool_costs``, about 2-3 us a span). Live, a second of
#: traffic is far less; a store filled before the first draw (a replay, a
#: preload of a million spans: seconds of work) is worked through a slice per
#: draw, with the loop free for keys and frames in between, the section saying
#: so until its rollup is whole -- then the same rows a single read gives.
TOOL_SPANS_PER_DRAW = 10_000
#: Seconds between two such slices.
TOOL_STEP_S = 0.02
#: A slice attributes this many spans' worth at a time (whole traces) until it
#: has run ``TOOL_SLICE_S``: one slice of ``TOOL_SPANS_PER_DRAW`` spans took
#: 20-60 ms of the loop, and a key pressed meanwhile waited for all of it.
TOOL_SLICE_SPANS = 1_000
TOOL_SLICE_S = 0.004
BUDGET_COLOR = {"ok": "success", "warn": "warning", "over": "error"}
BUDGET_MARK = {"ok": "", "warn": "!", "over": "‼"}


def bar(fraction: float, width: int) -> str:
    """A bar ``fraction`` of ``width`` cells long, to an eighth of a cell."""
    fraction = max(0.0, min(1.0, fraction))
    eighths = round(fraction * width * 8)
    full, part = divmod(eighths, 8)
    out = "█" * full + (_EIGHTHS[part] if part else "")
    return out.ljust(width)


def sparkline(values: list[float]) -> str:
    """One cell per value, ▁ to █ scaled to the largest; zero is a blank cell."""
    top = max(values, default=0.0)
    if top <= 0:
        return " " * len(values)
    out = []
    for v in values:
        if v <= 0:
            out.append(" ")
        else:
            # Anything above zero gets at least ▁, so small spend stays visible.
            out.append(_SPARKS[min(7, max(0, int(v / top * 8 - 1e-9)))])
    return "".join(out)


def _fit(label: str, width: int) -> str:
    label = clean(label, 64)
    if len(label) > width:
        label = label[: width - 1] + "…"
    return label.ljust(width)


def _fit_tool(name: str, width: int, server: str | None = None) -> str:
    """A tool's row label: ``_fit``, but an MCP server's tool as an agent CLI names it, Claude Code's
    ``mcp__<server>__<tool>`` or Gemini CLI's ``mcp_<server>_<tool>`` (the server up to its first
    ``_``, as the CLI reads its own names), or GitHub Copilot CLI's ``<server>-<tool>`` and Factory's Droid's
    ``<server>___<tool>`` (the ``server`` its calls named: the name alone does not tell a server's tool from a
    name with a ``-``), too long for the column keeps its
    tool whole and as much of its server as fits (``weat…__get_weather``, ``weath…_get_weather``,
    ``weath…-get_weather``, ``wea…___get_weather``), so two tools of one server are not one cut-off name."""
    if server and (sep := next((s for s in ("___", "-") if name.startswith(server + s)), "")) and (
            len(name) > len(server) + len(sep)):
        tool = name[len(server) + len(sep):]
    elif name.startswith("mcp__"):
        server, sep, tool = name[len("mcp__"):].partition("__")
    elif name.startswith("mcp_"):
        server, sep, tool = name[len("mcp_"):].partition("_")
    else:
        return _fit(name, width)
    if not (server and sep and tool) or len(clean(name, 64)) <= width:
        return _fit(name, width)
    tool = clean(tool, 64)
    room = width - len(sep) - len(tool)  # what the server gets
    if room < 2:  # a tool name that takes the column: it is what is shown
        return _fit(tool, width)
    server = clean(server, 64)
    if len(server) > room:
        server = server[: room - 1] + "…"
    return (server + sep + tool).ljust(width)


#: Open model calls with no tokens yet by breakdown key (``SessionEntry.waiting_calls``).
Waiting = dict[tuple[str, str], int]


#: A breakdown row's widest label and bar.
_LABEL_MAX = 18
_BAR_MAX = 40


def _breakdown(app, rows: list[tuple[str, Bucket]], dimension: str, width: int, colour: str,
               open_calls: tuple[Waiting, Waiting], limit: int = 6) -> list[Text]:
    """Rows of one dimension (``Totals.breakdown``'s), costliest first; ``open_calls`` (``_open_calls``)
    mark a row with calls still to come ``+…``, one with calls that never ended ``+$?``, as the section's sum."""
    if not rows:
        return []
    # Dollars when any row cost some; tokens when none did but some drew tokens; and when no row
    # counted either (a refused call, a running one), the rows' costs as such (``—``, ``$…``,
    # ``$?``): a bare token count of ``0`` read as a price.
    by_cost = any(b.cost for _, b in rows) or not any(b.tokens for _, b in rows)
    values = [b.cost if by_cost else b.tokens for _, b in rows]
    top = max(values) or 1
    label_w = max(6, min(_LABEL_MAX, max(len(k) for k, _ in rows[:limit])))
    shown_rows = list(zip(rows, values, strict=True))[:limit]
    digits = fmt.column_digits(b.cost for (_, b), _ in shown_rows)
    # An unpriced model shows $?, never $0 beside priced ones; one whose calls have counted
    # nothing (failed before any token) a dash, not a $0 it may not be; one with calls
    # running $…, or +… after what ended calls cost.
    come, never = open_calls
    texts = [
        fmt.row_cost(b.cost, b.estimated > 0, b.cost_unknown + never.get((dimension, key), 0), digits,
                     tokens=b.tokens, running=come.get((dimension, key), 0))
        if by_cost
        else fmt.tokens(b.tokens, estimated=b.estimated > 0)
        for (key, b), _ in shown_rows
    ]
    val_w = max(9, *(len(t) for t in texts))  # the figure whole; the bar gives way
    # Every section's rows end in the same column whatever its labels' width (by model's and by
    # provider's figures one under the other): the bar takes what a shorter label leaves.
    row_w = min(width - 1, _LABEL_MAX + _BAR_MAX + val_w + 3)
    bar_w = max(4, row_w - label_w - val_w - 3)
    out = []
    for ((key, _bucket), value), shown in zip(shown_rows, texts, strict=True):
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(" " + _fit(key, label_w) + " ")
        line.append(bar(value / top, bar_w), style=style(app, colour))
        line.append(" " + shown.rjust(val_w))
        out.append(line)
    if len(rows) > limit:
        out.append(Text(f"  … {len(rows) - limit} more", style=style(app, "text-muted")))
    return out


def _by_kind(app, store: Store, totals: Totals, session_id: str | None, width: int, open_calls: tuple[Waiting, Waiting],
             now_ns: int, budget_spans: int | None = None, pending: set[str | None] | None = None) -> list[Text]:
    """The by-kind section: its heading, then a row a kind (spans, time, cost, failed spans),
    each heading over its column; none when nothing was counted. The time is how long spans of the
    kind ran, their time shared counted once, spans still running until now (until their session's
    end when it has ended or the recording is over: ``Store.kind_times``); with ``budget_spans`` it
    may be still to work out: the last figures worked out then (``…`` before any), and ``pending``
    gets the section's session id (None: all)."""
    rows = totals.breakdown("kind")
    if not rows:
        return []
    now = None if getattr(app, "recording_over", False) else now_ns
    times = store.kind_times(session_id, budget_spans, defer=budget_spans is not None, running=True, now_ns=now)
    if times is None:
        if pending is not None:
            pending.add(session_id)
        # Meanwhile the last worked out (a live session's, a second old), else ``…``.
        times = store.kind_times_known(session_id, running=True, now_ns=now)
    rows.sort(key=lambda kv: (-kv[1].spans, kv[0]))
    muted = style(app, "text-muted")
    digits = fmt.column_digits(b.cost for _, b in rows)
    come, never = open_calls
    # The cost column kept blank when there is none: an error count never stands in it.
    costs = []
    for key, b in rows:
        unpriced = b.cost_unknown + never.get(("kind", key), 0)
        running = come.get(("kind", key), 0)
        costs.append(fmt.cost(b.cost, b.estimated > 0, unpriced, digits, running=running)
                     if b.cost or unpriced or running else "")
    cost_w = max(8, *map(len, costs))
    # The errors column is headed only when a kind has failed spans (it is left out otherwise).
    errors = " err" if any(b.errors for _, b in rows) else ""
    out = [Text(f" {'by kind':<14}{'spans':>5} {'time':>7} {'cost':>{cost_w}}{errors}", style=muted, no_wrap=True,
                overflow="ellipsis")]
    for (key, b), shown in zip(rows, costs, strict=True):
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(" " + _fit(key, 14))  # (cut with an ellipsis, as the other sections cut theirs)
        line.append(f"{b.spans:>5}")
        line.append(f" {fmt.duration(times.get(key, 0)) if times is not None else '…':>7}", style=muted)
        line.append(f" {shown:>{cost_w}}")
        if b.errors:
            line.append(f" {b.errors}✗", style=style(app, "error"))
        out.append(line)
    return out


def _tools(app, store: Store, session_id: str | None, width: int, tool_budget: int | None = None,
           pending: set[str | None] | None = None, live: bool = True) -> list[Text]:
    """Which tool calls burn tokens: LLM spend that decided and consumed each tool's calls.

    With ``tool_budget`` (spans) the rollup may not be whole yet: the section
    says so and ``pending`` gets the section's session id (None: all sessions).
    ``live``: its model calls still open may end (their share is to come, ``$…``); else
    they never will (not known, ``$?``), as the section's sum reads them.
    """
    muted = style(app, "text-muted")
    # A row is a space, its label, 24 cells of figures (calls, decided, consumed), its errors (" 12✗").
    label_w = max(6, min(18, width - 29))
    title = "tools by LLM cost" if label_w >= 17 else "tools"
    # With a budget the attribution itself waits for the pane's next slice, between frames:
    # a draw answering a key (a session with a 50,000-span trace opened) never does it.
    got = store.tool_costs(session_id) if tool_budget is None else store.tool_costs(session_id, tool_budget, defer=True)
    if got is None:
        if pending is not None:
            pending.add(session_id)
        return [Text(" " + title + "  attributing…", style=muted, no_wrap=True, overflow="ellipsis")]
    rows = [r for r in got if r.calls]
    if not rows:
        return []
    # (The errors column, how many of a tool's calls failed, headed only when a row has some.)
    errors = " err" if any(r.errors for r in rows[:TOOL_ROWS]) else ""
    out = [Text(" " + title.ljust(label_w) + " calls  decided consumed" + errors, style=muted, no_wrap=True,
                overflow="ellipsis")]
    # One number of decimals a column, as in every cost column.
    decided_d = fmt.column_digits(r.decided_cost for r in rows[:TOOL_ROWS] if r.cost)
    consumed_d = fmt.column_digits(r.consumed_cost for r in rows[:TOOL_ROWS] if r.cost)
    for r in rows[:TOOL_ROWS]:
        est = r.estimated > 0
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(" " + _fit_tool(r.name, label_w, r.server))
        line.append(f" {r.calls:>5} ")
        if r.cost or r.decided_unpriced or r.consumed_unpriced or r.decided_waiting or r.consumed_waiting:
            come_d, come_c = (r.decided_waiting, r.consumed_waiting) if live else (0, 0)
            decided = fmt.attributed(r.decided_cost, r.decided_calls, est, decided_d, 7,
                                     r.decided_unpriced + r.decided_waiting - come_d, come_d)
            consumed = fmt.attributed(r.consumed_cost, r.consumed_calls, est, consumed_d, 8,
                                      r.consumed_unpriced + r.consumed_waiting - come_c, come_c)
            line.append(f" {decided:>7} {consumed:>8}")
        else:
            # No priced LLM around it: show the tokens it drew instead.
            decided = fmt.tokens(r.decided_tokens, estimated=est) if r.decided_calls else fmt.NOTHING_COUNTED
            consumed = fmt.tokens(r.consumed_tokens, estimated=est) if r.consumed_calls else fmt.NOTHING_COUNTED
            line.append(f" {decided:>7} {consumed:>8}", style=muted)
        if r.errors:
            line.append(f" {r.errors}✗", style=style(app, "error"))
        out.append(line)
    if len(rows) > TOOL_ROWS:
        out.append(Text(f"  … {len(rows) - TOOL_ROWS} more", style=muted))
    return out


def _agents(app, store: Store, entry: SessionEntry, now_ns: int, width: int, budget_spans: int | None,
            pending: set[str] | None) -> list[Text]:
    """The session's spend by agent (``Store.agent_costs``), in a run of more than one: a
    triage agent and the specialist it handed off to, a coding agent and its sub-agent (what
    `costs --group-by agent` shows). With ``budget_spans`` more than that many spans' worth of
    traces changed since are left to the pane's slices (a draw answering a key does none of it):
    nothing is shown until they are worked out, and ``pending`` gets the session's id."""
    got = store.agent_costs(entry.id, budget_spans, defer=True)
    if got is None:
        if pending is not None:
            pending.add(entry.id)
        return []
    rows, waiting = got
    if len(rows) < 2:
        return []
    # Its open calls are to come while the session runs, never once it stopped with them open.
    open_calls: tuple[Waiting, Waiting] = ({}, {})
    into = open_calls[1] if getattr(app, "recording_over", False) or entry.status(now_ns) != "running" else open_calls[0]
    for key, n in waiting.items():
        into[("agent", key)] = n
    return [Text(" by agent", style=style(app, "text-muted")),
            *_breakdown(app, rows, "agent", width, "accent", open_calls)]


def _open_calls(app, store: Store, entry: SessionEntry | None, now_ns: int) -> tuple[Waiting, Waiting]:
    """A section's model calls open with no tokens yet, by breakdown key, split as
    ``_summary`` splits their count: (still to come, never to end)."""
    come: Waiting = {}
    never: Waiting = {}
    if not (entry.totals if entry is not None else store.totals).llm_waiting:
        return come, never
    over = getattr(app, "recording_over", False)
    for e in (entry,) if entry is not None else store.sessions.values():
        if e.totals.llm_waiting:
            into = never if over or e.status(now_ns) != "running" else come
            for key, n in e.waiting_calls().items():
                into[key] = into.get(key, 0) + n
    return come, never


def _running_calls(app, store: Store, entry: SessionEntry | None, now_ns: int) -> int:
    """Model calls of the session (None: of all sessions) running with no tokens yet, whose cost
    is still to come: none in a recording that is over or a session that ended with them open."""
    if getattr(app, "recording_over", False):
        return 0
    if entry is None:
        return store.running_live(calls=True)
    return entry.totals.llm_waiting if entry.status(now_ns) == "running" else 0


def _budget(app, totals: Totals, state: str, budget: float, width: int, running: int) -> Text:
    colour = style(app, BUDGET_COLOR[state], bold=state != "ok")
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append(" budget ", style=style(app, "text-muted"))
    spent = f"{fmt.sum_cost(totals, running)} / {fmt.cost(budget)}"
    pct = f" {totals.cost / budget:4.0%}" if budget else ""
    bar_w = max(4, min(30, width - len(spent) - len(pct) - 12))
    line.append(bar(totals.cost / budget, bar_w), style=colour)
    line.append(" " + spent)
    line.append(pct + (" " + BUDGET_MARK[state] if state != "ok" else ""), style=colour)
    return line


def _summary(
    app,
    store: Store,
    title: str,
    totals: Totals,
    session_id: str | None,
    now_ns: int,
    width: int,
    budget: float | None,
    entry: SessionEntry | None,
) -> list[Text]:
    muted = style(app, "text-muted")
    est = totals.estimated > 0
    head = Text(no_wrap=True, overflow="ellipsis")
    head.append(f"{title}", style=style(app, "accent", bold=True))
    lines = [head]
    running = _running_calls(app, store, entry, now_ns)
    cut = totals.llm_waiting - running
    if budget is not None and entry is not None:
        lines.append(_budget(app, totals, budget_state(entry, budget), budget, width, running))
    l1 = Text()
    l1.append(" cost   ", style=muted)
    l1.append(fmt.sum_cost(totals, running), style="bold")
    # What the figure leaves out, most telling first: "1 call unpriced, 2 running".
    notes = [(n, label, style(app, "warning") if warn else muted)
             for n, label, warn in ((totals.cost_unknown, "unpriced", True), (cut, "never ended", True),
                                   (running, "running", False)) if n]
    for i, (n, label, note_style) in enumerate(notes):
        note = f"  {fmt.plural(n, 'call')} {label}" if i == 0 else f", {n} {label}"
        if i and l1.cell_len + len(note) > width:
            break  # a narrow pane: whole notes or none, not "1 runn…"
        l1.append(note, style=note_style)
    if est:
        l1.append(f"  ≈ {fmt.plural(totals.estimated, 'span')} with estimated tokens", style=muted)
    lines.append(l1)
    l2 = Text()
    l2.append(" tokens ", style=muted)
    l2.append(fmt.tokens(totals.tokens, estimated=est), style="bold")
    l2.append("  in ", style=muted)
    l2.append(fmt.tokens(totals.input_tokens))
    l2.append(" out ", style=muted)
    l2.append(fmt.tokens(totals.output_tokens))
    l2.append(" cache ", style=muted)
    l2.append(fmt.tokens(totals.cache_read))
    if totals.reasoning:
        l2.append(" reason ", style=muted)
        l2.append(fmt.tokens(totals.reasoning))
    lines.append(l2)
    l3 = Text()
    l3.append(" errors ", style=muted)
    l3.append(f"{totals.errors}/{totals.spans} ({totals.error_rate:.1%})", style=style(app, "error") if totals.errors else "")
    l3.append("  llm avg ", style=muted)
    l3.append(fmt.duration(totals.avg_llm_ns) if totals.llm_finished else "—")
    lines.append(l3)
    usd, tok, minutes = store.burn_window(session_id, window_s=BURN_S, now_ns=now_ns)
    l4 = Text()
    l4.append(" burn   ", style=muted)
    if not minutes:
        l4.append(f"— (nothing in the last {BURN_S // 60} min)", style=muted)
    else:
        # Unpriced calls in the session: the rate is not the whole of it either (per session,
        # not per minute: the series keep no unpriced counts), and $?/min when nothing was priced.
        l4.append(f"{fmt.cost(usd / minutes, estimated=est, unpriced=totals.cost_unknown)}/min", style="bold")
        l4.append(f"  {fmt.tokens(tok / minutes, estimated=est)} tok/min", style="bold")
        l4.append(f"  ({minutes:.0f}m)", style=muted)  # the minutes averaged: a new session's age
    lines.append(l4)
    n = max(8, min(SPARK_MINUTES, width - 30))
    what: Literal["cost", "tokens"] = "cost" if totals.cost else "tokens"
    series = store.spend_series(session_id, "minute", n=n, now_ns=now_ns, what=what)
    if any(series):
        l5 = Text(no_wrap=True, overflow="ellipsis")
        l5.append(" spend  " if what == "cost" else " tokens ", style=muted)  # nothing priced: tokens drawn
        l5.append(sparkline(series), style=style(app, "primary"))
        peak = max(series)
        l5.append(f" {n}m  max {fmt.cost(peak) if what == 'cost' else fmt.tokens(peak)}/min", style=muted)
        lines.append(l5)
    return lines


def render_cost(app, store: Store, session: SessionEntry | None, now_ns: int, width: int, budget: float | None = None,
                tool_budget: int | None = None, pending: set[str | None] | None = None,
                pending_agents: set[str] | None = None, pending_kinds: set[str | None] | None = None) -> Text:
    """The pane's text. ``tool_budget``, ``pending``: see ``_tools``; ``pending_agents``: ``_agents``'s;
    ``pending_kinds``: ``_by_kind``'s (without them every figure is whole)."""
    parts: list[Text] = []
    sections: list[tuple[str, Totals, str | None, SessionEntry | None]] = []
    if session is not None:
        sections.append((f"session {clean(session.session.label, 40)}", session.totals, session.id, session))
    sections.append((f"all sessions ({len(store.sessions)})", store.totals, None, None))
    muted = style(app, "text-muted")
    for title, totals, sid, entry in sections:
        parts.extend(_summary(app, store, title, totals, sid, now_ns, width, budget, entry))
        open_calls = _open_calls(app, store, entry, now_ns)
        models = _breakdown(app, totals.breakdown("model"), "model", width, "primary", open_calls)
        if models:
            parts.append(Text(" by model", style=muted))
            parts.extend(models)
        providers = _breakdown(app, totals.breakdown("provider"), "provider", width, "secondary", open_calls)
        if providers:
            parts.append(Text(" by provider", style=muted))
            parts.extend(providers)
        if entry is not None:
            parts.extend(_agents(app, store, entry, now_ns, width, tool_budget, pending_agents))
        parts.extend(_tools(app, store, sid, width, tool_budget, pending,
                            live=_running_calls(app, store, entry, now_ns) > 0))
        parts.extend(_by_kind(app, store, totals, sid, width, open_calls, now_ns, tool_budget, pending_kinds))
        parts.append(Text(""))
    return Text("\n").join(parts)


class CostPanel(TextView):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Cost"
        self._shown: tuple | None = None
        self._drawn_width = -1
        #: what the last show() drew from: redrawn at once at a new width
        self._last: tuple | None = None
        #: Tools sections still being worked out (``TOOL_SPANS_PER_DRAW``), by session id
        #: (None: all sessions): worked on between frames, drawn again once one is whole.
        self._pending: set[str | None] = set()
        #: Sessions whose spend by agent is being worked out likewise.
        self._pending_agents: set[str] = set()
        #: By-kind sections whose time is being worked out likewise, by session id (None: all sessions).
        self._pending_kinds: set[str | None] = set()
        self._step: Timer | None = None

    def show(self, app, store: Store, session: SessionEntry | None, now_ns: int, stamp: tuple, budget: float | None = None) -> None:
        if stamp == self._shown:
            return
        self._shown = stamp
        self._last = (app, store, session, now_ns, budget)
        self._draw(app, store, session, now_ns, budget)

    def shows_but_the_clock(self, stamp: tuple) -> bool:
        """What is drawn differs from ``stamp`` (session, version, second) at most in its second."""
        shown = self._shown
        return shown is not None and shown[:-1] == stamp[:-1]

    @property
    def tools_pending(self) -> bool:
        """A tools section says "attributing…", or the spend by agent or the time by kind is being worked out."""
        return bool(self._pending or self._pending_agents or self._pending_kinds)

    def _draw(self, app, store: Store, session: SessionEntry | None, now_ns: int, budget: float | None) -> None:
        pending: set[str | None] = set()
        pending_agents: set[str] = set()
        pending_kinds: set[str | None] = set()
        self.set_text(render_cost(app, store, session, now_ns, self.content_width, budget, TOOL_SPANS_PER_DRAW, pending,
                                  pending_agents, pending_kinds))
        self._pending = pending
        self._pending_agents = pending_agents
        self._pending_kinds = pending_kinds
        if (pending or pending_agents or pending_kinds) and self._step is None:
            self._step = self.set_timer(TOOL_STEP_S, self._next_slice, name="cost-tools")

    def _next_slice(self) -> None:
        """Work out the next slice of each pending tools section, spend by agent and time by kind; draw again
        once one is whole."""
        self._step = None
        last = self._last
        if not self.tools_pending or last is None or not self.display:
            return
        app, store, session, _, budget = last
        if getattr(app, "paused", False):
            return  # the screen is frozen; the first draw after the pause goes on from here
        pending_key = getattr(app, "_key_frame_pending", None)
        if pending_key is not None and pending_key():
            # A key's frame is on its way: this slice comes after it.
            self._step = self.set_timer(TOOL_STEP_S, self._next_slice, name="cost-tools")
            return
        # Only the attribution between frames (no redraw of the pane per slice),
        # in small steps until the slice's time is up.
        deadline = time.perf_counter() + TOOL_SLICE_S
        whole = False
        for read, pending in ((store.tool_costs, self._pending), (store.agent_costs, self._pending_agents),
                              (store.kind_times, self._pending_kinds)):
            for sid in pending:
                while True:
                    if read(sid, TOOL_SLICE_SPANS) is not None:
                        whole = True
                        break
                    if time.perf_counter() >= deadline:
                        break
        if not whole:
            self._step = self.set_timer(TOOL_STEP_S, self._next_slice, name="cost-tools")
            return
        now = app.now_ns() if hasattr(app, "now_ns") else last[3]
        self._last = (app, store, session, now, budget)
        self._draw(app, store, session, now, budget)

    def invalidate(self) -> None:
        """Redraw at the next ``show`` whatever its stamp."""
        self._shown = None

    # The pane owns its cache: what it shows depends on the theme and the width too.
    def notify_style_update(self) -> None:
        super().notify_style_update()
        self.invalidate()

    @on(events.Resize)
    def _width_changed(self, event: events.Resize) -> None:
        # Only a new width changes the text (a new text's height resizes too).
        if event.size.width != self._drawn_width:
            self._drawn_width = event.size.width
            self.invalidate()
            # Now, not at the next refresh tick: that one sleeps while nothing
            # changes, and a zoom's layout settles after the key's tick. Not while
            # paused: the totals would be read anew, newer than the other panes'.
            if self._last is not None and not getattr(self.app, "paused", False):
                app, store, session, now_ns, budget = self._last
                self._draw(app, store, session, now_ns, budget)
