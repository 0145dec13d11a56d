"""Pilot tests of the layout across terminal sizes: the stacked layout follows
every resize (also one made while another screen is on top), the session list
keeps its rows and the lists their cursor rows in view, the left column grows
with the terminal within bounds, the header and footer cut their lines
instead of wrapping them, and the help reads at 80x24.

Real app over the fixture store; waits poll for a condition (bounded).
"""

from __future__ import annotations

from itertools import pairwise

import pytest
from textual.geometry import Region
from textual.widgets._footer import FooterKey

import fixtures
from agenttrace_tui.model import Session, Span
from agenttrace_tui.store.memory import Store
from agenttrace_tui.ui.app import make_app
from agenttrace_tui.ui.help import HelpScreen
from agenttrace_tui.ui.history import HISTORY_MODE
from agenttrace_tui.ui.picker import SessionPicker
from test_history_fixture import build_db
from test_ui_app import wait_for


def _app():
    return make_app(store=fixtures.build_store(), now_ns=fixtures.clock)


def list_lines(widget) -> list[str]:
    """The lines a list pane renders in its content area."""
    return [widget.render_line(y).text for y in range(widget.scrollable_content_region.height)]


def assert_session_rows_shown(app) -> None:
    """Every session of the fixture has a visible, rendered row in the session list."""
    sessions = app.sessions
    labels = [app.store.session(key).session.label for key in sessions.keys]
    assert len(labels) == 3
    # A header line plus one line per session fits in the pane...
    assert sessions.scrollable_content_region.height >= 1 + len(labels), sessions.region
    # ... and each row is drawn there (names may be cut with an ellipsis when narrow).
    shown = "\n".join(list_lines(sessions))
    for label in labels:
        assert label[:8] in shown, (label, shown)


def stacked(app) -> bool:
    return app.main_screen.stacked


@pytest.mark.parametrize("size", [(80, 24), (120, 36), (200, 60)])
async def test_session_rows_show_at_every_size(size):
    app = _app()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert stacked(app) == (size == (80, 24))
        assert_session_rows_shown(app)


async def test_resize_stacks_the_panes_and_keeps_the_session_rows():
    app = _app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        for size, want in (((80, 24), True), ((200, 60), False), ((80, 24), True), ((120, 36), False)):
            await pilot.resize_terminal(*size)
            await wait_for(pilot, lambda want=want: stacked(app) == want)
            await pilot.pause()
            assert_session_rows_shown(app)


@pytest.mark.parametrize(("start", "end", "want"), [((120, 36), (80, 24), True), ((80, 24), (120, 36), False)])
async def test_resize_under_another_screen_applies_when_it_closes(start, end, want):
    """Help (or the picker, the palette) on top gets the resize; the panes' screen must
    still take the new size's layout when it comes back."""
    app = _app()
    async with app.run_test(size=start) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.resize_terminal(*end)
        await pilot.pause()
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.main_screen)
        await wait_for(pilot, lambda: stacked(app) == want)
        await pilot.pause()
        assert_session_rows_shown(app)


async def test_left_column_is_a_share_of_the_width_with_a_floor_and_a_ceiling():
    app = _app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        left = app.query_one("#left")
        assert left.region.width == 48  # the floor: 35 % of 120 is less
        await pilot.resize_terminal(200, 60)
        await wait_for(pilot, lambda: left.region.width == 70)  # 35 % of 200
        # Wide enough now for the full names of the fixture's sessions.
        shown = "\n".join(list_lines(app.sessions))
        for key in app.sessions.keys:
            assert app.store.session(key).session.label in shown
        await pilot.resize_terminal(260, 60)
        await wait_for(pilot, lambda: left.region.width == 72)  # the ceiling
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: left.region.width == 80)  # stacked: the whole width


async def test_footer_after_a_resize_to_80_columns_drops_the_palette_key_not_quit():
    app = _app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        palette = [k for k in app.query(FooterKey) if k.has_class("-command-palette")]
        assert palette and palette[0].region.width > 0
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: stacked(app))
        await pilot.pause()
        keys = [k for k in app.query(FooterKey) if k.region.width > 0]
        assert not any(k.has_class("-command-palette") for k in keys)
        quit_key = next(k for k in keys if k.action == "quit_monitor")
        # Quit is whole on screen: its right edge inside the 80 columns.
        assert quit_key.region.right <= 80


@pytest.fixture()
def db(tmp_path):
    path = tmp_path / "fx.db"
    build_db(path, now_ns=fixtures.NOW_NS)
    return path


async def test_header_lines_are_cut_not_wrapped_in_history(db):
    app = _app()
    app.history_db = db
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("H")
        await wait_for(pilot, lambda: isinstance(app.screen, SessionPicker) and app.screen.loaded)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.mode == HISTORY_MODE)
        header = app.header
        # 100 columns: the widest that still stacks nothing, and the status line is longer.
        await pilot.resize_terminal(100, 36)
        await wait_for(pilot, lambda: header.size.width == 100)
        await pilot.pause()
        assert not stacked(app)
        first, second = (header.render_line(y).text for y in range(2))
        # Too long for 100 columns: its quiet parts gave way (header.render_header), so
        # it is whole, on one line; the second line is the endpoints line, not its tail.
        assert "HISTORY" in first and "spans" in first and "follow off" not in first, first
        assert second.startswith(" listening"), second
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: stacked(app))
        await pilot.pause()
        first = header.render_line(0).text
        assert "HISTORY" in first and "spans" in first, first


