"""Store.apply alone, two checkouts side by side: CPU time interleaved, and callgrind instruction counts.

Run:
  python bench/bench_store_apply.py --code OLD/src --code NEW/src [--runs 5] [--modes apply,priced,live]
  python bench/bench_store_apply.py --code OLD/src --code NEW/src --callgrind [--spans 4000]

Each measurement runs in a child process with PYTHONPATH set to one
checkout's ``src`` (the checkouts alternate: old, new, old, new, ...), so
"before" and "after" see the same machine load in the same run. The input is
bench_pipeline's: 20-span agent traces (bench_store.wire_records), normalised
200 records per batch as feed_many hands them over, and the totals read after
every batch (the fold), the worst case of a UI reading after every socket read.

Modes: ``apply`` (Store.apply, no pricing), ``upsert`` (the same with the
totals never read, so never folded), ``door`` (Pipeline.apply with no
enricher: the limits check, then Store.apply), ``priced`` (Pipeline.apply with
the cost enricher bound to the store), ``live`` (every span sent as
span_start + span_end, 300 records apart, through Pipeline.feed_many),
``twins`` (every model call reported twice, the client's span and one rebuilt
from its log events with the same request id: the store folds each pair),
``stream`` (the TCP benchmark's records, bench_ingest: model calls of one
usage nested in their trace's first call, through Pipeline.feed_many and
``settle`` per read, as the stream receiver does).

``--callgrind`` counts instructions (load-independent) of the stage alone:
valgrind runs the child once with the stage and once with only its set-up
(same inputs, PYTHONHASHSEED fixed), and the difference is divided by the
spans stored.
"""

from __future__ import annotations

import gc
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import results  # noqa: F401 - answers -h/--help with this script's docstring

HERE = Path(__file__).resolve().parent
BATCH = 200


def _arg(name: str, default: str) -> str:
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def _args(name: str) -> list[str]:
    return [sys.argv[i + 1] for i, a in enumerate(sys.argv) if a == name]


