"""The app with a real Monitor: receivers start on mount, spans sent over UDP
appear on screen, and ``q`` awaits ``monitor.stop()`` so the DB holds them."""

from __future__ import annotations

import json
import socket
import time

from agenttrace_tui.config import Config
from agenttrace_tui.runtime.monitor import Monitor
from agenttrace_tui.store.sqlite import Reader
from agenttrace_tui.ui.app import make_app
from test_ui_app import wait_for


def _free_port() -> int:
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.bind(("127.0.0.1", 0))
            port = u.getsockname()[1]
            with socket.socket() as t:
                try:
                    t.bind(("127.0.0.1", port))
                except OSError:
                    continue
            return port
    raise RuntimeError("no free port pair")


async def test_udp_spans_show_live_and_q_flushes_the_db(tmp_path):
    port = _free_port()
    db = tmp_path / "ui.db"
    monitor = Monitor(Config(udp_port=port, tcp_port=port, socket="", otlp_port=None, otlp_grpc_port=None, db=str(db)))
    app = make_app(monitor)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: any(str(port) in e for e in monitor.status().endpoints))
        header = lambda: str(app.header.render())  # noqa: E731
        await wait_for(pilot, lambda: f"udp 127.0.0.1:{port}" in header())
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        now = time.time_ns()
        records = [
            {"v": 1, "type": "span", "trace_id": "ut1", "span_id": f"u{i}", "session_id": "udp-session",
             "name": f"udp_step_{i}", "kind": "tool_execution", "start_ns": now + i, "end_ns": now + i + 1000,
             **({"parent_span_id": "u0"} if i else {})}
            for i in range(5)
        ]
        sock.sendto(json.dumps(records).encode(), ("127.0.0.1", port))
        sock.close()
        await wait_for(pilot, lambda: "udp-session" in app.sessions.keys)
        await wait_for(pilot, lambda: app.span_tree.trace_id == "ut1")
        await wait_for(pilot, lambda: len(app.span_tree.visible_span_ids) == 5)
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running, timeout=20)
    with Reader(db) as reader:
        assert {s.span_id for s in reader.spans_of_trace("ut1")} == {f"u{i}" for i in range(5)}
