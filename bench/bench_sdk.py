"""SDK benchmark: agent-side cost per span, and UDP loss at 20k spans/s.

    PYTHONPATH=src python bench/bench_sdk.py

1. Cost per span on the agent's thread: ``with span(name, kind, 5 attributes)``
   in a tight loop while the sender thread runs and writes to a draining UDP
   receiver in another process. Compared in the same run, interleaved, with
   a no-op baseline (a context manager that does nothing with the same
   arguments) and the OpenTelemetry Python SDK with a BatchSpanProcessor
   (null exporter, so only the SDK's own cost is measured). Median of
   several runs. "sustained" also waits for the sender to drain the queue,
   i.e. the cost per span the process pays in total.
2. Loss: an agent paced at 20,000 spans/s for a few seconds sends to a
   receiver process that drains its socket and counts lost records from the
   sequence numbers (the monitor's own counter, ``IngestStats.sequence``).

Writes docs/bench/sdk.md.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from machine import describe as machine
from results import row, save

ROOT = Path(__file__).resolve().parent.parent
if not os.environ.get("PYTHONPATH"):  # (when set, it names the tree measured: another checkout's src)
    sys.path.insert(0, str(ROOT / "src"))

from agenttrace_tui.sdk import Tracer  # noqa: E402

N = 30_000
RUNS = 7
LOSS_RATE = 20_000
LOSS_SECONDS = 5

RECEIVER = r"""
import socket, sys, json, time
sys.path.insert(0, sys.argv[2])
from agenttrace_tui.ingest.protocol import decode
from agenttrace_tui.ingest.stats import IngestStats
mode = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 * 1024 * 1024)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF), flush=True)
stats = IngestStats()
records = datagrams = 0
finished = set()
s.settimeout(0.5)
while True:
    try:
        data = s.recv(65536)
    except socket.timeout:
        continue
    if data == b"STOP":
        break
    datagrams += 1
    if mode == "count":
        recs, _ = decode(data)
        for r in recs:
            if r.sender is not None and r.seq is not None:
                stats.sequence(r.sender, r.seq)
            records += 1
            if getattr(r, "end_ns", None) is not None:
                finished.add(r.span_id)
