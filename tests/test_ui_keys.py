"""Help that tells the truth, and keys you can remap.

* In a replay, ``?`` lists the replay's keys once and the monitor's keys too
  (they all work there); the palette offers both, once each.
* ``[keys]`` in the config file remaps a binding by its id; ``?`` shows the
  active keys; an unknown id is reported, not silently ignored.
"""

from __future__ import annotations

import pytest

import fixtures
from agenttrace_tui.config import ConfigError, load_config
from agenttrace_tui.ui.app import AgentTraceApp, make_app
from agenttrace_tui.ui.help import HelpScreen
from agenttrace_tui.ui.replay import REPLAY_BINDINGS, ReplayApp
from test_history_fixture import build_db
from test_ui_app import wait_for

SIZE = (120, 36)
MONITOR_KEYS = ("app.next_pane", "app.filter", "app.pause", "app.follow", "app.copy_span", "app.cost", "app.zoom",
                "app.theme", "app.history", "app.compare", "app.quit", "app.diagnostics")


class Clock:
    def __init__(self) -> None:
        self.now = 10**18

    def __call__(self) -> int:
        return self.now


def _help_text(screen: HelpScreen) -> str:
    from rich.console import Console

    console = Console(width=140, record=True, color_system=None)
    from agenttrace_tui.ui.help import help_renderable

    console.print(help_renderable(screen.sections, screen.keymap))
    return console.export_text()


@pytest.fixture()
def db(tmp_path):
    path = tmp_path / "fx.db"
    build_db(path, now_ns=fixtures.NOW_NS)
    return path


async def test_replay_help_lists_replay_keys_once_and_the_monitor_keys(db):
    app = ReplayApp(db, "sess-v1", clock=Clock())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        sections = dict(app.screen.sections)
        assert list(sections)[:2] == ["Replay", "Monitor"]
        replay_ids = [b.id for b in sections["Replay"]]
        monitor_ids = [b.id for b in sections["Monitor"]]
        assert replay_ids == [b.id for b in REPLAY_BINDINGS]
        assert not set(replay_ids) & set(monitor_ids)  # nothing listed twice
        for key_id in MONITOR_KEYS:
            assert key_id in monitor_ids
        text = _help_text(app.screen)
        assert text.count("replay.faster") == 1 and "app.history" in text
        palette = [b.id for b, _ in app.palette_bindings()]
        assert len(palette) == len(set(palette))
        assert {"replay.back", "app.pause", "app.diagnostics"} <= set(palette)


def test_keys_come_from_the_config_files_keys_table(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text('udp_port = 4400\n\n[keys]\n"app.pause" = "p"\n"app.follow" = "F,ctrl+f"\n')
    config = load_config(config_path=cfg, env={})
    assert config.keys == {"app.pause": "p", "app.follow": "F,ctrl+f"}
    cfg.write_text('[keys]\n"app.pause" = 3\n')
    with pytest.raises(ConfigError):
        load_config(config_path=cfg, env={})


async def test_a_remapped_key_works_and_help_shows_it():
    app = make_app(store=fixtures.build_store(), now_ns=fixtures.clock, keymap={"app.pause": "p", "app.nope": "x"})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert any("app.nope" in str(n.message) for n in app._notifications)  # said, not ignored
        await pilot.press("p")
        assert app.paused
        await pilot.press("p")
        assert not app.paused
        await pilot.press("space")  # the old key no longer pauses
        assert not app.paused
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        line = next(ln for ln in _help_text(app.screen).splitlines() if "app.pause" in ln)
        assert line.split()[0] == "p"
        assert "remapped" in _help_text(app.screen)


def test_every_binding_has_an_id():
    """Remapping works by id: a binding without one could not be remapped."""
    app = AgentTraceApp(None)
    for _, bindings in app.help_sections():
        for b in bindings:
            assert b.id, b
