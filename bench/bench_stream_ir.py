"""The TCP stream benchmark's path in instructions per span, by part, against what 200,000 spans/s leave.

bench_ingest's TCP row is wall-clock time on a shared machine: it moves by
10-20 % between runs of the same code. This counts the same path under
``valgrind --tool=callgrind`` (bench/callgrind.py: only what runs inside one
marked call), so a change to it shows as a number that repeats. The records are
bench_ingest's (model calls under an agent span, ~470 bytes a line, 200 lines a read), priced as
the monitor prices (bench/wiring.py); each part runs over the same reads after
2,000 spans of warm-up:

* ``receive``: the whole path of the TCP row, ``LineProtocol.data_received``
  of each read (split, decode, normalise, the door, the store) and the fold
  that ``settle`` runs after it;
* ``parse``: msgspec's decode of each read's lines into wire records alone
  (``decode_batch``), the part no receiver written in Python can skip;
* ``store``: ``Store.apply`` and ``flush_aggregates`` of the same reads'
  updates, built before counting (what stays on the loop wherever decoding runs).

To read instructions as time it also times ``receive`` on this machine
(``time.process_time``, median of 5) and divides: instructions per µs. At that
rate, 200,000 spans/s (5 µs a span) leave ``5 x rate`` instructions a span.

Run: PYTHONPATH=src python bench/bench_stream_ir.py [--spans N] [--no-save]
Writes docs/bench/results/stream_ir.json (its section of docs/benchmarks.md).
"""

from __future__ import annotations

import functools
import gc
import json
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ingest import TCP_LINES_PER_WRITE, TCP_SPANS, record, template
from bench_live_ir import _arg
from callgrind import collected
from machine import commit, describe
from results import row, save

PARTS = ["receive", "parse", "store"]
WARM_SPANS = 2000
#: The TCP row's target, spans/s: 1e6 / it is the CPU µs a span that leaves on one core.
STREAM_TARGET = 200_000


def _reads(lo: int, hi: int) -> list[bytes]:
    """bench_ingest's stream: reads of 200 lines, as its sender writes them."""
    tpl = template("stream-ir")
    return [b"".join(record(tpl, i) + b"\n" for i in range(s, min(hi, s + TCP_LINES_PER_WRITE)))
            for s in range(lo, hi, TCP_LINES_PER_WRITE)]


class _Transport:
    """What LineProtocol asks of its transport on this path (never pauses: no database)."""

    def close(self) -> None:
        pass


def _receiver(max_spans: int | None = None, warm: int = WARM_SPANS) -> tuple[Any, Any]:
    """The stream receiver over a pipeline priced as the monitor's, without a database as
    bench_ingest's receiving process is (its store holding at most ``max_spans``, the store's
    default if None), fed ``warm`` spans first."""
    from agenttrace_tui.ingest.receivers import LineProtocol
    from agenttrace_tui.store.memory import Store
    from wiring import monitor_pipeline

    pipe = monitor_pipeline(Store() if max_spans is None else Store(max_spans=max_spans), persist=False)
    proto = LineProtocol(pipe, "tcp", pipe.max_record_bytes, set())
    proto.connection_made(_Transport())  # type: ignore[arg-type]
    for data in _reads(0, warm):
        proto.data_received(data)
        pipe.settle()
    return pipe, proto


def _receive(pipe: Any, proto: Any, reads: list[bytes]) -> None:
    for data in reads:
        proto.data_received(data)
        pipe.settle()


