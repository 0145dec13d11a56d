"""Untrusted strings are shown literally and never carry escape sequences."""

from __future__ import annotations

import io

from rich.console import Console

from agenttrace_tui.ui.text import clean, clean_multiline, safe_text

HOSTILE = [
    "[bold]x[/]",
    "[@click=app.quit]x[/]",
    "\x1b[2J\x1b]0;pwned\x07",
    "a\x00b\x7fc\x9bd",
    "rtl \u202eevil\u202c",
    "emoji 🤖 cjk 漢字 combining e\u0301",
]


def test_markup_is_literal_and_no_escape_reaches_the_terminal() -> None:
    for s in HOSTILE:
        console = Console(width=200, force_terminal=True, color_system="truecolor", record=False, file=io.StringIO())
        with console.capture() as cap:
            console.print(safe_text(s))
        out = cap.get()
        # Only Rich's own SGR sequences may appear; none of the payload's.
        assert "\x1b]" not in out and "\x07" not in out and "\x1b[2J" not in out
        assert "\x00" not in out and "\x9b" not in out and "\u202e" not in out
    assert safe_text("[bold]x[/]").plain == "[bold]x[/]"
    assert clean("\x1b[31m") == "\u241b[31m"


def test_long_strings_are_cut() -> None:
    s = clean("x" * 100_000, limit=50)
    assert len(s) == 50 and s.endswith("…")


def test_multiline_keeps_lines_but_not_controls() -> None:
    assert clean_multiline("a\r\nb\tc\x1b") == "a\nb    c\u241b"
