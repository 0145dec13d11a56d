"""Command palette provider built from the app's current state.

Offers every app binding as a command (so nothing is reachable only by a
key), plus "jump to" entries for each session and for the traces of the
selected session. Session and trace names are untrusted: they are cleaned
and wrapped in plain ``Content`` (the stock fuzzy highlighter would parse
them as markup), and help lines only ever contain text we wrote.

The app is seen through ``PaletteSource`` (what the palette reads of it), so
this module never imports ui/app.py, not even for types.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import TYPE_CHECKING, NamedTuple, Protocol

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.markup import escape

from . import fmt
from .colors import shown_status
from .keys import key_label
from .text import clean

if TYPE_CHECKING:
    from textual.app import App
    from textual.binding import Binding
    from textual.widget import Widget

    from ..store.memory import Store

#: Sessions and traces offered at most (the palette is for jumping, not listing).
MAX_ENTRIES = 500


class Command(NamedTuple):
    title: str  # may hold cleaned untrusted text: shown as plain content only
    help: str  # trusted text only
    callback: Callable[[], object]
    discover: bool


class PaletteSource(Protocol):
    """What the palette reads of the monitor app."""

    store: Store
    selected_session_id: str | None

    def now_ns(self) -> int: ...
    def palette_bindings(self) -> Sequence[tuple[Binding, App | Widget]]: ...
    def jump_to_session(self, session_id: str) -> None: ...
    def jump_to_trace(self, trace_id: str) -> None: ...


def app_commands(app: PaletteSource) -> Iterator[Command]:
    for binding, target in app.palette_bindings():
        yield Command(
            binding.description,
            escape(f"{key_label(binding)}  ·  {binding.id}"),
            partial(target.run_action, binding.action),
            True,
        )
    store = app.store
    now = app.now_ns()
    for entry in list(store.sessions.values())[-MAX_ENTRIES:]:
        t = entry.totals
        status = shown_status(app, entry.status(now), "interrupted")
        cost = fmt.sum_cost(t, t.llm_waiting if status == "running" else 0)
        yield Command(
            "Session: " + clean(entry.session.label, 120),
            f"{status} · {fmt.plural(t.spans, 'span')} · {cost}",
            partial(app.jump_to_session, entry.id),
            False,
        )
    if app.selected_session_id:
        for trace in store.traces_of(app.selected_session_id)[:MAX_ENTRIES]:
            # Its start and id prefix in the title: an agent's traces often share one name
            # (every entry read "Trace: execute_query"), and a prefix finds one by id.
            t = trace.totals
            cost = fmt.sum_cost(t, t.llm_waiting if shown_status(app, trace.status()) == "running" else 0)
            yield Command(
                f"Trace: {clean(trace.name, 120)}  {fmt.clock(trace.start_ns)}  {clean(trace.trace_id[:8], 8)}",
                f"{fmt.plural(t.spans, 'span')} · {fmt.plural(t.errors, 'error')} · {cost}",
                partial(app.jump_to_trace, trace.trace_id),
                False,
            )


def _highlight(matcher, text: str) -> Content:
    content = Content(text)
    score, offsets = matcher.fuzzy_search.match(matcher.query, text)
    for offset in offsets if score else ():
        if not text[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class MonitorCommands(Provider):
    """Actions, sessions and traces of the running monitor."""

    async def discover(self) -> Hits:
        for cmd in app_commands(self.app):  # type: ignore[arg-type]
            if cmd.discover:
                yield DiscoveryHit(Content(cmd.title), cmd.callback, text=cmd.title, help=cmd.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for cmd in app_commands(self.app):  # type: ignore[arg-type]
            score = matcher.match(cmd.title)
            if score > 0:
                yield Hit(score, _highlight(matcher, cmd.title), cmd.callback, text=cmd.title, help=cmd.help)
