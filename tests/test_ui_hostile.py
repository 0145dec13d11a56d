"""Hostile strings (markup, escapes, controls, 100 KB, emoji/CJK/RTL) render literally and safely.

Every pane is driven over the hostile fixture: the session list, trace list,
tree, detail (previews, tool I/O, attributes, events), cost panel, header,
palette and a copy notification. What reaches the screen is read back from
the real app's screenshot.
"""

from __future__ import annotations

import html
import json
import re

import msgspec
from textual.command import CommandList, CommandPalette

import fixtures
from agenttrace_tui.ui.app import make_app
from agenttrace_tui.ui.palette import app_commands
from test_ui_app import wait_for


def palette_prompts(app) -> list[str]:
    """The text of each option the open command palette lists."""
    found = app.screen.query(CommandList)
    if not found:
        return []
    options = found.first()
    return [str(getattr(o.prompt, "plain", o.prompt)) for o in (options.get_option_at_index(i) for i in range(options.option_count))]


def screen_text(app) -> str:
    svg = app.export_screenshot()
    texts = re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S)
    return html.unescape("".join(texts)).replace("\xa0", " ")


async def test_hostile_strings_render_literally_everywhere():
    app = make_app(store=fixtures.hostile_store(), now_ns=fixtures.clock)
    # Toasts on (run_test hides them by default): the copy notification is read off the screen.
    async with app.run_test(size=(160, 50), notifications=True) as pilot:
        await pilot.pause()
        app.jump_to_session("hostile")
        await wait_for(pilot, lambda: app.span_tree.trace_id == "t-hostile")
        shown = screen_text(app)
        # Markup is shown as the characters typed, not applied.
        assert "[bold red]markup[/]" in shown
        # Escape sequences and controls are made visible; none reaches the terminal.
        assert "␛[2J" in shown
        assert "\x1b" not in app.export_screenshot()
        for span_id in ("h-root", "h-llm", "h-tool", "h-file"):
            app.span_tree.select_span(span_id)
            await pilot.pause()
            detail = app.detail.plain()
            assert "\x1b" not in detail and "\x07" not in detail
        app.span_tree.select_span("h-llm")
        await pilot.pause()
        detail = app.detail.plain()
        assert "[@click=app.quit]click me[/]" in detail
        assert "漢字テスト" in detail and "مرحبا" in detail
        assert "\\u202e" in detail  # the bidi override is shown, not obeyed
        # Clicking the row that carries "[@click=app.quit]" does nothing but select it:
        # start from the other session, click the hostile row, and the click moved the
        # cursor there while no action (quit, a screen) ran.
        huge = next(k for k in app.sessions.keys if k != "hostile")
        app.sessions.select_key(huge)
        await pilot.pause()
        assert app.sessions.cursor_key == huge
        row = app.sessions.keys.index("hostile")
        assert await pilot.click("#sessions", offset=(5, 1 + row - int(app.sessions.scroll_offset.y)))
        await wait_for(pilot, lambda: app.sessions.cursor_key == "hostile")
        await pilot.pause()  # anything the click set off has run by now
        assert app.sessions.cursor_key == "hostile"
        assert app.is_running and app.return_code is None and len(app.screen_stack) == 1
        # Copying a span whose name is markup copies its JSON, name byte for byte, and
        # the notification shows the name as typed.
        marked = next(s for s in app.store.trace("t-hostile").spans.values() if "[bold red]markup[/]" in s.name)
        app.span_tree.focus()
        app.span_tree.select_span(marked.span_id)
        await pilot.pause()
        span = app.span_tree.selected_span
        assert span is not None and span.span_id == marked.span_id
        await pilot.press("y")
        await wait_for(pilot, lambda: bool(app.clipboard))
        assert app.clipboard == msgspec.json.encode(span).decode()
        assert json.loads(app.clipboard)["name"] == span.name
        await wait_for(pilot, lambda: "Copied span" in screen_text(app))
        assert "Copied span [bold red]markup[/]" in screen_text(app)
        # The palette lists the hostile session by its cleaned name, and shows it so.
        titles = [c.title for c in app_commands(app)]
        assert any("[bold red]markup[/]" in t for t in titles)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"markup")
        # The palette's own list (the session list behind it shows the name too): its
        # option for the session reads as typed, brackets and all, not as bold red text.
        await wait_for(pilot, lambda: any("[bold red]markup[/]" in p for p in palette_prompts(app)))
        assert isinstance(app.screen, CommandPalette)
        await pilot.press("escape")
        await wait_for(pilot, lambda: len(app.screen_stack) == 1)
        await pilot.pause()
        assert app.is_running and app.return_code is None and len(app.screen_stack) == 1


async def test_a_100kb_session_name_and_span_name_stay_cheap_and_cut():
    app = make_app(store=fixtures.hostile_store(), now_ns=fixtures.clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        huge = next(k for k in app.sessions.keys if k.startswith("huge-"))
        app.jump_to_session(huge)
        await wait_for(pilot, lambda: app.span_tree.trace_id == "t-huge")
        await pilot.pause()
        shown = screen_text(app)
        assert "NNNN" in shown and "…" in shown
        assert "N" * 5000 not in shown
        app.cost.focus()
        await pilot.press("z")
        await pilot.pause()
        assert app.is_running


async def test_hostile_data_arriving_live_does_not_crash_the_tick():
    app = make_app(store=fixtures.build_store(), now_ns=fixtures.clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("f")
        hostile = fixtures.hostile_store()
        # Replay the hostile sessions and spans into the live store, a batch at a time.
        for trace in ("t-hostile", "t-huge"):
            entry = hostile.trace(trace)
            app.store.apply([hostile.session(entry.session_id).session])
            app.store.apply(list(entry.spans.values()))
            await pilot.pause()
        # The tick drew what arrived: the header counts the new sessions and spans,
        # and the hostile session's name is on screen as typed, with no escape
        # sequence reaching the terminal.
        spans = sum(len(t.spans) for t in app.store.traces.values())
        await wait_for(pilot, lambda: f"{len(app.store.sessions)} sessions · {spans} spans" in screen_text(app))
        shown = screen_text(app)
        assert "[bold red]ma" in shown
        assert "\x1b" not in app.export_screenshot()
        assert app.is_running and app.return_code is None
