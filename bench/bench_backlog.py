"""Benchmark: what waits for the disk while a fast sender streams, for a given backlog bound.

Run: PYTHONPATH=src python bench/bench_backlog.py [--spans 60000] [--runs 3] [--bounds 50000,10000]

A real ``Monitor`` (receivers, pipeline, store, SQLite writer, backpressure)
in this process; a child process streams realistic span records over TCP as
fast as the connection takes them. For each bound on the writer backlog
(``Store.max_pending`` and the ``Flow`` limit; the default is
``store.limits.pending_bound``) it reports:

* end-to-end spans/s: first byte sent -> last span committed to the file;
* the backlog (spans and sessions changed in memory, not committed yet),
  sampled every 5 ms: its peak and mean are what a kill -9 at that moment
  would lose;
* how often the receivers were paused.

Runs of the bounds alternate, so they see the same machine load. Writes
nothing under docs/.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def sender(port: int, n_spans: int) -> None:
    sys.path.insert(0, str(HERE))
    import msgspec

    import bench_store as bs

    enc = msgspec.json.Encoder()
    lines = b"".join(enc.encode(r) + b"\n" for r in bs.wire_records(n_spans))
    with socket.create_connection(("127.0.0.1", port)) as s:
        print("ready", flush=True)
        sys.stdin.readline()
        s.sendall(lines)


async def one_run(n_spans: int, bound: int, tmp: Path) -> dict:
    from agenttrace_tui.config import Config
    from agenttrace_tui.runtime.monitor import Monitor

    mon = Monitor(Config(udp_port=0, tcp_port=0, otlp_port=0, otlp_grpc_port=None, socket="", db=str(tmp / "b.db"),
                         max_spans=max(200_000, n_spans + 1)))
    await mon.start()
    w = mon.writer
    assert w is not None and mon.pipeline.flow is not None
    mon.store.max_pending = mon.pipeline.flow.limit = bound
    port = mon.receivers.tcp_address[1]
    proc = subprocess.Popen([sys.executable, __file__, "--sender", str(port), str(n_spans)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdin is not None
    await asyncio.to_thread(proc.stdout.readline)
    samples: list[int] = []
    t0 = time.perf_counter()
    proc.stdin.write("go\n")
    proc.stdin.flush()
    deadline = t0 + 300
    while w.written_spans < n_spans and time.perf_counter() < deadline:
        samples.append(w.backlog)
        await asyncio.sleep(0.005)
    t = time.perf_counter() - t0
    proc.wait(timeout=60)
    pauses = mon.pipeline.flow.pauses
    await mon.stop()
    assert w.written_spans >= n_spans, (w.written_spans, n_spans)
    return {"rate": n_spans / t, "peak": max(samples), "mean": statistics.fmean(samples), "pauses": pauses}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--spans", type=int, default=60_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bounds", default="50000,10000")
    a = ap.parse_args()
    bounds = [int(b) for b in a.bounds.split(",")]
    res: dict[int, list[dict]] = {b: [] for b in bounds}
    print(f"load before: {os.getloadavg()[0]:.2f}", flush=True)
    for r in range(a.runs):
        for b in bounds:
            with tempfile.TemporaryDirectory(prefix="bench_backlog_") as tmp:
                x = asyncio.run(one_run(a.spans, b, Path(tmp)))
            res[b].append(x)
            print(f"  run {r} bound {b:>7,}: {x['rate']:8,.0f} spans/s, backlog peak {x['peak']:>7,} "
                  f"mean {x['mean']:>9,.0f}, pauses {x['pauses']}", flush=True)
    print(f"load after: {os.getloadavg()[0]:.2f}")
    for b, xs in res.items():
        print(f"bound {b:>7,}: median {statistics.median(x['rate'] for x in xs):,.0f} spans/s; backlog peak "
              f"{statistics.median(x['peak'] for x in xs):,.0f}, mean {statistics.median(x['mean'] for x in xs):,.0f}")


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "--sender":
        sender(int(sys.argv[2]), int(sys.argv[3]))
    else:
        main()
