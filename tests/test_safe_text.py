"""Untrusted strings are shown literally and never carry escape sequences."""

from __future__ import annotations

import io

from rich.console import Console

from agenttrace_tui.ui.text import clean, clean_multiline, distinct_cuts, safe_text

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


def test_names_that_read_alike_cut_are_shown_from_where_they_differ() -> None:
    turns = {"a": "What is the weather in Paris?", "b": "What is the weather in Oslo?",
             "c": "Hello there my friend, how are you?", "d": "What is the weather in Paris?"}
    # The word before the one that differs, and what follows; the other name is cut as before.
    assert distinct_cuts(turns, 14) == {"a": "…in Paris?", "b": "…in Oslo?", "d": "…in Paris?"}
    # Room for the end whole from an earlier word: as much of it as fits.
    assert distinct_cuts(turns, 20) == {"a": "…weather in Paris?", "b": "…weather in Oslo?", "d": "…weather in Paris?"}
    # Names that read apart cut (or fit), equal names, a cell too narrow: nothing to change.
    assert distinct_cuts(turns, 26) == {}
    assert distinct_cuts({"a": "same long name here", "b": "same long name here"}, 10) == {}
    assert distinct_cuts(turns, 7) == {}
    # A long end: from the word before the difference, cut after it as any name is.
    long = {"a": "Summarize the weather in Paris for the next ten days, hour by hour",
            "b": "Summarize the weather in Oslo for the next ten days, hour by hour"}
    assert distinct_cuts(long, 14) == {"a": "…in " + long["a"][25:], "b": "…in " + long["b"][25:]}
    # No word near the difference: a few characters before it.
    files = {"a": "Summarize report_2024.pdf", "b": "Summarize report_2025.pdf"}
    assert distinct_cuts(files, 14) == {"a": "…port_2024.pdf", "b": "…port_2025.pdf"}
    # Rows of a group from one word, each showing where it differs from there.
    assert distinct_cuts(turns, 22) == {"a": "…the weather in Paris?", "b": "…the weather in Oslo?", "d": "…the weather in Paris?"}
    # Wide characters are measured in cells.
    wide = {"a": "天気はどうですか パリ", "b": "天気はどうですか オスロ"}
    assert distinct_cuts(wide, 12) == {"a": "…パリ", "b": "…オスロ"}
    # Fewer characters than the cell has room for, more cells: the end from where it fits.
    short = {"a": "天気天気天気パリ", "b": "天気天気天気オス"}
    assert distinct_cuts(short, 10) == {"a": "…天気パリ", "b": "…天気オス"}
