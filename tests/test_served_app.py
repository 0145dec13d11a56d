"""The monitor under ``serve``: the real app under the real web driver, fed as
textual-serve feeds it.

A browser's size can reach the app before the size the driver started with
(textual-serve's first guess): the stale size then came last. The screen, handed a size
the app no longer had, flipped between the two without end (a core spinning, memory
growing, the app never exiting), and the page was drawn at the stale size. And a server
that is gone without a word leaves an app that nobody sees holding the ports."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

from textual import events
from textual.geometry import Size

import fixtures
from agenttrace_tui.ui.app import make_app

#: textual-serve's guess (the tab's first query) and the browser's own size after it.
GUESS, BROWSER = (155, 45), (155, 50)


def _meta(payload: dict) -> bytes:
    """A packet as textual-serve writes it to the app's stdin."""
    body = json.dumps(payload).encode()
    return b"M" + len(body).to_bytes(4, "big") + body


def _served(tmp_path: Path) -> subprocess.Popen[bytes]:
    """The app as textual-serve starts it for a tab, the browser's size already in its stdin
    (so the driver reads it ahead of its own first size)."""
    home = tmp_path / "home"
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"), "XDG_CONFIG_HOME": str(home / "cfg"),
           "XDG_STATE_HOME": str(home / "state"), "XDG_CACHE_HOME": str(home / "cache"),
           "TEXTUAL_DRIVER": "textual.drivers.web_driver:WebDriver", "TEXTUAL_FPS": "60",
           "TEXTUAL_COLOR_SYSTEM": "truecolor", "TERM_PROGRAM": "textual",
           "COLUMNS": str(GUESS[0]), "ROWS": str(GUESS[1])}
    proc = subprocess.Popen(
        [sys.executable, "-m", "agenttrace_tui", "--no-persist", "--udp-port", "off", "--tcp-port", "off",
         "--otlp-port", "off", "--otlp-grpc-port", "off", "--socket", "off"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    assert proc.stdin is not None
    proc.stdin.write(_meta({"type": "resize", "width": BROWSER[0], "height": BROWSER[1]}))
    proc.stdin.flush()  # kept open, as textual-serve keeps it
    return proc


def _ended(proc: subprocess.Popen[bytes], within_s: float) -> int:
    try:
        return proc.wait(timeout=within_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError(f"the app was still running {within_s:.0f} s after it was told to end") from None
    finally:
        if proc.stdin is not None and not proc.stdin.closed:
            proc.stdin.close()


def test_a_tab_closed_as_it_opens_lets_the_app_exit(tmp_path: Path) -> None:
    proc = _served(tmp_path)
    assert proc.stdin is not None
    proc.stdin.write(_meta({"type": "quit"}))  # the tab closed at once: quit right behind the size
    proc.stdin.flush()
    assert _ended(proc, 60) == 0


def test_the_page_is_drawn_at_the_browsers_size(tmp_path: Path) -> None:
    proc = _served(tmp_path)
    out = bytearray()
    assert proc.stdout is not None
    stdout = proc.stdout

    def read() -> None:
        while chunk := stdout.read1(65536):
            out.extend(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(out) < 50_000:  # a frame or two of the monitor
        time.sleep(0.1)
    time.sleep(1.0)  # any later frame at another size would follow within this
    assert proc.stdin is not None
    proc.stdin.write(_meta({"type": "quit"}))
    proc.stdin.flush()
    assert _ended(proc, 60) == 0
    reader.join(10)
    text = out.decode("utf-8", "replace")
    # Each frame places its lines with cursor moves (ESC [ row ; col H): the last frame's lowest row is its height.
    rows = [int(r) for r in re.findall(r"\x1b\[(\d+);\d+H", text[text.rfind("\x1b[1;1H"):])]
    assert rows and max(rows) == BROWSER[1], f"last frame {max(rows, default=0)} rows high, the browser has {BROWSER[1]}"


def test_a_served_monitor_whose_server_is_gone_stops(tmp_path: Path) -> None:
    # A server killed (kill -9, a crash) sends no quit: its end of the app's stdin just
    # closes. The app, which nobody can see any more, must not hold the ports for ever.
    proc = _served(tmp_path)
    assert proc.stdout is not None
    first = proc.stdout.read1(65536)  # running: it draws
    assert first
    threading.Thread(target=lambda: proc.stdout.read() if proc.stdout else None, daemon=True).start()
    assert proc.stdin is not None
    proc.stdin.close()
    assert _ended(proc, 30) == 0


async def test_a_size_the_app_no_longer_has_does_not_lay_the_screen_out() -> None:
    app = make_app(store=fixtures.build_store())
    async with app.run_test(size=GUESS):
        await asyncio.sleep(0.1)
        stale = Size(*BROWSER)
        app.screen.post_message(events.Resize(stale, stale))
        await asyncio.sleep(1.0)
        assert app.screen.outer_size == app.size == Size(*GUESS)
