"""Benchmark: the SQLite writer in a child process, against the writer thread, same run.

Run: python bench/bench_writer_process.py [--runs 3] [--spans 40000]

The persistence-while-receiving scenario of ``bench_store.py`` (``Store.apply``
of realistic traffic as fast as the loop allows while the writer flushes;
the clock stops when the writer's ``close()`` has committed the last span),
run alternately with

* ``thread``: the real ``Writer`` (rows encoded and written in aiosqlite's
  thread, sharing the interpreter lock with the event loop), and
* ``process``: the same ``Writer`` (its flush loop, drain, chunking, trace
  summaries and queue unchanged) whose transactions go to a child process
  instead: each chunk of a group is sent as one msgspec msgpack frame over a
  pipe (the spans, described sessions and trace summary rows the loop took),
  and the child runs the writer's own ``encode_batch`` + statements in one
  transaction and answers with what it wrote. ``flush()`` still returns once
  the child has committed (what ``sync()`` and the OTLP acknowledgement
  rely on);
* ``pipelined``: the same, with the next drain (the store's fold, chunking,
  summary rows) and send overlapping the child's SQL (two groups in flight).

Prints, per variant, medians of: end-to-end spans/s, event-loop CPU per span
(``Store.apply``, the store's fold, the writer's share), the writer's CPU per
span in its thread or child process, and the share written while spans were
still arriving. Then checks that every variant's file holds the same rows
(spans with their bodies, events, traces, sessions): the design must not
change what is persisted. A prototype to decide on: it handles no unwritable
database, no row quarantine, no merge with the file's older rows, no child
that dies. Writes nothing under docs/.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import statistics
import struct
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import msgspec

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from agenttrace_tui.model import Session, Span  # noqa: E402
from agenttrace_tui.store.batch import batch_statements, encode_batch  # noqa: E402
from agenttrace_tui.store.memory import Store  # noqa: E402
from agenttrace_tui.store.schema import BUSY_TIMEOUT_MS, WRITER_PRAGMAS, ensure_schema  # noqa: E402
from agenttrace_tui.store.sqlite import Writer  # noqa: E402
from agenttrace_tui.store.write_state import _Group  # noqa: E402

_HEAD = struct.Struct("<I")
#: Pipe capacity asked for (Linux; up to /proc/sys/fs/pipe-max-size, 1 MiB by
#: default): a chunk of 1,000 spans (~400 KB) then goes in one write, instead
#: of asyncio's transport buffering it and moving the rest up after every 64 KiB.
PIPE_BYTES = 1 << 20


# -- the child: one SQLite connection, one transaction per frame -----------------------
def child_main(path: str) -> None:
    """Read frames from stdin, write each as one transaction, answer on stdout."""
    conn = sqlite3.connect(path, isolation_level="IMMEDIATE", check_same_thread=False)
    for pragma in WRITER_PRAGMAS:
        conn.execute(pragma)
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    decode_part = msgspec.msgpack.Decoder(tuple[bool, list[Span], list[Session], dict[str, list[Any] | None]]).decode
    enc = msgspec.msgpack.Encoder()
    rd, wr = sys.stdin.buffer, sys.stdout.buffer
    # Ready (the parent's start() waits for this, as the writer's waits for its
    # connection); CPU is counted from here: start-up is not per span.
    cpu0 = time.process_time()
    written = bad = 0
    failed = False
    ready = enc.encode([0, 0, 0.0])
    wr.write(_HEAD.pack(len(ready)) + ready)
    wr.flush()
    while True:
        head = rd.read(4)
        if len(head) < 4:
            break  # the parent went away: what was committed stays, nothing is half-written
        body = rd.read(_HEAD.unpack(head)[0])
        if body == b"close":
            conn.execute("PRAGMA optimize")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            reply = enc.encode([0, 0, time.process_time() - cpu0])
            wr.write(_HEAD.pack(len(reply)) + reply)
            wr.flush()
            break
        last, spans, sessions, summaries = decode_part(body)
        if failed:
            if last:
                failed = False
            continue
        try:
            batch = encode_batch(spans, sessions, (), summaries=summaries)
            for sql, params, many in batch_statements(batch):
                if many:
                    conn.executemany(sql, params)
                else:
                    conn.execute(sql, params)
            written += len(batch.spans)
            bad += batch.bad
            if not last:
                continue  # the group's next chunk follows, in the same transaction
            conn.commit()
        except Exception:  # noqa: BLE001 -- the parent counts it; the prototype has no row isolation
            conn.rollback()
            written = -1
            failed = not last  # skip the rest of the group
        reply = enc.encode([written, bad, time.process_time() - cpu0])
        wr.write(_HEAD.pack(len(reply)) + reply)
        wr.flush()
        written = bad = 0
    conn.close()


# -- the parent: the real Writer, its transactions sent to the child --------------------
class _Child:
    """Stands where the aiosqlite connection was (the writer checks it is set)."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.enc = msgspec.msgpack.Encoder()
        self.dec = msgspec.msgpack.Decoder(list[Any])
        self.cpu = 0.0

    async def send(self, payload: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(_HEAD.pack(len(payload)) + payload)
        await self.proc.stdin.drain()

    async def call(self, payload: bytes) -> list[Any]:
        await self.send(payload)
        return await self.reply()

    async def reply(self) -> list[Any]:
        assert self.proc.stdout is not None
        head = await self.proc.stdout.readexactly(4)
        reply = self.dec.decode(await self.proc.stdout.readexactly(_HEAD.unpack(head)[0]))
        self.cpu = reply[2]
        return reply


class ProcessWriter(Writer):
    """``Writer`` whose transactions run in a child process (prototype)."""

    child_cpu = 0.0

    async def start(self) -> None:
        await asyncio.to_thread(ensure_schema, self.path)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--child", str(self.path),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )
        try:
            import fcntl

            fd = proc.stdin.get_extra_info("pipe").fileno()  # type: ignore[union-attr]
            fcntl.fcntl(fd, 1031, PIPE_BYTES)  # F_SETPIPE_SZ
        except (OSError, AttributeError, ImportError):
            pass  # a smaller pipe only costs more writes
        child = _Child(proc)
        await child.reply()  # connected, pragmas set
        self._conn = child  # type: ignore[assignment]
        self._task = asyncio.create_task(self._run(), name="agenttrace-sqlite-writer-process")

    async def _write(self, g: _Group) -> int | None:
        await self._send(g)
        return await self._take_reply(g)

    async def _send(self, g: _Group) -> None:
        child: _Child = self._conn  # type: ignore[assignment]
        g.attempts += 1
        # One frame per chunk (each fits the pipe); the child commits after the last.
        for i, p in enumerate(g.parts):
            assert not p.metrics, "the prototype carries no metric series"
            spans, summaries = await self._merge_with_file(self._conn, p)  # type: ignore[arg-type]
            await child.send(child.enc.encode((i == len(g.parts) - 1, spans, p.sessions, summaries)))

    async def _take_reply(self, g: _Group) -> int | None:
        child: _Child = self._conn  # type: ignore[assignment]
        written, bad, _ = await child.reply()
        if written < 0:
            self.errors += 1
            return None
        self.written_spans += written
        self.batches += len(g.parts)
        self.errors += bad
        return written

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = self._closing = True
        if self._task is not None:
            await self._task
        while True:
            await self.flush()
            if not self._queue and not self.store.dirty_count:
                break
        child: _Child = self._conn  # type: ignore[assignment]
        await child.call(b"close")
        await child.proc.wait()
        self.child_cpu = child.cpu  # the child's own process time, reported with its last answer
        self._conn = None


class PipelinedProcessWriter(ProcessWriter):
    """Also drains and sends the next spans while the child writes the last.

    ``Writer.flush`` drains, then awaits each transaction in turn: the loop's
    drain (the store's fold of changed spans, chunking, summary rows) and the
    child's SQL take turns. Here a flush keeps up to ``IN_FLIGHT`` groups
    sent and not yet committed and drains again as soon as a chunk's worth
    is dirty, so both cores work at once. It returns once everything it sent
    is committed (``sync`` semantics kept), but under sustained load only
    when the loop falls below a chunk per round trip (a real writer would
    bound it).
    """

    IN_FLIGHT = 2

    async def flush(self) -> int:
        assert self._conn is not None
        async with self._lock:
            written = 0
            sent: list[_Group] = []
            while True:
                if not self._queue and not self._drain():
                    break
                while self._queue:
                    g = self._queue.popleft()
                    self._queued_spans -= g.spans
                    await self._send(g)
                    sent.append(g)
                    if len(sent) >= self.IN_FLIGHT:
                        written += await self._take_reply(sent.pop(0)) or 0
                if self.store.dirty_count < self.max_batch:
                    break
            for g in sent:
                written += await self._take_reply(g) or 0
        return written


# -- the scenario ------------------------------------------------------------------------
async def persist(chunks: list[bytes], path: Path, kind: str) -> dict:
    import bench_store as bs

    batches = bs.updates_from(chunks)
    n_spans = len({(u.trace_id, u.span_id) for b in batches for u in b if isinstance(u, Span)})
    store = Store(max_spans=max(200_000, n_spans + 1))
    writer = {"process": ProcessWriter, "pipelined": PipelinedProcessWriter, "thread": Writer}[kind](store, path)
    await writer.start()
    loop0, proc0 = time.thread_time(), time.process_time()
    t0 = time.perf_counter()
    for b in batches:
        store.apply(b)
        await asyncio.sleep(0)  # receivers yield to the loop between datagrams
    during = writer.written_spans
    await writer.close()
    t_total = time.perf_counter() - t0
    loop_cpu, proc_cpu = time.thread_time() - loop0, time.process_time() - proc0
    # The thread's CPU is the process's minus the loop's; the child reports its own.
    writer_cpu = writer.child_cpu if isinstance(writer, ProcessWriter) else proc_cpu - loop_cpu
    assert writer.written_spans >= n_spans and writer.errors == 0, (writer.written_spans, n_spans, writer.last_error)
    return {"spans": n_spans, "rate": n_spans / t_total, "loop_us": loop_cpu / n_spans * 1e6,
            "writer_us": writer_cpu / n_spans * 1e6, "during": during / n_spans}


def dump(path: Path) -> dict[str, list]:
    conn = sqlite3.connect(path)
    try:
        return {
            "spans": conn.execute("SELECT * FROM spans ORDER BY trace_id, span_id").fetchall(),
            "span_events": conn.execute("SELECT * FROM span_events ORDER BY trace_id, span_id, seq").fetchall(),
            "traces": conn.execute("SELECT * FROM traces ORDER BY trace_id").fetchall(),
            "sessions": conn.execute("SELECT * FROM sessions ORDER BY id").fetchall(),
        }
    finally:
        conn.close()


def main() -> None:
    import bench_store as bs

    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--spans", type=int, default=40_000)
    a = ap.parse_args()
    chunks = bs.payloads(bs.wire_records(a.spans), per=100)
    res: dict[str, list[dict]] = {"thread": [], "process": [], "pipelined": []}
    print(f"load before: {os.getloadavg()[0]:.2f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench_writer_process_") as tmp:
        for r in range(a.runs):
            for kind in res:
                out = asyncio.run(persist(chunks, Path(tmp) / f"{kind}{r}.db", kind))
                res[kind].append(out)
                print(f"  run {r} {kind:9s}: {out['rate']:8,.0f} spans/s  loop {out['loop_us']:5.1f} us/span  "
                      f"writer {out['writer_us']:5.1f} us/span  written while applying {out['during']:4.0%}", flush=True)
        base = dump(Path(tmp) / "thread0.db")
        same = all(dump(Path(tmp) / f"{k}0.db") == base for k in res)
    print(f"load after: {os.getloadavg()[0]:.2f}")
    for kind, rs in res.items():
        def med(k: str, rs: list[dict] = rs) -> float:
            return statistics.median(x[k] for x in rs)
        print(f"{kind:9s} median of {len(rs)}: {med('rate'):,.0f} spans/s end to end; CPU us/span: loop {med('loop_us'):.1f}, "
              f"writer ({'its thread' if kind == 'thread' else 'child process'}) {med('writer_us'):.1f}; "
              f"written while applying {med('during'):.0%}")
    print(f"same rows in every variant's file (spans with bodies, events, traces, sessions): {same}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "--child":
        child_main(sys.argv[2])
    else:
        main()
