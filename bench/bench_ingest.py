"""Ingest benchmark: UDP spans/s at < 0.1 % loss, TCP stream spans/s with zero loss.

Run: ``PYTHONPATH=src python bench/bench_ingest.py`` (about 2-3 minutes).
Writes a Markdown section to docs/bench/ingest.md and prints it.

Each measurement runs a *receiving process* (the real Pipeline + Store +
receivers on an asyncio loop, priced as the monitor prices: bench/wiring.py)
and a separate *sending process*:

- UDP: the sender is paced at fixed rates (steps of a few seconds each) with
  realistic span records (~470 bytes) carrying sender + seq. Loss is what the
  receiver never accepted (sent - accepted; seq gaps are reported too).
  Baseline in the same run: a plain asyncio DatagramProtocol (one datagram per
  callback, default socket buffer) feeding the same pipeline.
- TCP: the sender writes newline-delimited records, many lines per write, as
  fast as the connection takes them; rate = spans / (first byte -> last span
  in the store). Baseline: an asyncio StreamReader.readline() loop.
- In-process: the per-record cost of decode, normalize and store, which bounds
  everything above on a single event loop.

Each receiving process runs the monitor's GC policy on its loop (runtime/gcpolicy.py),
as the monitor does; its collections count in the process's CPU time. It is the
monitor without a database (``--no-persist``): receiving while persisting is
bench_store's row. (Runs before 2026-12-06 kept a map of changed spans for a writer
that never ran: 133,008 vs 140,670 spans/s over TCP, medians of 6 alternating runs.)

Medians of several runs. The host is shared: other jobs load it while this runs.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if not os.environ.get("PYTHONPATH"):  # (when set, it names the tree measured: another checkout's src)
    sys.path.insert(0, str(ROOT / "src"))

from agenttrace_tui.ingest.pipeline import Pipeline  # noqa: E402
from agenttrace_tui.ingest.protocol import decode  # noqa: E402
from agenttrace_tui.ingest.receivers import start_receivers  # noqa: E402
from agenttrace_tui.normalize.native import normalize  # noqa: E402
from agenttrace_tui.store.memory import Store  # noqa: E402
from machine import cpu_model as _cpu_model  # noqa: E402
from machine import load as _load  # noqa: E402
from monitor_gc import monitor_gc  # noqa: E402
from results import row, save  # noqa: E402
from wiring import monitor_pipeline  # noqa: E402

T0 = 1_700_000_000_000_000_000
UDP_RATES = [10_000, 25_000, 50_000, 100_000, 150_000]
UDP_STEP_S = 1.5
TCP_SPANS = 50_000
TCP_LINES_PER_WRITE = 200
RUNS = 3
LOSS_OK = 0.001  # < 0.1 %
QUICK = False  # --quick: smoke test, nothing written


# -- the records a sender sends ---------------------------------------------


#: Spans a trace: an agent span and the model calls it makes, one after another.
SPANS_PER_TRACE = 20
CALL_NS = 400_000_000  # each call's slot in its agent's time


def template(sender: str) -> tuple[bytes, bytes]:
    """Two records of a small agent task: its agent span (the root, every ``SPANS_PER_TRACE``-th
    record) and a realistic ~470-byte llm_call span; ``%d`` slots take seq, ids, times and usage."""
    common: dict = {"v": 1, "type": "span", "sender": sender, "seq": 123456789, "trace_id": "TRACE", "span_id": "SPAN"}
    agent = {**common, "session_id": "bench-session", "name": "implement", "kind": "agent",
             "start_ns": 111111111, "end_ns": 222222222, "agent": {"name": "coder", "iteration": 3},
             "attributes": {"agent.step": "implement", "retry": False}}
    call = {**common, "parent_span_id": "PARENT", "session_id": "bench-session", "name": "llm_inference",
            "kind": "llm_call", "start_ns": 111111111, "end_ns": 222222222,
            "llm": {"provider": "anthropic", "model": "claude-sonnet-4-5", "temperature": 0.2},
            # (each call's own: a model call's usage is what it read and wrote, which no two calls
            # of a task share to the token; the store tells calls reported twice by it)
            "usage": {"input": 1834001, "output": 412001, "cache_read": 1200001},
            "attributes": {"agent.step": "implement", "iteration": 3, "retry": False}}

    def slots(rec: dict) -> bytes:
        s = json.dumps(rec, separators=(",", ":"))
        s = s.replace("123456789", "%(seq)d").replace('"TRACE"', '"%(trace)016x"')
        s = s.replace('"SPAN"', '"%(span)016x"').replace('"PARENT"', '"%(parent)016x"')
        s = s.replace("111111111", "%(start)d").replace("222222222", "%(end)d")
        s = s.replace("1834001", "%(input)d").replace("412001", "%(output)d").replace("1200001", "%(cache)d")
        return s.encode()

    return slots(agent), slots(call)


def times(n: int) -> tuple[int, int]:
    """(start, end) of span ``n``: its trace's agent span spans the trace, and call k of it
    runs in the agent's k-th slot, ending a varying moment before the next."""
    trace, k = divmod(n, SPANS_PER_TRACE)
    start = T0 + trace * SPANS_PER_TRACE * CALL_NS
    if k == 0:
        return start, start + SPANS_PER_TRACE * CALL_NS
    start += k * CALL_NS
    return start, start + CALL_NS - 10_000_000 - n % 97 * 1_000_000