async def test_footer_keeps_its_key_widgets_across_panes_with_the_same_keys_and_follows_the_tree():
    # Tab from the session list to the trace list shows the same keys: the footer's
    # widgets stay (no rebuild, no layout pass); into the span tree its keys appear.
    app = _app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert app.focused is app.sessions
        before = list(app.query(FooterKey))
        assert before
        await pilot.press("tab")
        await wait_for(pilot, lambda: app.focused is app.traces)
        for _ in range(5):  # a rebuild comes after a refresh or two (it would have by now)
            await pilot.pause(0.05)
        assert list(app.query(FooterKey)) == before  # the very same widgets
        app.span_tree.focus()
        await wait_for(pilot, lambda: any(k.action == "collapse" for k in app.query(FooterKey)))
        assert list(app.query(FooterKey)) != before
        app.sessions.focus()

        def shown() -> list[tuple[str, str, str]]:
            return [(k.key, k.description, k.action) for k in app.query(FooterKey)]

        # The rebuild removes the old keys before it mounts the new ones: wait for the
        # whole set, not only for the tree's keys to leave (the footer is empty between).
        await wait_for(pilot, lambda: bool(shown()) and not any(a == "collapse" for _, _, a in shown()))
        assert shown() == [(k.key, k.description, k.action) for k in before]


def _six_by_six() -> Store:
    """Six sessions, the fifth with six traces: more rows than the stacked layout shows."""
    store = Store()
    t = fixtures.NOW_NS - 600 * fixtures.S
    store.apply([Session(id=f"s{i}", name=f"session {i}", started_ns=t) for i in range(1, 7)])
    store.apply([
        Span(span_id=f"r{i}-{j}", trace_id=f"t{i}-{j}", session_id=f"s{i}", name=f"trace {i}.{j}",
             start_ns=t + j * fixtures.S, end_ns=t + j * fixtures.S + fixtures.S // 2)
        for i in range(1, 7) for j in range(1, 7 if i == 5 else 2)
    ])
    return store


async def test_the_cursor_rows_stay_in_view_when_the_terminal_shrinks():
    # Before: shrunk from 120x36 to 80x24 with the 5th session and the 6th trace
    # selected, both lists kept showing their first rows, the selected ones out of
    # view (no row highlighted) while the tree showed the 6th trace.
    app = make_app(store=_six_by_six(), now_ns=fixtures.clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("g", "j", "j", "j", "j")  # the 5th session, the list at its top
        await wait_for(pilot, lambda: len(app.traces.keys) == 6)
        await pilot.press("tab", "G")  # its 6th trace
        await wait_for(pilot, lambda: app.span_tree.trace_id == "t5-6")
        assert app.sessions.scroll_offset.y == app.traces.scroll_offset.y == 0
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: stacked(app))
        await pilot.pause()
        for rows, label in ((app.sessions, "session 5"), (app.traces, "trace 5.6")):
            shown = list_lines(rows)
            assert len(shown) < 1 + len(rows.keys)  # the list does not show every row ...
            assert any(label in line for line in shown), (label, shown)  # ... but the cursor's
            assert rows.visible_keys()[-1] == rows.cursor_key
        assert app.span_tree.trace_id == "t5-6"


def _traces(store: Store, first: int, last: int) -> None:
    t = fixtures.NOW_NS - 600 * fixtures.S
    store.apply([
        Span(span_id=f"r5-{j}", trace_id=f"t5-{j}", session_id="s5", name=f"trace 5.{j}",
             start_ns=t + j * fixtures.S, end_ns=t + j * fixtures.S + fixtures.S // 2)
        for j in range(first, last + 1)
    ])


async def test_the_trace_list_keeps_its_columns_when_its_scrollbar_appears():
    # Before: at 120x36 the header went from "Trace Dur Tokens Cost Err" to
    # "Trace Dur Cost Err" as the traces outgrew the pane: the scrollbar's cell
    # took the list below the Tokens column's width.
    app = make_app(store=_six_by_six(), now_ns=fixtures.clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        app.jump_to_session("s5")
        await wait_for(pilot, lambda: len(app.traces.keys) == 6)
        await pilot.pause()
        rows = app.traces
        assert rows.max_scroll_y == 0
        header = list_lines(rows)[0].split()
        assert header == ["Trace", "Dur", "Tokens", "Cost", "Err"]
        _traces(app.store, 7, 12)  # more traces arrive: the scrollbar shows
        await wait_for(pilot, lambda: len(rows.keys) == 12 and rows.max_scroll_y > 0)
        await pilot.pause()
        assert rows.scrollable_content_region.width < rows.size.width
        assert list_lines(rows)[0].split() == header
        assert all(line.rstrip().endswith("·") for line in list_lines(rows)[1:])  # the Err column, whole
        # Narrow, columns still give way by priority (Tokens before Err), scrollbar or not.
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: stacked(app))
        await pilot.pause()
        assert rows.max_scroll_y > 0
        assert list_lines(rows)[0].split() == ["Trace", "Dur", "Cost", "Err"]


async def test_help_scrolls_by_the_panes_keys():
    # Before: the help ran past the screen at 80x24 and j did nothing there; only the
    # arrows and PgUp/PgDn scrolled it.
    app = _app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        body = app.screen.query_one("#help-body")
        await wait_for(pilot, lambda: body.max_scroll_y > 3)
        await pilot.press("j", "j", "j")
        await wait_for(pilot, lambda: body.scroll_y == 3)
        await pilot.press("k")
        await wait_for(pilot, lambda: body.scroll_y == 2)
        await pilot.press("G")
        await wait_for(pilot, lambda: body.scroll_y == body.max_scroll_y)
        await pilot.press("g")
        await wait_for(pilot, lambda: body.scroll_y == 0)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen))


