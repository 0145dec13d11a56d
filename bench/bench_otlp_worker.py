"""Would a second process for OTLP decode pay? Measures the split before building it.

Same request bodies as bench_otlp (agent traces, 512 spans a request), two ways:

* in process: parse + convert + ``Pipeline.apply`` on one core (what the
  receivers do today);
* split: a worker process (multiprocessing, spawn) parses and converts each
  body and sends the updates back msgpack-encoded (msgspec); the main process
  decodes them typed and applies them, while the worker already converts the
  next body (at most ``INFLIGHT`` bodies in flight).

Prints wall spans/s, the main process's CPU µs per span (what the event loop
would spend), the worker's start-up time and its resident memory. Session
resolution against the store stays in the main process in a real split; here
the worker resolves with an empty store (the bench's traces are new), so the
main side is decode + apply only.

Run: PYTHONPATH=src python bench/bench_otlp_worker.py [--bodies N] [--runs N]
Writes docs/bench/results/otlp_worker.json (its section of docs/benchmarks.md).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import statistics
import sys
import time
from pathlib import Path

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parent))
from agenttrace_tui.ingest.otlp_decode import Rejects, convert_traces, parse
from agenttrace_tui.ingest.pipeline import Pipeline
from agenttrace_tui.model import Session, Span
from agenttrace_tui.store.memory import Store
from bench_otlp import agent_request
from machine import describe as machine
from results import row, save

INFLIGHT = 2
Chunk = tuple[list[Session], list[Span]]


def _arg(name: str, default: int) -> int:
    return int(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


def _worker(conn: mp.connection.Connection) -> None:
    enc = msgspec.msgpack.Encoder()
    conn.send_bytes(b"ready")
    while True:
        body = conn.recv_bytes()
        if not body:
            break
        t0 = time.thread_time()
        sessions: list[Session] = []
        spans: list[Span] = []
        for chunk in convert_traces(parse("traces", body, False), False, Rejects(), lambda t: None):
            for u in chunk:
                (spans if isinstance(u, Span) else sessions).append(u)
        out = enc.encode((sessions, spans))
        conn.send_bytes(out + (time.thread_time() - t0).hex().encode().rjust(32))


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def in_process(bodies: list[bytes]) -> tuple[float, float]:
    store = Store(max_spans=1_000_000)
    pipeline = Pipeline(store)
    t, c = time.perf_counter(), time.thread_time()
    for b in bodies:
        for chunk in convert_traces(parse("traces", b, False), False, Rejects(), lambda tid: None):
            pipeline.apply(chunk)
    return time.perf_counter() - t, time.thread_time() - c


def split(bodies: list[bytes], conn: mp.connection.Connection) -> tuple[float, float, float]:
    store = Store(max_spans=1_000_000)
    pipeline = Pipeline(store)
    dec = msgspec.msgpack.Decoder(tuple[list[Session], list[Span]])
    worker_cpu = 0.0
    t, c = time.perf_counter(), time.thread_time()
    sent = 0
    for _ in range(min(INFLIGHT, len(bodies))):
        conn.send_bytes(bodies[sent])
        sent += 1
    for _ in range(len(bodies)):
        msg = conn.recv_bytes()
        if sent < len(bodies):
            conn.send_bytes(bodies[sent])
            sent += 1
        worker_cpu += float.fromhex(msg[-32:].decode().strip())
        sessions, spans = dec.decode(msg[:-32])
        updates: list = [*sessions, *spans]
        for i in range(0, len(updates), 256):
            pipeline.apply(updates[i:i + 256])
    return time.perf_counter() - t, time.thread_time() - c, worker_cpu


def main() -> None:
    nb = _arg("--bodies", 20)
    runs = _arg("--runs", 3)
    bodies = [agent_request(i) for i in range(nb)]
    n = nb * 512
    ctx = mp.get_context("spawn")
    t0 = time.perf_counter()
    here, there = ctx.Pipe()
    proc = ctx.Process(target=_worker, args=(there,), daemon=True)
    proc.start()
    assert here.recv_bytes() == b"ready"
    startup = time.perf_counter() - t0
    results: dict[str, list[tuple[float, ...]]] = {"in process": [], "split": []}
    for _ in range(runs):
        results["in process"].append(in_process(bodies))
        results["split"].append(split(bodies, here))
    rss = _rss_kb(proc.pid or 0)
    here.send_bytes(b"")
    proc.join(5)
    print(f"{n} spans x {runs} runs, load {os.getloadavg()[0]:.1f}; worker start-up {startup * 1000:.0f} ms, "
          f"worker RSS {rss / 1024:.0f} MB")
    fig: dict[str, dict[str, float]] = {}
    for name, rs in results.items():
        wall = statistics.median(r[0] for r in rs)
        main_cpu = statistics.median(r[1] for r in rs) / n * 1e6
        fig[name] = {"spans_per_s": n / wall, "main_cpu_us": main_cpu}
        line = f"{name:10}  {n / wall:9,.0f} spans/s wall   main CPU {main_cpu:5.1f} µs/span"
        if len(rs[0]) > 2:
            fig[name]["worker_cpu_us"] = statistics.median(r[2] for r in rs) / n * 1e6
            line += f"   worker CPU {fig[name]['worker_cpu_us']:5.1f} µs/span"
        print(line)
    here_, split_ = fig["in process"], fig["split"]
    freed = 1 - split_["main_cpu_us"] / here_["main_cpu_us"]
    md = f"""## One process or two: OTLP decode in a worker process (`bench/bench_otlp_worker.py`)

Would a second process pay on 2 cores? The same OTLP requests as above ({n:,} spans, 512 a request),
decoded and stored two ways in one run: all in the monitor's process, and split, a worker process
(spawned) parsing and converting each body and sending typed updates back msgpack-encoded while the
monitor's process decodes and stores them. Medians of {runs} runs. The monitor's CPU per span is what
its event loop (shared with the receivers, the store and the UI) would spend.

| way | spans/s wall | monitor process CPU µs/span | worker CPU µs/span |
|---|---:|---:|---:|
| one process | {here_['spans_per_s']:,.0f} | {here_['main_cpu_us']:.1f} | |
| split in two | {split_['spans_per_s']:,.0f} | {split_['main_cpu_us']:.1f} | {split_.get('worker_cpu_us', 0):.1f} |

The split takes {freed:.0%} of the per-span CPU off the monitor's event loop and runs at
{split_['spans_per_s'] / here_['spans_per_s']:.2f}x the one-process rate, for a worker that takes
{startup * 1000:.0f} ms to start and {rss / 1024:.0f} MB of resident memory. What stays on the loop
(decoding the worker's updates and storing them) is the store's own cost, so the split cannot lift
OTLP ingest above the store's rate; and it brings a second failure domain (a worker that dies must
be restarted without losing the bodies in flight, and session resolution against the store, resource
attributes and reject counts must cross the pipe). The monitor therefore stays one process while the
store dominates; this run is how to re-decide when it no longer does.

- Machine: {machine()}
"""
    summary = [row("monitor CPU per OTLP span: decode in a worker process vs all in one", "reported (decides one process or two)",
                   f"{split_['main_cpu_us']:.1f} vs {here_['main_cpu_us']:.1f} µs; "
                   f"{split_['spans_per_s']:,.0f} vs {here_['spans_per_s']:,.0f} spans/s wall", None)]
    save("otlp_worker", machine=machine(), section=md, summary=summary, data={"spans": n, "runs": runs, "startup_ms": startup * 1000,
                                                           "worker_rss_mb": rss / 1024, "figures": fig})

if __name__ == "__main__":
    main()