def record(tpl: tuple[bytes, bytes], seq: int, base: int = 0) -> bytes:
    """Record ``seq`` of a sender; ``base`` (a multiple of ``SPANS_PER_TRACE``) keeps span ids
    unique across senders. Each trace is an agent span and the model calls it makes in turn,
    their input growing as the task's context does."""
    n = base + seq
    trace, k = divmod(n, SPANS_PER_TRACE)
    start, end = times(seq)  # (a sender's own timeline: a base far on would put its spans in the future)
    if k == 0:
        return tpl[0] % {b"seq": seq, b"trace": trace, b"span": n, b"start": start, b"end": end}
    return tpl[1] % {b"seq": seq, b"trace": trace, b"span": n, b"parent": n - k, b"start": start, b"end": end,
                     b"input": 1200 + 160 * k, b"output": 100 + n * 7919 % 600, b"cache": 1024 if k > 1 else 0}


# -- receiving process --------------------------------------------------------


class _PlainUdp(asyncio.DatagramProtocol):
    """Baseline: what asyncio gives by default, one datagram per callback."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline

    def datagram_received(self, data: bytes, addr: object) -> None:
        self.pipeline.stats.datagrams += 1
        self.pipeline.feed(data, "udp")


async def _readline_client(pipeline: Pipeline, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Baseline: a StreamReader.readline() loop per connection."""
    while line := await reader.readline():
        if line.strip():
            pipeline.feed(line, "tcp")
    writer.close()


async def serve(mode: str) -> None:
    loop = asyncio.get_running_loop()
    async with monitor_gc():  # as the running monitor has it (the baselines too)
        await _serve(loop, mode)


async def _serve(loop: asyncio.AbstractEventLoop, mode: str) -> None:
    pipeline = monitor_pipeline(persist=False)  # (the persistence row is bench_store's, with its writer)
    closers = []
    rcvbuf = None
    if mode == "udp-drain":
        rs = await start_receivers(pipeline, udp_port=0, tcp_port=None)
        port = rs.udp_address[1]
        rcvbuf = rs.udp_rcvbuf
        closers.append(rs.close)
    elif mode == "udp-plain":
        transport, _ = await loop.create_datagram_endpoint(lambda: _PlainUdp(pipeline), local_addr=("127.0.0.1", 0))
        port = transport.get_extra_info("sockname")[1]
        rcvbuf = transport.get_extra_info("socket").getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
    elif mode == "tcp-proto":
        rs = await start_receivers(pipeline, udp_port=None, tcp_port=0)
        port = rs.tcp_address[1]
        closers.append(rs.close)
    elif mode == "tcp-readline":
        server = await asyncio.start_server(
            lambda r, w: _readline_client(pipeline, r, w), "127.0.0.1", 0, limit=pipeline.max_record_bytes
        )
        port = server.sockets[0].getsockname()[1]
    else:
        raise SystemExit(f"unknown mode {mode}")
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    print(f"READY {port}", flush=True)
    stats = pipeline.stats
    while cmd := (await reader.readline()).strip():
        if cmd == b"STATS":
            print(
                json.dumps(
                    {
                        "accepted": sum(stats.accepted.values()),
                        "rejected": stats.rejected_total,
                        "lost": stats.lost,
                        "datagrams": stats.datagrams,
                        "evicted": pipeline.store.evicted_spans,
                        "rcvbuf": rcvbuf,
                        "cpu": time.process_time(),
                    }
                ),
                flush=True,
            )
        elif cmd == b"QUIT":
            break
    for close in closers:
        await close()


