"""Replay mode: the live monitor's screens fed by a ``replay.Player``.

``ReplayApp`` is the live app (same panes, same refresh tick, same keys)
whose store is the Player's. A timer at ``REPLAY_TICK_S`` calls
``player.tick()`` (never blocking: the Player applies at most a bounded
number of events per tick and reads the file lazily, one page at a time); the
app's own 10 Hz tick then redraws what changed, exactly as with live data.
The app's clock is the play position, so running spans tick in session time;
at the end it stops at the recording's last moment, and a span the recording
never saw end reads "unfinished" with the duration it had (``recording_over``).

A backward move (step back, seek -10 s) makes the Player rebuild its store;
its ``on_reset`` calls ``rebind_store`` so every pane reads the new one.

The replay bar (one docked line above the footer) shows play state, speed,
elapsed/total on the session's time axis, a progress bar with a mark per
error (error times come from a second Reader in a thread worker), and
counts; a click on the progress bar seeks there. Without a session id the
saved-session picker opens first.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Footer

from ..history.replay import INSTANT, Player
from ..model import Status
from ..store.memory import Store
from . import fmt
from .app import AgentTraceApp
from .colors import style
from .header import _reverse
from .panes import REPLAY
from .picker import SessionPicker
from .text import clean

if TYPE_CHECKING:
    from ..store.sqlite import Reader

#: How often the Player is driven (the panes still redraw at the app's 10 Hz).
REPLAY_TICK_S = 1 / 25
SEEK_S = 10
#: Wall time one "instant" step may take on the event loop.
INSTANT_BUDGET_S = 0.025
#: Error marks loaded for the bar at most.
MAX_ERROR_MARKS = 2000

#: Speeds cycle 0.5x 1x 2x 10x instant. Keys clear of the panes' own: arrows,
#: h/j/k/l, g/G, [/], n/N, e and y belong to the lists and the tree.
#: One footer hint for both speeds ("+ - Speed"): at 80 columns "Slower" did not fit.
_SPEED = Binding.Group("Speed", compact=True)

REPLAY_BINDINGS = [
    Binding("plus,equals_sign", "replay_faster", "Faster", key_display="+", id="replay.faster", group=_SPEED),
    Binding("minus", "replay_slower", "Slower", key_display="-", id="replay.slower", group=_SPEED),
    Binding("full_stop", "replay_step_next", "Step to next span start", key_display=".", show=False, id="replay.step_next"),
    Binding("comma", "replay_step_prev", "Step to previous span start", key_display=",", show=False, id="replay.step_prev"),
    Binding("greater_than_sign,ctrl+right", "replay_seek(10)", "Forward 10 s", key_display="> ctrl+→", show=False, id="replay.forward"),
    Binding("less_than_sign,ctrl+left", "replay_seek(-10)", "Back 10 s", key_display="< ctrl+←", show=False, id="replay.back"),
    Binding("E", "replay_next_error", "Play to next error", show=False, id="replay.next_error"),
    Binding("o", "replay_open", "Open another saved session", show=False, id="replay.open"),
]


def fmt_clock(ns: int) -> str:
    """Elapsed time on the bar: 'M:SS.s' or 'H:MM:SS'."""
    ns = max(0, int(ns))
    s = ns / 1e9
    if s >= 3600:
        return f"{int(s // 3600)}:{int(s % 3600 // 60):02d}:{int(s % 60):02d}"
    return f"{int(s // 60)}:{s % 60:04.1f}"


def fmt_speed(speed: float) -> str:
    if speed == INSTANT:
        return "instant"
    return f"{speed:g}x"


def render_bar(app, player: Player | None, errors_ns: list[int], width: int, geometry: dict | None = None) -> Text:
    """The replay bar as one line of ``width`` cells; ``geometry`` gets the progress
    bar's first column and width (for click-to-seek)."""
    muted = style(app, "text-muted")
    out = Text(no_wrap=True, overflow="ellipsis", end="")
    if player is None:
        out.append(" no session loaded · o opens the picker", style=muted)
        return out
    if player.finished:
        out.append(" ■ END ", style=style(app, "success", bold=True) + _reverse())
    elif player.paused:
        out.append(" ‖ PAUSED ", style=style(app, "warning", bold=True) + _reverse())
    else:
        out.append(" ▶ PLAYING ", style=style(app, "success", bold=True))
    out.append(f" {fmt_speed(player.speed):>7} ", style=style(app, "accent", bold=True))
    start = player.start_ns or 0
    end = player.end_ns or player.position_ns
    total = max(0, end - start)
    elapsed = total if player.finished else max(0, player.position_ns - start)
    out.append(f" {fmt_clock(elapsed)} / {fmt_clock(total)} ")
    tail = Text(no_wrap=True, end="")
    tail.append(f" {player.errors_seen}/{len(errors_ns)} errors", style=style(app, "error") if errors_ns else muted)
    tail.append(f" · {fmt.plural(player.store.span_count, 'span')} ", style=muted)
    room = width - out.cell_len - tail.cell_len - 2
    if room >= 10:
        out.append("[", style=muted)
        if geometry is not None:
            geometry["x0"], geometry["width"] = out.cell_len, room
        out.append_text(_progress(app, player.progress, errors_ns, start, total, room))
        out.append("]", style=muted)
    out.append_text(tail)
    return out


