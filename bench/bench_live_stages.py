"""Where a live span's instructions go, and what the live target leaves for a span_end's store work.

``bench_live_ir.py`` counts the whole native pipeline per span; this splits
the same traffic (the same cases, reads of 200 lines, the totals folded after
each) into counted parts, each under ``valgrind --tool=callgrind``
(``functools.reduce`` wraps only the counted calls, see bench/callgrind.py):

* ``ingest``: decode + normalise + the door (``Pipeline.feed_many`` with the
  store's ``apply`` replaced by a list append);
* ``apply``: ``Store.apply`` of the updates ingest made (folds uncounted);
* ``fold``: ``Store.flush_aggregates`` after each read (applies uncounted).

Pipeline and store are priced as the monitor prices them (bench/wiring.py).

For the live cases (``live``: span_start + a bare span_end; ``sdk-live``: as
our SDK sends them over a stream) each read is stored as its starts, a fold,
its ends, a fold, and the four are counted apart (``starts-apply``,
``starts-fold``, ``ends-apply``, ``ends-fold``): the store's work for a
span_end is its apply and its fold. What ``LIVE_TARGET`` leaves for it is
``LIVE_TARGET`` x the complete case's total less everything else the live
pair costs (its ingest, the start's apply and fold): the instructions a
span_end's store work may take for the pair to meet the target.

Run: PYTHONPATH=src python bench/bench_live_stages.py [--spans N] [--cases complete,live,sdk-complete,sdk-live]
     [--no-save] [--resave]
Writes docs/bench/results/live_stages.json (its section of docs/benchmarks.md).
"""

from __future__ import annotations

import functools
import gc
import shutil
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_live_ir import LIVE_TARGET, WARM_SPANS, _arg, _lines
from callgrind import collected
from machine import commit, describe
from results import load, row, save

CASES = ["complete", "live", "sdk-complete", "sdk-live"]
#: (live case, its complete case)
PAIRS = [("live", "complete"), ("sdk-live", "sdk-complete")]
LIVE_STAGES = ["ingest", "starts-apply", "starts-fold", "ends-apply", "ends-fold"]
COMPLETE_STAGES = ["ingest", "apply", "fold"]


def _child(case: str, n: int, stage: str) -> None:
    from agenttrace_tui.model import Span, SpanEnd
    from agenttrace_tui.store.memory import Store
    from wiring import monitor_pipeline

    class Capture:
        def __init__(self) -> None:
            self.got: list[list[Any]] = []

        def apply(self, updates: list[Any]) -> None:
            self.got.append(updates)

    def ingest(batches: list[list[bytes]]) -> list[list[Any]]:
        pipe = monitor_pipeline(Store(max_spans=1_000_000), hold=False)
        cap = Capture()
        pipe.store = cap  # type: ignore[assignment]
        for b in batches:
            pipe.feed_many(b, "tcp")
        return cap.got

    def count(fn: Any, *args: Any) -> None:
        functools.reduce(lambda _a, _b: fn(*args), [0, 0])  # counted

    warm = Store(max_spans=1_000_000)
    monitor_pipeline(warm, hold=False)  # (its pricing hooks on the store: the store prices as the monitor's does)
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
    monitor_pipeline(store, hold=False)
    gc.collect()
    gc.disable()

    def step(fn: Any, arg: Any, counted: bool) -> None:
        if counted:
            count(fn, *arg)
        else:
            fn(*arg)

    for u in reads:
        if stage in ("apply", "fold"):
            step(store.apply, (u,), stage == "apply")
            step(store.flush_aggregates, (), stage == "fold")
            continue
        # A live read: its starts (and any complete span), a fold, its ends (no start time), a fold.
        ends = [x for x in u if x.__class__ is SpanEnd or (isinstance(x, Span) and x.start_ns == 0)]
        rest = [x for x in u if not (x.__class__ is SpanEnd or (isinstance(x, Span) and x.start_ns == 0))]
        for part, which in ((rest, "starts"), (ends, "ends")):
            step(store.apply, (part,), stage == f"{which}-apply")
            step(store.flush_aggregates, (), stage == f"{which}-fold")


def _budget(live: dict[str, float], complete: dict[str, float]) -> float:
    """Instructions a span_end's store work (apply + fold) may take for the pair to meet the target."""
    return LIVE_TARGET * sum(complete.values()) - (live["ingest"] + live["starts-apply"] + live["starts-fold"])


