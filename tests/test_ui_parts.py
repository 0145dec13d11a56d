"""Pure pieces of the app: text bars, sparklines, stylesheet lookup, row layout."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from textual.color import Color

from agenttrace_tui.ui.colors import contrast, readable
from agenttrace_tui.ui.cost_panel import _fit_tool, bar, sparkline
from agenttrace_tui.ui.fmt import ago
from agenttrace_tui.ui.paths import styles_dir
from agenttrace_tui.ui.rowlist import Column, RowList
from agenttrace_tui.ui.session_list import SessionList

S = 1_000_000_000
MIN = 60 * S


def test_sparkline_scales_to_the_peak_and_keeps_small_spend_visible():
    assert sparkline([0, 0]) == "  "
    line = sparkline([0.0, 0.001, 0.5, 1.0])
    assert line[0] == " " and line[1] == "▁" and line[3] == "█"
    assert "▁" < line[2] < "█"


def test_readable_reaches_the_contrast_it_is_asked_for():
    for bg in ("#d8d8d8", "#1e1e1e", "#004578"):
        for fg in ("#2aa198", "#c49a2c", "#ffffff", "#5b8fd9"):
            out = readable(fg, bg, 3.0)
            assert contrast(Color.parse(out), Color.parse(bg)) >= 3.0, (fg, bg, out)


def test_bar_has_eighth_cell_precision():
    assert bar(0, 4) == "    "
    assert bar(1, 4) == "████"
    assert bar(0.5, 4) == "██  "
    assert bar(1 / 32, 4) == "▏   "
    assert bar(2.0, 3) == "███"


def test_ago_is_compact():
    assert ago(0, S) == "now"
    assert ago(0, 42 * S) == "42s"
    assert ago(0, 3 * MIN) == "3m"
    assert ago(0, 5 * 3600 * S) == "5h"
    assert ago(0, 200 * 86400 * S) == "200d"
    # A time near 1970 (a sender's clock, or ids taken for times) fits the four-cell column.
    assert ago(0, 1_796_000_000 * S) == "56y" and all(len(ago(0, n * 86400 * S)) <= 4 for n in (364, 365, 10**6))


def test_stylesheet_is_found_from_source_tree():
    assert (styles_dir() / "app.tcss").is_file()


def test_row_layout_drops_optional_columns_and_keeps_a_flexible_one():
    layout = RowList._layout(SessionList.__new__(SessionList), 46)
    titles = [c.title for _, c in layout]
    assert titles == [" ", "Session", "Dur", "Tokens", "Cost", " ", "Last"]
    assert sum(c.width for _, c in layout) + len(layout) - 1 == 46
    wide = [c.title for _, c in RowList._layout(SessionList.__new__(SessionList), 120)]
    assert wide == [c.title for c in SessionList.COLUMNS]
    assert all(isinstance(c, Column) for c in SessionList.COLUMNS)


async def test_header_shows_forward_drops_only_when_there_are_some():
    import fixtures
    from agenttrace_tui.runtime.monitor import MonitorStatus
    from agenttrace_tui.ui.app import make_app
    from agenttrace_tui.ui.header import render_header

    app = make_app(store=fixtures.build_store(), now_ns=fixtures.clock)
    async with app.run_test(size=(120, 36)):
        def header(dropped: int) -> str:
            status = MonitorStatus(
                endpoints=[], spans_per_s=0, accepted=0, rejected=0, evicted=0, lost=0,
                db_path=None, db_size=None, forward_dropped=dropped,
            )
            return render_header(app, status, paused=False, new_updates=0, follow=False, sessions=1, spans=1).plain

        assert "forward dropped 1,234" in header(1234)
        assert "forward" not in header(0)


async def test_a_narrow_header_drops_quiet_parts_before_a_problem():
    # At 80 columns the header cannot say everything: zero counters, "follow off" and
    # the rate give way, and what went wrong (rejected, lost, a database that cannot
    # be written) stays in sight, in the same order as in a wide terminal.
    import fixtures
    from agenttrace_tui.runtime.monitor import MonitorStatus
    from agenttrace_tui.ui.app import make_app
    from agenttrace_tui.ui.header import render_header

    app = make_app(store=fixtures.build_store(), now_ns=fixtures.clock)
    async with app.run_test(size=(80, 24)):
        def header(width: int | None, **problems: int) -> str:
            status = MonitorStatus(
                endpoints=[], spans_per_s=1234, accepted=0, rejected=problems.get("rejected", 0), evicted=0,
                lost=problems.get("lost", 0), db_path=None, db_size=None,
                db_writable=not problems.get("stuck"), db_waiting=problems.get("stuck", 0),
            )
            return render_header(app, status, paused=False, new_updates=0, follow=False, sessions=3, spans=62,
                                 width=width).plain

        wide = header(None, rejected=5, lost=3, stuck=812)
        assert wide.index("follow off") < wide.index("1,234 spans/s") < wide.index("rejected 5") < wide.index(
            "evicted 0") < wide.index("lost 3") < wide.index("db not writable: 812 spans waiting")
        narrow = header(80, rejected=5, lost=3, stuck=812)
        assert len(narrow) <= 80
        assert narrow.endswith("rejected 5 │ lost 3 │ db not writable: 812 spans waiting"), narrow
        assert "evicted 0" not in narrow and "follow off" not in narrow and "spans/s" not in narrow
        # Nothing wrong: the quiet parts show as far as they fit, left to right.
        calm = header(80)
        assert len(calm) <= 80 and "3 sessions · 62 spans" in calm and "rejected" not in calm
        assert header(200) == header(None)
        # Narrower than the mode badge itself: every quiet part goes, nothing fails.
        assert header(10).startswith(" ◆ agenttrace") and "spans" not in header(10)


def test_fit_strip_is_crop_extend_without_a_self_reference() -> None:
    import gc

    from rich.segment import Segment
    from textual.strip import Strip

    from agenttrace_tui.ui.textview import fit_strip

    for width in (3, 6, 9):
        strip = Strip([Segment("abc"), Segment("def")])
        want = Strip([Segment("abc"), Segment("def")]).crop_extend(0, width, None)
        got = fit_strip(strip, width)
        assert got.text == want.text and got.cell_length == width
    exact = Strip([Segment("abcdef")])
    assert fit_strip(exact, 6) is exact
    # crop_extend would have cached the strip on itself: a cycle only the collector frees
    assert not any(exact in getattr(ref, "_cache", {}).values() for ref in gc.get_referents(exact))


def _rich_wrap(text: str, width: int) -> list[str]:
    from rich.console import Console
    from rich.text import Text

    return [line.plain for line in Text(text).wrap(Console(width=200), width, overflow="fold")]


_WRAP_ALPHABET = "ab c  xyz\n-.,é日"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=_WRAP_ALPHABET, max_size=300), st.integers(min_value=1, max_value=40))
def test_wrap_plain_is_rich_wrap(text: str, width: int) -> None:
    # The detail pane's preview wrap must draw exactly what Rich's wrap draws
    # (ASCII lines by character count, others through Rich).
    from rich.console import Console

    from agenttrace_tui.ui.text import wrap_plain

    assert wrap_plain(text, width, Console(width=200)) == _rich_wrap(text, width)


def test_wrap_plain_on_long_words_spaces_and_blank_lines() -> None:
    from rich.console import Console

    from agenttrace_tui.ui.text import wrap_plain

    for text in ("", "\n", "a\n\nb\n", "   lead", "trail   ", "x" * 95 + " y", "one two  three   four " * 9,
                 "word " * 40 + "z" * 200, "  \n  "):
        for width in (1, 2, 7, 19, 69):
            assert wrap_plain(text, width, Console(width=200)) == _rich_wrap(text, width), (text, width)


async def test_text_view_repaints_the_lines_that_changed_and_keeps_the_rest_on_screen():
    # A redraw with one figure changed repaints only that line: what the screen
    # shows afterwards is the new text everywhere, never a stale line.
    from rich.text import Text
    from textual.app import App, ComposeResult

    from agenttrace_tui.ui.textview import TextView

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield TextView(id="view")

    def screen_text(app) -> str:
        # The compositor's full picture from the widgets' cached lines: a line
        # that was not repainted shows here as it was last drawn.
        update = app.screen._compositor.render_update(full=True)
        return "\n".join("".join(strip.text for strip in line) for line in update.strips)

    app = One()
    async with app.run_test(size=(40, 8)) as pilot:
        view = app.query_one(TextView)
        view.set_text(Text("\n".join(["head", "cost=1", "tail", "style"])))
        await pilot.pause()
        assert "cost=1" in screen_text(app)
        lines = Text("\n").join([Text("head"), Text("cost=22"), Text("tail"), Text("style", style="bold")])
        view.set_text(lines)
        await pilot.pause()
        shown = screen_text(app)
        assert "cost=22" in shown and "cost=1\n" not in shown and "head" in shown and "tail" in shown
        # The line whose style alone changed was drawn again in the new style.
        assert view._strips.get(3) is not None and any(seg.style and seg.style.bold for seg in view._strips.get(3))
        # More lines than before: the whole pane is drawn again.
        view.set_text(Text("\n".join(["a1", "b2", "c3", "d4", "e5"])))
        await pilot.pause()
        shown = screen_text(app)
        assert all(t in shown for t in ("a1", "b2", "c3", "d4", "e5")) and "cost=22" not in shown


def test_a_tool_label_keeps_an_mcp_tools_own_name_whole() -> None:
    """The cost pane's tool column (18 wide): a Claude Code MCP tool's name that does not fit keeps its
    tool whole and its server's start; one that fits, a plain tool name, and an MCP tool whose own name
    takes the column are cut as any label is, at the end."""
    assert _fit_tool("mcp__weather__get_weather", 18) == "weat…__get_weather"
    assert _fit_tool("mcp__weather__get_forecast", 18) == "wea…__get_forecast"
    assert _fit_tool("mcp__git__status_all", 18) == "git__status_all   "
    assert _fit_tool("mcp__fs__read_file", 18) == "mcp__fs__read_file"
    assert _fit_tool("transfer_to_weather_agent", 18) == "transfer_to_weath…"
    assert _fit_tool("mcp__github__create_pull_request", 18) == "create_pull_reque…"
    assert _fit_tool("mcp__weather__get\x1b[31mred", 18) == "weat…__get\u241b[31mred"  # escapes shown, never sent


def test_a_tool_label_keeps_a_gemini_cli_mcp_tools_own_name_whole() -> None:
    """Gemini CLI names an MCP server's tool ``mcp_<server>_<tool>`` (the server up to its first ``_``):
    one too long for the column keeps its tool whole and its server's start, as Claude Code's."""
    assert _fit_tool("mcp_weather_get_weather", 18) == "weath…_get_weather"
    assert _fit_tool("mcp_weather_get_forecast", 18) == "weat…_get_forecast"
    assert _fit_tool("mcp_github_create_pull_request", 18) == "create_pull_reque…"
    assert _fit_tool("mcp_fs_read_file", 18) == "mcp_fs_read_file  "
    assert _fit_tool("mcp_toolbox", 18) == "mcp_toolbox       "


def test_a_tool_label_keeps_a_copilot_cli_mcp_tools_own_name_whole() -> None:
    """GitHub Copilot CLI names an MCP server's tool ``<server>-<tool>`` and names the server on the call's
    span: one too long for the column keeps its tool whole and its server's start, as Claude Code's; a name
    with a ``-`` whose calls named no server, or another server, is cut as any label is."""
    assert _fit_tool("weather-get_weather", 18, "weather") == "weath…-get_weather"
    assert _fit_tool("github-mcp-server-list_issues", 18, "github-mcp-server") == "githu…-list_issues"
    assert _fit_tool("github-mcp-server-get_issue", 18, "github-mcp-server") == "github-…-get_issue"
    assert _fit_tool("github-mcp-server-get_issue", 18) == "github-mcp-server…"
    assert _fit_tool("weather-get_weather", 18, "forecast") == "weather-get_weath…"
    assert _fit_tool("fs-read_file", 18, "fs") == "fs-read_file      "
    assert _fit_tool("weather-get\x1b[31mred_now", 18, "weather") == "w…-get\u241b[31mred_now"  # escapes shown, never sent


def test_a_tool_label_keeps_a_droid_mcp_tools_own_name_whole() -> None:
    """Factory's Droid names an MCP server's tool ``<server>___<tool>``, the server the call's (read from that
    name): one too long for the column keeps its tool whole and its server's start; with no server, or
    another, it is cut as any label is."""
    assert _fit_tool("weather___get_weather", 18, "weather") == "wea…___get_weather"
    assert _fit_tool("github___create_pull_request", 18, "github") == "create_pull_reque…"
    assert _fit_tool("fs___read_file", 18, "fs") == "fs___read_file    "
    assert _fit_tool("weather___get_weather", 18) == "weather___get_wea…"
    assert _fit_tool("weather___get_weather", 18, "forecast") == "weather___get_wea…"