print(json.dumps({"records": records, "spans": len(finished), "datagrams": datagrams, "lost": stats.lost}), flush=True)
"""


def start_receiver(mode: str) -> tuple[subprocess.Popen, int, int]:
    proc = subprocess.Popen([sys.executable, "-c", RECEIVER, mode, str(ROOT / "src")], stdout=subprocess.PIPE, text=True)
    port, rcvbuf = map(int, proc.stdout.readline().split())
    return proc, port, rcvbuf


def stop_receiver(proc: subprocess.Popen, port: int) -> dict:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    result = None
    for _ in range(50):
        s.sendto(b"STOP", ("127.0.0.1", port))
        try:
            out = proc.stdout.readline()
        except Exception:  # noqa: BLE001
            out = ""
        if out:
            result = json.loads(out)
            break
    proc.wait(timeout=10)
    return result or {}


class _Noop:
    __slots__ = ()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


_NOOP = _Noop()


def noop_span(name, kind="custom", **attrs):
    return _NOOP


# Each loop reports (wall seconds per span, agent-thread CPU seconds per span,
# whole-process CPU seconds per span). CPU time is what the agent pays even
# when other workers make wall-clock time noisy; the process figure includes
# the sender thread (and, for OpenTelemetry, its batch thread).
def _clocks() -> tuple[float, float, float]:
    return time.perf_counter(), time.thread_time(), time.process_time()


def _per(t0: tuple[float, float, float], t1: tuple[float, float, float], n: int) -> tuple[float, float, float]:
    return tuple((b - a) / n for a, b in zip(t0, t1, strict=True))  # type: ignore[return-value]


def loop_noop(n: int) -> tuple[float, float, float]:
    t0 = _clocks()
    for i in range(n):
        with noop_span("op", "tool_execution", model="gpt-4o", tool="filesystem", path="/src/main.rs", attempt=i, ok=True):
            pass
    return _per(t0, _clocks(), n)


def loop_sdk(tracer: Tracer, n: int) -> tuple[float, float, float]:
    span = tracer.span
    t0 = _clocks()
    for i in range(n):
        with span("op", "tool_execution", model="gpt-4o", tool="filesystem", path="/src/main.rs", attempt=i, ok=True):
            pass
    t1 = _clocks()
    tracer.flush(30)  # the sender's share of the work, for the process CPU figure
    t2 = _clocks()
    return (t1[0] - t0[0]) / n, (t1[1] - t0[1]) / n, (t2[2] - t0[2]) / n


def make_otel():
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import (
        BatchSpanProcessor,
        SpanExporter,
        SpanExportResult,
    )

    class NullExporter(SpanExporter):
        def export(self, spans):
            return SpanExportResult.SUCCESS

        def shutdown(self):
            pass

    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(NullExporter()))
    return provider, provider.get_tracer("bench")


def loop_otel(provider, tracer, n: int) -> tuple[float, float, float]:
    start = tracer.start_as_current_span
    t0 = _clocks()
    for i in range(n):
        with start("op", attributes={"model": "gpt-4o", "tool": "filesystem", "path": "/src/main.rs", "attempt": i, "ok": True}):
            pass
    t1 = _clocks()
    provider.force_flush()
    t2 = _clocks()
    return (t1[0] - t0[0]) / n, (t1[1] - t0[1]) / n, (t2[2] - t0[2]) / n


def cost_per_span() -> dict:
    proc, port, _rcvbuf = start_receiver("drain")
    tracer = Tracer("bench", endpoint=f"udp://127.0.0.1:{port}", set_global=False, queue_size=4 * N)
    provider, otel = make_otel()
    res: dict[str, list[tuple[float, float, float]]] = {"noop": [], "sdk": [], "otel": []}
    loop_noop(2000), loop_sdk(tracer, 2000), loop_otel(provider, otel, 2000)  # warm up
    for _ in range(RUNS):
        res["noop"].append(loop_noop(N))
        res["sdk"].append(loop_sdk(tracer, N))
        res["otel"].append(loop_otel(provider, otel, N // 3))
    stats = tracer.stats()
    tracer.close()
    provider.shutdown()
    stop_receiver(proc, port)
    med = {f"{k}_{clock}": statistics.median(r[i] for r in v) * 1e6 for k, v in res.items() for i, clock in enumerate(("wall", "thread", "process"))}
    med["dropped"] = stats["dropped"]
    return med


def loss_at_rate(rate: int, seconds: float) -> dict:
    proc, port, rcvbuf = start_receiver("count")
    tracer = Tracer("bench-loss", endpoint=f"udp://127.0.0.1:{port}", set_global=False)
    total = rate * seconds
    per_tick = max(1, rate // 1000)  # bursts every millisecond
    sent = 0
    t0 = time.perf_counter()
    span = tracer.span
    while sent < total:
        for _ in range(per_tick):
            with span("tick", "tool_execution", i=sent, model="gpt-4o-mini"):
                pass
            sent += 1
        target = t0 + sent / rate
        delay = target - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
    elapsed = time.perf_counter() - t0
    tracer.flush(30)
    stats = tracer.stats()
    tracer.close()
    time.sleep(0.5)
    got = stop_receiver(proc, port)
    spans_seen = got.get("spans", 0)  # distinct spans whose end arrived
    return {
        "rate": rate,
        "achieved": sent / elapsed,
        "sent_spans": sent,
        "received_spans": spans_seen,
        "records": got.get("records", 0),
        "lost_seq": got.get("lost", -1),
        "dropped_queue": stats["dropped"],
        "datagrams": got.get("datagrams", 0),
        "rcvbuf": rcvbuf,
        "loss_pct": 100.0 * max(0, sent - spans_seen) / sent,
    }


def main() -> None:
    cost = cost_per_span()
    print(json.dumps(cost, indent=1))
    loss = loss_at_rate(LOSS_RATE, LOSS_SECONDS)
    print(json.dumps(loss, indent=1))
    c = cost
    ref = 23.0  # OpenTelemetry's cost per span on an idle machine of this kind (the reference for the target)
    scale = ref / c["otel_thread"]
    lines = [
        "## SDK (agent side)",
        "",
        f"Measured on {machine()} (a shared machine)",
        "(wall-clock numbers are noisy; CPU-time numbers much less so; all ratios come from the same run, interleaved).",
        "",
        f"Cost per span: `with span(name, kind, 5 attributes): pass`, median of {RUNS} runs of {N:,} spans,",
        "sender thread running and writing UDP to a draining receiver in another process.",
        "*agent thread* = CPU time of the thread running the loop (what the agent's code pays);",
        "*process* = CPU time of the whole process per span including the background thread's",
        "building, encoding and sending (measured up to a completed flush); *wall* = elapsed time of the loop.",
        "",
        "| variant | agent thread µs/span | process µs/span | wall µs/span |",
        "|---|---:|---:|---:|",
        f"| no-op context manager (baseline) | {c['noop_thread']:.2f} | {c['noop_process']:.2f} | {c['noop_wall']:.2f} |",
        f"| agenttrace SDK | {c['sdk_thread']:.2f} | {c['sdk_process']:.2f} | {c['sdk_wall']:.2f} |",
        f"| OpenTelemetry SDK + BatchSpanProcessor (null exporter) | {c['otel_thread']:.2f} | {c['otel_process']:.2f} | {c['otel_wall']:.2f} |",
        "",
        f"- SDK over the no-op baseline, agent thread: {c['sdk_thread'] - c['noop_thread']:.2f} µs/span "
        f"({c['sdk_thread'] / c['noop_thread']:.1f}x the baseline loop).",
        f"- OpenTelemetry costs {c['otel_thread'] / c['sdk_thread']:.1f}x the SDK on the agent thread "
        f"and {c['otel_process'] / c['sdk_process']:.1f}x per span for the whole process.",
        f"- Scaled to the reference (OpenTelemetry = {ref:.0f} µs/span on an idle machine), the SDK's agent-thread "
        f"cost is {c['sdk_thread'] * scale:.2f} µs/span and its whole-process cost {c['sdk_process'] * scale:.2f} µs/span "
        "(target: median <= 5 µs).",
        f"- Queue drops during the runs: {c['dropped']}.",
        "",
        "The agent thread only creates the span object and appends it to a deque at entry and exit; building",
        "the record, encoding (msgspec) and sending happen on the sender thread, which coalesces a span that has",
        "already ended into one `span` record and packs records into JSON-array datagrams (<= 16 KiB).",
        "",
        f"UDP loss at {loss['rate']:,} spans/s for {LOSS_SECONDS} s (paced in 1 ms bursts) to a receiver process",
        f"that drains its socket (SO_RCVBUF granted: {loss['rcvbuf']:,} bytes) and counts gaps in the sequence numbers:",
        "",
        "| spans sent | achieved rate | spans received (ended) | records | lost records (seq gaps) | queue drops | datagrams | loss |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {loss['sent_spans']:,} | {loss['achieved']:,.0f}/s | {loss['received_spans']:,} | {loss['records']:,} | {loss['lost_seq']} "
        f"| {loss['dropped_queue']} | {loss['datagrams']:,} | {loss['loss_pct']:.3f} % |",
        "",
        "(records = spans + 2 session records + one extra record for each span whose start the sender",
        "picked up before the span ended, which then goes out as `span_start` + `span_end`.)",
        "",
        "Target: < 0.1 % loss at 20k spans/s.",
        "",
    ]
    summary = [
        row("SDK cost per span, agent thread", "<= 5 µs",
            f"{c['sdk_thread']:.2f} µs (OpenTelemetry + BatchSpanProcessor: {c['otel_thread']:.1f} µs, "
            f"{c['otel_thread'] / c['sdk_thread']:.1f}x)", c["sdk_thread"] <= 5),
        row(f"SDK at {loss['rate'] // 1000}k spans/s over UDP", "< 0.1 % loss", f"{loss['loss_pct']:.3f} %", loss["loss_pct"] < 0.1),
    ]
    out = save("sdk", machine=machine(), section="\n".join(lines), summary=summary, data={"cost": cost, "loss": loss})
    print("\n".join(lines))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
