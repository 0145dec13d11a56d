"""The cost of doing nothing: an idle monitor's refresh timer sleeps and wakes
on data; the write-ahead log stays under its documented bound at a steady
trickle and is gone after a clean close. Real app, real Monitor receiving
over UDP on 127.0.0.1, real SQLite files in tmp_path."""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
import time

from agenttrace_tui.config import Config
from agenttrace_tui.ingest.pipeline import Pipeline
from agenttrace_tui.model import Session, Span
from agenttrace_tui.runtime.monitor import Monitor
from agenttrace_tui.store.memory import Store
from agenttrace_tui.store.writer import WAL_SOFT_BYTES, Writer
from agenttrace_tui.ui.app import IDLE_AFTER_TICKS, make_app
from test_ui_app import wait_for
from test_ui_monitor import _free_port


async def test_the_refresh_timer_sleeps_while_nothing_changes_and_data_wakes_it(tmp_path):
    port = _free_port()
    monitor = Monitor(Config(udp_port=port, tcp_port=None, socket="", otlp_port=None, otlp_grpc_port=None,
                             db=str(tmp_path / "i.db")))
    app = make_app(monitor)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app._refresh_timer is not None and app._idle_ticks >= IDLE_AFTER_TICKS)
        timer = app._refresh_timer
        assert timer._active.is_set() is False  # paused: no 10 Hz work with nothing to draw
        header = app.header._text.plain
        for _ in range(5):
            await pilot.pause(0.1)
        assert app.header._text.plain == header
        now = time.time_ns()
        rec = ('{"v":1,"type":"span","trace_id":"w1","span_id":"a","session_id":"wake","name":"wake_up",'
               f'"start_ns":{now},"end_ns":{now + 1000}}}').encode()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(rec, ("127.0.0.1", port))
        # A sleeping timer would never draw the session: it shows only once the watch wakes the timer.
        await wait_for(pilot, lambda: "wake" in app.sessions.keys, timeout=5)
        assert timer._active.is_set()
        await pilot.press("j")  # a key wakes it too (after it slept again)
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running, timeout=20)


async def test_the_wal_stays_under_its_bound_at_a_steady_rate_and_is_gone_at_close(tmp_path):
    path = tmp_path / "wal.db"
    store = Store()
    pipeline = Pipeline(store)
    writer = Writer(store, path, interval_s=0.02)
    await writer.start()
    pipeline.apply([Session(id="s", name="steady")])
    n = 0
    biggest = 0
    t = time.time_ns()
    deadline = time.monotonic() + 20
    # A steady trickle: small batches, each rewriting summary and index pages.
    exceeded = 0
    for _batch in range(1200):
        ups = []
        for _ in range(20):
            n += 1
            ups.append(Span(span_id=f"s{n}", trace_id=f"t{n // 50}", session_id="s", name="step",
                            start_ns=t + n * 1000, end_ns=t + n * 1000 + 500, attributes={"i": n, "pad": "x" * 200}))
        pipeline.apply(ups)
        await asyncio.sleep(0.005)
        try:
            size = os.path.getsize(f"{path}-wal")
        except OSError:
            size = 0
        biggest = max(biggest, size)
        exceeded += size > WAL_SOFT_BYTES
        if time.monotonic() > deadline:
            break
    await writer.flush()
    # Past the soft bound the log is checkpointed and cut back: never near the 32 MB autocheckpoint.
    print("biggest WAL", biggest, "spans", n, "batches over the soft bound", exceeded)
    assert exceeded  # the bound was reached, so the checkpoint had to act
    assert biggest < 2 * WAL_SOFT_BYTES, biggest  # 32 MB without the checkpoint
    # ... and no batch after a checkpoint failed to commit (a checkpoint's result row left
    # unread kept its statement open: "cannot commit transaction - SQL statements in progress")
    assert writer.errors == 0 and writer.written_spans >= n, (writer.errors, writer.last_error)
    await writer.close()
    assert not os.path.exists(f"{path}-wal") or os.path.getsize(f"{path}-wal") == 0


async def test_a_batch_synced_while_the_log_is_checkpointed_commits(tmp_path):
    """An acknowledging receiver's sync() can land while the flush loop checkpoints
    the log; the batch must commit all the same (it failed with "SQL statements
    in progress" when the checkpoint's statement was still open between calls)."""
    path = tmp_path / "race.db"
    store = Store()
    pipeline = Pipeline(store)
    writer = Writer(store, path, interval_s=3600)  # no background flushes: this test orders them
    await writer.start()
    pipeline.apply([Session(id="s", name="race")])
    t = time.time_ns()
    n = 0

    def spans(count: int) -> list[Span]:
        nonlocal n
        out = []
        for _ in range(count):
            n += 1
            out.append(Span(span_id=f"s{n}", trace_id=f"t{n // 50}", session_id="s", name="step",
                            start_ns=t + n, end_ns=t + n + 1, attributes={"pad": "x" * 2000}))
        return out

    for rounds in range(1, 21):
        pipeline.apply(spans(2500))  # ~5 MB of rows: the log passes its soft bound every round
        await writer.flush()
        assert os.path.getsize(f"{path}-wal") > WAL_SOFT_BYTES
        pipeline.apply(spans(50))
        # The checkpoint's first step is queued on the connection's thread first, the sync's batch
        # next (its "now" is past the checkpoint's throttle every round).
        await asyncio.gather(writer._maybe_checkpoint(time.monotonic() + rounds * 10), writer.sync())
        assert writer.errors == 0, writer.last_error
    await writer.close()
    assert writer.written_spans == n
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM spans").fetchone()[0] == n


async def test_a_trickle_is_committed_in_fewer_larger_batches(tmp_path):
    """A commit writes every page it touches whatever it carries, so while fewer
    than ``small_batch`` spans are dirty the writer waits up to ``max_delay_s``
    since its last commit, not ``interval_s``; it still commits while spans
    trickle in, and a clean close writes the rest."""
    path = tmp_path / "trickle.db"
    store = Store()
    pipeline = Pipeline(store)
    writer = Writer(store, path, interval_s=0.05)  # max_delay_s: 4 intervals
    assert writer.max_delay_s == 0.2
    await writer.start()
    pipeline.apply([Session(id="s", name="trickle")])
    t = time.time_ns()
    t0 = time.monotonic()
    for n in range(40):  # 50 spans/s: 2.5 a commit interval, far below small_batch
        pipeline.apply([Span(span_id=f"s{n}", trace_id="t", session_id="s", name="step", start_ns=t + n,
                             end_ns=t + n + 1)])
        await asyncio.sleep(0.02)
    elapsed = time.monotonic() - t0
    on_disk = writer.written_spans
    batches = writer.batches
    # Committed every interval, the trickle would take elapsed / 0.05 batches (16 or more).
    assert batches <= elapsed / writer.max_delay_s + 2, (batches, elapsed)
    assert on_disk > 0  # committed while the trickle ran, not held until close
    await writer.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM spans").fetchone()[0] == 40
