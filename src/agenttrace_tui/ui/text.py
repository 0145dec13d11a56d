"""Untrusted text -> Rich ``Text``: shown literally, never parsed as markup.

Rich never interprets the contents of a ``Text`` as markup, and
``sanitize.clean`` has already made every control character visible, so a
span named ``[@click=app.quit]x`` or ``\\x1b[2J`` shows exactly those characters.
"""

from __future__ import annotations

import re
from itertools import pairwise

from rich.console import Console
from rich.style import Style
from rich.text import Text

from ..format.sanitize import clean, clean_multiline

__all__ = ["clean", "clean_multiline", "safe_text", "wrap_plain"]

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