async def test_help_reads_at_80x24():
    # Before: the filter syntax and the HOTSPOT rule, wrapped by hand at 78 columns,
    # were wrapped again in the 68 columns of the box: a word or two alone on every
    # other line ("of the", "which is not"), and the filter's examples wrapped back
    # to the left edge, their indent lost.
    app = _app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.pause()
        text = app.screen.query_one("#help-body Static")
        width = text.size.width
        lines = [strip.text.rstrip() for strip in text.render_lines(Region(0, 0, width, text.size.height))]
        assert width < 78 and max(map(len, lines)) <= width
        hotspot = lines[lines.index("HOTSPOT") + 1 :]
        hotspot = hotspot[: hotspot.index("", hotspot.index("") + 1)]  # its two paragraphs
        assert "of the" not in hotspot and "which is not" not in hotspot
        for line, after in pairwise(hotspot):
            if line and after:  # a line is cut only where the next word would not fit
                assert len(line) + 1 + len(after.split()[0]) > width, (line, after)
        examples = lines[lines.index("Filter (/)") + 1 :]
        examples = examples[next(i for i, line in enumerate(examples) if line.endswith("it:")) + 1 :]
        examples = examples[: next(i for i, line in enumerate(examples) if line.startswith("Quote"))]
        assert len(examples) > 6  # some of them wrapped ...
        assert all(line.startswith("  ") for line in examples), examples  # ... under themselves
        assert any(line.startswith("  status:error|") for line in examples)


def _turns(store: Store, session: str, prompts: list[str]) -> None:
    """One trace a prompt in ``session``, its root named by it (as an agent's turns are)."""
    t = fixtures.NOW_NS - 60 * fixtures.S
    store.apply([Session(id=session, name=prompts[0], started_ns=t)])
    store.apply([
        Span(span_id=f"{session}-r{j}", trace_id=f"{session}-t{j}", session_id=session, name=p,
             start_ns=t + j * fixtures.S, end_ns=t + j * fixtures.S + fixtures.S // 2)
        for j, p in enumerate(prompts)
    ])


async def test_turns_whose_prompts_begin_alike_read_apart_in_the_trace_list():
    # Before: at 120x36 an agent's three questions read "What is the w…" three times in the
    # traces pane; the tree's title alone told them apart.
    prompts = ["What is the weather in Paris?", "What is the weather in Oslo?", "Tell me a joke, please, a short one"]
    store = Store()
    _turns(store, "s1", prompts)
    app = make_app(store=store, now_ns=fixtures.clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        app.jump_to_session("s1")
        await wait_for(pilot, lambda: len(app.traces.keys) == 3)
        await pilot.pause()
        rows = app.traces
        width = rows.flex_width()
        assert width < len(prompts[1])  # (cut at this size)
        names = [line[2 : 2 + width].rstrip() for line in list_lines(rows)[1:4]]
        # The two alike from where they differ, with the word before; the other cut at its end.
        assert names == ["…in Paris?", "…in Oslo?", prompts[2][: width - 1] + "…"]
        # Wider, as much of the end as fits, from a word; wide enough, each whole.
        await pilot.resize_terminal(200, 60)
        await wait_for(pilot, lambda: rows.flex_width() > width)
        await pilot.pause()
        wide = rows.flex_width()
        names = [line[2 : 2 + wide].rstrip() for line in list_lines(rows)[1:3]]
        assert wide < len(prompts[0])  # (still cut: 200 columns give the list a fifth)

        def fits_from(prompt: str) -> int:
            """The first word from which the prompt's end fits the cell after its ellipsis."""
            return next(i + 1 for i, c in enumerate(prompt) if c == " " and len(prompt) - i - 1 <= wide - 1)

        # Both from one word (they begin alike up to it): the latest from which each fits.
        start = max(fits_from(p) for p in prompts[:2])
        assert names == ["…" + p[start:] for p in prompts[:2]]
        assert names[0].endswith("weather in Paris?")
