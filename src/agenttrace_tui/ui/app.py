"""The live monitor app: header, session and trace lists, span tree, detail, cost.

Refresh model: one timer at 10 Hz compares the store's change counters
(global, per session, per trace) with what was last drawn and updates only
what changed; rows that show a running duration are re-rendered on the same
tick. Nothing is posted per span. While paused, the tick only updates the
header's "N new" counter, the clock the panes read stands still, and the
panes keep what they showed (ui/panes.py, ``freeze_panes``): a repaint (focus,
a cursor, a resize) never shows newer data in one pane than in another. New
data never moves a cursor or a scroll position unless follow is on.

View state is reactive: ``mode`` (live, history, replay), ``paused`` and
``follow`` are ``var``s whose watchers redraw the header, so no action has to
remember to. The clock the panes read (``now_ns``) is the wall clock live and
the recording's own time in history and replay: a span the recording never
saw end is "unfinished" there, with the duration it had, and never ticks.
The layout follows the terminal through the main screen's breakpoints
(ui/screen.py), never by polling its size.

The app is split by job: this module composes the panes and owns the keys
and the tick; ``ui/panes.py`` (``PaneSync``) keeps the panes in step with the
store (selection, follow, store swaps); ``ui/history.py`` (``HistoryViews``)
shows a saved session; ``ui/budget_alerts.py`` says when a budget is crossed;
the filter bar is a widget (``ui/filter_bar.py``).

Untrusted strings reach the screen only as cleaned ``Text``/``Content``, and
``notify`` is always called with ``markup=False``.

Length: the App itself, its bindings and one short action per key; selection
and follow (panes.py), history (history.py), the filter bar and budget notices
already live apart. What is left reads as the list of things a key can do.
"""

from __future__ import annotations

import asyncio
import select
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import msgspec
from rich.text import Text
from textual import events, on
from textual.actions import SkipAction
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.geometry import Size
from textual.timer import Timer
from textual.widgets import Input

from ..analysis.filter import FilterResult
from ..format.sanitize import without_secrets
from ..runtime.gcpolicy import GcPolicy
from ..runtime.monitor import Monitor
from ..store.memory import Store
from .budget_alerts import BudgetWatch
from .cost_panel import CostPanel
from .detail import SpanDetail
from .filter_bar import FilterBar
from .footer import KeyFooter
from .header import StatusHeader, render_endpoints, render_header
from .help import HelpScreen
from .history import HistoryViews
from .keys import key_label
from .palette import MonitorCommands
from .panes import HISTORY
from .paths import stylesheet
from .rowlist import RowList
from .screen import MonitorScreen
from .session_list import SessionList
from .span_tree import SpanTreeView
from .text import clean
from .textview import TextView
from .trace_list import TraceList

if TYPE_CHECKING:
    from .compare_view import Marked

TICK_S = 0.1
#: How often a served monitor (``serve``) looks whether its server is still there.
SERVER_WATCH_S = 1.0
#: With nothing changing for this many ticks the refresh timer sleeps, and a
#: check every IDLE_TICK_S wakes it: an idle monitor does no timer work to speak of.
IDLE_AFTER_TICKS = 20
IDLE_TICK_S = 0.25
#: Time a tick may spend attributing tool costs ahead of the cost pane's read.
TOOL_WARM_S = 0.003
#: For this long after a key or click the tick leaves clock-only cost pane redraws
#: to the frame answering it (PaneSync._sync_cost).
TYPING_S = 0.3
#: A refresh tick that falls between a key (or click) and the frame answering it
#: waits for that frame, at most this long after the key: the tick's own work
#: (the panes' sync, the header, a young collection, 5-20 ms under ingest) and
#: the redraws it asks for stay out of the key's frame.
KEY_FRAME_WAIT_S = 0.1
DARK_THEME = "textual-dark"
LIGHT_THEME = "textual-light"




def _bindings(declared: Iterable[BindingType]) -> list[Binding]:
    """The Binding objects of a BINDINGS list (ours hold no tuple shorthands)."""
    return [b for b in declared if isinstance(b, Binding)]

