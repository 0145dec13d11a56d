"""Would a second process pay? Decode in a worker process against all in one, measured before building it.

Two workloads, each stored two ways in one run (medians of ``--runs``):

* OTLP: the request bodies of bench_otlp (agent traces, 512 spans a request).
  One process: parse + convert + ``Pipeline.apply``, as the OTLP receivers do.
* native stream: the TCP benchmark's records (bench_ingest: model calls under an
  agent span, ~470 bytes a line), 200 lines a read. One process: ``Pipeline.feed_many`` and
  ``settle`` per read, as the stream receiver does.

Split: a worker process (multiprocessing, spawn) turns each body into checked
updates (OTLP: parse + convert; native: decode + normalise + the door's check)
and sends them back msgpack-encoded (msgspec); the main process decodes them
typed and stores them, while the worker already works on the next body (at
most ``INFLIGHT`` bodies in flight). For the native records a third way is
the floor of any split: the store alone (the same updates built before the
clock starts, then stored and folded as the receiver does), which is what
stays on the monitor's loop wherever decoding runs.

All ways run under the monitor's GC policy (runtime/gcpolicy.py), the
collection of what a run left counted in its time. Prints wall spans/s, the
main process's CPU µs per span (what the event loop would spend), the
worker's CPU, its start-up time and its resident memory. Session resolution
against the store stays in the main process in a real split; here the worker
resolves with an empty store (the bench's traces are new).

Run: PYTHONPATH=src python bench/bench_worker.py [--bodies N] [--reads N] [--runs N]
Writes docs/bench/results/worker.json (its section of docs/benchmarks.md).
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parent))
from agenttrace_tui.ingest.otlp_decode import Rejects, convert_traces, parse
from agenttrace_tui.ingest.pipeline import Pipeline
from agenttrace_tui.ingest.protocol import decode_batch
from agenttrace_tui.model import Session, Span, Update
from agenttrace_tui.normalize.limits import check
from agenttrace_tui.normalize.native import normalize
from agenttrace_tui.runtime.gcpolicy import GcPolicy
from agenttrace_tui.store.memory import Store
from bench_ingest import TCP_LINES_PER_WRITE, record, template
from bench_otlp import agent_request
from machine import describe as machine
from results import row, save

INFLIGHT = 2
#: The stream rate (spans/s) the TCP target asks for: 1e6 / it is the CPU µs a span that leaves on one core.
STREAM_TARGET = 200_000
OTLP, NATIVE = b"o", b"n"
Updates = tuple[list[Session], list[Span]]


def _arg(name: str, default: int) -> int:
    return int(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


def _ignore(*_: object) -> None:
    pass


def _otlp_updates(body: bytes) -> list[Update]:
    return [u for chunk in convert_traces(parse("traces", body, False), False, Rejects(), _ignore) for u in chunk]


def _native_updates(lines: list[bytes]) -> list[Update]:
    records, _, _ = decode_batch(lines)
    updates, _ = normalize(records)
    return check(updates, _ignore)


def _split(updates: list[Update]) -> Updates:
    sessions: list[Session] = []
    spans: list[Span] = []
    for u in updates:
        if isinstance(u, Span):
            spans.append(u)
        elif isinstance(u, Session):
            sessions.append(u)
        else:
            raise TypeError(f"the bench's workloads are sessions and spans, not {type(u).__name__}")
    return sessions, spans


def _worker(conn: mp.connection.Connection) -> None:
    enc = msgspec.msgpack.Encoder()
    conn.send_bytes(b"ready")
    while True:
        msg = conn.recv_bytes()
        if not msg:
            break
        t0 = time.thread_time()
        tag, body = msg[:1], msg[1:]
        updates = _otlp_updates(body) if tag == OTLP else _native_updates(body.split(b"\n"))
        out = enc.encode(_split(updates))
        conn.send_bytes(out + (time.thread_time() - t0).hex().encode().rjust(32))


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _timed(fn: Callable[[], float]) -> tuple[float, float, float]:
    """(wall s, main CPU s, worker CPU s) of ``fn`` (which returns the worker's CPU) under the GC policy."""
    policy = GcPolicy()
    policy.start()
    try:
        t, c = time.perf_counter(), time.thread_time()
        worker_cpu = fn()
        gc.collect()
        return time.perf_counter() - t, time.thread_time() - c, worker_cpu
    finally:
        policy.stop()


def otlp_one(bodies: list[bytes]) -> tuple[float, float, float]:
    pipeline = Pipeline(Store(max_spans=1_000_000))

    def run() -> float:
        for b in bodies:
            for chunk in convert_traces(parse("traces", b, False), False, Rejects(), _ignore):
                pipeline.apply(chunk)
        pipeline.store.flush_aggregates()
        return 0.0
    return _timed(run)


def native_one(reads: list[list[bytes]]) -> tuple[float, float, float]:
    pipeline = Pipeline(Store(max_spans=1_000_000))

    def run() -> float:
        for lines in reads:
            pipeline.feed_many(lines, "tcp")
            pipeline.settle()
        pipeline.store.flush_aggregates()
        return 0.0
    return _timed(run)


def native_store_only(reads: list[list[bytes]]) -> tuple[float, float, float]:
    pipeline = Pipeline(Store(max_spans=1_000_000))
    built = [_native_updates(lines) for lines in reads]

    def run() -> float:
        store = pipeline.store
        for updates in built:
            store.apply(updates)
            pipeline.unsettled += len(updates)
            pipeline.settle()
        store.flush_aggregates()
        return 0.0
    return _timed(run)


def split(msgs: list[bytes], conn: mp.connection.Connection, otlp: bool) -> tuple[float, float, float]:
    """Send each tagged body to the worker; decode and store what comes back (OTLP: through
    ``Pipeline.apply``, as its receivers do; native: ``Store.apply``, the worker having checked it)."""
    pipeline = Pipeline(Store(max_spans=1_000_000))
    dec = msgspec.msgpack.Decoder(Updates)

    def run() -> float:
        store = pipeline.store
        worker_cpu = 0.0
        sent = 0
        for _ in range(min(INFLIGHT, len(msgs))):
            conn.send_bytes(msgs[sent])
            sent += 1
        for _ in range(len(msgs)):
            msg = conn.recv_bytes()
            if sent < len(msgs):
                conn.send_bytes(msgs[sent])
                sent += 1
            worker_cpu += float.fromhex(msg[-32:].decode().strip())
            sessions, spans = dec.decode(msg[:-32])
            updates: list[Update] = [*sessions, *spans]
            if otlp:
                for i in range(0, len(updates), 256):
                    pipeline.apply(updates[i:i + 256])
            else:
                store.apply(updates)
                pipeline.unsettled += len(updates)
                pipeline.settle()
        store.flush_aggregates()
        return worker_cpu
    return _timed(run)


def _figures(rs: list[tuple[float, float, float]], n: int) -> dict[str, float]:
    fig = {"spans_per_s": n / statistics.median(r[0] for r in rs),
           "main_cpu_us": statistics.median(r[1] for r in rs) / n * 1e6}
    if rs[0][2]:
        fig["worker_cpu_us"] = statistics.median(r[2] for r in rs) / n * 1e6
    return fig


def _verdict(us: float, budget: float) -> str:
    return "within it" if us <= budget else "over it"


def _table(rows: list[tuple[str, dict[str, float]]]) -> str:
    out = ["| way | spans/s wall | monitor process CPU µs/span | worker CPU µs/span |", "|---|---:|---:|---:|"]
    for name, f in rows:
        worker = f"{f['worker_cpu_us']:.1f}" if "worker_cpu_us" in f else ""
        out.append(f"| {name} | {f['spans_per_s']:,.0f} | {f['main_cpu_us']:.1f} | {worker} |")
    return "\n".join(out)


def main() -> None:
    nb = _arg("--bodies", 20)
    nreads = _arg("--reads", 250)
    runs = _arg("--runs", 3)
    bodies = [agent_request(i) for i in range(nb)]
    n_otlp = nb * 512
    tpl = template("bench")
    per = TCP_LINES_PER_WRITE
    reads = [[record(tpl, r * per + k) for k in range(per)] for r in range(nreads)]
    n_native = nreads * per
    ctx = mp.get_context("spawn")
    t0 = time.perf_counter()
    here, there = ctx.Pipe()
    proc = ctx.Process(target=_worker, args=(there,), daemon=True)
    proc.start()
    assert here.recv_bytes() == b"ready"
    startup = time.perf_counter() - t0
    otlp_msgs = [OTLP + b for b in bodies]
    native_msgs = [NATIVE + b"\n".join(lines) for lines in reads]
    res: dict[str, list[tuple[float, float, float]]] = {k: [] for k in ("otlp one", "otlp split", "native one",
                                                                      "native split", "native store")}
    for _ in range(runs):
        res["otlp one"].append(otlp_one(bodies))
        res["otlp split"].append(split(otlp_msgs, here, otlp=True))
        res["native one"].append(native_one(reads))
        res["native split"].append(split(native_msgs, here, otlp=False))
        res["native store"].append(native_store_only(reads))
    rss = _rss_kb(proc.pid or 0)
    here.send_bytes(b"")
    proc.join(5)
    fig = {k: _figures(rs, n_otlp if k.startswith("otlp") else n_native) for k, rs in res.items()}
    print(f"OTLP {n_otlp} and native {n_native} spans x {runs} runs, load {os.getloadavg()[0]:.1f}; "
          f"worker start-up {startup * 1000:.0f} ms, worker RSS {rss / 1024:.0f} MB")
    for k, f in fig.items():
        print(f"{k:13} {f['spans_per_s']:9,.0f} spans/s wall   main CPU {f['main_cpu_us']:5.2f} µs/span"
              + (f"   worker CPU {f['worker_cpu_us']:5.2f} µs/span" if "worker_cpu_us" in f else ""))
    o1, o2 = fig["otlp one"], fig["otlp split"]
    n1, n2, ns = fig["native one"], fig["native split"], fig["native store"]
    budget_us = 1e6 / STREAM_TARGET
    moved_back = n2['main_cpu_us'] - ns['main_cpu_us']  # the typed decode a split adds to the loop
    moved_off = n1['main_cpu_us'] - ns['main_cpu_us']  # decode + normalise + check in one process
    md = f"""## One process or two: decode in a worker process (`bench/bench_worker.py`)

Would a second process pay on 2 cores? Two workloads, each decoded and stored two ways in one run:
all in the monitor's process, and split, a worker process (spawned) turning each body into checked
updates and sending them back msgpack-encoded while the monitor's process decodes them typed and
stores them. Medians of {runs} runs under the monitor's GC policy. The monitor's CPU per span is
what its event loop (shared with the receivers, the store and the UI) would spend.

OTLP: the requests of the OTLP section ({n_otlp:,} spans, 512 a request); the worker parses and converts.

{_table([("one process", o1), ("split in two", o2)])}

Native stream: the TCP benchmark's records ({n_native:,} model-call spans, {per} lines a read); the worker
decodes, normalises and checks. The store alone is the floor of any split: the same updates built
before the clock starts, then stored and folded as the stream receiver does.

{_table([("one process", n1), ("split in two", n2), ("the store alone (floor of a split)", ns)])}

The split takes {1 - o2['main_cpu_us'] / o1['main_cpu_us']:.0%} of the per-span CPU off the monitor's loop for OTLP \
and {1 - n2['main_cpu_us'] / n1['main_cpu_us']:.0%} for the native stream, and runs at \
{o2['spans_per_s'] / o1['spans_per_s']:.2f}x and {n2['spans_per_s'] / n1['spans_per_s']:.2f}x the one-process rates \
with no sender on the machine, for a worker that takes {startup * 1000:.0f} ms to start and \
{rss / 1024:.0f} MB of resident memory.

What stays on the loop in a split is decoding the worker's updates and the store. For the native \
stream the typed decode of the updates costs {moved_back:.1f} µs a span, \
{moved_back / moved_off:.0%} of what decoding, normalising and checking the wire records costs in one \
process ({moved_off:.1f} µs): crossing the process boundary as Python objects gives back a good part of \
what the worker takes. Against the {budget_us:.0f} µs a span that {STREAM_TARGET:,} stream spans/s leave on \
one core, the store alone spends {ns['main_cpu_us']:.1f} µs ({_verdict(ns['main_cpu_us'], budget_us)}), \
the split's loop {n2['main_cpu_us']:.1f} µs ({_verdict(n2['main_cpu_us'], budget_us)}) and one process \
{n1['main_cpu_us']:.1f} µs ({_verdict(n1['main_cpu_us'], budget_us)}); and on 2 cores a split's worker \
shares the second core with the sender. A split also brings a second failure domain (a worker that \
dies must be restarted without losing the bodies in flight; session resolution against the store, \
resource attributes, sequence gaps and reject counts must cross the pipe). The monitor stays one \
process: the stream rate needs fewer Python operations a span from the decoder to the store, not a \
second process; this run is how to re-decide.

- Machine: {machine()}
"""
    summary = [
        row("monitor CPU per OTLP span: decode in a worker process vs all in one", "reported (decides one process or two)",
            f"{o2['main_cpu_us']:.1f} vs {o1['main_cpu_us']:.1f} µs; "
            f"{o2['spans_per_s']:,.0f} vs {o1['spans_per_s']:,.0f} spans/s wall", None),
        row("monitor CPU per native stream span: decode in a worker process vs all in one; the store alone",
            "reported (decides one process or two)",
            f"{n2['main_cpu_us']:.1f} vs {n1['main_cpu_us']:.1f} µs; store alone {ns['main_cpu_us']:.1f} µs "
            f"(a {STREAM_TARGET:,}/s stream leaves {budget_us:.0f}); "
            f"{n2['spans_per_s']:,.0f} vs {n1['spans_per_s']:,.0f} spans/s wall", None),
    ]
    save("worker", machine=machine(), section=md, summary=summary,
         data={"otlp_spans": n_otlp, "native_spans": n_native, "runs": runs, "startup_ms": startup * 1000,
               "worker_rss_mb": rss / 1024, "figures": fig})


if __name__ == "__main__":
    main()
