"""Untrusted text -> Rich ``Text``: shown literally, never parsed as markup.

Rich never interprets the contents of a ``Text`` as markup, and
``sanitize.clean`` has already made every control character visible, so a
span named ``[@click=app.quit]x`` or ``\\x1b[2J`` shows exactly those characters.
"""

from __future__ import annotations

import re
from itertools import pairwise

from rich.cells import cell_len, set_cell_size
from rich.console import Console
from rich.style import Style
from rich.text import Text

from ..format.sanitize import clean, clean_multiline

__all__ = ["clean", "clean_multiline", "distinct_cuts", "safe_text", "wrap_plain"]

#: rich._wrap's word (a word with the whitespace around it) and Text.rstrip_end's trailing whitespace
_WORD = re.compile(r"\s*\S+\s*")
_TRAILING_SPACE = re.compile(r"\s+$")


def safe_text(value: object, style: str | Style = "", limit: int = 4096) -> Text:
    """Untrusted value as a Rich Text: shown literally, never interpreted."""
    return Text(clean(value, limit), style=style, no_wrap=True, end="")


def wrap_plain(text: str, width: int, console: Console) -> list[str]:
    """The lines of ``Text(text).wrap(console, width, overflow="fold")``, as strings.

    Rich measures every word in cells and builds a Text per piece: the detail
    pane of an LLM span with two 16 KB previews took 17-23 ms to build, on
    every key that lands on it. A line of printable ASCII (one cell per
    character) is wrapped here by Rich's own rules (``rich._wrap.divide_line``,
    then ``Text.rstrip_end`` and ``Text.truncate``) counting characters; any
    other line goes through Rich. A test holds the two equal.
    """
    out: list[str] = []
    for line in text.split("\n"):
        if not (line.isascii() and line.isprintable()):
            out.extend(piece.plain for piece in Text(line).wrap(console, width, overflow="fold"))
            continue
        breaks: list[int] = []
        offset = 0
        match = _WORD.match(line, 0)
        while match is not None:
            start, end = match.span()
            word = match.group(0)
            word_length = len(word.rstrip())
            if width - offset >= word_length:
                offset += len(word)
            elif word_length > width:
                # Too long for any line: folded across lines of ``width``.
                chunks = [word[i : i + width] for i in range(0, len(word), width)]
                for i, chunk in enumerate(chunks):
                    if start:
                        breaks.append(start)
                    if i == len(chunks) - 1:
                        offset = len(chunk)
                    else:
                        start += len(chunk)
            elif offset and start:
                breaks.append(start)
                offset = len(word)
            match = _WORD.match(line, end)
        for a, b in pairwise([0, *breaks, len(line)]):
            piece = line[a:b]
            if len(piece) > width:
                trailing = _TRAILING_SPACE.search(piece)
                if trailing is not None:
                    piece = piece[: len(piece) - min(len(trailing.group(0)), len(piece) - width)]
                piece = piece[:width]
            out.append(piece)
    return out


def distinct_cuts(names: dict[str, str], width: int) -> dict[str, str]:
    """What to show instead, for the names of ``names`` (key -> name) that would read alike cut
    to ``width`` cells with an ellipsis (``Text.truncate``'s: the first ``width - 1`` cells and
    ``…``) but differ: each from a word shortly before where it differs from the others of its
    group, after an ellipsis (``What is the weather in Paris?`` -> ``…in Paris?``). An agent's
    turns named by their prompts mostly begin alike (``What is the w…`` three times in a list);
    the end of the row's cell is where they differ. Names that read apart cut, or are equal,
    are not in the result."""
    if width < 8:  # (too narrow for the ellipsis, a word and what differs)
        return {}
    groups: dict[str, list[str]] = {}
    for key, name in names.items():
        if cell_len(name) > width:
            groups.setdefault(set_cell_size(name, width - 1), []).append(key)
    out: dict[str, str] = {}
    room = width - 1  # (after the leading ellipsis)
    # How far before the first character that differs a cut part may start: that character
    # and a few after it stay in the cell.
    reach = room // 2
    for keys in groups.values():
        distinct = sorted({names[k] for k in keys})
        if len(distinct) < 2:
            continue
        # Where each differs from the group's name most like it: from one of its neighbours in order.
        differs: dict[str, int] = {}
        shared = len(distinct[0])  # how far the whole group begins alike: its neighbours' least
        for a, b in pairwise(distinct):
            n = _common_prefix(a, b)
            differs[a] = max(differs.get(a, 0), n)
            differs[b] = max(differs.get(b, 0), n)
            shared = min(shared, n)
        starts: dict[str, int] = {}  # key -> where it is shown from
        for key in keys:
            name = names[key]
            at = min(len(name) - 1, differs[name])
            # The end whole if it holds the difference (``…weather in Paris?``), from a word if one
            # begins in it; else from the word before the one that differs (``…in Paris? And…``),
            # else that word, else ``reach`` characters before the difference.
            tail = max(0, len(name) - room)  # (wide characters: fewer of them than cells)
            while cell_len(name[tail:]) > room:
                tail += 1
            if tail <= at:
                word = name.find(" ", max(0, tail - 1)) + 1
                start = word if 0 < word <= at else tail
            else:
                this = name.rfind(" ", 0, at) + 1
                before = name.rfind(" ", 0, max(0, this - 1)) + 1
                start = next((s for s in (before, this) if at - s <= reach), max(0, at - reach))
            starts[key] = start
        # The rows of a group shown from one word, the latest any of them is shown from, when the whole
        # group begins alike up to it (``…weather in Oslo?`` under ``…weather in Paris?``, not
        # ``…the weather in Oslo?``): each still shows where it differs.
        latest = max(starts.values())
        if 0 < latest <= shared and distinct[0][latest - 1] == " ":
            starts = dict.fromkeys(starts, latest)
        for key, start in starts.items():
            if start:
                out[key] = "…" + names[key][start:]
    return out


def _common_prefix(a: str, b: str) -> int:
    """How many characters ``a`` and ``b`` begin with alike (by halves: slices compare in C)."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo
