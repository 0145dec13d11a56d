"""The span detail pane: everything about the selected span, scrollable.

``render_detail`` is a pure function from a span to Rich renderables; every
string the agent supplied goes through ``clean``/``clean_multiline`` and is
appended as plain text, never markup. Code metadata (``code.*``,
``thread.*``) is hidden unless toggled.
"""

from __future__ import annotations

from typing import Any

import msgspec
from rich.text import Text
from textual import events, on

from ..analysis.tree import counted_below
from ..format.cost import (
    FAILED_NO_TOKENS,
    UNTIL_ITS_END,
    cost_estimated,
    cost_source_text,
    priced_as_text,
    span_cost_text,
)
from ..format.sanitize import HIDDEN, is_secret_name
from ..model import RUNS_AGENT_ATTR, Span, SpanKind, Status
from ..store.agents import agent_of, spellings
from ..store.entries import TraceEntry
from . import fmt
from .colors import STATUS_GLYPH, kind_glyph, kind_style, shown_status, status_style, style
from .text import clean, clean_multiline, wrap_plain
from .textview import TextView

#: Attribute prefixes hidden until the user asks for them.
CODE_PREFIXES = ("code.", "thread.")
PREVIEW_LIMIT = 16 * 1024


def is_code_attr(key: str) -> bool:
    return key.startswith(CODE_PREFIXES)


def _value(v: Any) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, (dict, list, tuple)):
        try:
            return msgspec.json.encode(v).decode()
        except (TypeError, msgspec.EncodeError):
            return repr(v)
    return str(v)


def _lines_of(text: str) -> list[str]:
    """The lines of a text of several (an exception and its traceback), blank ones left out."""
    return [line.rstrip() for line in text.strip().split("\n") if line.strip()]


class _Doc:
    """Accumulates the detail view as one pre-wrapped Text: aligned key/value
    rows, section titles and indented previews. One Text (not a Rich Table)
    keeps a redraw cheap while follow mode moves the selection every tick."""

    def __init__(self, app, width: int) -> None:
        self.app = app
        self.console = app.console
        self.width = max(20, width)
        self.out = Text()
        self.rows: list[tuple[str, Text]] = []
        self.muted = style(app, "text-muted")

    def _line(self, text: Text) -> None:
        self.out.append_text(text)
        self.out.append("\n")

    def flush(self) -> None:
        if not self.rows:
            return
        keyw = max(7, min(16, max(len(k) for k, _ in self.rows)))
        valw = max(8, self.width - keyw - 1)
        pad = Text(" " * (keyw + 1))
        for key, value in self.rows:
            k = Text(key, style=self.muted)
            k.truncate(keyw, overflow="ellipsis", pad=True)
            k.append(" ")
            for i, line in enumerate(value.wrap(self.console, valw, overflow="fold")):
                self.out.append_text(k if i == 0 else pad)
                self._line(line)
        self.rows = []

    def title(self, text: Text) -> None:
        self.flush()
        self._line(text)

    def row(self, key: str, *pieces: tuple[str, Any] | Text | str) -> None:
        """A row: trusted ``key``; pieces are Text, untrusted str, or (untrusted str, style)."""
        value = Text()
        for piece in pieces:
            if isinstance(piece, Text):
                value.append_text(piece)
            elif isinstance(piece, tuple):
                value.append(clean(piece[0], 2000), style=piece[1])
            else:
                value.append(clean(piece, 2000))
        self.rows.append((key, value))

    def label(self, text: str) -> Text:
        """A trusted inline label inside a value ("in", "out", ...)."""
        return Text(text, style=self.muted)

    def section(self, title: str) -> None:
        self.flush()
        self._line(Text(f"── {title} ", style=style(self.app, "accent", bold=True)))

    def block(self, text: str, limit: int = PREVIEW_LIMIT) -> None:
        """A multi-line untrusted preview, indented by one cell."""
        self.flush()
        append = self.out.append
        for line in wrap_plain(clean_multiline(text, limit), self.width - 1, self.console):
            append(" ")
            append(line)
            append("\n")

    def group(self) -> Text:
        self.flush()
        self.out.rstrip()
        return self.out


