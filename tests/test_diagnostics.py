"""Failures you can inspect: the diagnostics screen (d, palette), headless
printing each new kind of failure once, and the engine's rotated log file.

Real receivers on 127.0.0.1 (UDP), a real SQLite writer in tmp_path, the
real app through Pilot, the real CLI as a subprocess with every user
directory pointed into tmp_path.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time

from agenttrace_tui.config import Config
from agenttrace_tui.ingest.stats import IngestStats
from agenttrace_tui.runtime.diagnostics import FailureLog, collect
from agenttrace_tui.runtime.monitor import Monitor
from agenttrace_tui.ui.app import make_app
from agenttrace_tui.ui.diagnostics import DiagnosticsScreen
from test_ui_app import wait_for
from test_ui_monitor import _free_port

HOSTILE = b'{"v":1,"type":"span","name":"\x1b[2J\x1b]52;c;aGk=\x07 boom'  # not JSON, with escapes


def _send(port: int, *payloads: bytes) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for p in payloads:
            s.sendto(p, ("127.0.0.1", port))


def _good(i: int, seq: int | None = None) -> bytes:
    now = time.time_ns()
    rec = {"v": 1, "type": "span", "trace_id": "dt", "span_id": f"d{i}", "session_id": "diag", "name": f"step{i}",
           "start_ns": now, "end_ns": now + 1000}
    if seq is not None:
        rec["sender"], rec["seq"] = "agent-7", seq
    return json.dumps(rec).encode()


async def test_a_reject_reason_longer_than_its_row_is_shown_whole_under_it(tmp_path):
    # The end of a reason often says what to do: a gRPC exporter at the HTTP port is told where
    # gRPC goes. On an 80-column screen the reason goes on under its row, wrapped, not cut.
    port = _free_port()
    monitor = Monitor(Config(udp_port=None, tcp_port=None, socket="", otlp_port=port, otlp_grpc_port=None,
                             db=str(tmp_path / "d.db")))
    app = make_app(monitor)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: monitor.otlp is not None)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")  # the HTTP/2 preface a gRPC client opens with
        assert (await asyncio.wait_for(reader.read(100), 10)).startswith(b"HTTP/1.1 505")
        writer.close()
        await wait_for(pilot, lambda: monitor.stats.rejected["bad_http"] == 1)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, DiagnosticsScreen) and "bad_http  " in app.screen.plain())
        screen = app.screen
        detail = monitor.stats.recent[-1].detail
        await wait_for(pilot, lambda: " ".join(screen.plain().split()).endswith(" ".join(detail.split())))
        text = screen.plain()
        rejects = text.split("newest first")[1]
        assert "OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf)" in rejects and "…" not in rejects
        width = screen.view.content_width
        assert all(len(line) <= width for line in rejects.split("\n"))
        assert "otlp bad_http\n" in text  # the reason's label on its row, the detail under it

async def test_diagnostics_screen_shows_rejects_literally_and_the_writer(tmp_path):
    port = _free_port()
    monitor = Monitor(Config(udp_port=port, tcp_port=None, socket="", otlp_port=None, otlp_grpc_port=None,
                             db=str(tmp_path / "d.db")))
    app = make_app(monitor)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: monitor.receivers is not None and monitor.receivers.udp_rcvbuf)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, DiagnosticsScreen) and "rejected" in app.screen.plain())
        assert "Rejected records and fixed values\n  none since the monitor started" in app.screen.plain()
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, DiagnosticsScreen))
        wild = json.loads(_good(3))
        wild["usage"] = {"input": 10**12, "output": 5}  # kept, its tokens dropped: a fixed value
        future = json.loads(_good(4))
        future["v"] = 2  # refused for a reason longer than the label column
        _send(port, HOSTILE, _good(1, seq=1), _good(2, seq=5), json.dumps(wild).encode(),  # seq 2..4: 3 lost
              json.dumps(future).encode())
        await wait_for(pilot, lambda: monitor.stats.rejected_total == 2 and sum(monitor.stats.fixed.values()) == 1
                       and "diag" in app.sessions.keys)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, DiagnosticsScreen))
        screen = app.screen
        await wait_for(pilot, lambda: "rejected" in screen.plain())
        text = screen.plain()
        assert set(monitor.stats.rejected) == {"malformed_json", "unsupported_version"}
        assert "    malformed_json  1" in text
        assert "    unsupported_version 1" in text  # the count apart from a reason longer than the column
        assert "\x1b" not in text and "\x07" not in text
        assert "\\x1b[2J" in text  # the payload shown literally
        assert "bytes granted by the kernel" in text
        assert "agent-7" in text and "3 lost" in text
        # The fixed value is counted beside the rejects, not only listed among them.
        assert "values fixed      1 (records kept)" in text and "    bad_tokens" in text
        assert "Last 3 rejected records and fixed values" in text and "fixed:bad_tokens" in text
        assert "batches written" in text and "last error" in text
        assert "off (no --forward)" in text
        for y in range(screen.view.size.height):  # nothing reaches the terminal as an escape
            for seg in screen.view.render_line(y):
                assert "\x1b" not in seg.text and "\x07" not in seg.text
        await wait_for(pilot, lambda: "batches written" in screen.plain() and monitor.writer.batches >= 1)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, DiagnosticsScreen))
        assert ("app.diagnostics", "Diagnostics (rejects, losses, writer)") in {
            (b.id, b.description) for b, _ in app.palette_bindings()
        }
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running, timeout=20)


def test_failure_log_reports_each_kind_once():
    stats = IngestStats()
    stats.reject("udp", "invalid_json", "bad \x1b[31mred", b"\x1b[31m")
    monitor = Monitor(Config(persist=False))
    monitor.stats = stats
    log = FailureLog()
    first = log.new_failures(collect(monitor))
    assert len(first) == 1 and "invalid_json" in first[0] and "\x1b" not in first[0]
    stats.reject("udp", "invalid_json", "again")
    assert log.new_failures(collect(monitor)) == []
    stats.reject("tcp", "oversized", "too big")
    again = log.new_failures(collect(monitor))
    assert len(again) == 1 and "oversized" in again[0]


def _env(tmp_path) -> dict[str, str]:
    env = dict(os.environ)
    for var, sub in (("XDG_STATE_HOME", "state"), ("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config"),
                     ("XDG_RUNTIME_DIR", "run"), ("HOME", "home")):
        (tmp_path / sub).mkdir(exist_ok=True)
        env[var] = str(tmp_path / sub)
    env.pop("AGENTTRACE_DB", None)
    return env


def test_headless_prints_each_new_kind_of_failure_once_and_logs_it(tmp_path):
    port = _free_port()
    env = _env(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "agenttrace_tui", "--headless", "--udp-port", str(port), "--tcp-port", "off",
         "--socket", "off", "--otlp-port", "off", "--otlp-grpc-port", "off", "--db", str(tmp_path / "h.db"),
         "--log-level", "info"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        deadline = time.monotonic() + 30
        assert proc.stderr is not None
        while time.monotonic() < deadline:  # wait for "listening on udp ..."
            line = proc.stderr.readline()
            if "listening on udp" in line:
                break
        _send(port, HOSTILE, HOSTILE, b"not json either", _good(1))
        time.sleep(1.5)
    finally:
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=30)
    rejected = [line for line in err.splitlines() if "rejected records" in line]
    assert len(rejected) == 1, err  # three rejects of one kind: one line
    assert "\x1b" not in err
    log = tmp_path / "state" / "agenttrace-tui" / "agenttrace-tui.log"
    assert log.exists()
    assert "rejected" in log.read_text()


def test_a_bad_log_level_is_refused(tmp_path):
    out = subprocess.run([sys.executable, "-m", "agenttrace_tui", "--headless", "--log-level", "loud"],
                         capture_output=True, text=True, env=_env(tmp_path), timeout=60)
    assert out.returncode == 2
    assert "log_level" in out.stderr and "debug, info, warning, error or off" in out.stderr
