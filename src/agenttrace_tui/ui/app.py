"""The live monitor app: header, session and trace lists, span tree, detail, cost.

Refresh model: one timer at 10 Hz compares the store's change counters
(global, per session, per trace) with what was last drawn and updates only
what changed; rows that show a running duration are re-rendered on the same
tick. Nothing is posted per span. While paused, the tick only updates the
header's "N new" counter. New data never moves a cursor or a scroll position
unless follow is on.

View state is reactive: ``mode`` (live, history, replay), ``paused`` and
``follow`` are ``var``s whose watchers redraw the header, so no action has to
remember to. The clock the panes read (``now_ns``) is the wall clock live and
the recording's own time in history and replay: a span the recording never
saw end is "unfinished" there, with the duration it had, and never ticks.
The layout follows the terminal through the main screen's breakpoints
(ui/screen.py), never by polling its size.

Untrusted strings reach the screen only as cleaned ``Text``/``Content``, and
``notify`` is always called with ``markup=False``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

import msgspec
from rich.text import Text
from textual import events, on
from textual.actions import SkipAction
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.reactive import var
from textual.widgets import Footer, Input, Static

from ..analysis.budget import budget_state
from ..runtime.gcpolicy import GcPolicy
from ..runtime.monitor import Monitor
from ..store.entries import SessionEntry
from ..store.memory import Store
from . import fmt
from .cost_panel import CostPanel
from .detail import SpanDetail
from .header import StatusHeader, render_endpoints, render_header
from .help import HelpScreen
from .palette import MonitorCommands
from .paths import stylesheet
from .rowlist import RowList
from .screen import MonitorScreen
from .session_list import SessionList
from .span_tree import SpanTreeView
from .text import clean
from .trace_list import TraceList

TICK_S = 0.1
DARK_THEME = "textual-dark"
LIGHT_THEME = "textual-light"

#: What the panes show: live data, a saved session (H), a replay.
LIVE, HISTORY, REPLAY = "live", "history", "replay"



def _bindings(declared: Iterable[BindingType]) -> list[Binding]:
    """The Binding objects of a BINDINGS list (ours hold no tuple shorthands)."""
    return [b for b in declared if isinstance(b, Binding)]

class AgentTraceApp(App[None]):
    """Live monitor of agent sessions, traces and spans."""

    TITLE = "agenttrace"
    CSS_PATH = str(stylesheet("app.tcss"))
    COMMANDS = App.COMMANDS | {MonitorCommands}

    BINDINGS = [
        Binding("tab", "focus_pane(1)", "Next pane", show=False, id="app.next_pane"),
        Binding("shift+tab", "focus_pane(-1)", "Previous pane", show=False, id="app.previous_pane"),
        Binding("slash", "open_filter", "Filter", id="app.filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="app.clear_filter"),
        Binding("space", "toggle_pause", "Pause", id="app.pause"),
        Binding("f", "toggle_follow", "Follow", id="app.follow"),
        # The tree's own "e" handles errors inside the trace; NoMoreErrors brings us to the next trace.
        Binding("e", "next_error", "Next error", id="app.next_error"),
        Binding("y", "copy_span", "Copy span JSON", show=False, id="app.copy_span"),
        Binding("a", "toggle_code_attrs", "Show code.*/thread.*", show=False, id="app.code_attrs"),
        Binding("c", "toggle_cost", "Cost panel", id="app.cost"),
        Binding("z", "zoom", "Zoom pane", show=False, id="app.zoom"),
        Binding("ctrl+t", "toggle_theme", "Light/dark theme", show=False, id="app.theme"),
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("q", "quit_monitor", "Quit", id="app.quit"),
        # Like otel-tui/k9s: Ctrl+C leaves too (flushing the DB), rather than Textual's hint.
        Binding("ctrl+c", "quit_monitor", "Quit", show=False, priority=True, id="app.quit_ctrl_c"),
        # History and compare: ui/history.py and ui/compare_view.py.
        Binding("H", "toggle_history", "History / live", show=False, id="app.history"),
        Binding("m", "mark_compare", "Mark A / compare with A", show=False, id="app.compare"),
        Binding("M", "metrics", "Metrics (series, rates, sparklines)", show=False, id="app.metrics"),
        Binding("d", "diagnostics", "Diagnostics (rejects, losses, writer)", show=False, id="app.diagnostics"),
    ]

    #: What the panes show (LIVE, HISTORY, REPLAY); the header follows.
    mode = var(LIVE, init=False)
    #: Live: the screen is frozen (ingest goes on).
    paused = var(False, init=False)
    #: Cursors follow the newest running session/trace/span.
    follow = var(False, init=False)
    #: Actions on the main screen's panes: off (and out of the footer) while another
    #: screen (picker, compare, help) is on top, so a key never acts on hidden panes.
    PANE_ACTIONS = frozenset({
        "focus_pane", "open_filter", "clear_filter", "toggle_pause", "toggle_follow", "next_error",
        "copy_span", "toggle_code_attrs", "toggle_cost", "zoom", "toggle_history", "mark_compare", "metrics",
        "diagnostics",
    })

    def __init__(
        self,
        monitor: Monitor | None = None,
        *,
        store: Store | None = None,
        now_ns: Callable[[], int] | None = None,
        theme: str | None = None,
        budget: float | None = None,
        keymap: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        #: binding id -> keys (the config file's [keys]); applied on mount, shown by ?
        self.keymap: dict[str, str] = dict(keymap if keymap is not None else (monitor.config.keys if monitor is not None else {}))
        if store is None:
            store = monitor.store if monitor is not None else Store()
        self.monitor = monitor
        self.store = store
        #: the wall clock (or a test's); ``now_ns`` is the clock of what is shown
        self.clock_ns: Callable[[], int] = now_ns or time.time_ns
        self.now_ns: Callable[[], int] = self._view_now
        #: history: the saved session's last moment (its clock stops there)
        self.recorded_now_ns: int | None = None
        #: history: the live store to come back to
        self._live_store: Store | None = None
        self._initial_theme = theme or DARK_THEME
        self.show_code = False
        self.selected_session_id: str | None = None
        #: USD per session (``--budget``); None: no budget.
        self.budget = budget if budget is not None else (monitor.config.budget if monitor is not None else None)
        self._budget_seen: dict[str, str] = {}
        self._budget_version = -1
        #: Cyclic GC run from the tick instead of at random (docs/bench/ui_tree.md).
        self.gc_policy = GcPolicy()
        self._pause_mark = 0
        self._drawn_version = -1
        self._drawn_session_version = -1
        self._follow_trace_version = -1
        self._follow_target: tuple | None = None
        self._theme_gen = 0
        # Before the first frame, so nothing is drawn (and cached) in the wrong theme.
        self.theme = self._initial_theme

    # -- layout ----------------------------------------------------------
    def compose(self) -> ComposeResult:
        # Panes are kept as attributes: the refresh tick must not query the DOM.
        self.header = StatusHeader(id="header")
        self.sessions = SessionList(self.store, self.now_ns, id="sessions").add_class("pane")
        self.sessions.budget = self.budget
        self.traces = TraceList(self.store, self.now_ns, id="traces").add_class("pane")
        self.cost = CostPanel(id="cost").add_class("pane")
        self.span_tree = SpanTreeView(self.store, id="tree", classes="pane")
        self.span_tree.now_ns = self.now_ns
        self.span_tree.border_title = "Span tree"
        self.detail = SpanDetail(id="detail").add_class("pane")
        yield self.header
        with Horizontal(id="body"):
            with Vertical(id="left"):
                yield self.sessions
                yield self.traces
                yield self.cost
            with Vertical(id="main"):
                yield self.span_tree
                with Horizontal(id="filter-bar"):
                    yield Static("/", id="filter-label")
                    yield Input(placeholder="text  status:error  kind:llm  model:gpt-4o  dur>2s  cost>0.01", id="filter-input")
                    yield Static("", id="filter-result")
                yield self.detail
        self.footer = Footer(compact=True)
        yield self.footer

    def get_default_screen(self) -> MonitorScreen:
        return MonitorScreen(id="_default")

    @property
    def main_screen(self) -> MonitorScreen:
        """The screen the panes live on (under any modal on top)."""
        screen = self.screen_stack[0] if self.screen_stack else self.screen
        assert isinstance(screen, MonitorScreen)
        return screen

    def panes(self) -> list:
        """Focusable panes in Tab order, skipping hidden ones."""
        out = [self.sessions, self.traces, self.cost, self.span_tree, self.detail]
        return [p for p in out if p.display and p.parent is not None and p.parent.display and p.region.area]

    async def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._on_theme_changed)
        self._apply_keymap()
        if self.monitor is not None:
            try:
                await self.monitor.start()
            except Exception as exc:  # noqa: BLE001 -- a port in use: say so and leave
                self.exit(return_code=1, message=f"agenttrace-tui: {exc}")
                return
            for note in self.monitor.notes:
                self.notify(note, markup=False, timeout=8)
        self._sync(force=True)
        self.sessions.focus()
        self.gc_policy.start()
        self.set_interval(TICK_S, self._tick, name="refresh")

    def on_unmount(self) -> None:
        self.gc_policy.stop()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown)):
            self.gc_policy.note_input()  # no full collection while someone is typing
        await super().on_event(event)

    # -- the refresh tick ------------------------------------------------
    def _tick(self) -> None:
        if not self.header.is_attached:  # shutting down
            return
        self.gc_policy.tick()
        self._update_header()
        # Budget alerts fire while paused too: they are about money, not the view.
        self._check_budgets()
        if self.paused:
            return
        self._sync()

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
        self.sessions.touch()
        self.traces.touch()
        self.span_tree.refresh_from_store()
        self._sync_detail()
        self._sync_cost()
        self._update_header()

    def _sync_traces(self, force: bool = False) -> None:
        entry = self.store.session(self.selected_session_id) if self.selected_session_id else None
        version = entry.version if entry is not None else -2
        if not force and version == self._drawn_session_version and self.traces.session_id == self.selected_session_id:
            return
        self._drawn_session_version = version
        self.traces.session_id = self.selected_session_id
        traces = self.store.traces
        keys = [t for t in entry.trace_ids if t in traces] if entry is not None else []
        self.traces.set_keys(keys)
        if self.traces.cursor_key is None and keys:
            key = self._pick_trace(keys)
            self.traces.select_key(key)
            self._show_trace(key)
        elif not keys and self.span_tree.trace_id is not None:
            self.span_tree.show_trace(None)

    def _pick_trace(self, keys: list[str]) -> str:
        """The newest running trace, else the newest."""
        traces = self.store.traces
        for key in reversed(keys):
            if traces[key].running:
                return key
        return keys[-1]

    def _pick_session(self) -> str | None:
        """The newest running session, else the newest one."""
        best: SessionEntry | None = None
        now = self.now_ns()
        running = [e for e in self.store.sessions.values() if e.totals.running > 0]
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
            newest = max(trace.spans.values(), key=lambda s: s.start_ns, default=None)
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
            trace = self.store.trace(trace_id) if trace_id else None
            title = "Span tree" if trace is None else "Span tree · " + clean(trace.name, 80)
            self.span_tree.border_title = Content(title)
            self._sync_detail()

    def _sync_detail(self) -> None:
        tree = self.span_tree
        span = tree.selected_span
        trace = self.store.trace(tree.trace_id) if tree.trace_id else None
        now = self.now_ns()
        if span is None:
            stamp: tuple = (None, self._theme_gen, self.detail.size.width)
        else:
            # The span object is replaced when it changes, events are appended in
            # place: so identity + event count, not the trace version (which moves
            # with every sibling and would redraw the pane for nothing).
            stamp = (
                span.span_id,
                id(span),
                len(span.events),
                now // 100_000_000 if span.running else 0,
                self.recording_over,
                self.show_code,
                self._theme_gen,
                self.detail.size.width,
            )
        self.detail.show(self, span, trace, now, show_code=self.show_code, stamp=stamp)

    def _sync_cost(self) -> None:
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
            self._theme_gen,
            panel.size.width,
        )
        panel.show(self, self.store, entry, now, stamp, self.budget)

    def _check_budgets(self) -> None:
        """Notify once when a session reaches 80 % of the budget and once at 100 %."""
        if self.budget is None or self.store.version == self._budget_version:
            return
        self._budget_version = self.store.version
        seen = self._budget_seen
        crossed: list[tuple[SessionEntry, str]] = []
        for sid, entry in self.store.sessions.items():
            state: str = budget_state(entry, self.budget)
            before = seen.get(sid, "ok")
            if state == before or state == "ok" or before == "over":
                continue
            seen[sid] = state
            crossed.append((entry, state))
        if len(crossed) > 3:
            # A replayed or restarted store can hold many spent sessions: one line, not a storm.
            over = sum(1 for _, st in crossed if st == "over")
            self.notify(
                f"{over} sessions over budget, {len(crossed) - over} past 80% (budget {fmt.cost(self.budget)} per session).",
                markup=False, severity="error" if over else "warning", timeout=8,
            )
            return
        for entry, state in crossed:
            label = clean(entry.session.label, 60)
            t = entry.totals
            spent = f"{fmt.cost(t.cost, t.estimated > 0, t.cost_unknown)} of {fmt.cost(self.budget)}"
            if state == "over":
                self.notify(f"Session {label} is over budget: {spent}.", markup=False, severity="error", timeout=8)
            else:
                self.notify(f"Session {label} used 80% of its budget: {spent}.", markup=False, severity="warning", timeout=6)

    def _update_header(self) -> None:
        status = self.monitor.status() if self.monitor is not None else None
        store = self.store
        line = render_header(
            self,
            status,
            paused=self.paused,
            new_updates=store.updates - self._pause_mark,
            follow=self.follow,
            sessions=len(store.sessions),
            spans=store.span_count,
            mode=self.mode,
        )
        text = Text.assemble(line, "\n", render_endpoints(self, status))
        self.header.show(text)

    def _on_theme_changed(self, _theme) -> None:
        # The lists drop their own caches (RowList.notify_style_update).
        self._theme_gen += 1
        self.header.invalidate()
        self._sync_detail()
        self._sync_cost()
        self._update_header()

    # -- messages from the panes -----------------------------------------
    @on(RowList.Highlighted, "#sessions")
    def _session_highlighted(self, event: RowList.Highlighted) -> None:
        # Messages can be stale (a programmatic move since): act on where the cursor is now.
        self._select_session(self.sessions.cursor_key)
        self._sync_cost()
        self._check_user_moved()

    @on(RowList.Highlighted, "#traces")
    def _trace_highlighted(self, event: RowList.Highlighted) -> None:
        self._show_trace(self.traces.cursor_key)
        self._check_user_moved()

    @on(RowList.Opened, "#sessions")
    def _session_opened(self, event: RowList.Opened) -> None:
        self.traces.focus()

    @on(RowList.Opened, "#traces")
    def _trace_opened(self, event: RowList.Opened) -> None:
        self.span_tree.focus()

    @on(SpanTreeView.SpanHighlighted)
    def _span_highlighted(self, event: SpanTreeView.SpanHighlighted) -> None:
        self._sync_detail()
        self._check_user_moved()

    @on(SpanTreeView.CopyRequested)
    def _copy_requested(self, event: SpanTreeView.CopyRequested) -> None:
        self._copy(event.span)

    # -- actions ---------------------------------------------------------
    def action_focus_pane(self, step: int) -> None:
        panes = self.panes()
        if not panes:
            return
        focused = self.focused
        idx = next((i for i, p in enumerate(panes) if focused is p or (focused is not None and p in focused.ancestors)), -1)
        panes[(idx + step) % len(panes)].focus()

    def action_open_filter(self) -> None:
        bar = self.query_one("#filter-bar")
        bar.add_class("-active")
        self.query_one("#filter-input", Input).focus()

    @on(Input.Submitted, "#filter-input")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        self.apply_filter(event.value)
        self.span_tree.focus()

    def apply_filter(self, query: str) -> None:
        result = self.span_tree.set_filter(query)
        label = self.query_one("#filter-result", Static)
        label.set_class(bool(result.error), "-error")
        if not query.strip():
            self.action_clear_filter()
            return
        if result.error:
            label.update(Content(clean(result.error, 200)))
        else:
            label.update(f"{result.matches} match{'es' if result.matches != 1 else ''}")
        self._sync_detail()

    def action_clear_filter(self) -> None:
        bar = self.query_one("#filter-bar")
        if not bar.has_class("-active"):
            raise SkipAction()
        self.span_tree.set_filter("")
        inp = self.query_one("#filter-input", Input)
        inp.value = ""
        self.query_one("#filter-result", Static).update("")
        bar.remove_class("-active")
        if self.focused is inp or self.focused is None:
            self.span_tree.focus()
        self._sync_detail()

    def action_toggle_pause(self) -> None:
        self._pause_mark = 0 if self.paused else self.store.updates
        self.paused = not self.paused
        if not self.paused:
            self._sync(force=True)

    def action_toggle_follow(self) -> None:
        self.follow = not self.follow
        self._follow_target = None
        if self.follow:
            self._follow_trace_version = -1
            if not self.paused:
                self._apply_follow()
                self._sync()

    # -- reactive view state ---------------------------------------------
    def _view_now(self) -> int:
        if self.mode == HISTORY and self.recorded_now_ns is not None:
            return self.recorded_now_ns
        return self.clock_ns()

    @property
    def recording_over(self) -> bool:
        """True when the panes show a recording at its end: open spans are "unfinished"."""
        return self.mode == HISTORY

    def _view_state_changed(self) -> None:
        header = getattr(self, "header", None)
        if header is not None and header.is_attached:
            self._update_header()

    def watch_mode(self) -> None:
        self._view_state_changed()

    def watch_paused(self) -> None:
        self._view_state_changed()

    def watch_follow(self) -> None:
        self._view_state_changed()

    @on(SpanTreeView.NoMoreErrors)
    def _no_more_errors(self, event: SpanTreeView.NoMoreErrors) -> None:
        if not self._next_error_trace():
            self.notify("No more errors.", markup=False, timeout=2)

    def action_next_error(self) -> None:
        if self.span_tree.next_error():
            self._sync_detail()
            return
        if not self._next_error_trace():
            self.notify("No more errors.", markup=False, timeout=2)

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

    def action_copy_span(self) -> None:
        span = self.span_tree.selected_span
        if span is None:
            self.notify("No span selected.", markup=False, timeout=2)
            return
        self._copy(span)

    def _copy(self, span) -> None:
        data = msgspec.json.encode(span).decode()
        self.copy_to_clipboard(data)
        self.notify(f"Copied span {clean(span.name, 60)} as JSON ({len(data):,} bytes).", markup=False, timeout=3)

    def action_toggle_code_attrs(self) -> None:
        self.show_code = not self.show_code
        self._sync_detail()

    def action_toggle_cost(self) -> None:
        screen = self.main_screen
        if screen.stacked:
            screen.toggle_class("-show-cost")
        else:
            screen.toggle_class("-hide-cost")
        self.call_after_refresh(self._sync_cost)

    def action_zoom(self) -> None:
        screen = self.screen
        if screen.maximized is not None:
            screen.minimize()
            return
        focused = self.focused
        pane = next((p for p in self.panes() if focused is p or (focused is not None and p in focused.ancestors)), None)
        if pane is not None:
            screen.maximize(pane, container=False)

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT_THEME if self.theme == DARK_THEME else DARK_THEME

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.help_sections(), self.keymap))

    def known_binding_ids(self) -> set[str]:
        return {b.id for _, bindings in self.help_sections() for b in bindings if b.id}

    def _apply_keymap(self) -> None:
        if not self.keymap:
            return
        unknown = sorted(set(self.keymap) - self.known_binding_ids())
        for bad in unknown:
            self.keymap.pop(bad)
        self.set_keymap(self.keymap)
        if unknown:
            self.notify(
                f"Unknown key binding id(s) in [keys]: {clean(', '.join(unknown), 200)} (? lists the ids).",
                markup=False, severity="warning", timeout=8,
            )

    async def action_quit(self) -> None:
        """Every way out (ctrl+q, the palette's Quit) flushes like q does."""
        await self.action_quit_monitor()

    async def action_quit_monitor(self) -> None:
        if self.monitor is not None:
            self.notify("Flushing spans to the database…", markup=False, timeout=5)
            await self.monitor.stop()
        self.exit()

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
        self._update_header()

    # -- history: a saved session in the same panes (ui/history.py loads it) --
    def show_saved(self, session_id: str, store: Store, recorded_now_ns: int | None = None) -> None:
        """Show a loaded saved session (keeps the live store to come back to).
        Its clock is the recording's: ``recorded_now_ns`` (default: its last moment)."""
        if self.mode != HISTORY:
            self._live_store = self.store
        entry = store.session(session_id)
        self.recorded_now_ns = recorded_now_ns if recorded_now_ns is not None else (entry.last_ns if entry is not None else None)
        self.follow = False
        self.paused = False
        self.mode = HISTORY
        self.rebind_store(store)
        if self.sessions.select_key(session_id):
            self._select_session(session_id)
        self.sessions.focus()

    def on_history_loaded(self, message) -> None:
        """A saved session loaded in a worker (ui/history.py): show it, or say why not."""
        if message.store is None:
            self.notify(f"Cannot load the session: {clean(message.error or '?', 200)}", markup=False, severity="error", timeout=5)
            return
        self.show_saved(message.session_id, message.store)

    def back_to_live(self) -> None:
        live, self._live_store = self._live_store, None
        self.mode = LIVE
        self.recorded_now_ns = None
        if live is not None:
            self.rebind_store(live)
        self.notify("Back to live.", markup=False, timeout=2)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Pane actions belong to the main screen, not to a modal on top of it.
        return not (action in self.PANE_ACTIONS and len(self.screen_stack) > 1)

    def action_toggle_history(self) -> None:
        from .history import toggle_history

        toggle_history(self)

    def action_metrics(self) -> None:
        from .metrics_view import MetricsScreen

        self.push_screen(MetricsScreen())

    def action_diagnostics(self) -> None:
        from .diagnostics import DiagnosticsScreen

        self.push_screen(DiagnosticsScreen())

    def action_mark_compare(self) -> None:
        from .compare_view import mark_compare

        mark_compare(self)

    # -- palette / help sources ------------------------------------------
    def help_sections(self) -> list[tuple[str, list[Binding]]]:
        # AgentTraceApp's own list, not self.BINDINGS: a subclass (replay) lists its
        # keys in a section of its own, and the monitor's keys still work there.
        return [
            ("Monitor", _bindings(AgentTraceApp.BINDINGS)),
            ("Span tree", _bindings(SpanTreeView.BINDINGS)),
            ("Session and trace lists", _bindings(RowList.BINDINGS)),
        ]

    def palette_bindings(self) -> list[tuple[Binding, AgentTraceApp | SpanTreeView]]:
        skip = ("app.next_pane", "app.previous_pane", "app.quit_ctrl_c")
        out: list[tuple[Binding, AgentTraceApp | SpanTreeView]] = [
            (b, self) for b in _bindings(AgentTraceApp.BINDINGS) if b.id not in skip
        ]
        tree = self.span_tree
        out.extend((b, tree) for b in _bindings(SpanTreeView.BINDINGS) if b.id not in ("tree.cursor_down", "tree.cursor_up", "tree.next_error", "tree.copy"))
        return out

    def jump_to_session(self, session_id: str) -> None:
        if self.sessions.select_key(session_id):
            self._select_session(session_id)
            self.sessions.focus()

    def jump_to_trace(self, trace_id: str) -> None:
        if self.traces.select_key(trace_id):
            self._show_trace(trace_id)
            self.span_tree.focus()


def make_app(
    monitor: Monitor | None = None,
    *,
    store: Store | None = None,
    now_ns: Callable[[], int] | None = None,
    theme: str | None = None,
    budget: float | None = None,
    keymap: dict[str, str] | None = None,
) -> AgentTraceApp:
    """The app. With a monitor, mounting starts its receivers and quitting flushes its DB;
    with only a store (tests, snapshots) nothing listens and ``now_ns`` can fix the clock.
    ``budget`` (USD per session) defaults to the monitor's ``config.budget``."""
    return AgentTraceApp(monitor, store=store, now_ns=now_ns, theme=theme, budget=budget, keymap=keymap)
