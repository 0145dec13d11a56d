"""Benchmark: the SQLite writer's share of the event loop, two checkouts side by side.

Run: python bench/bench_writer.py [--runs 5] [--spans 40000] [--other /path/to/checkout]

The persistence-while-receiving scenario of ``bench_store.py`` (``Store.apply``
of realistic traffic as fast as the loop allows while the ``Writer`` flushes;
the clock stops when ``Writer.close()`` has committed the last span), run in
child processes, alternating between this checkout's ``src`` and another's
(default: ``main``'s tree exported to a temporary directory), so both see the
same machine load. Prints medians per checkout: end-to-end spans/s and CPU
microseconds per span by thread and stage:

* ``apply``  -- ``Store.apply`` on the loop
* ``fold``   -- the store's lazy fold of changed spans into its totals (on the
  loop; the writer's trace summary rows read the totals first)
* ``writer loop`` -- the rest of the loop's time: the writer's drain, chunks, hand-over
* ``thread`` -- aiosqlite's thread (row encoding where it happens there, SQL)

Writes nothing under docs/ (a comparison, not a record).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def child(n_spans: int) -> None:
    sys.path.insert(0, str(HERE))
    import bench_store as bs

    chunks = bs.payloads(bs.wire_records(n_spans), per=100)
    with tempfile.TemporaryDirectory(prefix="bench_writer_") as tmp:
        res = asyncio.run(bs.persist_once(chunks, Path(tmp) / "p.db"))
    print(json.dumps(res))


def export_main() -> Path:
    out = Path(tempfile.mkdtemp(prefix="bench_writer_main_"))
    tar = subprocess.run(["git", "-C", str(ROOT), "archive", "main", "src"], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(out)], input=tar, check=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--spans", type=int, default=40_000)
    ap.add_argument("--other", type=Path, help="checkout to compare with (default: main, exported)")
    a = ap.parse_args()
    other = a.other or export_main()
    trees = {"other": other / "src", "this": ROOT / "src"}
    results: dict[str, list[dict]] = {k: [] for k in trees}
    print(f"load before: {os.getloadavg()[0]:.2f}; other = {other}", flush=True)
    for r in range(a.runs):
        for label, src in trees.items():
            env = {**os.environ, "PYTHONPATH": str(src)}
            out = subprocess.run([sys.executable, __file__, "--child", str(a.spans)], env=env,
                                 capture_output=True, text=True, check=True)
            res = json.loads(out.stdout.strip().splitlines()[-1])
            results[label].append(res)
            n = res["spans"]
            print(f"  run {r} {label:5s}: {n / res['total_s']:8,.0f} spans/s  loop {res['loop_cpu'] / n * 1e6:5.1f} us/span "
                  f"(apply {res['apply_cpu'] / n * 1e6:4.1f}, fold {res['fold_cpu'] / n * 1e6:4.1f}, "
                  f"writer {res['writer_loop_cpu'] / n * 1e6:4.1f})  thread {res['sql_cpu'] / n * 1e6:5.1f}  "
                  f"written while applying {res.get('written_while_applying', 0) / n:4.0%}", flush=True)
    print(f"load after: {os.getloadavg()[0]:.2f}")
    for label, rs in results.items():
        def med(key: str, rs: list[dict] = rs) -> float:
            return statistics.median(x[key] / x["spans"] * 1e6 for x in rs)
        rate = statistics.median(x["spans"] / x["total_s"] for x in rs)
        print(f"{label:5s} median of {len(rs)}: {rate:,.0f} spans/s end to end; us/span: loop {med('loop_cpu'):.1f} = "
              f"apply {med('apply_cpu'):.1f} + fold {med('fold_cpu'):.1f} + writer {med('writer_loop_cpu'):.1f}; "
              f"thread {med('sql_cpu'):.1f}; process {med('loop_cpu') + med('sql_cpu'):.1f}")


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "--child":
        child(int(sys.argv[2]))
    else:
        main()
