"""How the panes follow the store: selection, follow mode, the detail and cost panes, store swaps.

``PaneSync`` is the part of the monitor app (ui/app.py) that keeps the five
panes in step with the data: which session and trace are selected, what
follow mode moves, when the detail and cost panes redraw (each pane keeps a
stamp of what it shows and skips a redraw that would change nothing), and
how the panes move to another store (a replay's rebuilt store, a saved
session, back to live). It is a base class of the app rather than a widget
because it spans every pane; the app composes the panes and owns the keys.

Pause freezes every pane at one moment (``freeze_panes``): the clock stops
(the app's), the panes are brought to that moment, and the lists and the tree
keep what they show from then on, so no repaint shows one pane newer than
another. What is opened while paused (another session, another trace) has to
be read from the store: then all that is shown of the selected session (its
row, its traces' rows, the cost pane, the tree) is read again, at that moment.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.app import App
from textual.content import Content
from textual.reactive import var

from ..model import INTERNAL_ATTR, SESSION_LOG_NAME, Span
from ..store.entries import SessionEntry
from ..store.memory import Store
from .text import clean

if TYPE_CHECKING:
    from .cost_panel import CostPanel
    from .detail import SpanDetail
    from .session_list import SessionList
    from .span_tree import SpanTreeView
    from .trace_list import TraceList


def _start(span: Span) -> int:
    return span.start_ns


#: What the panes show (the app's ``mode``): live data, a saved session (H), a replay.
LIVE, HISTORY, REPLAY = "live", "history", "replay"


class PaneSync(App[None]):
    """Selection, follow and pane refresh over ``store`` (set up by the app)."""

    #: What the panes show (LIVE, HISTORY, REPLAY); the app's watcher redraws the header.
    mode = var(LIVE, init=False)
    #: Live: the screen is frozen (ingest goes on).
    paused = var(False, init=False)
    #: Cursors follow the newest running session/trace/span.
    follow = var(False, init=False)

    # Set by the app (its __init__ and compose).
    store: Store
    now_ns: Callable[[], int]
    selected_session_id: str | None
    budget: float | None
    show_code: bool
    show_internal: bool
    sessions: SessionList
    traces: TraceList
    cost: CostPanel
    span_tree: SpanTreeView
    detail: SpanDetail
    _drawn_version: int
    _drawn_session_version: int
    _follow_trace_version: int
    _follow_target: tuple | None
    _pause_mark: int
    _tree_title: str

    @property
    def recording_over(self) -> bool:
        """True when the panes show a recording at its end: open spans are "unfinished"."""
        return False

    @property
    def clock_stopped(self) -> bool:
        """True when the panes' time stands still (a paused replay): drawn exactly, not by the tick."""
        return False

    def _update_header(self) -> None:
        """Redraw the header (the app's)."""

    def key_of(self, binding_id: str) -> str:
        """The keys of one of the app's bindings, as the user has them (the app's)."""
        return binding_id

    def _sync(self, force: bool = False) -> None:
        store = self.store
        if force or store.version != self._drawn_version:
            if self.follow:
                # New data can make this sync move cursors itself (the first
                # trace of a session, an auto-pick): judge a user move before
                # that, and let follow set a fresh mark afterwards.
                self._check_user_moved()
                self._follow_target = None
            self._drawn_version = store.version
            self.sessions.set_keys(list(store.sessions))
            if self.selected_session_id is None or self.selected_session_id not in store.sessions:
                self._auto_select_session()
            self._sync_traces(force)
            if self.follow:
                self._apply_follow()
            self._title_span_tree()
        self.sessions.touch()
        self.traces.touch()
        self.span_tree.refresh_from_store()
        self._sync_detail()
        self._sync_cost(clock_may_wait=True)

    def _typing(self) -> bool:
        """A key was pressed a moment ago (the app says): see ``_sync_cost``."""
        return False

    def freeze_panes(self) -> None:
        """Pause (the clock already stopped): every pane is brought to this moment, and
        the lists and the tree keep what they show (the detail and cost panes are
        drawn only when something is opened)."""
        # Drawn again whatever their stamps: those count the clock in tenths or whole seconds.
        self.detail.invalidate()
        self.cost.invalidate()
        self._sync()
        for rows in (self.sessions, self.traces):
            rows.freeze()
        self.span_tree.freeze()

    def _reread_selection(self) -> None:
        """While paused, something of the selected session was opened and read from the
        store (its traces, a trace's tree): what else shows that session is read with it."""
        if self.selected_session_id is not None:
            self.sessions.reread(self.selected_session_id)
        self.traces.freeze()
        self._sync_cost()

    def thaw_panes(self) -> None:
        for rows in (self.sessions, self.traces):
            rows.thaw()
        self.span_tree.thaw()

    def _sync_traces(self, force: bool = False) -> None:
        entry = self.store.session(self.selected_session_id) if self.selected_session_id else None
        version = entry.version if entry is not None else -2
        if not force and version == self._drawn_session_version and self.traces.session_id == self.selected_session_id:
            return
        self._drawn_session_version = version
        self.traces.session_id = self.selected_session_id
        traces = self.store.traces
        keys = self.traces.listed([t for t in entry.trace_ids if t in traces] if entry is not None else [],
                                  self.show_internal)
        self.traces.set_keys(keys)
        if self.traces.cursor_key is None and keys:
            key = self._pick_trace(keys)
            self.traces.select_key(key)
            self._show_trace(key)
        elif not keys and self.span_tree.trace_id is not None:
            self.span_tree.show_trace(None)

    def _pick_trace(self, keys: list[str]) -> str:
        """The newest running trace, else the newest that is not a session's log (a coding agent's
        events tied to no turn, ``SESSION_LOG_NAME``), else the newest. The log's last event
        (Codex's at exit) comes after the turn: following it would leave the turn for a row of
        events when the agent is done."""
        traces = self.store.traces
        for key in reversed(keys):
            if traces[key].running:
                return key
        for key in reversed(keys):
            if traces[key].name != SESSION_LOG_NAME:
                return key
        return keys[-1]

    def _pick_session(self) -> str | None:
        """The newest running session, else the newest one."""
        best: SessionEntry | None = None
        now = self.now_ns()
        # Open spans of a session that ended with them (its agent was killed) are not running.
        running = [e for e in self.store.sessions.values() if e.totals.running > 0 and e.ended_with_open_spans() is None]
        if not running:
            running = [e for e in self.store.sessions.values() if e.status(now) == "running"]
        pool = running or list(self.store.sessions.values())
        for e in pool:
            if best is None or e.first_ns >= best.first_ns:
                best = e
        return best.id if best is not None else None

    def _auto_select_session(self) -> None:
        key = self._pick_session()
        if key is not None:
            self.sessions.select_key(key)
            self._select_session(key)

    def _select_session(self, key: str | None) -> None:
        if key == self.selected_session_id:
            return
        self.selected_session_id = key
        self.traces.set_keys([])
        self.traces.move_to(-1)
        self._sync_traces(force=True)
        if self.paused:
            self._reread_selection()

    def _apply_follow(self) -> None:
        self._check_user_moved()  # a key pressed since the last tick wins over new data
        if not self.follow:
            return
        key = self._pick_session()
        if key is None:
            return
        if key != self.selected_session_id:
            self.sessions.select_key(key)
            self._select_session(key)
        if self.traces.keys:
            trace_key = self._pick_trace(self.traces.keys)
            if trace_key != self.traces.cursor_key:
                self.traces.select_key(trace_key)
                self._show_trace(trace_key)
        trace = self.store.trace(self.span_tree.trace_id) if self.span_tree.trace_id else None
        if trace is not None and trace.version != self._follow_trace_version:
            self._follow_trace_version = trace.version
            self.span_tree.refresh_from_store()
            # The newest span of the agent's own: a client's runtime internals (Codex's hundreds a
            # turn) start after its model and tool calls, and are not what following is for.
            spans = trace.spans.values()
            newest = (max((s for s in spans if not s.attributes.get(INTERNAL_ATTR)), key=_start, default=None)
                      or max(spans, key=_start, default=None))
            if newest is not None:
                self.span_tree.select_span(newest.span_id)
        self._follow_target = self._cursor_state()

    def _cursor_state(self) -> tuple:
        span = self.span_tree.selected_span
        return (self.sessions.cursor_key, self.traces.cursor_key, span.span_id if span is not None else None)

    def _check_user_moved(self) -> None:
        """In follow mode, a cursor the user moved elsewhere turns follow off (like leaving tail -f)."""
        if self.follow and self._follow_target is not None and self._cursor_state() != self._follow_target:
            self.follow = False
            self._follow_target = None
            self.notify("Follow off (you moved the cursor); f turns it back on.", markup=False, timeout=3)

    def _show_trace(self, trace_id: str | None) -> None:
        if trace_id != self.span_tree.trace_id:
            self.span_tree.show_trace(trace_id)
            if self.paused:
                self._reread_selection()
            self._title_span_tree()
            self._sync_detail()

    def _title_span_tree(self) -> None:
        """The tree pane's title: its trace's name as it stands now (a live turn shown before its
        prompt or root arrived is renamed by them: the title followed the first name it had)."""
        trace_id = self.span_tree.trace_id
        trace = self.store.trace(trace_id) if trace_id else None
        title = "Span tree" if trace is None else "Span tree · " + clean(trace.name, 80)
        if title != self._tree_title:
            self._tree_title = title
            self.span_tree.border_title = Content(title)

    def _sync_detail(self) -> None:
        tree = self.span_tree
        span = tree.selected_span
        trace = self.store.trace(tree.trace_id) if tree.trace_id else None
        now = self.now_ns()
        empty: str | None = None
        if span is None:
            if tree.trace_id is not None and tree.filter_text and not tree.match_count:
                # Not "pick a session and a trace": one is picked, the filter hides all of it.
                empty = (f"No span of this trace matches the filter “{clean(tree.filter_text, 200)}”.\n"
                         f"{self.key_of('app.clear_filter')} clears the filter, {self.key_of('app.filter')} changes it.")
            stamp: tuple = (None, empty)
        else:
            # The span object is replaced when it changes, events are appended in
            # place: so identity + event count, not the trace version (which moves
            # with every sibling and would redraw the pane for nothing).
            stamp = (
                span.span_id,
                id(span),
                len(span.events),
                # (a paused replay's time stands still where it paused: drawn there, not at a tick)
                (now if self.clock_stopped else now // 100_000_000) if span.running else 0,
                self.recording_over,
                self.show_code,
            )
        self.detail.show(self, span, trace, now, show_code=self.show_code, stamp=stamp, empty=empty)

    def _sync_cost(self, *, clock_may_wait: bool = False) -> None:
        panel = self.cost
        if not panel.display:
            return
        entry = self.store.session(self.selected_session_id) if self.selected_session_id else None
        now = self.now_ns()
        # Totals move with every batch; a redraw reflows the pane, so at most
        # one per second for other sessions' traffic, at once for this session's.
        stamp = (
            self.selected_session_id,
            entry.version if entry is not None else -1,
            now // 1_000_000_000,
        )
        if clock_may_wait and panel.shows_but_the_clock(stamp) and self._typing():
            # Only the second moved (other sessions' traffic, burn rate) and a key
            # was just pressed: the redraw (~10 ms under ingest) waits for that
            # key's frame (the app's _after_input_frame), not in the key's path.
            return
        panel.show(self, self.store, entry, now, stamp, self.budget)

    def _next_error_trace(self) -> bool:
        """Open the next trace (this session first, then later sessions) that has errors."""
        store = self.store
        session_keys = self.sessions.keys
        start_s = session_keys.index(self.selected_session_id) if self.selected_session_id in session_keys else 0
        current = self.span_tree.trace_id
        for n in range(len(session_keys) + 1):
            sid = session_keys[(start_s + n) % len(session_keys)] if session_keys else None
            entry = store.session(sid) if sid else None
            if entry is None:
                continue
            tids = [t for t in entry.trace_ids if t in store.traces]
            if n == 0 and current in tids:
                tids = tids[tids.index(current) + 1:]
            elif n == len(session_keys):
                tids = tids[: tids.index(current)] if current in tids else tids
            for tid in tids:
                if store.traces[tid].totals.errors:
                    if sid != self.selected_session_id:
                        self.sessions.select_key(sid)
                        self._select_session(sid)
                    self.traces.select_key(tid)
                    self._show_trace(tid)
                    self.span_tree.next_error()
                    self._sync_detail()
                    return True
        return False

    # -- another store in the same panes (replay, history) ----------------
    def rebind_store(self, store: Store) -> None:
        """Show ``store`` in every pane (a replay's rebuilt store, a saved session,
        back to live): drops every cache keyed by the old store's versions and
        keeps the session/trace/span selection where the new store has it."""
        trace_id = self.span_tree.trace_id
        span = self.span_tree.selected_span
        span_id = span.span_id if span is not None else None
        session_id = self.selected_session_id
        self.store = store
        for rows in (self.sessions, self.traces):
            rows.rebind(store)
        self.span_tree.store = store
        self.span_tree.show_trace(None)
        self._pause_mark = 0
        self._drawn_version = -1
        self._drawn_session_version = -1
        self._follow_trace_version = -1
        self._follow_target = None  # every cursor move below is ours, not the user's
        self.selected_session_id = None
        self.sessions.set_keys(list(store.sessions))
        if session_id in store.sessions:
            self.sessions.select_key(session_id)
            self._select_session(session_id)
        self._sync(force=True)
        if trace_id is not None and trace_id in store.traces:
            self.traces.select_key(trace_id)
            self._show_trace(trace_id)
            if span_id is not None and store.span(trace_id, span_id) is not None:
                self.span_tree.select_span(span_id)
        self._follow_target = None
        self._sync_detail()
        self._update_header()  # another store: other counts, at once

    def jump_to_session(self, session_id: str) -> None:
        if self.sessions.select_key(session_id):
            self._select_session(session_id)
            self.sessions.focus()

    def jump_to_trace(self, trace_id: str) -> None:
        if self.traces.select_key(trace_id):
            self._show_trace(trace_id)
            self.span_tree.focus()
