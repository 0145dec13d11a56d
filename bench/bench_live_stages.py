"""Where a live span's instructions go: ingest, the store's apply, the fold of totals.

``bench_live_ir.py`` counts the whole native pipeline per span; this splits
the same traffic (the same cases, reads of 200 lines, the totals read after
each) into three counted parts, each under ``valgrind --tool=callgrind``
(``functools.reduce`` wraps only the counted calls, see bench/callgrind.py):

* ``ingest``: decode + normalise + the door (``Pipeline.feed_many`` with the
  store's ``apply`` replaced by a list append);
* ``apply``: ``Store.apply`` of the updates ingest made (folds run uncounted
  between reads, as the totals read would run them);
* ``fold``: ``Store.flush_aggregates`` after each read (applies uncounted).

For ``live`` the apply is also split into the batch's ``starts`` (and
complete spans) and its bare ``ends`` (start 0), each counted alone.

Run: PYTHONPATH=src python bench/bench_live_stages.py [--spans N] [--cases complete,live,sdk-complete,sdk-live]
"""

from __future__ import annotations

import functools
import gc
import shutil
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_live_ir import WARM_SPANS, _arg, _lines
from callgrind import collected


def _child(case: str, n: int, stage: str) -> None:
    from agenttrace_tui.ingest.pipeline import Pipeline
    from agenttrace_tui.model import Span
    from agenttrace_tui.store.memory import Store

    class Capture:
        def __init__(self) -> None:
            self.got: list[list[Any]] = []

        def apply(self, updates: list[Any]) -> None:
            self.got.append(updates)

    def ingest(batches: list[list[bytes]]) -> list[list[Any]]:
        pipe = Pipeline(Store(max_spans=1_000_000))
        cap = Capture()
        pipe.store = cap  # type: ignore[assignment]
        for b in batches:
            pipe.feed_many(b, "tcp")
        return cap.got

    def count(fn: Any, *args: Any) -> None:
        functools.reduce(lambda _a, _b: fn(*args), [0, 0])  # counted

    warm = Store(max_spans=1_000_000)
    for u in ingest(_lines(case, WARM_SPANS, seed=11)):
        warm.apply(u)
        warm.flush_aggregates()
    batches = _lines(case, n, seed=5)
    if stage == "ingest":
        gc.collect()
        gc.disable()
        count(ingest, batches)
        return
    reads = ingest(batches)
    store = Store(max_spans=1_000_000)
    gc.collect()
    gc.disable()
    for u in reads:
        if stage == "apply":
            count(store.apply, u)
        elif stage == "fold":
            store.apply(u)
        else:
            ends = [x for x in u if isinstance(x, Span) and x.start_ns == 0]
            rest = [x for x in u if not (isinstance(x, Span) and x.start_ns == 0)]
            if stage == "starts":
                count(store.apply, rest)
                store.apply(ends)
            else:
                store.apply(rest)
                count(store.apply, ends)
        if stage == "fold":
            count(store.flush_aggregates)
        else:
            store.flush_aggregates()


def main() -> None:
    n = int(_arg("--spans", "2000"))
    if "--child" in sys.argv:
        _child(_arg("--child", "complete"), n, _arg("--stage", "ingest"))
        return
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed")
    import agenttrace_tui

    print(f"{n:,} spans, Ir per span by stage, code from {Path(agenttrace_tui.__file__).parent}")
    for case in _arg("--cases", "complete,live,sdk-complete,sdk-live").split(","):
        stages = ["ingest", "apply", "fold"] + (["starts", "ends"] if case == "live" else [])
        got = {s: collected(__file__, "--child", case, "--spans", str(n), "--stage", s) / n for s in stages}
        print(f"{case:13s} " + "  ".join(f"{s} {v:8,.0f}" for s, v in got.items())
              + f"  total {got['ingest'] + got['apply'] + got['fold']:8,.0f}", flush=True)


if __name__ == "__main__":
    main()