class AgentTraceApp(HistoryViews):
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
        Binding("i", "toggle_internal", "Show framework internals (traces and spans)", show=False, id="app.internal"),
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

    #: Actions on the main screen's panes: off (and out of the footer) while another
    #: screen (picker, compare, help) is on top, so a key never acts on hidden panes.
    PANE_ACTIONS = frozenset({
        "focus_pane", "open_filter", "clear_filter", "toggle_pause", "toggle_follow", "next_error",
        "copy_span", "toggle_code_attrs", "toggle_internal", "toggle_cost", "zoom", "toggle_history", "mark_compare", "metrics",
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
        #: compare: the trace or session marked A with ``m``
        self.compare_a: Marked | None = None
        self._initial_theme = theme or DARK_THEME
        self.show_code = False
        #: Traces made only of a client's framework internals listed too (folded by default).
        self.show_internal = False
        self.selected_session_id: str | None = None
        #: USD per session (``--budget``); None: no budget.
        self.budget = budget if budget is not None else (monitor.config.budget if monitor is not None else None)
        self.budget_watch = BudgetWatch(self.budget)
        #: Cyclic GC run from the tick instead of at random (docs/bench/ui_tree.md).
        self.gc_policy = GcPolicy()
        #: Set once the first frame is on the screen: work that can wait (the demo
        #: agent's process) starts then, not while the first frame is being drawn.
        self.first_frame = asyncio.Event()
        self._pause_mark = 0
        #: the wall clock when the view was paused: the panes' clock while paused
        self._paused_at_ns: int | None = None
        self._drawn_version = -1
        self._drawn_session_version = -1
        self._follow_trace_version = -1
        self._follow_target: tuple | None = None
        self._tree_title = "Span tree"
        self._last_tick_key: tuple | None = None
        self._idle_ticks = 0
        self._refresh_timer: Timer | None = None
        #: Hang-up of our stdin, watched in a browser (``_watch_server``).
        self._server_poll: select.poll | None = None
        #: bumped by every key, click and resize: the next tick redraws whatever they changed
        self._input_gen = 0
        #: a collection is queued for after the frame answering the last key (on_event)
        self._gc_after_frame = False
        #: time.monotonic() of the last key or click (``_typing``)
        self._last_input_s = float("-inf")
        #: ``_input_gen`` when the last frame was written (MonitorScreen._compositor_refresh)
        self._framed_gen = 0
        #: a tick was put off until the frame answering a key (``_key_frame_pending``)
        self._tick_waits = False
        #: so was the work queued for after that frame (``_after_input_frame``)
        self._after_frame_waits = False
        #: time.monotonic() when the first tick put off so was due (keys that draw
        #: nothing bring no frame: a tick never waits longer than KEY_FRAME_WAIT_S)
        self._tick_waits_since = 0.0
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
                self.filter_bar = FilterBar(id="filter-bar")
                yield self.filter_bar
                yield self.detail
        self.footer = KeyFooter(compact=True)
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
        self._update_header()
        self.sessions.focus()
        self.gc_policy.start()
        self._refresh_timer = self.set_interval(TICK_S, self._tick, name="refresh")
        # While nothing changes the 10 Hz timer sleeps; this one looks 4 times a
        # second and wakes it (so does any key, click or resize).
        self.set_interval(IDLE_TICK_S, self._idle_watch, name="idle-watch")
        if self.is_web and hasattr(select, "poll"):
            self._server_poll = select.poll()
            self._server_poll.register(0, select.POLLHUP)  # the server writes our stdin
            self.set_interval(SERVER_WATCH_S, self._watch_server, name="server-watch")
        self.call_after_refresh(self.first_frame.set)

    def _watch_server(self) -> None:
        """In a browser (``serve``): once the server is gone (its end of our stdin closed: a
        crash, a kill -9), nobody can see this monitor, which still holds the ports and the
        database: it stops as at a quit. (A server that stops in order says quit itself.)"""
        if self._server_poll is not None and self._server_poll.poll(0):
            self.exit()

    def on_unmount(self) -> None:
        self.gc_policy.stop()

    async def on_event(self, event: events.Event) -> None:
        is_input = isinstance(event, (events.Key, events.MouseDown))
        if is_input:
            self.gc_policy.note_input()  # no full collection while someone is typing
            self._last_input_s = time.monotonic()
            self._input_gen += 1
            self._wake()
            if self.monitor is not None:
                self.monitor.yield_to_input(KEY_FRAME_WAIT_S)
        await super().on_event(event)
        if is_input and not self._gc_after_frame:
            self._gc_after_frame = self._queue_after_input_frame()

    def _queue_after_input_frame(self) -> bool:
        # Queued behind the event on the widget it went to, so the callback is
        # registered once that widget has handled it, and runs after the frame
        # that shows the result: the collector's turn, before the next key.
        return (self.focused or self.screen).call_after_refresh(self._after_input_frame, self._input_gen)

    def _after_input_frame(self, input_gen: int) -> None:
        if input_gen != self._input_gen:
            # Another key came meanwhile: its frame is not out yet; wait for that one.
            self._gc_after_frame = self._queue_after_input_frame()
            return
        if self._key_frame_pending():
            # Textual runs this once the screen is idle, which can come before the
            # key's own repaint was even asked for: then the frame is still to
            # come, and this waits for it (``_frame_written``).
            self._after_frame_waits = True
            return
        self._run_after_input_frame()

    def _run_after_input_frame(self) -> None:
        self._after_frame_waits = False
        self._gc_after_frame = False
        if self.gc_policy.after_input_frame() < 0 and not self.paused:
            # No collection was due: a cost pane redraw the tick held back is (one per frame).
            self._sync_cost()

    def _typing(self) -> bool:
        return time.monotonic() - self._last_input_s < TYPING_S

    def _key_frame_pending(self) -> bool:
        """A key or click came since the last frame, a moment ago: its frame is on its way."""
        return self._framed_gen != self._input_gen and time.monotonic() - self._last_input_s < KEY_FRAME_WAIT_S

    def _frame_written(self) -> None:
        """A frame is out (MonitorScreen): what waited for the frame answering a key runs next."""
        if self._framed_gen != self._input_gen and self.monitor is not None:
            self.monitor.yield_to_input(0)
        self._framed_gen = self._input_gen
        if self._after_frame_waits:
            self._after_frame_waits = False
            self.call_next(self._run_after_input_frame)
        if self._tick_waits:
            self._tick_waits = False
            self.call_next(self._tick)

    def on_resize(self, event: events.Resize) -> None:
        # The layout follows through the main screen's breakpoints; the refresh
        # tick must draw again too (panes it sizes follow the new size).
        self._input_gen += 1
        self._wake()
        # In a browser (``serve``), Textual's web driver posts the size it started with
        # (textual-serve's first guess) from a coroutine that can run after the browser's
        # own size came in: the guess would win, the page drawn at the wrong height. The
        # driver keeps the browser's latest size (a private field, read with care): follow
        # it. The screen meanwhile skips the stale size (MonitorScreen.on_resize).
        wanted = getattr(self._driver, "_size", None) if self.is_web else None
        if wanted is not None and Size(*wanted) != event.size:
            self.post_message(events.Resize(Size(*wanted), Size(*wanted)))

    def on_status_header_resized(self, _message: StatusHeader.Resized) -> None:
        # What the header says is fitted to its width (a problem stays, quiet parts give way).
        self._update_header()

    # -- the refresh tick ------------------------------------------------
    def _idle_key(self) -> tuple:
        """Everything a tick could draw differently, read from counters (no rendering).
        Equal to the last tick's: nothing changed, the tick does no work at all."""
        store = self.store
        monitor = self.monitor
        now = self.now_ns()
        counters: tuple = ()
        if monitor is not None:
            stats = monitor.stats
            w = monitor.writer
            counters = (
                stats.rejected_total, stats.lost, store.evicted_spans,
                w.errors if w is not None else 0, getattr(w, "dropped_spans", 0),
                monitor.forwarder.dropped if monitor.forwarder is not None else 0,
                round(store.rate.rate(), 1),
            )
        return (
            store.version,
            store.updates,
            counters,
            # running spans tick (a tenth of a second; not those their session's end cut off); "last
            # seen" columns and idle sessions turning "done" move once a second while sessions are listed
            now // 100_000_000 if store.running_live() else (now // 1_000_000_000 if store.sessions else 0),
            self.paused,
            self.follow,
            self.mode,
            self._input_gen,
        )

    def _wake(self) -> None:
        if self._refresh_timer is not None and self._idle_ticks >= IDLE_AFTER_TICKS:
            self._idle_ticks = 0
            self._refresh_timer.resume()

    def _idle_watch(self) -> None:
        """While the refresh timer sleeps: wake it (and draw now) once anything changed."""
        if self._idle_ticks < IDLE_AFTER_TICKS or not self.header.is_attached:
            return
        if self._idle_key() != self._last_tick_key:
            self._wake()
            self._tick()
        else:
            self.gc_policy.tick()

    def _tick(self) -> None:
        if not self.header.is_attached:  # shutting down
            return
        if self._key_frame_pending():
            now = time.monotonic()
            if not self._tick_waits:
                self._tick_waits = True
                self._tick_waits_since = now
            if now - self._tick_waits_since < KEY_FRAME_WAIT_S:
                # The frame answering a key comes first; this tick runs right after it.
                return
        self._tick_waits = False
        if self._after_frame_waits:
            # A key that drew nothing brings no frame: its after-frame work runs now.
            self._run_after_input_frame()
        key = self._idle_key()
        if key == self._last_tick_key:
            # Nothing changed: no header, no panes, no budget check, and the
            # collector's turn once a second (nothing is allocated meanwhile).
            self._idle_ticks += 1
            if self._idle_ticks % 10 == 0:
                self.gc_policy.tick()
            if self._idle_ticks >= IDLE_AFTER_TICKS and self._refresh_timer is not None:
                self._refresh_timer.pause()  # _idle_watch resumes it
            return
        self._idle_ticks = 0
        self._last_tick_key = key
        self.gc_policy.tick()
        # Budget alerts fire while paused too: they are about money, not the view.
        for notice in self.budget_watch.check(self.store):
            self.notify(notice.message, markup=False, severity=notice.severity, timeout=notice.timeout)
        if not self.paused:
            self._sync()
            if self.cost.display:
                # Spread over the ticks what the cost pane's once-a-second read
                # would otherwise do in one go (Store.warm_tool_costs).
                self.store.warm_tool_costs(TOOL_WARM_S)
        # The one periodic header redraw: rates, counters and "N new" move with
        # no view state changing (the view state's watchers redraw it at once).
        self._update_header()

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
            width=self.header.size.width or None,
        )
        text = Text.assemble(line, "\n", render_endpoints(self, status))
        self.header.show(text)

    def _on_theme_changed(self, _theme) -> None:
        # Every pane drops what it drew in the old theme (notify_style_update);
        # redraw them after that, also while paused (the tick would not).
        self.call_after_refresh(self._redraw_all)

    def _redraw_all(self) -> None:
        if self.paused:
            # What the lists keep was drawn in the old theme: paused again, now, in the new one.
            self._freeze_view()
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
        self.filter_bar.open()

    @on(Input.Submitted, "#filter-input")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        if self.apply_filter(event.value):
            self.span_tree.focus()
        # else a bad query: the input keeps the keys, to mend it (typed into the tree they
        # would run its commands: m marks, c hides the cost pane, ...); Esc leaves.

    def apply_filter(self, query: str) -> bool:
        """Filter the tree by ``query`` ("" clears); False when it is not a query (the
        filter in force stays, and the bar's error says which it is)."""
        if not query.strip():
            self.span_tree.set_filter("")
            self.action_clear_filter()
            return True
        result = self.span_tree.set_filter(query)
        if result.error and (still := self.span_tree.filter_text):
            # First: a long error is cut at its end (the values it lists).
            result = FilterResult(result.matches, f"still filtered by “{still}”: {result.error}")
        self.filter_bar.show_result(result)
        self._sync_detail()
        return not result.error

    def action_clear_filter(self) -> None:
        bar = self.filter_bar
        if not bar.active:
            raise SkipAction()
        self.span_tree.set_filter("")
        bar.close()
        if self.focused is bar.input or self.focused is None:
            self.span_tree.focus()
        self._sync_detail()

    def action_toggle_pause(self) -> None:
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
        if self._paused_at_ns is not None:
            return self._paused_at_ns
        return self.clock_ns()

    @property
    def recording_over(self) -> bool:
        """True when the panes show a recording at its end: open spans are "unfinished"."""
        return self.mode == HISTORY

    def _panes_up(self) -> bool:
        """The panes are composed and on screen (not before mount, nor while shutting down)."""
        header = getattr(self, "header", None)
        return header is not None and header.is_attached

    def _view_state_changed(self) -> None:
        if self._panes_up():
            self._update_header()

    def watch_mode(self) -> None:
        self._view_state_changed()

    def watch_paused(self, paused: bool) -> None:
        if paused:
            self._freeze_view()
        else:
            self._paused_at_ns = None
            if self._panes_up():
                self.thaw_panes()
        self._view_state_changed()

    def _freeze_view(self) -> None:
        """The moment the panes show while paused: now. The clock stops first, so
        every pane is brought to the same moment; "N new" counts from it."""
        self._pause_mark = self.store.updates
        self._paused_at_ns = self.clock_ns()
        if self._panes_up():
            self.freeze_panes()

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

    def action_copy_span(self) -> None:
        span = self.span_tree.selected_span
        if span is None:
            self.notify("No span selected.", markup=False, timeout=2)
            return
        self._copy(span)

    def _copy(self, span) -> None:
        # A copy is for sharing: a credential the agent sent goes as the screen shows it.
        shown, hidden = without_secrets(msgspec.to_builtins(span))
        data = msgspec.json.encode(shown).decode()
        self.copy_to_clipboard(data)
        secrets = f", {hidden} secret{'s' if hidden != 1 else ''} hidden" if hidden else ""
        self.notify(f"Copied span {clean(span.name, 60)} as JSON ({len(data):,} bytes{secrets}).", markup=False,
                    timeout=3)

    def action_toggle_code_attrs(self) -> None:
        self.show_code = not self.show_code
        self._sync_detail()

    def action_toggle_internal(self) -> None:
        self.show_internal = not self.show_internal
        self.span_tree.set_show_internal(self.show_internal)
        self._sync_traces(force=True)

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

    def key_of(self, binding_id: str) -> str:
        """The keys of one of the app's bindings as the user has them ([keys] remaps), for a hint."""
        for _, bindings in self.help_sections():
            for binding in bindings:
                if binding.id == binding_id:
                    return key_label(binding, self.keymap)
        return binding_id

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

    # -- history: a saved session in the same panes (ui/history.py loads it) --
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Pane actions belong to the main screen, not to a modal on top of it.
        return not (action in self.PANE_ACTIONS and len(self.screen_stack) > 1)

    def action_metrics(self) -> None:
        from .metrics_view import MetricsScreen

        self.push_screen(MetricsScreen())

    def action_diagnostics(self) -> None:
        from .diagnostics import DiagnosticsScreen

        self.push_screen(DiagnosticsScreen())

    def action_mark_compare(self) -> None:
        from .compare_view import mark_step, selection

        focused_session = self.sessions.cursor_key if self.focused is self.sessions else None
        sel = selection(self.store, session_id=focused_session, trace_id=self.span_tree.trace_id or self.traces.cursor_key)
        step = mark_step(self.compare_a, sel)
        self.compare_a = step.mark
        if step.message is not None:
            self.notify(step.message, markup=False, timeout=3 if sel is None else 4)
        if step.screen is not None:
            self.push_screen(step.screen)

    # -- palette / help sources ------------------------------------------
    def help_sections(self) -> list[tuple[str, list[Binding]]]:
        # AgentTraceApp's own list, not self.BINDINGS: a subclass (replay) lists its
        # keys in a section of its own, and the monitor's keys still work there.
        return [
            ("Monitor", _bindings(AgentTraceApp.BINDINGS)),
            ("Span tree", _bindings(SpanTreeView.BINDINGS)),
            ("Session and trace lists", _bindings(RowList.BINDINGS)),
            ("Span detail and cost panes (also ↑ ↓ PgUp PgDn Home End)", _bindings(TextView.BINDINGS)),
        ]

    def palette_bindings(self) -> list[tuple[Binding, AgentTraceApp | SpanTreeView]]:
        skip = ("app.next_pane", "app.previous_pane", "app.quit_ctrl_c")
        out: list[tuple[Binding, AgentTraceApp | SpanTreeView]] = [
            (b, self) for b in _bindings(AgentTraceApp.BINDINGS) if b.id not in skip
        ]
        tree = self.span_tree
        out.extend((b, tree) for b in _bindings(SpanTreeView.BINDINGS) if b.id not in ("tree.cursor_down", "tree.cursor_up", "tree.next_error", "tree.copy"))
        return out



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
