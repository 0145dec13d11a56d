"""SVG snapshots of the live monitor from the fixture store with a fixed clock.

Snapshots land in the top-level ``snapshots/`` folder (tests/conftest.py).
Regenerate with ``pytest tests/test_ui_snapshots.py --snapshot-update`` and
look at the SVGs before committing them.
"""

from __future__ import annotations

import re
import time

import pytest

import fixtures
from agenttrace_tui.ui.app import LIGHT_THEME, make_app


@pytest.fixture(autouse=True)
def _utc(monkeypatch):
    # Wall-clock columns (trace start, span start/end) must not depend on the machine's zone.
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _app(**kw):
    return make_app(store=fixtures.build_store(), now_ns=fixtures.clock, **kw)


def _select(span_id: str):
    async def run(pilot) -> None:
        app = pilot.app
        app.span_tree.focus()
        app.span_tree.select_span(span_id)
        await pilot.pause()

    return run


def test_main_120x36(snap_compare):
    assert snap_compare(_app(), terminal_size=(120, 36))


def test_main_80x24(snap_compare):
    assert snap_compare(_app(), terminal_size=(80, 24))


def test_tree_collapsed(snap_compare):
    assert snap_compare(_app(), press=["tab", "tab", "tab", "left_square_bracket"], terminal_size=(120, 36))


def test_tree_expanded(snap_compare):
    assert snap_compare(
        _app(), press=["tab", "tab", "tab", "left_square_bracket", "right_square_bracket"], terminal_size=(120, 36)
    )


def test_llm_span_detail(snap_compare):
    assert snap_compare(_app(), run_before=_select(fixtures.LLM_SPAN), terminal_size=(120, 36))


def test_error_span_detail(snap_compare):
    assert snap_compare(_app(), run_before=_select(fixtures.ERROR_SPAN), terminal_size=(120, 36))


def test_cost_panel_zoomed(snap_compare):
    async def run(pilot) -> None:
        pilot.app.cost.focus()
        await pilot.press("z")

    assert snap_compare(_app(), run_before=run, terminal_size=(120, 36))


def test_help_screen(snap_compare):
    assert snap_compare(_app(), press=["question_mark"], terminal_size=(120, 36))


def test_filter_applied(snap_compare):
    press = ["slash", *"kind:llm", "enter"]
    assert snap_compare(_app(), press=press, terminal_size=(120, 36))


def test_paused_with_new_data(snap_compare):
    async def run(pilot) -> None:
        app = pilot.app
        await pilot.press("space")
        app.store.apply(fixtures.extra_spans("trace-new", fixtures.RESEARCH, 5, "late"))
        await pilot.pause(0.3)

    assert snap_compare(_app(), run_before=run, terminal_size=(120, 36))


def test_light_theme(snap_compare):
    assert snap_compare(_app(theme=LIGHT_THEME), run_before=_select(fixtures.LLM_SPAN), terminal_size=(120, 36))


async def _screen_colours(**kw) -> set[str]:
    """Every colour the rendered screen uses (from the real app's SVG screenshot)."""
    app = _app(**kw)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        svg = app.export_screenshot()
    return set(re.findall(r"(?:fill|color):\s*(#[0-9a-fA-F]{6})", svg))


def _hued(colour: str) -> bool:
    """Not a grey: its channels differ by more than rounding."""
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return max(rgb) - min(rgb) > 16


async def test_no_color_env_is_respected(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    coloured = await _screen_colours()
    assert any(_hued(c) for c in coloured)  # the same screen does use colour without it
    monkeypatch.setenv("NO_COLOR", "1")
    plain = await _screen_colours()
    assert plain and not [c for c in plain if _hued(c)]
