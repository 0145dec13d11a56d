"""Disk bytes the SQLite writer writes per span at steady rates, the writer's cadence against committing every interval.

Run: ``PYTHONPATH=src python bench/bench_disk.py [--seconds 15] [--runs 3] [--rates 2,20,200]``.
Saves docs/bench/results/disk.json; then ``python bench/report.py`` rebuilds docs/benchmarks.md.

A commit writes every page it touches (the span rows, the indexes, the trace
and session summary rows) whether it carries one span or a hundred, so at a
trickle the bytes per span follow the number of commits. For each rate, a real
``Store`` and ``Writer`` (a real SQLite file in a temporary directory on the
same disk as this checkout) receive agent-shaped finished spans (a third of
them priced LLM calls, 20 spans a trace) at a steady rate for ``--seconds``,
then ``flush()``; the figure is the growth of this process's ``write_bytes``
(/proc/self/io: what reached the block layer, WAL frames and checkpoints alike)
per span, the median of ``--runs`` runs. The baseline, in the same run and
process, is the same writer with ``small_batch=1``: a commit every
``interval_s`` (250 ms) whatever waits, as the writer did before it held small
batches back.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if not os.environ.get("PYTHONPATH"):  # (when set, it names the tree measured: another checkout's src)
    sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from agenttrace_tui.ingest.pipeline import Pipeline  # noqa: E402
from agenttrace_tui.model import LlmInfo, Session, Span, SpanKind, TokenUsage  # noqa: E402
from agenttrace_tui.store.memory import Store  # noqa: E402
from agenttrace_tui.store.write_state import SMALL_BATCH  # noqa: E402
from agenttrace_tui.store.writer import Writer  # noqa: E402
from machine import cpu_model  # noqa: E402
from results import row, save  # noqa: E402

#: The cadence's aim at 20 spans/s (a busy agent): bytes per span at most half the baseline's.
TARGET_RATIO = 0.5


def _write_bytes() -> int:
    with open("/proc/self/io") as f:
        for line in f:
            if line.startswith("write_bytes"):
                return int(line.split()[1])
    raise RuntimeError("/proc/self/io has no write_bytes")


def _span(n: int, now: int) -> Span:
    llm = n % 3 == 0
    return Span(span_id=f"s{n}", trace_id=f"t{n // 20}", session_id="s", name="call" if llm else "step",
                kind=SpanKind.LLM_CALL if llm else SpanKind.CUSTOM,
                llm=LlmInfo(model="gpt-4o", provider="openai") if llm else None,
                usage=TokenUsage(input=1200, output=150) if llm else None,
                start_ns=now + n * 1000, end_ns=now + n * 1000 + 500, attributes={"i": n, "pad": "x" * 200})


async def one(rate: int, seconds: float, small_batch: int, where: str) -> dict[str, Any]:
    """Bytes written per span at ``rate`` for ``seconds``."""
    with tempfile.TemporaryDirectory(dir=where) as d:
        store = Store()
        pipe = Pipeline(store)
        writer = Writer(store, Path(d) / "disk.db", small_batch=small_batch)
        await writer.start()
        pipe.apply([Session(id="s", name="steady")])
        await writer.flush()
        os.sync()
        now = time.time_ns()
        t0 = time.monotonic()
        b0 = _write_bytes()
        n = 0
        while (elapsed := time.monotonic() - t0) < seconds:
            due = int(elapsed * rate) + 1
            if due > n:
                pipe.apply([_span(i, now) for i in range(n, due)])
                n = due
            await asyncio.sleep(0.005)
        await writer.flush()
        os.sync()
        written = _write_bytes() - b0
        batches = writer.batches
        await writer.close()
    return {"spans": n, "bytes": written, "per_span": written / n, "batches": batches}


def markdown(res: dict[str, Any]) -> str:
    lines = [
        "## Disk bytes per span at steady rates (`bench/bench_disk.py`)", "",
        f"{res['date']}, {res['machine']}; {res['seconds']:.0f} s per run, median of {res['runs']} runs; "
        "bytes this process wrote to the block layer (WAL frames and checkpoints) per span stored. "
        "Baseline: the same writer committing every 250 ms whatever waits (`small_batch=1`).", "",
        "| rate | the writer's cadence | commits | baseline: a commit every 250 ms | commits | ratio |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in res["rates"]:
        lines.append(f"| {r['rate']:,} spans/s | {r['cadence']['per_span'] / 1024:.1f} KB | {r['cadence']['batches']} "
                     f"| {r['baseline']['per_span'] / 1024:.1f} KB | {r['baseline']['batches']} | {r['ratio']:.2f}x |")
    return "\n".join(lines) + "\n"


def summary_rows(res: dict[str, Any]) -> list[dict[str, Any]]:
    busy = next((r for r in res["rates"] if r["rate"] == 20), None)
    if busy is None:
        return []
    return [row("disk bytes per span at 20 spans/s vs a commit every 250 ms", f"<= {TARGET_RATIO}x",
                f"{busy['cadence']['per_span'] / 1024:.1f} KB vs {busy['baseline']['per_span'] / 1024:.1f} KB "
                f"= {busy['ratio']:.2f}x", busy["ratio"] <= TARGET_RATIO)]


async def amain(args: argparse.Namespace) -> dict[str, Any]:
    where = str(HERE.parent)  # the checkout's disk, not a tmpfs /tmp
    out = []
    for rate in (int(x) for x in args.rates.split(",")):
        cad, base = [], []
        for _ in range(args.runs):  # alternated, so both see the same load
            cad.append(await one(rate, args.seconds, SMALL_BATCH, where))
            base.append(await one(rate, args.seconds, 1, where))
        med = {}
        for key, runs in (("cadence", cad), ("baseline", base)):
            med[key] = {"per_span": statistics.median(r["per_span"] for r in runs),
                        "batches": int(statistics.median(r["batches"] for r in runs)), "runs": runs}
        out.append({"rate": rate, **med, "ratio": med["cadence"]["per_span"] / med["baseline"]["per_span"]})
        print(f"{rate}/s: {med['cadence']['per_span'] / 1024:.1f} KB vs {med['baseline']['per_span'] / 1024:.1f} KB "
              f"per span", flush=True)
    return {"rates": out, "seconds": args.seconds, "runs": args.runs,
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, {cpu_model()}"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--rates", default="2,20,200")
    ap.add_argument("--no-write", action="store_true", help="print only, write nothing under docs/")
    args = ap.parse_args()
    res = asyncio.run(amain(args))
    print(markdown(res))
    if not args.no_write:
        save("disk", machine=res["machine"], section=markdown(res), summary=summary_rows(res), data=res)


if __name__ == "__main__":
    main()