# -- child: one checkout, one mode ---------------------------------------------------------
def child(mode: str, n: int, runs: int, stage: bool) -> dict:
    sys.path.insert(0, str(HERE))
    import msgspec

    from agenttrace_tui.enrich import make_enrichers
    from agenttrace_tui.ingest.pipeline import Pipeline
    from agenttrace_tui.ingest.protocol import decode
    from agenttrace_tui.normalize.native import normalize
    from agenttrace_tui.store.memory import Store
    from bench_store import ends_later, wire_records

    live = mode == "live"
    recs = [r for r in wire_records(n, seed=5, start_ratio=1.0 if live else 0.0) if r["type"] != "session"]
    if live:
        recs = ends_later(recs)
    enc = msgspec.json.Encoder()
    lines = [enc.encode(r) for r in recs]
    if mode == "stream":
        from bench_ingest import record, template

        tpl = template("bench")
        lines = [record(tpl, i) for i in range(n)]
    line_batches = [lines[i : i + BATCH] for i in range(0, len(lines), BATCH)]
    flat = [rec for line in lines for rec in decode(line)[0]]
    fresh: list[list] = []

    def setup() -> None:
        fresh.clear()
        if mode == "twins":
            fresh.extend(_twin_batches(n))
            return
        for i in range(0, len(flat), BATCH):
            fresh.append(normalize(flat[i : i + BATCH])[0])

    def run() -> None:
        store = Store(max_spans=1_000_000)
        if mode in ("apply", "twins"):
            for b in fresh:
                store.apply(b)
                store.totals  # noqa: B018 - the read folds aggregates
        elif mode == "upsert":  # Store.apply with the totals never read: the fold's share is apply - upsert
            for b in fresh:
                store.apply(b)
        elif mode == "door":  # Pipeline.apply with no enricher: the limits check (normalize.limits) + Store.apply
            pipe = Pipeline(store)
            for b in fresh:
                pipe.apply(b)
                store.totals  # noqa: B018
        elif mode == "priced":
            pipe = Pipeline(store, enrichers=make_enrichers(None, store, background_tokens=False))
            for b in fresh:
                pipe.apply(b)
                store.totals  # noqa: B018
        elif mode == "live":
            pipe = Pipeline(store)
            for b in line_batches:
                pipe.feed_many(b, "tcp")
                store.totals  # noqa: B018
        elif mode == "stream":
            pipe = Pipeline(store)
            for b in line_batches:
                pipe.feed_many(b, "tcp")
                pipe.settle()
            store.totals  # noqa: B018
        else:
            raise SystemExit(f"unknown mode {mode}")
        assert store.span_count == (n // 2 if mode == "twins" else n), store.span_count

    if runs == 0:  # callgrind: once, with or without the stage
        setup()
        # As when timed (and as the app runs: runtime.gcpolicy turns automatic collection off):
        # no collection inside the stage, whose cost would land on whatever allocated last.
        gc.collect()
        gc.disable()
        if stage:
            run()
        return {}
    us = []
    for _ in range(runs):
        if mode not in ("live", "stream"):
            setup()
        gc.collect()
        gc.disable()
        t = time.thread_time()
        run()
        us.append((time.thread_time() - t) / n * 1e6)
        gc.enable()
    return {"us": us}


def _twin_batches(n: int) -> list[list]:
    """``n`` spans of calls each reported twice, as Claude Code and Codex send them: the
    client's model-call span and one rebuilt from its log events (usage, same response id),
    side by side in a batch; the store folds each pair into one span."""
    from agenttrace_tui.model import LlmInfo, Span, SpanKind, TokenUsage

    t0 = 1_700_000_000_000_000_000
    spans = []
    for i in range(n // 2):
        tid, start = f"{i // 10:032x}", t0 + i * 1_000_000
        spans.append(Span(span_id=f"own{i}", trace_id=tid, session_id="s", name="claude_code.llm_request",
                          start_ns=start, end_ns=start + 900_000, kind=SpanKind.LLM_CALL,
                          llm=LlmInfo(model="claude-sonnet-4-5"), attributes={"request_id": f"req_{i}"}))
        spans.append(Span(span_id=f"rebuilt{i}", trace_id=tid, session_id="s", name="api_request",
                          start_ns=start, end_ns=start + 900_000, kind=SpanKind.LLM_CALL,
                          llm=LlmInfo(model="claude-sonnet-4-5"), usage=TokenUsage(input=1200, output=80),
                          attributes={"request_id": f"req_{i}", "agenttrace.rebuilt_from": "log events"}))
    return [spans[i : i + BATCH] for i in range(0, len(spans), BATCH)]


# -- parent ----------------------------------------------------------------------------------
def _env(code: str) -> dict:
    env = dict(os.environ, PYTHONPATH=code, PYTHONHASHSEED="0")
    return env


def cpu_compare(codes: list[str], modes: list[str], n: int, rounds: int, runs: int) -> dict:
    got: dict[tuple[str, str], list[float]] = {(c, m): [] for c in codes for m in modes}
    for _ in range(rounds):
        for m in modes:
            for c in codes:
                out = subprocess.run([sys.executable, __file__, "--child", m, "--spans", str(n), "--runs", str(runs)],
                                     env=_env(c), capture_output=True, text=True, check=True).stdout
                got[(c, m)].extend(json.loads(out.strip().splitlines()[-1])["us"])
    return {f"{m} {c}": statistics.median(v) for (c, m), v in got.items()} | {"_all": {f"{m} {c}": v for (c, m), v in got.items()}}


def callgrind(code: str, mode: str, n: int, stage: bool) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        outf = Path(tmp) / "cg.out"
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={outf}", sys.executable, __file__,
                        "--child", mode, "--spans", str(n), "--runs", "0"] + (["--stage"] if stage else []),
                       env=_env(code), capture_output=True, text=True, check=True)
        text = outf.read_text(errors="replace")
        m = re.search(r"^(?:summary|totals):\s*(\d+)", text, re.M)
        assert m, "no totals in callgrind output"
        return int(m.group(1))


def main() -> None:
    if "--child" in sys.argv:
        r = child(_arg("--child", "apply"), int(_arg("--spans", "20000")), int(_arg("--runs", "3")), "--stage" in sys.argv)
        print(json.dumps(r))
        return
    codes = _args("--code") or [str(HERE.parent / "src")]
    modes = _arg("--modes", "apply,priced").split(",")
    if "--callgrind" in sys.argv:
        n = int(_arg("--spans", "4000"))
        cached = _arg("--setup-instructions", "")  # the set-up's count from an earlier run (same inputs): skip it
        for m in modes:
            for c in codes:
                base = int(cached) if cached else callgrind(c, m, n, False)
                full = callgrind(c, m, n, True)
                print(f"callgrind {m:7s} {c}: {(full - base) / n:,.0f} instructions/span (stage {full - base:,}, "
                      f"set-up {base})", flush=True)
        return
    n = int(_arg("--spans", "20000"))
    load = os.getloadavg()
    res = cpu_compare(codes, modes, n, int(_arg("--rounds", "3")), int(_arg("--runs", "3")))
    print(f"load before {load[0]:.2f}, after {os.getloadavg()[0]:.2f}")
    for k, v in res.items():
        if k != "_all":
            print(f"{k}: median {v:.2f} us/span   runs {', '.join(f'{x:.2f}' for x in res['_all'][k])}")


if __name__ == "__main__":
    main()
