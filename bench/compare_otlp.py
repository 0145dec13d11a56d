"""Same-run A/B of OTLP decode + normalise + store in CPU time, between two source trees.

The OTLP row of docs/benchmarks.md is CPU time on a shared 2-core host whose speed drifts by
the minute (and jumps between speeds: on Dec 7 this benchmark's same code ran at ~60,000 or
~95,000 spans per CPU-second from one minute to the next), so a change worth a few percent
hides in the drift between two runs of bench_otlp.py. This runs that row's work
(``bench_otlp.parse_convert_store`` on its bodies, under the monitor's GC policy, the median
of ``bench_otlp.RUNS`` runs) in pairs of processes, one on each tree, seconds apart, the
order alternating pair by pair, and prints each pair's ratio (new / old) and their median,
and the median over the pairs whose two runs differ by less than a fifth (one host speed).
The benchmark itself (bodies, pipeline wiring) is this checkout's; only ``agenttrace_tui``
comes from each tree. Prints only; saves nothing.

Run: python bench/compare_otlp.py OLD_SRC NEW_SRC [--pairs N]
     (each the ``src`` folder of a checkout: ``git worktree add /tmp/old <commit>`` for the old)
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent

CHILD = """
import json
import bench_otlp as b
bodies = [b.agent_request(i) for i in range(20)]
b.parse_convert_store(bodies)  # warm-up: recipes compile, prices load
print(json.dumps(b.median_rate(lambda: b.parse_convert_store(bodies), len(bodies) * b.BATCH)[1]))
"""

#: Two runs of a pair further apart than this (new / old outside [1 / (1 + it), 1 + it]) met
#: two host speeds: their ratio is the host's, not the code's.
ONE_SPEED = 0.2


def rate(src: str) -> float:
    """CPU-time spans/s of one child process on the tree at ``src``."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, str(BENCH)])}
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=True)
    return float(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    old, new = sys.argv[1], sys.argv[2]
    pairs = int(sys.argv[sys.argv.index("--pairs") + 1]) if "--pairs" in sys.argv else 16
    ratios = []
    for i in range(pairs):
        order = [("old", old), ("new", new)] if i % 2 == 0 else [("new", new), ("old", old)]
        got = {name: rate(src) for name, src in order}
        ratios.append(got["new"] / got["old"])
        print(f"pair {i + 1:2d}: old {got['old']:9,.0f}  new {got['new']:9,.0f} spans per CPU-second  "
              f"new/old {ratios[-1]:.3f}", flush=True)
    one_speed = [r for r in ratios if 1 / (1 + ONE_SPEED) < r < 1 + ONE_SPEED]
    print(f"median new/old over {len(ratios)} pairs: {statistics.median(ratios):.3f}")
    if one_speed:
        print(f"median over the {len(one_speed)} pairs at one host speed: {statistics.median(one_speed):.3f}")


if __name__ == "__main__":
    main()
