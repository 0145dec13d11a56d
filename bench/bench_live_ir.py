"""Live spans against complete ones through the whole native pipeline, in instructions per span.

CPU time on the shared machine moves by 20-50 % from run to run; the number
of instructions executed does not. This runs bench_pipeline's "whole native
pipeline" (``Pipeline.feed_many`` per read of 200 lines, the totals read after
each) under ``valgrind --tool=callgrind``, counting only what runs inside one
marked call (``functools.reduce`` wraps the measured work, as in
bench_otlp_ir.py), for four inputs:

* ``complete`` / ``live``: ``bench_store.wire_records`` spans sent complete, or
  as span_start + a bare span_end (ids, time, status);
* ``sdk-complete`` / ``sdk-live`` / ``sdk-live-udp``: the same trace shape as
  our SDK sends it (``sdk_wire``: the SDK's own record builder), complete, live
  over a stream, and live as over UDP (its span_end repeats every field of the
  span plus what the end set).

Prints Ir per span and the live / complete ratios. Compare two trees by
running it with each one's ``src`` on PYTHONPATH. String hashing is fixed
(PYTHONHASHSEED=0) so runs repeat; needs valgrind; about a minute per case.

Run: PYTHONPATH=src python bench/bench_live_ir.py [--spans N] [--cases complete,live,sdk-complete,sdk-live,sdk-live-udp]
"""

from __future__ import annotations

import functools
import gc
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from callgrind import collected

LINES_PER_READ = 200
WARM_SPANS = 1000


def _arg(name: str, default: str) -> str:
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def _lines(case: str, n: int, seed: int) -> list[list[bytes]]:
    import msgspec

    from bench_store import ends_later, wire_records
    from sdk_wire import sdk_lines

    if case.startswith("sdk-"):
        lines = sdk_lines(n, live=case != "sdk-complete", seed=seed, stream=case != "sdk-live-udp")
    else:
        enc = msgspec.json.Encoder()
        recs = [r for r in wire_records(n, seed=seed, start_ratio=1.0 if case == "live" else 0.0) if r["type"] != "session"]
        if case == "live":
            recs = ends_later(recs)
        lines = [enc.encode(r) for r in recs]
    return [lines[i : i + LINES_PER_READ] for i in range(0, len(lines), LINES_PER_READ)]


def feed_reads(batches: list[list[bytes]]) -> None:
    """The measured work: a fresh store fed each read's lines through ``Pipeline.feed_many``, the totals read after each."""
    from agenttrace_tui.ingest.pipeline import Pipeline
    from agenttrace_tui.store.memory import Store

    store = Store(max_spans=1_000_000)
    pipe = Pipeline(store)
    for b in batches:
        pipe.feed_many(b, "tcp")
        store.totals  # noqa: B018


def _measured(case: str, n: int) -> None:
    """The child: warm up on other spans, then run the case inside functools.reduce (the counted call)."""
    run = feed_reads
    run(_lines(case, WARM_SPANS, seed=11))
    batches = _lines(case, n, seed=5)
    gc.collect()
    gc.disable()
    functools.reduce(lambda _a, _b: run(batches), [0, 0])  # one call, the only one counted


def _count(case: str, n: int) -> int:
    return collected(__file__, "--child", case, "--spans", str(n))


def main() -> None:
    n = int(_arg("--spans", "4000"))
    if "--child" in sys.argv:
        _measured(_arg("--child", "complete"), n)
        return
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed")
    import agenttrace_tui

    print(f"{n:,} spans, whole native pipeline, code from {Path(agenttrace_tui.__file__).parent}")
    got: dict[str, float] = {}
    for case in _arg("--cases", "complete,live,sdk-complete,sdk-live,sdk-live-udp").split(","):
        got[case] = _count(case, n) / n
        print(f"{case:13s} {got[case]:10,.0f} Ir/span", flush=True)
    if "complete" in got and "live" in got:
        print(f"live / complete         {got['live'] / got['complete']:.2f}x")
    for live in ("sdk-live", "sdk-live-udp"):
        if "sdk-complete" in got and live in got:
            print(f"{live} / sdk-complete {got[live] / got['sdk-complete']:.2f}x")


if __name__ == "__main__":
    main()