def main() -> None:
    n = int(_arg("--spans", "2000"))
    if "--child" in sys.argv:
        _child(_arg("--child", "complete"), n, _arg("--stage", "ingest"))
        return
    if "--resave" in sys.argv:
        # Re-save the recorded run with this rendering, measuring nothing.
        prev = load("live_stages")
        if prev is None:
            sys.exit("no saved run to re-save")
        data = {"machine": prev["machine"], **prev["data"]}
        save("live_stages", machine=data["machine"], section=render(data), summary=summary(data), data=data,
             saved_utc=prev["saved_utc"])
        return
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed")
    import agenttrace_tui

    print(f"{n:,} spans, Ir per span by stage, code from {Path(agenttrace_tui.__file__).parent}")
    got: dict[str, dict[str, float]] = {}
    for case in _arg("--cases", ",".join(CASES)).split(","):
        stages = LIVE_STAGES if case.endswith("live") else COMPLETE_STAGES
        got[case] = {s: collected(__file__, "--child", case, "--spans", str(n), "--stage", s) / n for s in stages}
        print(f"{case:13s} " + "  ".join(f"{s} {v:8,.0f}" for s, v in got[case].items())
              + f"  total {sum(got[case].values()):8,.0f}", flush=True)
    for live, complete in PAIRS:
        if live in got and complete in got:
            ir = got[live]
            print(f"{live}: span_end store work {ir['ends-apply'] + ir['ends-fold']:,.0f} Ir; "
                  f"the {LIVE_TARGET:g}x target leaves it {_budget(ir, got[complete]):,.0f}")
    if "--no-save" in sys.argv or not all(c in got for c in CASES):
        return
    data = {"spans": n, "commit": commit(), "machine": describe(), "ir_per_span": got}
    out = save("live_stages", machine=data["machine"], section=render(data), summary=summary(data), data=data)
    print(f"wrote {out}")


def render(data: dict) -> str:
    """The section: each case's stages, and the live pairs' span_end store work against what the target leaves."""
    got = data["ir_per_span"]
    lines = [
        "### Where a live span's instructions go (`bench/bench_live_stages.py`)",
        "",
        "The traffic of the section above, split into counted stages under callgrind (instructions per span of "
        "the case; a live case's span is its span_start and its span_end): `ingest` is decode + normalise + the "
        "door for every record, `apply` the store's apply and `fold` the totals' fold after each read of 200 lines; "
        "a live read is stored as its starts, a fold, its ends, a fold, each counted apart. Priced as the monitor "
        "prices (`bench/wiring.py`): the cost enricher's batch step counts in `ingest`, its pricing of each stored "
        "span in `apply`. Nothing is held here: this is the path of a live span whose end comes after its start's "
        "hold (the monitor holds a span_start 50 ms for its end and stores the two as one span when it comes in "
        "time, `ingest/hold.py`; the section above measures that).",
        "",
        f"- commit {data['commit']}, {data['spans']:,} spans, {data['machine']}",
        "",
        "| case | ingest | apply: complete spans or starts | fold: complete spans or starts | apply: ends "
        "| fold: ends | total |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for case in CASES:
        ir = got[case]
        if case.endswith("live"):
            cells = [ir[s] for s in LIVE_STAGES]
        else:
            cells = [ir["ingest"], ir["apply"], ir["fold"], None, None]
        lines.append(f"| {case} | " + " | ".join("" if c is None else f"{c:,.0f}" for c in cells)
                     + f" | {sum(ir.values()):,.0f} |")
    lines += ["", f"What the {LIVE_TARGET:g}x target leaves for a span_end's store work (apply + fold): "
              f"{LIVE_TARGET:g} x the complete span's total, less the live pair's ingest and its start's apply and fold.",
              "", "| pair | span_end store work now | the target leaves it | ingest alone, live / complete |",
              "|---|---:|---:|---:|"]
    for live, complete in PAIRS:
        ir = got[live]
        lines.append(f"| {live} / {complete} | {ir['ends-apply'] + ir['ends-fold']:,.0f} | "
                     f"{_budget(ir, got[complete]):,.0f} | {ir['ingest'] / got[complete]['ingest']:.2f}x |")
    lines.append("")
    for live, complete in PAIRS:
        ir = got[live]
        now, left = ir["ends-apply"] + ir["ends-fold"], _budget(ir, got[complete])
        if left <= 0:
            lines.append(f"- `{live}`: the pair's ingest and its start's store work alone pass the target, so no "
                         "span_end store work meets it; the pair's records must cost less to decode and normalise.")
        elif left < now:
            lines.append(f"- `{live}`: the span_end's store work must drop from {now:,.0f} to {left:,.0f} Ir "
                         f"({left / now:.0%}); the fold of the end's change alone takes {ir['ends-fold']:,.0f} today.")
        else:
            lines.append(f"- `{live}`: the span_end's store work is within what the target leaves.")
    return "\n".join(lines)


def summary(data: dict) -> list[dict]:
    got = data["ir_per_span"]
    cells = []
    for live, complete in PAIRS:
        ir = got[live]
        cells.append(f"{live}: {ir['ends-apply'] + ir['ends-fold']:,.0f} Ir now, "
                     f"{_budget(ir, got[complete]):,.0f} left by the target")
    return [row("live span whose end comes after its start's hold (unheld): a span_end's store work (apply + fold) "
                "against what the live target leaves it",
                "reported (where an unheld live span's instructions go)", "; ".join(cells), None)]


if __name__ == "__main__":
    main()