#: The most spans a trace may hold for the detail to say which of its agents runs a span.
AGENT_SCAN_MAX = 5_000


def render_detail(
    app, span: Span | None, trace: TraceEntry | None, now_ns: int, *, show_code: bool = False, width: int = 80,
    empty: str | None = None,
) -> Text:
    """The detail of ``span``; without one, ``empty`` says why (else: how to pick one)."""
    if span is None:
        why = empty or "No span selected.\nPick a session and a trace, then move in the tree with j/k."
        return Text(why, style=style(app, "text-muted"))
    d = _Doc(app, width)
    L = d.label
    cut = trace.cut_ns if trace is not None and span.running else None
    if cut is not None:
        now_ns = min(now_ns, cut)  # its session ended with it open: no end will come
    status = "unfinished" if cut is not None else shown_status(app, "running" if span.running else span.status.value)
    title = Text()
    title.append(f"{kind_glyph(span.kind)} {span.kind.value}  ", style=kind_style(app, span.kind))
    title.append(clean(span.name, 300), style="bold")
    d.title(title)
    is_err = span.status in (Status.ERROR, Status.TIMEOUT)
    st = Text(f"{STATUS_GLYPH.get(status, '?')} {status}", style=status_style(app, status, bold=True))
    d.row("status", st, *((L("  code "), span.status_code) if span.status_code else ()))
    message = span.status_message
    # A message of several lines (an exception with its traceback) reads as lines below the
    # rows; the row keeps its first line (each line break shown as ␊ made a traceback one line).
    message_lines = _lines_of(message) if message else []
    if message_lines:
        head = message_lines[0].rstrip() + (" …" if len(message_lines) > 1 else "")
        d.row("message", (head, status_style(app, "error") if is_err else ""))
    counting = ("" if not span.running else " and counting" if status == "running"
                else " when its session ended" if cut is not None else " when the recording ends")
    dur = Text(fmt.duration(span.duration_ns(now_ns)) + counting, style="bold")
    d.row("duration", dur, *((L(f"  at +{fmt.duration(span.start_ns - trace.start_ns)} in trace"),) if trace is not None and span.start_ns > trace.start_ns else ()))
    # Dated when not today's, or when it ends on another day than it started.
    dated = fmt.day(span.start_ns) != fmt.day(now_ns) or (span.end_ns is not None
                                                          and fmt.day(span.end_ns) != fmt.day(span.start_ns))
    d.row("start", fmt.stamp_ms(span.start_ns, dated), L("  end "),
          fmt.stamp_ms(span.end_ns, dated) if span.end_ns is not None else Text(status, style=status_style(app, status)))

    llm = span.llm
    if llm is not None:
        if llm.model or llm.provider:
            d.row("model", (llm.model or "?", "bold"), *((L("  provider "), llm.provider) if llm.provider else ()))
        params: list = []
        if llm.temperature is not None:
            params += [L("temperature "), f"{llm.temperature:g}  "]
        if llm.max_tokens is not None:
            params += [L("max_tokens "), f"{llm.max_tokens:,}"]
        if params:
            d.row("params", *params)
        if llm.stop_reason or llm.cached is not None:
            pieces: list = []
            if llm.stop_reason:
                pieces += [llm.stop_reason]
            if llm.cached is not None:
                pieces += [L("  cached "), "yes" if llm.cached else "no"]
            d.row("stop", *pieces)
    u = span.usage
    if u is not None:
        # "≈" on each estimated number, as everywhere else (docs/costs.md "Estimated tokens").
        d.row("tokens", L("in "), (fmt.count(u.input, u.estimated), "bold"), L("  out "), (fmt.count(u.output, u.estimated), "bold"),
              L("  total "), fmt.count(u.sum, u.estimated),
              *((Text("  estimated by the monitor", style=style(app, "warning")),) if u.estimated else ()))
        d.row("cache", L("read "), f"{u.cache_read:,}", L("  write "), f"{u.cache_write:,}", L("  reasoning "), f"{u.reasoning:,}")
        if u.scope == "subtree":
            d.row("", L("reported for the whole subtree; not added to totals"))
            counted = counted_below(trace.spans, trace.children, span.span_id) if trace is not None else None
            if counted is not None:
                # What the calls below count beside it: a client whose model span carries only its
                # loop's last step (VoltAgent's) leaves the rest in no call the totals count.
                inp, out = counted
                if (inp, out) == (u.input, u.output):
                    d.row("", L("the calls below count the same"))
                else:
                    d.row("", L("the calls below count in "), f"{inp:,}", L("  out "), f"{out:,}",
                          *((Text(f"  ({max(0, u.input - inp):,} in, {max(0, u.output - out):,} out in no call below)",
                                  style=style(app, "warning")),) if u.input > inp or u.output > out else ()))
    c = span.cost
    if c is not None and c.total is not None:
        est = cost_estimated(c, u)
        extra: list[Text | str] = [L(f"  {cost_source_text(c, u)}")]
        if c.input is not None or c.output is not None:
            extra += [L("  in "), fmt.cost(c.input, estimated=est), L(" out "), fmt.cost(c.output, estimated=est)]
        d.row("cost", Text(span_cost_text(c, u), style="bold"), *extra)
        if c.priced_as:
            d.row("", L(priced_as_text(c, span.llm.provider if span.llm is not None else None)))
    elif c is not None:
        d.row("cost", Text(fmt.cost(None), style=style(app, "warning")), L("  "), (c.reason or "no price", d.muted))
    elif span.kind is SpanKind.LLM_CALL and u is None:
        # No cost and no usage: what every sum counts for this call (model.span_flags), in words.
        if span.end_ns is None:
            d.row("cost", L(UNTIL_ITS_END if status == "running" else "not known: no end came"))
        elif span.status is Status.ERROR:
            d.row("cost", Text(fmt.cost(0.0), style="bold"), L("  " + FAILED_NO_TOKENS))
        else:
            d.row("cost", L("no tokens reported"))

    t = span.tool
    if t is not None:
        if t.name or t.action:
            d.row("tool", (t.name or "?", "bold"), *((L("  action "), t.action) if t.action else ()),
                  *((L("  MCP server "), t.server) if t.server else ()))
        if t.target:
            d.row("target", t.target)
        if t.status or t.call_id:
            d.row("result", t.status or "", *((L("  call "), t.call_id) if t.call_id else ()))
    a = span.agent
    if a is not None:
        pieces = []
        if a.name:
            pieces += [(a.name, "bold")]
        if a.iteration is not None:
            pieces += [L("  iteration "), str(a.iteration)]
        if a.state:
            pieces += [L("  state "), a.state]
        if a.stop_reason:
            pieces += [L("  stop "), a.stop_reason]
        if pieces:
            d.row("agent", *pieces)
    if (span.kind is not SpanKind.AGENT and (a is None or not a.name) and trace is not None
            and len(trace.spans) <= AGENT_SCAN_MAX):
        # The agent that runs it (the nearest agent span above), in a trace of several agents (a
        # triage agent handing off to a specialist, an agent and the sub-agent its tool call runs, the
        # caller named or not: OpenCode's task tool): which one made this model call. (Not asked in
        # a trace too large to scan for its agents on each draw.)
        spans = trace.spans
        spelled = spellings(spans.values())
        runner = agent_of(span, lambda s: spans.get(s.parent_span_id) if s.parent_span_id else None, spelled=spelled)
        if runner and (any(name != runner for name in spelled.values())
                       or any(RUNS_AGENT_ATTR in s.attributes for s in spans.values())):
            d.row("agent", (runner, "bold"), L("  runs it"))
    r = span.rag
    if r is not None:
        if r.query:
            d.row("query", r.query)
        pieces = []
        if r.sources_found is not None:
            pieces += [L("hits "), str(r.sources_found)]
        if r.top_score is not None:
            pieces += [L("  top score "), f"{r.top_score:.3f}"]
        if pieces:
            d.row("results", *pieces)
    f = span.file
    if f is not None:
        d.row("file", f.path or "?", *((L("  "), f.operation) if f.operation else ()),
              *((L(f"  {f.bytes:,} bytes"),) if f.bytes is not None else ()))

    if len(message_lines) > 1:
        d.section("message")
        d.block("\n".join(message_lines))
    if llm is not None and llm.prompt_preview:
        d.section("prompt")
        d.block(llm.prompt_preview)
    if llm is not None and llm.response_preview:
        d.section("response")
        d.block(llm.response_preview)
    if t is not None and t.input_preview:
        d.section("tool input")
        d.block(t.input_preview)
    if t is not None and t.output_preview:
        d.section("tool output")
        d.block(t.output_preview)

    if span.events:
        d.section(f"events ({len(span.events)})")
        for ev in span.events:
            pieces = [(ev.name, "bold")]
            below: list[str] = []  # values of several lines (an exception's stack trace), as lines
            for k in sorted(ev.attributes):
                v = HIDDEN if is_secret_name(k) else _value(ev.attributes[k])
                lines = _lines_of(v) if "\n" in v else ()
                if len(lines) > 1:
                    pieces += [L(f"  {clean(k, 100)}="), lines[0] + " …"]
                    below.append(f"{k}:\n" + "\n".join(lines))
                else:
                    pieces += [L(f"  {clean(k, 100)}="), v]
            d.row("+" + fmt.duration(ev.time_ns - span.start_ns), *pieces)
            for text in below:
                d.block(text)

    keys = sorted(span.attributes)
    hidden = [k for k in keys if is_code_attr(k)]
    shown = keys if show_code else [k for k in keys if not is_code_attr(k)]
    if shown or hidden:
        d.section(f"attributes ({len(keys)})")
        for k in shown:
            v = HIDDEN if is_secret_name(k) else _value(span.attributes[k])
            d.rows.append((clean(k, 120), Text(clean(v, 2000))))
        if hidden and not show_code:
            d.row("", L(f"{len(hidden)} code.*/thread.* hidden: press a"))

    d.section("ids")
    for key, val in (("span", span.span_id), ("parent", span.parent_span_id), ("trace", span.trace_id), ("session", span.session_id)):
        if val:
            d.row(key, val)
    for link in span.links:
        d.row("link", f"{link.trace_id}/{link.span_id}")
    return d.group()


class SpanDetail(TextView):
    """Scrollable pane holding the rendered detail of one span."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Span"
        self._shown: tuple | None = None
        #: drawn with a style or width since changed: redraw at the next ``show``, scroll kept
        self._stale = False
        self._drawn_width = -1

    def show(self, app, span: Span | None, trace: TraceEntry | None, now_ns: int, *, show_code: bool, stamp: tuple,
             empty: str | None = None) -> None:
        """Redraw only when (span, its version, clock bucket, toggle, width) changed;
        ``empty``: what to say when there is no span (part of ``stamp``)."""
        if stamp == self._shown and not self._stale:
            return
        same_span = self._shown is not None and span is not None and self._shown[0] == stamp[0]
        self._shown = stamp
        self._stale = False
        text = render_detail(app, span, trace, now_ns, show_code=show_code, width=self.content_width, empty=empty)
        self.set_text(text, keep_scroll=same_span)

    def invalidate(self) -> None:
        """Redraw at the next ``show`` whatever its stamp (the same span keeps its scroll: a
        focus change restyles the pane, and it reset the scroll the first key had just moved)."""
        self._stale = True

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
