"""``agenttrace-tui serve`` in a real headless Chromium (Debian's, driven by Playwright).

The real command serves the live monitor with textual-serve on 127.0.0.1; the
browser loads the page, the app's screen streams over the websocket (the test
reads the terminal output the browser receives to draw), spans sent over UDP
appear, and a key moves the cursor (the other session's trace shows). The
browser may reach only the test server: every other request is aborted.
Also: with a token, no token means 401 and no UI; a non-loopback bind prints
a token once and requires it.

Skips (with the reason) where Playwright or /usr/bin/chromium is absent;
.ci/run installs both. Set AGENTTRACE_UPDATE_SCREENSHOT=1 to refresh
docs/img/serve.png from the run.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]
ROOT = Path(__file__).resolve().parent.parent


def _free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(*extra: str) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "agenttrace_tui", "serve", "--port", str(port), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return proc, port
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.1)
    proc.kill()
    raise AssertionError(f"serve did not start: {proc.communicate(timeout=10)}")


def _stop(proc: subprocess.Popen) -> tuple[str, str]:
    proc.terminate()
    try:
        return proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.communicate(timeout=5)


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str, dict[str, str]]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read().decode(), dict(resp.headers)
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(), dict(err.headers)


def test_token_is_required_when_set_and_none_means_no_ui():
    proc, port = _serve("--token", "s3cret", "--udp-port", "off", "--tcp-port", "off", "--socket", "off",
                        "--otlp-port", "off", "--otlp-grpc-port", "off", "--no-persist")
    try:
        base = f"http://127.0.0.1:{port}"
        status, body, _ = _get(base + "/")
        assert status == 401 and "token" in body and "textual" not in body.lower()
        assert _get(base + "/ws")[0] == 401
        assert _get(base + "/?token=wrong")[0] == 401
        status, body, headers = _get(base + "/?token=s3cret")
        assert status == 200 and "/ws" in body and "agenttrace_token=s3cret" in headers.get("Set-Cookie", "")
        assert _get(base + "/", {"X-Agenttrace-Token": "s3cret"})[0] == 200
        assert _get(base + "/", {"Authorization": "Bearer s3cret"})[0] == 200
    finally:
        _stop(proc)


def test_non_loopback_bind_prints_a_token_once_and_requires_it():
    proc, port = _serve("--bind", "0.0.0.0", "--udp-port", "off", "--tcp-port", "off", "--socket", "off",
                        "--otlp-port", "off", "--otlp-grpc-port", "off", "--no-persist")
    try:
        assert _get(f"http://127.0.0.1:{port}/")[0] == 401
    finally:
        _out, err = _stop(proc)
    lines = [line for line in err.splitlines() if "token (shown once):" in line]
    assert len(lines) == 1
    token = lines[0].rsplit(" ", 1)[1]
    assert len(token) >= 24 and err.count(token) == 1


def _send_udp(port: int, records: list[dict]) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(json.dumps(records).encode(), ("127.0.0.1", port))


def _session_records(sid: str, name: str, t0: int) -> list[dict]:
    return [
        {"v": 1, "type": "session", "session_id": sid, "name": sid, "started_ns": t0},
        {"v": 1, "type": "span", "session_id": sid, "trace_id": f"t-{sid}", "span_id": "root", "name": name,
         "kind": "agent", "start_ns": t0, "end_ns": t0 + 2_000_000_000},
        {"v": 1, "type": "span", "session_id": sid, "trace_id": f"t-{sid}", "span_id": "c1", "parent_span_id": "root",
         "name": f"{name}-llm", "kind": "llm_call", "start_ns": t0 + 100_000_000, "end_ns": t0 + 900_000_000,
         "llm": {"provider": "anthropic", "model": "claude-sonnet-4-5"}, "usage": {"input": 1200, "output": 300}},
    ]


@pytest.mark.heavy
def test_live_monitor_in_headless_chromium(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    udp = _free_port(socket.SOCK_DGRAM)
    proc, port = _serve("--token", "tok", "--udp-port", str(udp), "--tcp-port", "off", "--socket", "off",
                        "--otlp-port", "off", "--otlp-grpc-port", "off", "--no-persist")
    base = f"127.0.0.1:{port}"
    received: list[bytes] = []

    def screen_text() -> str:
        return b"".join(received).decode("utf-8", "replace")

    def wait(cond, timeout: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if cond():
                return True
            page.wait_for_timeout(100)
        return cond()

    try:
        with sync_api.sync_playwright() as pw:
            # A fresh profile in tmp_path (Playwright passes it as --user-data-dir).
            browser = pw.chromium.launch_persistent_context(
                str(tmp_path / "profile"), executable_path=CHROMIUM, args=FLAGS, headless=True,
                viewport={"width": 1280, "height": 800})
            try:
                page = browser.new_page()
                # Only the server under test: the page's web font and anything else are refused.
                page.route("**/*", lambda r: r.continue_() if f"//{base}/" in r.request.url else r.abort())

                def on_ws(ws) -> None:
                    ws.on("framereceived", lambda payload: received.append(
                        payload if isinstance(payload, bytes) else payload.encode()))

                page.on("websocket", on_ws)
                page.goto(f"http://{base}/?token=tok")
                # The page loads and the app draws its first screen through the websocket.
                assert wait(lambda: "agenttrace" in screen_text() and "LIVE" in screen_text()), screen_text()[-2000:]
                t0 = time.time_ns() - 5_000_000_000
                _send_udp(udp, _session_records("sess-alpha", "alpha-root-span", t0))
                _send_udp(udp, _session_records("sess-bravo", "bravo-root-span", t0 + 1_000_000_000))
                # Spans sent over UDP appear: both sessions, one session's trace in the panes.
                assert wait(lambda: "sess-alpha" in screen_text() and "sess-bravo" in screen_text())
                assert wait(lambda: "alpha-root-span" in screen_text() or "bravo-root-span" in screen_text())
                page.wait_for_timeout(500)
                shown = "alpha-root-span" if "alpha-root-span" in screen_text() else "bravo-root-span"
                other = "bravo-root-span" if shown == "alpha-root-span" else "alpha-root-span"
                assert other not in screen_text()
                if os.environ.get("AGENTTRACE_DEBUG_SHOTS"):
                    page.screenshot(path=os.environ["AGENTTRACE_DEBUG_SHOTS"] + "/before.png")
                # A key moves the cursor: the other session is selected and its trace is drawn.
                # Keys go to xterm.js's input element (what a click on the terminal focuses).
                page.locator(".xterm-helper-textarea").focus()
                # The list's order is the app's to choose: one of these moves to the other row.
                for key in ("j", "k", "k"):
                    page.keyboard.press(key)
                    if wait(lambda: other in screen_text(), timeout=5):
                        break
                if os.environ.get("AGENTTRACE_DEBUG_SHOTS"):
                    page.screenshot(path=os.environ["AGENTTRACE_DEBUG_SHOTS"] + "/after.png")
                assert other in screen_text()
                page.wait_for_timeout(700)
                shot = tmp_path / "serve.png"
                page.screenshot(path=str(shot))
                assert shot.stat().st_size > 10_000
                if os.environ.get("AGENTTRACE_UPDATE_SCREENSHOT"):
                    dest = ROOT / "docs" / "img" / "serve.png"
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy(shot, dest)
            finally:
                browser.close()
    finally:
        _stop(proc)
