"""The saved-session picker: sessions on disk, newest first, filtered by typing.

Used by ``replay`` without a session id and by the live monitor's history
view (``H``). Rows come from ``store.sqlite.Reader.sessions`` (the summary
table: no span scan), read in a thread worker so the event loop never waits
on SQLite.

A real list, like the monitor's: the list has focus, ``j``/``k`` and the
arrows move, ``enter`` opens, ``escape``, ``q`` and ``H`` close. ``/`` moves
to the filter line (substring of name, id, framework, service or status);
there every key types, ``enter`` opens the highlighted match, the arrows
still move the list, and ``escape`` clears the filter and returns to the
list. Names are untrusted: cleaned, never markup.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from ..store.reader import SessionRow
from . import fmt
from .colors import STATUS_GLYPH, status_style, style
from .rowlist import Column, RowList
from .text import clean, safe_text
from .trace_list import COST_WIDTH

#: Sessions listed at most (the summary query is indexed on last_ns).
MAX_SESSIONS = 5000


def load_sessions(db: Path, limit: int = MAX_SESSIONS) -> list[SessionRow]:
    """Saved sessions, most recently active first (runs in a worker thread)."""
    from ..store.sqlite import Reader

    with Reader(db) as reader:
        return reader.sessions(limit=limit)


def matches(row: SessionRow, needle: str) -> bool:
    """Case-insensitive substring over what the row shows and its id."""
    if not needle:
        return True
    s = row.session
    hay = " ".join(x for x in (s.name, s.id, s.framework, s.service, row.status) if x).lower()
    return all(part in hay for part in needle.lower().split())


class SessionPickerList(RowList):
    """Saved sessions as rows; rows never change once loaded."""

    COLUMNS = [
        Column(" ", 1),
        Column("Session", 0),
        Column("Start", 16, min_total=70),
        Column("Dur", 7, "right"),
        Column("Spans", 7, "right"),
        Column("Tokens", 6, "right", min_total=50),
        Column("Cost", COST_WIDTH, "right"),
        Column("Status", 11, min_total=60),  # "interrupted"
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: dict[str, SessionRow] = {}
        #: Decimals of the cost column, one for the rows on screen, as ``sessions list`` settles them.
        self.cost_digits = 2

    def before_touch(self) -> None:
        rows = self.rows
        self.cost_digits = fmt.column_digits(rows[k].cost for k in self.visible_keys() if k in rows)

    def row_stamp(self, key: str) -> Hashable:
        return id(self.rows.get(key)), self.cost_digits

    def row_cells(self, key: str) -> list[Text]:
        row = self.rows[key]
        st = status_style(self.app, row.status)
        muted = style(self.app, "text-muted")
        name = safe_text(row.session.label, limit=256)
        return [
            Text(STATUS_GLYPH.get(row.status, "?"), style=st),
            name,
            Text(fmt_start(row.first_ns), style=muted),
            Text(fmt.duration(row.duration_ns)),
            Text(f"{row.spans:,}"),
            Text(fmt.tokens(row.tokens, estimated=row.estimated > 0)),
            Text(fmt.cost(row.cost, row.estimated > 0, row.unpriced + row.calls_cut, self.cost_digits, width=COST_WIDTH,
                          running=row.calls_running)),
            Text(row.status, style=st),
        ]


def fmt_start(ns: int) -> str:
    """Local date and time of day: 'YYYY-MM-DD HH:MM'."""
    import time

    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ns / 1_000_000_000)) if ns else "-"


class SessionPicker(Screen[str | None]):
    """Pick a saved session; dismisses with its id (None when closed)."""

    BINDINGS = [
        # The list's own keys (j/k, arrows, g/G, enter) work while it has focus;
        # these reach the screen from the filter line too.
        Binding("down", "move(1)", "Down", show=False, id="picker.down"),
        Binding("up", "move(-1)", "Up", show=False, id="picker.up"),
        Binding("pagedown", "move(10)", "Page down", show=False, id="picker.page_down"),
        Binding("pageup", "move(-10)", "Page up", show=False, id="picker.page_up"),
        Binding("enter", "open", "Open", id="picker.open"),
        Binding("slash", "filter", "Filter", id="picker.filter"),
        Binding("escape", "close", "Back / close", id="picker.close"),
        Binding("q,H", "dismiss_picker", "Close", id="picker.quit"),
    ]

    DEFAULT_CSS = """
    SessionPicker { layout: vertical; background: $background; }
    SessionPicker #picker-title { height: 1; background: $panel; color: $accent; text-style: bold; padding: 0 1; }
    SessionPicker #picker-filter-bar { height: 1; }
    SessionPicker #picker-filter { border: none; height: 1; padding: 0 1; background: $panel; }
    SessionPicker #picker-list { height: 1fr; border: round $border; background: $surface; }
    SessionPicker #picker-status { height: 1; color: $text-muted; padding: 0 1; }
    """

    def __init__(
        self,
        db: Path,
        *,
        title: str = "Saved sessions",
        loader: Callable[[Path], list[SessionRow]] = load_sessions,
    ) -> None:
        super().__init__()
        self.db = Path(db)
        self.title_text = title
        self.loader = loader
        self.all_rows: list[SessionRow] = []
        self.loaded = False
        self.error: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text(f" {self.title_text} · {clean(str(self.db), 200)}", no_wrap=True, overflow="ellipsis"), id="picker-title")
        self.filter_input = Input(placeholder="/ filters: name, id, framework, status", id="picker-filter")
        yield self.filter_input
        self.list = SessionPickerList(id="picker-list")
        self.list.border_title = "Sessions"
        yield self.list
        self.status = Static("loading…", id="picker-status")
        yield self.status
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.list.focus()
        self._load()

    @work(thread=True, exclusive=True, group="picker-load")
    def _load(self) -> None:
        try:
            rows = self.loader(self.db)
            error = None
        except Exception as exc:  # noqa: BLE001 -- a missing or foreign file: say so in the screen
            rows, error = [], f"cannot read {self.db}: {exc}"
        self.app.call_from_thread(self._loaded, rows, error)

    def _loaded(self, rows: list[SessionRow], error: str | None) -> None:
        self.all_rows = rows
        self.error = error
        self.loaded = True
        self.list.rows = {r.id: r for r in rows}
        self.apply_filter(self.filter_input.value)

    @property
    def shown_ids(self) -> list[str]:
        return list(self.list.keys)

    def apply_filter(self, needle: str) -> None:
        keys = [r.id for r in self.all_rows if matches(r, needle.strip())]
        self.list.set_keys(keys)
        if keys and (self.list.cursor_key is None or self.list.cursor_key not in keys):
            self.list.move_to(0)
        elif not keys:
            self.list.move_to(-1)
        if self.error:
            self.status.update(Text(clean(self.error, 300)))
        else:
            n = len(self.all_rows)
            more = f" (first {MAX_SESSIONS:,})" if n >= MAX_SESSIONS else ""
            self.status.update(
                f"{len(keys):,} of {n:,} sessions{more} · j/k move · enter open · / filter · esc close"
            )

    @on(Input.Changed, "#picker-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        if self.loaded:
            self.apply_filter(event.value)

    @on(Input.Submitted, "#picker-filter")
    def _submitted(self, event: Input.Submitted) -> None:
        self.action_open()

    @on(RowList.Opened, "#picker-list")
    def _opened(self, event: RowList.Opened) -> None:
        self.dismiss(event.key)

    def action_move(self, step: int) -> None:
        lst = self.list
        if lst.keys:
            lst.move_to(max(0, lst.cursor_index) + step if lst.cursor_index >= 0 else 0)

    def action_open(self) -> None:
        key = self.list.cursor_key
        if key is not None:
            self.dismiss(key)

    def action_filter(self) -> None:
        self.filter_input.focus()

    def action_close(self) -> None:
        """Esc: out of the filter line (clearing it) first, then close."""
        if self.filter_input.has_focus or self.filter_input.value:
            self.filter_input.value = ""
            self.list.focus()
            return
        self.dismiss(None)

    def action_dismiss_picker(self) -> None:
        self.dismiss(None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # On the filter line, q and H are letters to type, not "close".
        return not (action == "dismiss_picker" and self.filter_input.has_focus)
