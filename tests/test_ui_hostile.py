"""Hostile strings (markup, escapes, controls, 100 KB, emoji/CJK/RTL) render literally and safely.

Every pane is driven over the hostile fixture: the session list, trace list,
tree, detail (previews, tool I/O, attributes, events), cost panel, header,
palette and a copy notification. What reaches the screen is read back from
the real app's screenshot.
"""

from __future__ import annotations

import asyncio
import html
import re

import fixtures
from agenttrace_tui.ui.app import make_app
from agenttrace_tui.ui.palette import app_commands
from test_ui_app import wait_for


def screen_text(app) -> str:
    svg = app.export_screenshot()
    texts = re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S)
    return html.unescape("".join(texts)).replace("\xa0", " ")


async def test_hostile_strings_render_literally_everywhere():
    app = make_app(store=fixtures.hostile_store(), now_ns=fixtures.clock)
    async with app.run_test(size=(160, 50)) as pilot:
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
        # Clicking the row that carries "[@click=app.quit]" does nothing but select it.
        await pilot.click("#sessions", offset=(5, 1 + app.sessions.cursor_index + 1 - int(app.sessions.scroll_offset.y)))
        await pilot.pause(0.2)
        assert app.is_running
        # Copying a span whose name is markup notifies without interpreting it.
        await pilot.press("y")
        await pilot.pause(0.2)
        assert app.is_running
        # The palette lists the hostile session by its cleaned name.
        titles = [c.title for c in app_commands(app)]
        assert any("[bold red]markup[/]" in t for t in titles)
        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        await pilot.press(*"markup")
        await pilot.pause(0.5)
        assert app.is_running
        await pilot.press("escape")


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
            await pilot.pause(0.2)
        await asyncio.sleep(0.3)
        await pilot.pause()
        assert app.is_running
        assert "t-huge" in app.store.traces