# -- sending process ----------------------------------------------------------


def send_udp(port: int, rate: int, count: int, sender: str, base: int) -> dict:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 * 1024 * 1024)
    sock.connect(("127.0.0.1", port))
    send = sock.send
    tpl = template(sender)
    # Paced in 1 ms slices: each slice sends what the rate allows up to now, then
    # sleeps, so the sender never spins and steals the receiver's core.
    t0 = time.perf_counter()
    seq = 0
    while seq < count:
        due = min(count, int((time.perf_counter() - t0) * rate) + 1)
        while seq < due:
            try:
                send(record(tpl, seq, base))
            except BlockingIOError:
                time.sleep(0.0005)
                continue
            seq += 1
        if seq < count:
            time.sleep(0.001)
    elapsed = time.perf_counter() - t0
    return {"sent": seq, "elapsed": elapsed, "rate": seq / elapsed}


def send_tcp(port: int, count: int, sender: str) -> dict:
    sock = socket.create_connection(("127.0.0.1", port))
    tpl = template(sender)
    batches = []
    for start in range(0, count, TCP_LINES_PER_WRITE):
        batches.append(b"".join(record(tpl, i) + b"\n" for i in range(start, min(count, start + TCP_LINES_PER_WRITE))))
    t0 = time.perf_counter()
    for b in batches:
        sock.sendall(b)
    sock.shutdown(socket.SHUT_WR)
    # The receiver closes after its EOF, i.e. after every line was fed into the
    # store (feeding is synchronous in the read callback): end-to-end time.
    sock.recv(1)
    elapsed = time.perf_counter() - t0
    sock.close()
    return {"sent": count, "elapsed": elapsed, "bytes": sum(map(len, batches))}


# -- orchestration --------------------------------------------------------------


