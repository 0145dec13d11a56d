"""A monitor whose terminal goes away (SIGHUP: a closed window, ``tmux kill-session``)
stops cleanly: what it received is on disk and its open sessions are marked ended,
not left "running" for every later ``sessions list``."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

from test_diagnostics import _env, _send
from test_ui_monitor import _free_port

T0 = 1_760_000_000_000_000_000


def test_sighup_stops_the_headless_monitor_and_marks_its_open_session(tmp_path):
    port = _free_port()
    env = _env(tmp_path)
    db = tmp_path / "h.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "agenttrace_tui", "--headless", "--udp-port", str(port), "--tcp-port", "off",
         "--socket", "off", "--otlp-port", "off", "--otlp-grpc-port", "off", "--db", str(db)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        deadline = time.monotonic() + 30
        assert proc.stderr is not None
        while time.monotonic() < deadline:
            if "listening on udp" in proc.stderr.readline():
                break
        start = {"v": 1, "type": "span_start", "trace_id": "tr", "span_id": "open", "session_id": "hup",
                 "name": "llm_inference", "kind": "llm_call", "start_ns": T0, "usage": {"input": 5}}
        _send(port, json.dumps(start).encode())
        time.sleep(1.0)  # received and written (the writer's interval is 0.25 s)
        proc.send_signal(signal.SIGHUP)
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=30)
    assert proc.returncode == 0  # a clean stop, not death by the signal (-1)
    out = subprocess.run([sys.executable, "-m", "agenttrace_tui", "sessions", "list", "--json", "--db", str(db)],
                         capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    (session,) = json.loads(out.stdout)
    assert session["id"] == "hup" and session["status"] == "interrupted"
