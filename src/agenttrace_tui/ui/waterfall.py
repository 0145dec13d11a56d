"""Waterfall geometry: where a span's bar falls on the time axis, in eighths of a cell.

Pure functions of numbers (no Textual, no store): the span tree draws its bars
and its header's time scale with them, and the tests check them directly.
"""

from __future__ import annotations

from rich.cells import cell_len

from ..format.numbers import fmt_duration

__all__ = ["DUR_W", "axis_length", "bar_eighths", "layout", "time_scale", "waterfall_runs"]

#: Left-aligned partial blocks, 1/8 .. 7/8 of a cell.
_EIGHTHS = " ▏▎▍▌▋▊▉"
_FULL = "█"
#: Cells of the duration column.
DUR_W = 8


def waterfall_runs(x0: int, x1: int, width: int) -> list[tuple[str, int]]:
    """Runs of a bar from eighth ``x0`` to eighth ``x1`` on ``width`` cells.

    Returns (text, mode) runs covering exactly ``width`` cells: mode 0 empty,
    1 drawn in the bar colour, 2 drawn reversed (the cell where a bar starts
    mid-cell: Unicode has only left-aligned partial blocks, so the left part
    is drawn in the background colour over a bar-coloured cell).
    """
    runs: list[tuple[str, int]] = []

    def add(text: str, mode: int) -> None:
        if not text:
            return
        if runs and runs[-1][1] == mode:
            runs[-1] = (runs[-1][0] + text, mode)
        else:
            runs.append((text, mode))

    c0, c1 = x0 // 8, (x1 - 1) // 8
    add(" " * c0, 0)
    if c0 == c1:
        k = x1 - x0
        off = x0 - c0 * 8
        if k >= 8:
            add(_FULL, 1)
        elif off == 0:
            add(_EIGHTHS[k], 1)
        elif x1 == c0 * 8 + 8:
            add(_EIGHTHS[off], 2)
        elif off < 4:
            add(_EIGHTHS[k], 1)  # starts and ends inside one cell: snap to the nearer side
        else:
            add(_EIGHTHS[8 - k], 2)
    else:
        if x0 % 8:
            add(_EIGHTHS[x0 % 8], 2)
            first_full = c0 + 1
        else:
            first_full = c0
        tail = x1 - c1 * 8
        add(_FULL * ((c1 if tail < 8 else c1 + 1) - first_full), 1)
        if tail < 8:
            add(_EIGHTHS[tail], 1)
    add(" " * (width - c1 - 1), 0)
    return runs


def bar_eighths(start: int, end: int, t0: int, t1: int, width: int) -> tuple[int, int]:
    """A span's bar in eighths of a cell on a ``width``-cell axis from t0 to t1.

    At least one eighth wide so zero-length spans stay visible.
    """
    total = max(1, t1 - t0)
    scale = width * 8
    x0 = int((start - t0) * scale / total)
    x1 = round((end - t0) * scale / total)
    x0 = min(max(0, x0), scale - 1)
    x1 = min(max(x0 + 1, x1), scale)
    return x0, x1


def axis_length(total_ns: int) -> int:
    """The waterfall's time axis: the trace's duration rounded up to two significant digits.

    A growing trace then rescales its bars (and invalidates every cached row)
    only when it crosses a step, not on every refresh, and the scale labels
    are round numbers. The margin is under 10 %.
    """
    if total_ns <= 1:
        return 1
    step = 10 ** max(0, len(str(int(total_ns))) - 2)
    return -(-int(total_ns) // step) * step




def layout(width: int) -> tuple[int, int]:
    """(left text width, waterfall width) for a widget ``width`` cells wide.

    The waterfall takes ~30 % (12..60 cells) and disappears below 60 cells,
    so at 80 columns the names keep most of the room.
    """
    fixed = 1 + 1 + DUR_W  # space, critical marker, duration
    if width < 60:
        return max(1, width - fixed), 0
    wf = max(12, min(60, int(width * 0.3)))
    return max(1, width - fixed - 1 - wf), wf


def time_scale(width: int, total_ns: int) -> str:
    """Time-scale labels across the waterfall: 0 at the left, total at the right."""
    cells = [" "] * width
    labels = [(0, "0")]
    if width >= 24:
        labels.append((width // 2, fmt_duration(total_ns / 2)))
    labels.append((width, fmt_duration(total_ns)))
    for pos, label in labels:
        if pos == 0:
            start = 0
        elif pos >= width:
            start = width - len(label)
        else:
            start = pos - len(label) // 2
        start = max(0, min(width - len(label), start))
        for k, ch in enumerate(label[:width]):
            cells[start + k] = ch
    scale = "".join(cells)
    return scale if cell_len(scale) == width else scale[:width]
