"""Live spans against complete ones through the whole native pipeline, in instructions per span.

CPU time on the shared machine moves by 20-50 % from run to run; the number
of instructions executed does not. This runs bench_pipeline's "whole native
pipeline" (``Pipeline.feed_many`` per read of 200 lines, the totals read after
each), priced as the monitor prices (bench/wiring.py), under ``valgrind --tool=callgrind``, counting only what runs inside one
marked call (``functools.reduce`` wraps the measured work, as in
bench_otlp_ir.py), for four inputs, each span_start held for its end as the
monitor holds it (``Pipeline.hold``) on a clock that moves with the records at
``RECORDS_PER_S``:

* ``complete`` / ``live``: ``bench_store.wire_records`` spans sent complete, or
  as span_start + a bare span_end (ids, time, status);
* ``sdk-complete`` / ``sdk-live`` / ``sdk-live-udp``: the same trace shape as
  our SDK sends it (``sdk_wire``: the SDK's own record builder), complete, live
  over a stream, and live as over UDP (its span_end repeats every field of the
  span plus what the end set).

Prints Ir per span and the live / complete ratios, and keeps them under a
label in docs/bench/results/live_ir.json (a "before" run stays beside later
ones; ``--no-save`` keeps nothing). Compare two trees by running it with each
one's ``src`` on PYTHONPATH (``--commit`` names the code measured then). String
hashing is fixed (PYTHONHASHSEED=0) so runs repeat; needs valgrind; about a
minute per case.

Run: PYTHONPATH=src python bench/bench_live_ir.py [--spans N] [--label NAME] [--commit TEXT] [--no-save] [--resave]
     [--cases complete,live,sdk-complete,sdk-live,sdk-live-udp]
"""

from __future__ import annotations

import functools
import gc
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from callgrind import collected
from machine import commit, describe
from results import resave, row, save, with_run

LINES_PER_READ = 200
WARM_SPANS = 1000
CASES = ["complete", "live", "sdk-complete", "sdk-live", "sdk-live-udp"]
#: (live case, its complete case, what the ratio is)
RATIOS = [("live", "complete", "live / complete, a bare span_end"),
          ("sdk-live", "sdk-complete", "SDK live over a stream / SDK complete"),
          ("sdk-live-udp", "sdk-complete", "SDK live as over UDP / SDK complete")]
LIVE_TARGET = 1.3
#: How fast the records arrive, for the pipeline's hold of span_starts (``Pipeline.hold``).
RECORDS_PER_S = 100_000


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
    from agenttrace_tui.store.memory import Store
    from wiring import monitor_pipeline

    store = Store(max_spans=1_000_000)
    pipe = monitor_pipeline(store)
    now = [0.0]
    # Holding span_starts for their ends, as the monitor does, on a clock that moves with the
    # records as they would arrive (RECORDS_PER_S), not with the run: callgrind runs the code
    # tens of times slower than it runs, which would make every start outlast its hold.
    pipe.hold(lambda _delay, _call: None, clock=lambda: now[0])
    for b in batches:
        now[0] += len(b) / RECORDS_PER_S
        pipe.feed_many(b, "tcp")
        store.totals  # noqa: B018
    pipe.release()  # any start still held is stored, as at the end of a run


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
    if "--resave" in sys.argv:
        resave("live_ir", render, summary)  # the recorded runs with this rendering, measuring nothing
        return
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed")
    import agenttrace_tui

    print(f"{n:,} spans, whole native pipeline, code from {Path(agenttrace_tui.__file__).parent}")
    got: dict[str, float] = {}
    for case in _arg("--cases", ",".join(CASES)).split(","):
        got[case] = _count(case, n) / n
        print(f"{case:13s} {got[case]:10,.0f} Ir/span", flush=True)
    for live, complete, what in RATIOS:
        if live in got and complete in got:
            print(f"{what}: {got[live] / got[complete]:.2f}x")
    if "--no-save" in sys.argv:
        return
    data = with_run("live_ir", _arg("--label", "current"),
                    {"machine": describe(), "commit": _arg("--commit", "") or commit(), "spans": n,
                     "ir_per_span": got, "priced": True, "held": True})
    out = save("live_ir", machine=describe(), section=render(data), summary=summary(data), data=data)
    print(f"wrote {out}")


def render(data: dict) -> str:
    """The section: instructions per span per case and the live / complete ratios, a row per run
    (oldest first: read down a column to see a change land)."""
    runs = data["runs"]
    ratio_heads = {"live / complete, a bare span_end": "live / complete",
                   "SDK live over a stream / SDK complete": "SDK live / complete",
                   "SDK live as over UDP / SDK complete": "SDK live (UDP) / complete"}
    lines = [
        "### Live spans against complete ones, in instructions (`bench/bench_live_ir.py`)",
        "",
        "The whole native pipeline (`Pipeline.feed_many` per read of 200 stream lines, the totals read after each) "
        "under callgrind: instructions per span, which repeat for the same code and input whatever the machine's "
        "load, so a change shows here when CPU-time ratios cannot tell it from noise. `live`: span_start + a bare "
        "span_end (ids, time, status); `sdk-*`: the records our SDK's own builder makes for the same trace shape, "
        "complete, live over a stream, and live as over UDP (its span_end repeats every field). A run named "
        "after a Python version runs the same code under that interpreter: instructions do not compare as time "
        "across interpreters, the ratios do. Runs marked *priced* run the pipeline as the monitor wires it, "
        "the cost enricher pricing every model call (`bench/wiring.py`); the others ran it without pricing, "
        "before the benchmark was made to. Runs marked *held* hold each span_start for its end as the monitor "
        f"does (`ingest/hold.py`: an end within 50 ms is merged with its start and the two stored once), on a "
        f"clock that moves with the records at {RECORDS_PER_S:,} a second; the others stored each record as it came.",
        "",
        *(f"- `{label}`: commit {r['commit']}, {r['spans']:,} spans, {r['machine']}" for label, r in runs.items()),
        "",
        "| run | " + " | ".join(f"{case}, Ir/span" for case in CASES) + " | "
        + " | ".join(ratio_heads.get(what, what) for _l, _c, what in RATIOS) + " |",
        "|---|" + "---:|" * (len(CASES) + len(RATIOS)),
    ]
    for label, r in runs.items():
        ir = r["ir_per_span"]
        cells = [f"{ir[case]:,.0f}" if case in ir else "" for case in CASES]
        cells += [f"**{ir[live] / ir[complete]:.2f}x**" if live in ir and complete in ir else ""
                  for live, complete, _what in RATIOS]
        marks = "".join(f" *{m}*" for m in ("priced", "held") if r.get(m))
        lines.append(f"| `{label}`{marks} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def summary(data: dict) -> list[dict]:
    """The target row, from the latest run: the worse of a bare span_end and our SDK's over a stream."""
    label, run = list(data["runs"].items())[-1]
    ir = run["ir_per_span"]
    if not all(c in ir for c in ("complete", "live", "sdk-complete", "sdk-live")):
        return []
    bare, sdk = ir["live"] / ir["complete"], ir["sdk-live"] / ir["sdk-complete"]
    return [row("live span vs the same span complete, whole native pipeline, in instructions (load-independent)",
                f"<= {LIVE_TARGET:g}x",
                f"{bare:.2f}x with a bare span_end, {sdk:.2f}x as our SDK sends it over a stream (run {label!r})",
                max(bare, sdk) <= LIVE_TARGET)]


if __name__ == "__main__":
    main()