def _child(part: str, n: int) -> None:
    from agenttrace_tui.ingest.protocol import decode_batch
    from agenttrace_tui.ingest.receivers import LineProtocol  # noqa: F401 - imported before counting

    reads = _reads(WARM_SPANS, WARM_SPANS + n)

    def count(fn: Any, *args: Any) -> None:
        functools.reduce(lambda _a, _b: fn(*args), [0, 0])  # counted

    pipe, proto = _receiver()
    if part == "receive":
        gc.collect()
        gc.disable()
        count(_receive, pipe, proto, reads)
        got = sum(pipe.stats.accepted.values())
        if got != WARM_SPANS + n:
            raise SystemExit(f"receive stored {got} of {WARM_SPANS + n} spans")
        return
    lines = [[ln for ln in data.split(b"\n") if ln] for data in reads]
    if part == "parse":
        gc.collect()
        gc.disable()
        count(lambda: [decode_batch(batch) for batch in lines])
        return
    # store: the same reads' updates, built first by the same pipeline with its store set aside.
    store = pipe.store
    built: list[list[Any]] = []

    class Capture:
        def apply(self, updates: list[Any]) -> None:
            built.append(updates)

    pipe.store = Capture()
    for batch in lines:
        pipe.feed_many(batch, "tcp")
    pipe.store = store

    def apply_all() -> None:
        for updates in built:
            store.apply(updates)
            store.flush_aggregates()

    gc.collect()
    gc.disable()
    count(apply_all)
    if store.span_count != WARM_SPANS + n:
        raise SystemExit(f"store holds {store.span_count} of {WARM_SPANS + n} spans")


def _rate(n: int, runs: int = 5) -> float:
    """Instructions per µs: the ``receive`` part's instructions over its CPU time here (median of ``runs``)."""
    times = []
    for _ in range(runs):
        pipe, proto = _receiver()
        reads = _reads(WARM_SPANS, WARM_SPANS + n)
        gc.collect()
        t = time.process_time()
        _receive(pipe, proto, reads)
        times.append((time.process_time() - t) / n * 1e6)
    return statistics.median(times)


#: The span limit of the second whole run: the store is full when it starts, and evicts as it goes.
FULL_AT = 10_000


def _grown_child(n: int, full: bool) -> None:
    """``receive`` of ``n`` spans in a fresh process (printed as JSON): into a store filled from
    empty, or (``full``) into one already holding ``FULL_AT`` spans, its limit; user and system
    CPU µs a span, and minor page faults a span."""
    warm = FULL_AT if full else WARM_SPANS
    pipe, proto = _receiver(FULL_AT if full else None, warm)
    reads = _reads(warm, warm + n)
    gc.collect()
    gc.disable()
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    _receive(pipe, proto, reads)
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"user_us": (r1.ru_utime - r0.ru_utime) / n * 1e6, "system_us": (r1.ru_stime - r0.ru_stime) / n * 1e6,
                      "faults": (r1.ru_minflt - r0.ru_minflt) / n}))


def _grown(n: int, full: bool = False, runs: int = 5) -> dict[str, float]:
    """The TCP row's whole run (``n`` spans into a store filled from empty, as its receiving process
    does; or into a full one, ``full``), each run in a process of its own: medians of
    ``_grown_child``'s figures. What the instructions leave out shows here: the kernel mapping
    the fresh memory a store takes, page by page (system time, minor faults)."""
    args = [sys.executable, __file__, "--grown", "--spans", str(n), *(["--full"] if full else [])]
    got = [json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout) for _ in range(runs)]
    return {k: statistics.median(g[k] for g in got) for k in ("user_us", "system_us", "faults")}


def main() -> None:
    n = int(_arg("--spans", "4000"))
    if "--child" in sys.argv:
        _child(_arg("--child", "receive"), n)
        return
    if "--grown" in sys.argv:
        _grown_child(n, "--full" in sys.argv)
        return
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed")
    ir = {part: collected(__file__, "--child", part, "--spans", str(n)) / n for part in PARTS}
    us = _rate(n)
    data = {"spans": n, "commit": commit(), "machine": describe(), "ir_per_span": ir, "receive_cpu_us": us,
            "grown_spans": TCP_SPANS, "grown": _grown(TCP_SPANS), "full_at": FULL_AT,
            "full": _grown(TCP_SPANS, full=True)}
    print(render(data))
    if "--no-save" not in sys.argv:
        print(f"wrote {save('stream_ir', machine=data['machine'], section=render(data), summary=summary(data), data=data)}")


