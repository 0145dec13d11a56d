"""A live span's start is held for its end, so a span that ends soon is stored once.

The monitor holds each span_start it receives natively for up to ``HOLD_S``
(``Pipeline.hold``); an end that comes in that time is merged with it and the
two are stored as one complete span (tests/test_live_spans.py and
tests/test_live_repeat.py check that the result equals the span sent complete).
Here, with the real monitor on a real TCP socket and a real SQLite file: a
start and its end sent together are one update of the store; a start alone
shows as running once its hold is up, and its later end completes it; the
starts still held when the monitor stops are in the file; and a batch that
breaks the store gives the starts it ended back, so the retry payload by
payload stores them whole.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from pathlib import Path
from typing import Any

from agenttrace_tui.config import Config
from agenttrace_tui.ingest.pipeline import Pipeline
from agenttrace_tui.model import Status
from agenttrace_tui.runtime.monitor import Monitor
from agenttrace_tui.store.memory import Store
from agenttrace_tui.store.reader import Reader

T0 = 1_700_000_000_000_000_000


def start(span_id: str, **extra: Any) -> dict:
    rec = {"v": 1, "type": "span_start", "trace_id": "t-hold", "span_id": span_id, "session_id": "held",
           "name": f"step {span_id}", "kind": "tool_execution", "start_ns": T0, "tool": {"name": "bash"}}
    rec.update(extra)
    return rec


def end(span_id: str, status: str = "ok") -> dict:
    return {"v": 1, "type": "span_end", "trace_id": "t-hold", "span_id": span_id, "end_ns": T0 + 5_000, "status": status}


def lines(*recs: dict) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in recs)


async def send(port: int, data: bytes) -> None:
    def go() -> None:
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(data)

    await asyncio.to_thread(go)


async def until(cond: Any, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        await asyncio.sleep(0.01)
    return bool(cond())


def config(tmp_path: Path) -> Config:
    return Config(db=str(tmp_path / "m.db"), udp_port=None, tcp_port=0, socket="", otlp_port=None, otlp_grpc_port=None)


async def test_a_start_and_its_end_sent_together_are_stored_once_complete(tmp_path: Path) -> None:
    mon = Monitor(config(tmp_path))
    await mon.start()
    try:
        assert mon.receivers is not None and mon.receivers.tcp_address is not None
        before = mon.store.updates
        await send(mon.receivers.tcp_address[1], lines(start("a"), end("a", "error")))
        assert await until(lambda: mon.store.span("t-hold", "a") is not None)
        span = mon.store.span("t-hold", "a")
        assert span is not None and span.end_ns == T0 + 5_000 and span.status is Status.ERROR
        assert span.name == "step a" and span.tool is not None and span.tool.name == "bash"
        assert mon.store.updates == before + 1  # not a running span first, then its end
        assert mon.stats.accepted == {"tcp": 2}
    finally:
        await mon.stop()
    with Reader(tmp_path / "m.db") as r:
        (stored,) = r.spans_of_trace("t-hold")
        assert stored.end_ns == T0 + 5_000 and stored.status is Status.ERROR and stored.name == "step a"


async def test_a_start_alone_shows_running_when_its_hold_is_up_and_its_end_completes_it(tmp_path: Path) -> None:
    mon = Monitor(config(tmp_path))
    await mon.start()
    try:
        assert mon.receivers is not None and mon.receivers.tcp_address is not None
        port = mon.receivers.tcp_address[1]
        await send(port, lines(start("b")))
        # Held first (the timer stores it when the hold is up), never lost in between.
        assert await until(lambda: mon.store.span("t-hold", "b") is not None or bool(mon.pipeline.holding.held))
        assert await until(lambda: mon.store.span("t-hold", "b") is not None)
        running = mon.store.span("t-hold", "b")
        assert running is not None and running.end_ns is None and running.status is Status.RUNNING
        assert not mon.pipeline.holding.held and mon.store.totals.running == 1
        await send(port, lines(end("b")))
        assert await until(lambda: (s := mon.store.span("t-hold", "b")) is not None and s.end_ns is not None)
        assert mon.store.totals.running == 0
    finally:
        await mon.stop()


async def test_the_starts_still_held_at_stop_are_in_the_file(tmp_path: Path) -> None:
    mon = Monitor(config(tmp_path))
    await mon.start()
    loop = asyncio.get_running_loop()
    mon.pipeline.hold(loop.call_later, hold_s=600)  # held until stop, whatever the machine's speed
    try:
        assert mon.receivers is not None and mon.receivers.tcp_address is not None
        await send(mon.receivers.tcp_address[1], lines(start("c"), start("d"), end("d")))
        assert await until(lambda: mon.store.span("t-hold", "d") is not None)
        assert list(mon.pipeline.holding.held) == [("t-hold", "c")] and mon.store.span("t-hold", "c") is None
    finally:
        await mon.stop()
    with Reader(tmp_path / "m.db") as r:
        got = {s.span_id: s for s in r.spans_of_trace("t-hold")}
    assert set(got) == {"c", "d"}
    assert got["c"].end_ns is None and got["c"].name == "step c" and got["d"].end_ns == T0 + 5_000


class _BreaksOnBoom(Store):
    """A store with a bug: a batch holding a span named "boom" fails (a fault, injected)."""

    def apply(self, updates: Any) -> int:
        if any(getattr(u, "name", "") == "boom" for u in updates):
            raise RuntimeError("store bug")
        return super().apply(updates)


def test_a_batch_that_breaks_the_store_gives_back_the_starts_it_ended() -> None:
    pipe = Pipeline(_BreaksOnBoom())
    pipe.hold(lambda _delay, _call: None, clock=lambda: 0.0)
    assert pipe.feed_many([json.dumps(start("e")).encode()], "tcp") == 1
    assert list(pipe.holding.held) == [("t-hold", "e")]
    boom = {"v": 1, "type": "span", "trace_id": "t-other", "span_id": "x", "name": "boom", "start_ns": T0,
            "end_ns": T0 + 1}
    # The batch fails; retried payload by payload, the end meets its start again and only "boom" is lost.
    assert pipe.feed_many([json.dumps(end("e")).encode(), json.dumps(boom).encode()], "tcp") == 1
    span = pipe.store.span("t-hold", "e")
    assert span is not None and span.name == "step e" and span.end_ns == T0 + 5_000
    assert pipe.stats.rejected == {"internal_error": 1} and not pipe.holding.held
