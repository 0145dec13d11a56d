"""The in-memory store alone: a live span (span_start + span_end) against the same span sent complete.

Run: PYTHONPATH=src python bench/bench_store_live.py [--runs N] [--spans N] [--instructions]

The spans are the pipeline benchmark's (``bench_pipeline.native_lines``: a
span_end 300 records after its span_start, so start and end land in different
reads), decoded and normalised before timing; what is timed is
``Store.apply`` per 200-record read plus a totals read after each (the fold of
aggregates), split into the two. Complete and live runs alternate, each on a
fresh store, in CPU time of this thread; medians of the runs.

``--instructions`` runs each case under ``valgrind --tool=callgrind`` instead
(instruction counts do not depend on the machine's load; a run that only
prepares the input is subtracted). Prints, saves nothing.
"""

from __future__ import annotations

import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_pipeline
from agenttrace_tui.ingest.protocol import decode
from agenttrace_tui.normalize.native import normalize
from agenttrace_tui.store.memory import Store


def _arg(name: str, default: str) -> str:
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


RUNS = int(_arg("--runs", "5"))
SPANS = int(_arg("--spans", "20000"))


def records(live: bool) -> list[list]:
    bench_pipeline.N_SPANS = SPANS
    return [[rec for line in b for rec in decode(line)[0]] for b in bench_pipeline.native_lines(1.0 if live else 0.0)]


def run(batches: list[list]) -> tuple[float, float]:
    """CPU seconds in Store.apply and in the totals reads (the lazy fold)."""
    store = Store(max_spans=1_000_000)
    applied = folded = 0.0
    for b in batches:
        t0 = time.thread_time()
        store.apply(b)
        t1 = time.thread_time()
        store.totals  # noqa: B018 - the read folds aggregates
        folded += time.thread_time() - t1
        applied += t1 - t0
    assert store.span_count == SPANS, store.span_count
    return applied, folded


def timed() -> None:
    inputs = {"complete": records(False), "live": records(True)}
    got: dict[str, list[tuple[float, float]]] = {"complete": [], "live": []}
    for _ in range(RUNS):
        for case, recs in inputs.items():
            batches = [normalize(r)[0] for r in recs]
            gc.collect()
            gc.disable()
            try:
                got[case].append(run(batches))
            finally:
                gc.enable()
    us = {}
    for case, runs in got.items():
        a = statistics.median(r[0] for r in runs) / SPANS * 1e6
        f = statistics.median(r[1] for r in runs) / SPANS * 1e6
        us[case] = statistics.median(sum(r) for r in runs) / SPANS * 1e6
        print(f"{case:9s} {us[case]:6.2f} µs/span  (apply {a:5.2f}, totals fold {f:5.2f})")
    print(f"live / complete: {us['live'] / us['complete']:.2f}x  (load average {os.getloadavg()[0]:.1f})")


def instructions() -> None:
    def count(case: str, store_it: bool) -> int:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "cg.out"
            subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, __file__,
                            "--case", case, "--spans", str(SPANS)] + (["--store"] if store_it else []),
                           env={**os.environ, "PYTHONHASHSEED": "0"}, check=True, capture_output=True)
            for line in out.read_text().splitlines():
                if line.startswith("summary:"):
                    return int(line.split()[1])
        raise RuntimeError("no callgrind summary")

    per = {case: (count(case, True) - count(case, False)) / SPANS for case in ("complete", "live")}
    for case, n in per.items():
        print(f"{case:9s} {n:10,.0f} instructions/span (Store.apply + totals reads)")
    print(f"live / complete: {per['live'] / per['complete']:.2f}x")


def one_case() -> None:
    """A child run under callgrind: prepare one case's spans, store them only with --store."""
    batches = [normalize(r)[0] for r in records(_arg("--case", "complete") == "live")]
    if "--store" in sys.argv:
        run(batches)


if __name__ == "__main__":
    if "--case" in sys.argv:
        one_case()
    elif "--instructions" in sys.argv:
        instructions()
    else:
        timed()
