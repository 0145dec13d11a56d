"""The one table renderer of the CLI: every command's table goes through here.

A command declares its columns with what they hold and how much they matter,
adds rows of plain strings, and prints. In a terminal the table is fitted to
its width (``COLUMNS``, else the terminal's size, as Rich reads them):

* an **id** or a **number** is never cut: a cut id pasted back names nothing,
  and ``7…`` or a blank is not a number. Such a column is shown whole or not
  at all;
* a **name** (free text an agent sent) shrinks with an ellipsis, down to a
  floor, before anything is dropped;
* when even that does not fit, whole columns are dropped, the least important
  first (each column's ``rank``: ids and numbers are kept longest, then names,
  then times and words; framework and model lists go first), and one line
  under the table names what was hidden and that ``--wide`` shows all.

With ``--wide``, or when stdout is not a terminal (a pipe, a file), every
column is printed at its full width and nothing is fitted, so scripts see
the same output whatever the terminal. ``--json`` never reaches this module.

Every cell is untrusted text: it is passed through ``sanitize.clean`` and
wrapped in a Rich ``Text`` (never parsed as markup), numbers included.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..format.sanitize import clean

#: What a column holds. ``id`` and ``num`` are never cut; ``name`` shrinks with
#: an ellipsis; ``text`` (times, statuses, kinds: short and fixed) is never cut.
KINDS = ("id", "num", "name", "text")
#: The narrowest a name column gets before columns are dropped instead.
NAME_FLOOR = 12
#: Columns of this rank and above are extras (framework, model lists, bars,
#: sparklines): dropped whole before any name is shortened.
EXTRA = 80
#: Cells between two columns. Whole (piped, --wide): three, as Rich draws a
#: simple box (padding, divider, padding), so piped output keeps its shape.
#: Fitted to a terminal: two (the paddings collapsed), a column more at 80.
GAP = 3
FITTED_GAP = 2
#: How wide piped output may be: wide enough that no row is ever squeezed.
PIPE_WIDTH = 100_000


@dataclass(frozen=True)
class Column:
    """One column: its header, what it holds, and when it goes.

    ``rank``: lower is kept longer; when columns must go, the highest rank
    goes first (the rightmost among equals). ``limit`` caps a cell's length
    everywhere (piped output too), as a bound on what an agent can make us
    print; ids get no cap short of absurd so they are never cut.
    """

    header: str
    kind: str = "text"
    rank: int = 50
    limit: int = 200
    floor: int = NAME_FLOOR

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column kind {self.kind!r} is not one of {KINDS}")


def id_col(header: str, rank: int = 0) -> Column:
    return Column(header, "id", rank, limit=1000)


def num_col(header: str, rank: int = 10) -> Column:
    return Column(header, "num", rank)


def name_col(header: str, rank: int = 30, limit: int = 200) -> Column:
    return Column(header, "name", rank, limit)


def text_col(header: str, rank: int = 40, limit: int = 200) -> Column:
    return Column(header, "text", rank, limit)


#: A cell: a value (None shows as nothing), or (value, Rich style).
Cell = Any


@dataclass
class Layout:
    """Which columns are shown, at what widths, and which were hidden."""

    shown: list[int]
    widths: dict[int, int]
    hidden: list[str]


def fit(columns: Sequence[Column], natural: Sequence[int], width: int | None, gap: int = FITTED_GAP) -> Layout:
    """Choose columns and widths for ``width`` terminal cells (None: everything, full width).

    Pure, so the rule can be read and tested apart from any terminal:
    ids, numbers and texts keep their natural width; names may shrink to
    ``min(natural, max(header, floor))`` once no extra (rank >= ``EXTRA``)
    is left; while that does not fit, the
    column with the highest rank (rightmost among equals) is dropped. The
    room left is then given back to the shrunk names, most important first.
    The most important column (lowest rank) is never dropped: if even it does
    not fit, it is shown whole and the terminal wraps it (a cut id is worse).
    """
    n = len(columns)
    if width is None:
        return Layout(list(range(n)), {i: natural[i] for i in range(n)}, [])

    def floor(i: int, shown: list[int]) -> int:
        c = columns[i]
        # A name is cut only once the extras are gone: a decoration or a
        # framework column is not worth a name's letters.
        if c.kind != "name" or any(columns[j].rank >= EXTRA and j != i for j in shown):
            return natural[i]
        return min(natural[i], max(len(c.header), c.floor))

    def need(shown: list[int]) -> int:
        return sum(floor(i, shown) for i in shown) + gap * (len(shown) - 1)

    shown = list(range(n))
    keep = min(shown, key=lambda i: (columns[i].rank, i)) if n else 0
    while len(shown) > 1 and need(shown) > width:
        worst = max((i for i in shown if i != keep), key=lambda i: (columns[i].rank, i))
        shown.remove(worst)
    widths = {i: floor(i, shown) for i in shown}
    room = width - (sum(widths.values()) + gap * (len(shown) - 1))
    for i in sorted((i for i in shown if columns[i].kind == "name"), key=lambda i: (columns[i].rank, i)):
        if room <= 0:
            break
        grow = min(room, natural[i] - widths[i])
        widths[i] += grow
        room -= grow
    hidden = [columns[i].header for i in range(n) if i not in shown]
    return Layout(shown, widths, hidden)


class CliTable:
    """Columns, rows, an optional footer (totals) and a title; ``print`` fits and draws."""

    def __init__(self, *columns: Column, title: str | None = None) -> None:
        self.columns = list(columns)
        self.title = title
        self.rows: list[list[tuple[str, str]]] = []
        self.footer: list[tuple[str, str]] | None = None

    def _cells(self, cells: Sequence[Cell]) -> list[tuple[str, str]]:
        if len(cells) != len(self.columns):
            raise ValueError(f"{len(cells)} cells for {len(self.columns)} columns")
        out = []
        for col, value in zip(self.columns, cells, strict=True):
            style = ""
            if isinstance(value, tuple):
                value, style = value
            out.append((clean("" if value is None else value, col.limit), style))
        return out

    def add_row(self, *cells: Cell) -> None:
        self.rows.append(self._cells(cells))

    def set_footer(self, *cells: Cell) -> None:
        self.footer = self._cells(cells)

    def natural_widths(self) -> list[int]:
        from rich.cells import cell_len

        lines = [*self.rows, *([self.footer] if self.footer else [])]
        return [
            max([cell_len(c.header), *(cell_len(r[i][0]) for r in lines)])
            for i, c in enumerate(self.columns)
        ]

    def layout(self, width: int | None) -> Layout:
        return fit(self.columns, self.natural_widths(), width)

    def width_of(self, lay: Layout, gap: int) -> int:
        return sum(lay.widths.values()) + gap * (len(lay.shown) - 1)

    def print(self, console: Any, wide: bool = False) -> Layout:
        """Draw on ``console`` (from ``console()``): fitted in a terminal, whole with
        ``wide`` or when piped. Returns the layout used (what was hidden)."""
        from rich import box
        from rich.table import Table
        from rich.text import Text

        fitted = console.is_terminal and not wide
        lay = self.layout(console.width if fitted else None)
        t = Table(
            title=self.title,
            box=box.SIMPLE if self.footer else box.SIMPLE_HEAD,
            show_edge=False,
            pad_edge=False,
            show_footer=self.footer is not None,
            collapse_padding=fitted,
        )
        for i in lay.shown:
            c = self.columns[i]
            t.add_column(
                Text(c.header),
                footer=Text(self.footer[i][0], style=self.footer[i][1]) if self.footer else "",
                justify="right" if c.kind == "num" else "left",
                no_wrap=True,
                width=lay.widths[i],
                min_width=lay.widths[i],
                max_width=lay.widths[i],
            )
        for row in self.rows:
            cells = []
            for i in lay.shown:
                text = Text(row[i][0], style=row[i][1], no_wrap=True, end="")
                if self.columns[i].kind == "name":
                    text.truncate(lay.widths[i], overflow="ellipsis")
                cells.append(text)
            t.add_row(*cells)
        # Never let Rich squeeze further: the table is drawn at the width we
        # chose (wider than the terminal with --wide: Rich clamps a print's
        # width to the console's, so the console is widened for this print).
        need = max(self.width_of(lay, FITTED_GAP if fitted else GAP), 1)
        width = console.width
        console.width = max(width, need)
        try:
            console.print(t, width=need)
        finally:
            console.width = width
        if lay.hidden:
            # One line (the terminal, not Rich, wraps it if it must).
            console.print(
                Text(f"hidden: {', '.join(lay.hidden)} (--wide shows all)", style="dim"),
                soft_wrap=True,
            )
        return lay


def is_terminal() -> bool:
    """Whether stdout is a terminal to fit tables to: a tty, unless
    ``TTY_COMPATIBLE`` (Rich's variable) says otherwise. ``FORCE_COLOR`` asks
    for colour only: piped output with it is still printed whole."""
    forced = os.environ.get("TTY_COMPATIBLE", "")
    if forced in ("0", "1"):
        return forced == "1"
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def console() -> Any:
    """The Console every table command prints on.

    A terminal gets its width (``COLUMNS`` wins, as Rich and ``shutil`` read
    it) and colour (``NO_COLOR`` honoured); anything else plain text at a
    width that never squeezes a row.
    """
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            # A reader that stopped early (``| head``) is done, not failed: Rich exits 1 here;
            # cli.main (and history_common.guarded) end with 0, as for a plain print.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise BrokenPipeError

    if is_terminal():
        return _Console(file=sys.stdout, force_terminal=True, highlight=False, soft_wrap=False)
    return _Console(file=sys.stdout, width=PIPE_WIDTH, force_terminal=False, highlight=False, soft_wrap=False)


def add_wide(p: Any) -> None:
    p.add_argument(
        "--wide", action="store_true", help="show every column at full width, even when the terminal is narrower"
    )