def _progress(app, progress: float, errors_ns: list[int], start: int, total: int, width: int) -> Text:
    """A bar ``width`` cells wide: played part, the head, and ✖ at each error's time."""
    head = min(width - 1, int(progress * width))
    cells = ["━"] * head + ["╸"] + ["─"] * (width - head - 1)
    marks: set[int] = set()
    if total > 0:
        for t in errors_ns:
            marks.add(min(width - 1, max(0, int((t - start) / total * width))))
    played = style(app, "accent")
    rest = style(app, "text-muted")
    err = style(app, "error", bold=True)
    out = Text(no_wrap=True, end="")
    for i, ch in enumerate(cells):
        if i in marks:
            out.append("✖", style=err)
        else:
            out.append(ch, style=played if i <= head else rest)
    return out


class ReplayBar(Widget):
    """One docked line; repaints only when its text changes."""

    DEFAULT_CSS = """
    ReplayBar { height: 1; background: $panel; color: $foreground; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text = Text()
        self._last: str | None = None
        #: where the progress bar sits in the line (filled by render_bar)
        self.geometry: dict = {}

    def render(self) -> Text:
        return self._text

    def show(self, text: Text) -> None:
        key = text.plain + repr(text.spans)
        if key != self._last:
            self._last = key
            self._text = text
            self.refresh()

    @property
    def plain(self) -> str:
        return self._text.plain

    class Seek(Message):
        """A click on the progress bar: seek to ``fraction`` of the session."""

        def __init__(self, fraction: float) -> None:
            super().__init__()
            self.fraction = fraction

    def on_click(self, event: events.Click) -> None:
        x0, width = self.geometry.get("x0"), self.geometry.get("width")
        if x0 is not None and width and x0 <= event.x < x0 + width:
            self.post_message(self.Seek((event.x - x0 + 0.5) / width))


class ReplayApp(AgentTraceApp):
    """The monitor's screens playing a saved session (or the picker first)."""

    BINDINGS: ClassVar[list[BindingType]] = [*REPLAY_BINDINGS]
    PANE_ACTIONS = AgentTraceApp.PANE_ACTIONS | {b.action.split("(")[0] for b in REPLAY_BINDINGS}

    def __init__(
        self,
        db: str | Path,
        session_id: str | None = None,
        *,
        speed: float = 1.0,
        max_idle_s: float | None = None,
        clock: Callable[[], int] = time.monotonic_ns,
        theme: str | None = None,
        tick_s: float = REPLAY_TICK_S,
        keymap: dict[str, str] | None = None,
    ) -> None:
        self.db = Path(db)
        self.player: Player | None = None
        self.clock = clock
        self.initial_speed = speed
        self.max_idle_ns = None if max_idle_s is None else int(max_idle_s * 1e9)
        self.tick_s = tick_s
        self.error_marks: list[int] = []
        self.error_marks_loaded = False
        self._reader: Reader | None = None
        #: session time one "instant" step covers (adapted to INSTANT_BUDGET_S)
        self._instant_step_ns = 1_000_000_000
        #: What the replay bar was last drawn from (``_update_bar``): drawn again only when it changes.
        self._bar_stamp: tuple | None = None
        super().__init__(None, store=Store(), now_ns=self._play_now, theme=theme, keymap=keymap)
        self.mode = REPLAY
        self.follow = True
        if session_id is not None:
            self._open_player(session_id)

    # -- the player ------------------------------------------------------
    @property
    def recording_over(self) -> bool:
        return self.player is not None and self.player.finished

    @property
    def clock_stopped(self) -> bool:
        """The replay is paused: its time stands still, so panes draw it exactly."""
        return self.player is not None and self.player.paused

    def _play_now(self) -> int:
        # Session time: running spans and "ago" columns move with the replay.
        return self.player.position_ns if self.player is not None else time.time_ns()

    def _open_player(self, session_id: str) -> Player:
        from ..store.sqlite import Reader

        if self._reader is None:
            self._reader = Reader(self.db)
        self.player = Player(
            self._reader,
            session_id,
            clock=self.clock,
            speed=self.initial_speed,
            on_reset=self._player_reset,
            max_idle_ns=self.max_idle_ns,
        )
        self.store = self.player.store
        self.error_marks = []
        self.error_marks_loaded = False
        return self.player

    def _player_reset(self, store: Store) -> None:
        if self.is_running and self.header.is_attached:
            self.rebind_store(store)
        else:
            self.store = store

    def close_reader(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    # -- layout ----------------------------------------------------------
    def compose(self) -> ComposeResult:
        self.replay_bar = ReplayBar(id="replay-bar")
        for widget in super().compose():
            if isinstance(widget, Footer):
                yield self.replay_bar
            yield widget

    async def on_mount(self) -> None:
        if self.player is not None:
            # The first events go in before the base mount's first sync, so the
            # first frame already shows the replay (not an empty session).
            self._drive()
        await super().on_mount()
        self.set_interval(self.tick_s, self._replay_tick, name="replay")
        if self.player is None:
            self.action_replay_open()
        else:
            self._load_error_marks()
        self._update_bar()

    # -- driving ---------------------------------------------------------
    def _replay_tick(self) -> None:
        if self.player is None or not self.replay_bar.is_attached:
            return
        self._drive()
        self._update_bar()

    def _drive(self) -> None:
        """One step of play. At "instant" the Player would apply up to 20k events
        in one tick (a few hundred ms on this event loop), so instead it moves
        forward by a span of session time sized to keep each step near
        ``INSTANT_BUDGET_S`` of wall time: keys stay responsive while it runs."""
        player = self.player
        assert player is not None
        if player.speed != INSTANT or player.paused or player.finished:
            player.tick()
            return
        t = time.perf_counter()
        player.seek(player.position_ns + self._instant_step_ns)
        spent = time.perf_counter() - t
        if spent < INSTANT_BUDGET_S / 2:
            self._instant_step_ns = min(self._instant_step_ns * 2, 10**15)
        elif spent > INSTANT_BUDGET_S:
            self._instant_step_ns = max(self._instant_step_ns // 2, 1_000_000)

    def _update_bar(self) -> None:
        width = self.replay_bar.size.width or self.size.width
        # Built only when what it shows may read differently: a replay at its end (or paused) is
        # still ticked 25 times a second, and building the bar each time was 5 % of a core.
        player = self.player
        stamp = (width, self.theme, self.error_marks_loaded, len(self.error_marks), player,
                 None if player is None else (player.finished, player.paused, player.speed, player.position_ns,
                                              player.start_ns, player.end_ns, player.errors_seen,
                                              player.store.span_count))
        if stamp == self._bar_stamp:
            return
        self._bar_stamp = stamp
        self.replay_bar.show(render_bar(self, player, self.error_marks, width, self.replay_bar.geometry))

    @work(thread=True, exclusive=True, group="replay-errors")
    def _load_error_marks(self) -> None:
        """Error times of the whole session for the bar (a separate Reader: the
        Player's is used on the event loop)."""
        from ..store.sqlite import Reader

        player = self.player
        if player is None:
            return
        marks: list[int] = []
        try:
            with Reader(self.db) as reader:
                for st in (Status.ERROR, Status.TIMEOUT):
                    for s in reader.query_spans(session_id=player.session_id, status=st, limit=MAX_ERROR_MARKS):
                        marks.append(s.end_ns if s.end_ns is not None else s.start_ns)
        except Exception:  # noqa: BLE001 -- marks are a nicety; the replay works without them
            marks = []
        self.call_from_thread(self._error_marks_loaded, player, sorted(marks))

    def _error_marks_loaded(self, player: Player, marks: list[int]) -> None:
        if player is self.player:
            self.error_marks = marks
            self.error_marks_loaded = True
            self._update_bar()

    def _after_move(self) -> None:
        """Redraw at once after a key moved the play position."""
        self._sync()
        self._update_bar()

    # -- header ----------------------------------------------------------
    def _update_header(self) -> None:
        muted = style(self, "text-muted")
        sep = Text(" │ ", style=muted)
        line = Text(no_wrap=True, overflow="ellipsis", end="")
        line.append(" ◆ agenttrace ", style=style(self, "accent", bold=True))
        line.append(" ⟲ REPLAY ", style=style(self, "accent", bold=True) + _reverse())
        line.append(" ")
        line.append("FOLLOW" if self.follow else "follow off", style=style(self, "accent", bold=True) if self.follow else muted)
        line.append_text(sep)
        player = self.player
        entry = self.store.session(player.session_id) if player is not None else None
        if entry is not None:
            line.append(clean(entry.session.label, 80))
            line.append_text(sep)
        n = self.store.span_count
        line.append(f"{fmt.tokens(n)} {'span' if n == 1 else 'spans'}")
        second = Text(no_wrap=True, overflow="ellipsis", end="")
        second.append(" replaying ", style=muted)
        second.append(clean(str(self.db), 200))
        if player is not None:
            second.append(" · session ", style=muted)
            second.append(clean(player.session_id, 120))
        self.header.show(Text.assemble(line, "\n", second))

    # -- actions ---------------------------------------------------------
    def action_toggle_pause(self) -> None:
        """Space pauses the replay itself (not only the drawing, as live)."""
        if self.player is not None:
            self.player.toggle_pause()
            self._after_move()

    def action_replay_faster(self) -> None:
        if self.player is not None:
            self.player.faster()
            self._update_bar()

    def action_replay_slower(self) -> None:
        if self.player is not None:
            self.player.slower()
            self._update_bar()

    def action_replay_step_next(self) -> None:
        if self.player is not None:
            self.player.step_next()
            self._after_move()

    def action_replay_step_prev(self) -> None:
        if self.player is not None:
            self.player.step_prev()
            self._after_move()

    def action_replay_seek(self, seconds: float) -> None:
        if self.player is not None:
            self.player.seek_by(int(seconds * 1e9))
            self._after_move()

    @on(ReplayBar.Seek)
    def _bar_clicked(self, event: ReplayBar.Seek) -> None:
        player = self.player
        if player is None or player.start_ns is None or not player.end_ns:
            return
        player.seek(player.start_ns + int((player.end_ns - player.start_ns) * event.fraction))
        self._after_move()

    def action_replay_next_error(self) -> None:
        player = self.player
        if player is None:
            return
        span = player.next_error()
        if span is None:
            self.notify("No more errors in this session.", markup=False, timeout=2)
            self._update_bar()
            return
        # Stay on the error: follow would move the cursor to the newest span.
        self.follow = False
        self._follow_target = None
        self._sync(force=True)
        self.select_span(span.session_id, span.trace_id, span.span_id)
        self._update_bar()

    def select_span(self, session_id: str, trace_id: str, span_id: str) -> None:
        if session_id != self.selected_session_id and self.sessions.select_key(session_id):
            self._select_session(session_id)
        self._sync_traces(force=True)
        if self.traces.select_key(trace_id):
            self._show_trace(trace_id)
        self.span_tree.refresh_from_store()
        self.span_tree.select_span(span_id)
        self._sync_detail()

    def action_replay_open(self) -> None:
        if self.player is not None:
            self.player.pause()
        self.push_screen(SessionPicker(self.db, title="Replay a saved session"), self._picked)

    def action_toggle_history(self) -> None:
        """H (saved sessions) in a replay is the picker: everything here is saved."""
        self.action_replay_open()

    def _picked(self, session_id: str | None) -> None:
        if session_id is None:
            if self.player is None:
                self.exit(return_code=0)
            return
        player = self._open_player(session_id)
        self.follow = True
        self.rebind_store(player.store)
        self._load_error_marks()
        self._update_bar()

    # -- help and palette ------------------------------------------------
    def help_sections(self):
        return [("Replay", list(REPLAY_BINDINGS))] + super().help_sections()

    def palette_bindings(self):
        return super().palette_bindings() + [(b, self) for b in REPLAY_BINDINGS]


def make_replay_app(
    db: str | Path,
    session_id: str | None = None,
    *,
    speed: float = 1.0,
    max_idle_s: float | None = None,
    clock: Callable[[], int] = time.monotonic_ns,
    theme: str | None = None,
    keymap: dict[str, str] | None = None,
) -> ReplayApp:
    return ReplayApp(db, session_id, speed=speed, max_idle_s=max_idle_s, clock=clock, theme=theme, keymap=keymap)


def run_replay_ui(
    db: str | Path, session_id: str | None, speed: float = 1.0, max_idle_s: float | None = None,
    keymap: dict[str, str] | None = None,
) -> int:
    """``agenttrace-tui replay``: play ``session_id`` (None: pick one first); returns the exit code."""
    if not Path(db).exists():
        import sys

        print(f"agenttrace-tui: no database at {db}", file=sys.stderr)
        return 2
    app = make_replay_app(db, session_id, speed=speed, max_idle_s=max_idle_s, keymap=keymap)
    try:
        app.run()
    finally:
        app.close_reader()
    return int(app.return_code or 0)