def _budget(data: dict) -> float:
    """Instructions a span that 200,000 spans/s leave, at this run's instructions per µs."""
    return 1e6 / STREAM_TARGET * data["ir_per_span"]["receive"] / data["receive_cpu_us"]


def render(data: dict) -> str:
    ir = data["ir_per_span"]
    rate = ir["receive"] / data["receive_cpu_us"]
    budget = _budget(data)
    floor = ir["parse"] + ir["store"]
    return "\n".join([
        "### TCP stream path in instructions (`bench/bench_stream_ir.py`)",
        "",
        "The TCP row's records and reads (200 lines: model calls under an agent span, ~470 bytes each), counted under callgrind after "
        "2,000 spans of warm-up: `receive` is the whole path (the stream receiver's `data_received` and the fold "
        "after it), `parse` msgspec's decode of the lines alone, `store` the store's apply and fold of the same "
        "updates built beforehand, all priced as the monitor prices (`bench/wiring.py`). Instructions repeat for the same code whatever the machine's load; the CPU time "
        "of `receive` in the same run turns them into time.",
        "",
        f"- commit {data['commit']}, {data['spans']:,} spans, {data['machine']}",
        "",
        "| part | instructions a span | share of receive |",
        "|---|---:|---:|",
        *(f"| {part} | {ir[part]:,.0f} | {ir[part] / ir['receive']:.0%} |" for part in PARTS),
        "",
        f"`receive` took {data['receive_cpu_us']:.2f} µs of CPU a span here ({rate:,.0f} instructions a µs, "
        f"~{1e6 / data['receive_cpu_us']:,.0f} spans/s on a core of its own). At that rate {STREAM_TARGET:,} spans/s "
        f"leave {budget:,.0f} instructions a span; parsing and storing alone take {floor:,.0f} "
        f"({floor / budget:.0%} of it), before the line split, normalising and the door.",
        *_grown_text(data),
    ])


def _grown_text(data: dict) -> list[str]:
    """What the TCP row's whole run costs beyond the counted path's instructions (runs saved before it was measured have none)."""
    grown = data.get("grown")
    if grown is None:
        return []
    total = grown["user_us"] + grown["system_us"]
    return [
        "",
        f"The TCP row's whole run, {data['grown_spans']:,} spans into a store filled from empty (each of 5 runs in a "
        f"process of its own, medians), took {total:.2f} µs of CPU a span ({data['receive_cpu_us']:.2f} over the "
        f"{data['spans']:,} spans above): {grown['system_us']:.2f} of it in the kernel, which maps the fresh memory "
        f"the store grows into page by page ({grown['faults']:.2f} minor page faults a span, "
        f"{grown['system_us'] / grown['faults'] if grown['faults'] else 0:.1f} µs each). That time is in the TCP "
        f"row's and in no instruction count.",
        *([] if (full := data.get("full")) is None else [
            "",
            f"At its span limit a monitor evicts as it receives: the same run into a store already holding "
            f"{data['full_at']:,} spans, its limit, took {full['user_us'] + full['system_us']:.2f} µs a span, "
            f"{full['system_us']:.2f} of it in the kernel ({full['faults']:.2f} page faults a span: "
            + ("the next spans take the memory of the spans evicted)." if full["faults"] < 0.05 else
               "the memory of evicted spans goes back to the kernel and is faulted in again).")]),
    ]


def summary(data: dict) -> list[dict]:
    ir = data["ir_per_span"]
    return [row(
        "TCP stream path in instructions a span (load-independent), and what 200,000 spans/s leave at this "
        "run's instructions a µs",
        "reported (where the stream target's time goes)",
        f"receive {ir['receive']:,.0f}: parse alone {ir['parse']:,.0f}, store alone {ir['store']:,.0f}; "
        f"the target leaves {_budget(data):,.0f}" + (
            f"; the TCP row's whole run {data['grown']['user_us'] + data['grown']['system_us']:.2f} µs of CPU a span, "
            f"{data['grown']['system_us']:.2f} of it the kernel's ({data['grown']['faults']:.2f} page faults a span)"
            if "grown" in data else ""),
        None,
    )]


if __name__ == "__main__":
    main()