class Receiver:
    def __init__(self, mode: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", mode],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        )
        line = self.proc.stdout.readline().split()
        if not line or line[0] != "READY":
            raise RuntimeError(f"receiver {mode} did not start")
        self.port = int(line[1])

    def stats(self) -> dict:
        self.proc.stdin.write("STATS\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def settle(self, target: int, quiet_s: float = 0.4, limit_s: float = 30.0) -> tuple[dict, float]:
        """Wait until ``accepted`` reaches target or stops moving; returns stats and when it last moved."""
        t_end = time.monotonic() + limit_s
        last = self.stats()
        last_change = time.monotonic()
        while time.monotonic() < t_end:
            time.sleep(0.02)
            now = self.stats()
            if now["accepted"] != last["accepted"]:
                last_change = time.monotonic()
            last = now
            if now["accepted"] >= target or time.monotonic() - last_change > quiet_s:
                break
        return last, last_change

    def close(self) -> None:
        try:
            self.proc.stdin.write("QUIT\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=10)
        except (BrokenPipeError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()


def _run_sender(args: list[str]) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--send", *args],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    return json.loads(out.stdout)


def udp_run(mode: str) -> list[dict]:
    """One receiver process, all rate steps in ascending order (the store fills as it would)."""
    rx = Receiver(mode)
    rows = []
    try:
        for step, rate in enumerate(UDP_RATES):
            count = int(rate * UDP_STEP_S)
            before = rx.stats()
            base = step * 100_000_000  # fresh span ids per step: new spans, not merges
            sent = _run_sender(["udp", str(rx.port), str(rate), str(count), f"{mode}-{step}", str(base)])
            sender_done = time.monotonic()
            after, last_change = rx.settle(before["accepted"] + count)
            got = after["accepted"] - before["accepted"]
            rows.append(
                {
                    "rate": rate,
                    "cpu_us": (after["cpu"] - before["cpu"]) / max(1, got) * 1e6,
                    "offered": sent["rate"],
                    "sent": sent["sent"],
                    "accepted": got,
                    "loss": 1 - got / sent["sent"],
                    "seq_gaps": after["lost"] - before["lost"],
                    "backlog_s": max(0.0, last_change - sender_done),
                }
            )
    finally:
        rx.close()
    return rows


def tcp_run(mode: str) -> dict:
    rx = Receiver(mode)
    try:
        before = rx.stats()
        sent = _run_sender(["tcp", str(rx.port), str(TCP_SPANS), mode])
        after, _ = rx.settle(before["accepted"] + TCP_SPANS)
        got = after["accepted"] - before["accepted"]
        return {
            **sent,
            "accepted": got,
            "rejected": after["rejected"] - before["rejected"],
            "rate": got / sent["elapsed"],
            "cpu_us": (after["cpu"] - before["cpu"]) / max(1, got) * 1e6,
        }
    finally:
        rx.close()


def in_process(n: int = 30_000) -> dict:
    """Per-record cost of each stage of Pipeline.feed, no sockets."""
    tpl = template("inproc")
    payloads = [record(tpl, i) for i in range(n)]
    gc.collect()
    t = time.process_time()
    decoded = [decode(p)[0] for p in payloads]
    t_decode = time.process_time() - t
    t = time.process_time()
    updates = [normalize(r)[0] for r in decoded]
    t_norm = time.process_time() - t
    store = Store()
    store.track_dirty = False  # (as monitor_pipeline(persist=False) has it)
    t = time.process_time()
    for u in updates:
        store.apply(u)
    t_store = time.process_time() - t
    pipeline = monitor_pipeline(persist=False)
    t = time.process_time()
    for p in payloads:
        pipeline.feed(p, "udp")
    t_feed = time.process_time() - t
    pipeline = monitor_pipeline(persist=False)
    t = time.process_time()
    for k in range(0, n, 200):
        pipeline.feed_many(payloads[k : k + 200], "udp")
    t_many = time.process_time() - t
    # Live spans: span_start, then span_end 100 records later (merge in the store).
    starts = [p.replace(b'"type":"span"', b'"type":"span_start"', 1) for p in payloads[: n // 2]]
    ends = [
        b'{"v":1,"type":"span_end","trace_id":"%016x","span_id":"%016x","end_ns":%d,"usage":{"output":412}}'
        % (i // SPANS_PER_TRACE, i, times(i)[1])
        for i in range(n // 2)
    ]
    live = []
    for k in range(0, n // 2, 100):
        live += starts[k : k + 100] + ends[k : k + 100]
    pipeline = monitor_pipeline(persist=False)
    t = time.process_time()
    for p in live:
        pipeline.feed(p, "udp")
    t_live = time.process_time() - t
    assert pipeline.store.span_count == n // 2 and pipeline.store.totals.running == 0
    return {
        "bytes": sum(map(len, payloads)) / len(payloads),
        "decode_us": t_decode / n * 1e6,
        "normalize_us": t_norm / n * 1e6,
        "store_us": t_store / n * 1e6,
        "feed_us": t_feed / n * 1e6,
        "feed_rate": n / t_feed,
        "many_us": t_many / n * 1e6,
        "many_rate": n / t_many,
        "live_pair_us": t_live / (n // 2) * 1e6,
    }


def store_profile(n: int = 20_000) -> dict[str, float]:
    """Share of store.apply time per part, from a deterministic profile of n spans."""
    import cProfile
    import inspect
    import pstats

    from agenttrace_tui.store import memory

    tpl = template("profile")
    updates = [normalize(decode(record(tpl, i))[0])[0] for i in range(n)]
    store = Store()
    prof = cProfile.Profile()
    prof.enable()
    for k in range(0, len(updates), 200):
        for u in updates[k:k + 200]:
            store.apply(u)
        store.totals  # noqa: B018 - a reader (the UI tick) folds the changed spans into the totals
    prof.disable()
    stats = pstats.Stats(prof).stats  # (file, line, name) -> (cc, nc, tt, ct, callers)

    def cum(func: object) -> float:
        code = inspect.unwrap(func).__code__
        return sum(v[3] for k, v in stats.items() if k[0] == code.co_filename and k[1] == code.co_firstlineno)

    fold = cum(memory.Store.flush_aggregates)
    total = cum(memory.Store.apply) + fold
    # _upsert_spans stores a batch's spans (the few it hands on to _upsert_span included).
    return {"fold": fold / total, "upsert": cum(memory.Store._upsert_spans) / total}


# -- report -------------------------------------------------------------------


def _median_rows(runs: list[list[dict]]) -> list[dict]:
    out = []
    for i, rate in enumerate(UDP_RATES):
        rows = [r[i] for r in runs]
        out.append(
            {
                "rate": rate,
                "offered": statistics.median(r["offered"] for r in rows),
                "loss": statistics.median(r["loss"] for r in rows),
                "seq_gaps": statistics.median(r["seq_gaps"] for r in rows),
                "backlog_s": statistics.median(r["backlog_s"] for r in rows),
                "cpu_us": statistics.median(r["cpu_us"] for r in rows),
            }
        )
    return out


def _sustained(rows: list[dict]) -> int:
    """Highest step with < 0.1 % loss (0 if none)."""
    best = 0
    for r in rows:
        if r["loss"] < LOSS_OK:
            best = r["rate"]
    return best


def main() -> None:
    started = datetime.now(UTC)
    load_before = _load()
    print("in-process stage costs ...", flush=True)
    inproc_runs = [in_process() for _ in range(RUNS)]
    inproc = {k: statistics.median(r[k] for r in inproc_runs) for k in inproc_runs[0]}
    prof = store_profile()

    udp: dict[str, list[list[dict]]] = {"udp-drain": [], "udp-plain": []}
    tcp: dict[str, list[dict]] = {"tcp-proto": [], "tcp-readline": []}
    rcvbuf = {}
    for run in range(RUNS):
        for mode in udp:  # alternate modes so both see similar background load
            print(f"UDP {mode} run {run + 1}/{RUNS} ...", flush=True)
            udp[mode].append(udp_run(mode))
        for mode in tcp:
            print(f"TCP {mode} run {run + 1}/{RUNS} ...", flush=True)
            tcp[mode].append(tcp_run(mode))
    for mode in udp:
        rx = Receiver(mode)
        rcvbuf[mode] = rx.stats()["rcvbuf"]
        rx.close()

    med = {m: _median_rows(r) for m, r in udp.items()}
    sustained = {m: _sustained(rows) for m, rows in med.items()}
    tcp_rate = {m: statistics.median(r["rate"] for r in rs) for m, rs in tcp.items()}
    tcp_cpu = {m: statistics.median(r["cpu_us"] for r in rs) for m, rs in tcp.items()}
    udp_cpu = med["udp-drain"][UDP_RATES.index(50_000)]["cpu_us"]
    tcp_lossless = {m: all(r["accepted"] == r["sent"] for r in rs) for m, rs in tcp.items()}

    def pct(x: float) -> str:
        return f"{x * 100:.2f} %"

    def ratio(a: float, b: float) -> str:
        return f"{a / b:.2f}x" if b else "n/a"

    lines = [
        "## Ingest: native receivers",
        "",
        f"Measured {started:%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores ({_cpu_model()}), "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}. "
        f"Load average {load_before} at the start, {_load()} at the end (a shared "
        "2-core machine), so absolute numbers are pessimistic "
        "and vary between runs. Medians of "
        f"{RUNS} runs. Reproduce: `PYTHONPATH=src python bench/bench_ingest.py`.",
        "",
        f"Records: realistic `span` records of {inproc['bytes']:.0f} bytes on average, with sender + seq: "
        f"each trace ({SPANS_PER_TRACE} spans) an agent span and the model calls it makes in turn (model, "
        "usage of each call's own, attributes). The receiving process runs the real "
        "Pipeline + Store (default 200,000-span budget, evicting once full) + receivers on one "
        "asyncio loop; a separate process sends.",
        "",
        "### UDP: spans/s at < 0.1 % loss (target >= 50,000/s)",
        "",
        f"Paced sender, {UDP_STEP_S:g} s per step, steps in ascending order into one receiving "
        "process. *Loss* = sent - accepted (seq gaps agree). *Backlog* = how long the receiver "
        "kept working after the sender stopped: the socket buffer absorbs a deficit for a while "
        "(16 MiB holds ~13,000 such datagrams), so a long backlog means the step ran above what "
        "the receiver sustains. *Delivered* = accepted / sent, drain vs plain. "
        f"Draining reader: granted SO_RCVBUF {rcvbuf['udp-drain']:,} bytes; plain baseline: "
        f"default {rcvbuf['udp-plain']:,} bytes.",
        "",
        "| target rate | offered (median) | draining reader: loss | backlog | CPU µs/span "
        "| plain DatagramProtocol: loss | backlog | CPU µs/span | delivered, drain / plain |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for d, p in zip(med["udp-drain"], med["udp-plain"], strict=True):
        lines.append(
            f"| {d['rate']:,}/s | {d['offered']:,.0f}/s | {pct(d['loss'])} | {d['backlog_s']:.2f} s | {d['cpu_us']:.1f} "
            f"| {pct(p['loss'])} | {p['backlog_s']:.2f} s | {p['cpu_us']:.1f} | {ratio(1 - d['loss'], 1 - p['loss'])} |"
        )
    lines += [
        "",
        f"**UDP at < 0.1 % loss: {sustained['udp-drain']:,} spans/s** (highest step) with the draining "
        "reader; the plain baseline "
        + (
            f"reached {sustained['udp-plain']:,} spans/s ({ratio(sustained['udp-drain'], sustained['udp-plain'])})."
            if sustained["udp-plain"]
            else "lost more than 0.1 % at every step."
        )
        + f" Target 50,000/s: {'met' if sustained['udp-drain'] >= 50_000 else 'NOT met on this loaded machine'}.",
        "",
        "### TCP stream: spans/s with zero loss (target >= 200,000/s)",
        "",
        f"{TCP_SPANS:,} records, {TCP_LINES_PER_WRITE} lines per write, sent as fast as the "
        "connection takes them; time from the first write until the receiver closed after EOF "
        "(every line fed into the store).",
        "",
        "| receiver | spans/s (median) | receiver CPU µs/span | all spans arrived |",
        "|---|---:|---:|---|",
        f"| LineProtocol (data_received) | {tcp_rate['tcp-proto']:,.0f} | {tcp_cpu['tcp-proto']:.1f} "
        f"| {'yes' if tcp_lossless['tcp-proto'] else 'NO'} |",
        f"| baseline: StreamReader.readline() | {tcp_rate['tcp-readline']:,.0f} | {tcp_cpu['tcp-readline']:.1f} "
        f"| {'yes' if tcp_lossless['tcp-readline'] else 'NO'} |",
        "",
        f"LineProtocol vs readline: {ratio(tcp_rate['tcp-proto'], tcp_rate['tcp-readline'])}. "
        f"Target 200,000/s: {'met' if tcp_rate['tcp-proto'] >= 200_000 else 'NOT met'}.",
        "",
        "### Where the time goes (in-process, per record, no sockets)",
        "",
        "| stage | µs per record |",
        "|---|---:|",
        f"| decode (msgspec, protocol.decode) | {inproc['decode_us']:.1f} |",
        f"| normalize (record -> Span, conventions) | {inproc['normalize_us']:.1f} |",
        f"| store.apply (merge, indexes, 3 aggregates + breakdown buckets) | {inproc['store_us']:.1f} |",
        f"| whole Pipeline.feed, one record per call | {inproc['feed_us']:.1f} |",
        f"| whole Pipeline.feed_many, 200 records per call (what the receivers use) | {inproc['many_us']:.1f} |",
        f"| a live span: span_start + span_end (merged in the store), per span | {inproc['live_pair_us']:.1f} |",
        "",
        f"Inside the store (deterministic profile of 20,000 spans, the totals read after every 200 as a "
        f"UI tick reads them): storing the spans (`_upsert_spans`: merge, indexes, interning, dirty set) "
        f"takes {prof['upsert'] * 100:.0f} %, folding the changed spans into trace, session and global "
        f"totals (`flush_aggregates`) {prof['fold'] * 100:.0f} %, the rest of `Store.apply` the remainder. "
        "The store, not the decoder or "
        "the sockets, is the largest single cost per span.",
        "",
        f"One event loop can feed at most ~{inproc['many_rate']:,.0f} records/s through the whole "
        f"pipeline in batches (~{inproc['feed_rate']:,.0f}/s one by one) on one dedicated core of "
        "this machine; the receivers add little on top (UDP: one recv per datagram; TCP: one split "
        "per read). In the socket runs the receiving process used "
        f"{udp_cpu:.1f} µs of CPU per UDP span (draining reader, 50,000/s step, where batches are "
        f"full) and {tcp_cpu['tcp-proto']:.1f} µs per TCP span, i.e. ~{1e6 / udp_cpu:,.0f} and "
        f"~{1e6 / tcp_cpu['tcp-proto']:,.0f} spans/s if it had a core to itself; under the shared "
        "load it got only part of one, which is why the wall-clock rates are lower.",
        "",
        "What the targets need: 50,000 UDP spans/s means at most 20 µs of CPU per span on a core "
        "the monitor has to itself"
        + (
            f", about {(1 - 20 / udp_cpu) * 100:.0f} % less than measured here"
            if udp_cpu > 20
            else ", which the receiving process met here; on this shared host it lacked the core"
        )
        + "; by the in-process figures above, the stages to trim are, largest first: "
        + ", ".join(f"{name} ({us:.1f} µs)" for us, name in sorted(
            ((inproc["store_us"], "store.apply"), (inproc["decode_us"], "decode"),
             (inproc["normalize_us"], "normalize")), reverse=True))
        + ". 200,000 stream spans/s means 5 µs per span: out of "
        "reach for a pipeline that decodes, normalises and "
        "indexes each span one by one in Python, whatever the receiver does.",
        "",
    ]
    text = "\n".join(lines)
    if not QUICK:
        drain, plain = sustained["udp-drain"], sustained["udp-plain"]
        summary = [
            row("UDP spans/s at < 0.1 % loss", ">= 50,000/s",
                f"{drain:,}/s (highest step, median of {RUNS})"
                + (f"; {drain / plain:.1f}x the plain one-datagram-per-callback receiver" if plain else ""),
                drain >= 50_000),
            row("TCP stream spans/s, zero loss", ">= 200,000/s",
                f"{tcp_rate['tcp-proto']:,.0f}/s ({tcp_rate['tcp-proto'] / tcp_rate['tcp-readline']:.1f}x a readline loop)"
                + ("" if tcp_lossless["tcp-proto"] else "; NOT lossless"),
                tcp_rate["tcp-proto"] >= 200_000 and tcp_lossless["tcp-proto"]),
        ]
        data = {"udp_sustained": sustained, "tcp_rate": tcp_rate, "tcp_cpu_us": tcp_cpu, "tcp_lossless": tcp_lossless,
                "inproc": inproc, "rcvbuf": rcvbuf}
        save("ingest", machine=f"{_cpu_model()}, {started:%Y-%m-%d %H:%M UTC}, load {load_before}", section=text,
             summary=summary, data=data)
    print(text)
    print(json.dumps({"udp": udp, "tcp": tcp, "inproc": inproc_runs}), file=sys.stderr)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--serve", metavar="MODE", help=argparse.SUPPRESS)
    ap.add_argument("--send", nargs="+", help=argparse.SUPPRESS)
    ap.add_argument("--quick", action="store_true", help="one short run of each (a smoke test, not for the record)")
    args = ap.parse_args()
    if args.quick:
        RUNS, UDP_STEP_S, TCP_SPANS, QUICK = 1, 1.0, 50_000, True
    if args.serve:
        if os.environ.get("BENCH_PROFILE"):  # where a receiver spends its time: dump a profile
            import cProfile

            cProfile.run(f"asyncio.run(serve({args.serve!r}))", os.environ["BENCH_PROFILE"])
        else:
            asyncio.run(serve(args.serve))
    elif args.send:
        kind, port, *rest = args.send
        if kind == "udp":
            rate, count, sender, base = rest
            print(json.dumps(send_udp(int(port), int(rate), int(count), sender, int(base))))
        else:
            count, sender = rest
            print(json.dumps(send_tcp(int(port), int(count), sender)))
    else:
        main()
