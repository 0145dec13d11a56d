"""OTLP decode + normalise (+ store) in instructions per span, under callgrind.

CPU time on a shared 2-core machine moves by 20-50 % from run to run; the
number of instructions executed does not. This runs the OTLP stages of
bench_pipeline (bench_otlp.agent_request bodies, 512 spans each) under
``valgrind --tool=callgrind`` and counts only what runs inside one marked
call (``--toggle-collect`` on ``functools.reduce``, which wraps the measured
work), so interpreter start-up, imports and the warm-up (recipes compile after
COMPILE_AFTER uses) are left out.

Stages: ``parse`` (protobuf parse alone, the baseline), ``convert`` (parse +
convert_traces) and ``store`` (parse + convert + Pipeline.apply + totals, priced
as the monitor prices: bench/wiring.py).
Prints Ir per span for each and keeps a run of all three under a label in
docs/bench/results/otlp_ir.json (``--no-save`` keeps nothing): the OTLP row of
docs/benchmarks.md is CPU time on a shared machine, which drifts by more than a
change to the path costs, so a run here is how a change (or the slow growth of
the conventions' rules) shows. Compare two trees by running it with each one's
``src`` on PYTHONPATH (``--commit`` names the code measured then). String hashing
is fixed (PYTHONHASHSEED=0) so runs repeat; needs valgrind; about a minute per stage.

Run: PYTHONPATH=src python bench/bench_otlp_ir.py [--bodies N] [--stages parse,convert,store] [--label NAME]
     [--commit TEXT] [--no-save]
"""

from __future__ import annotations

import functools
import gc
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from callgrind import collected
from machine import commit, describe
from results import row, save, with_run

STAGES = ["parse", "convert", "store"]

WARM_BODIES = 6  # enough uses of every key set of agent_request to compile its recipes


def _arg(name: str, default: str) -> str:
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def store_bodies(pipe: Any, bodies: list[bytes], lookup: Callable[[str], str | None] = lambda _t: None,
                 read_every: int = 1) -> None:
    """The ``store`` stage: each body parsed, converted and applied, the totals read after each
    (``read_every``: after every that many bodies, and after the last); the services' sessions
    kept across requests, as the receiver keeps them."""
    from agenttrace_tui.ingest.otlp_decode import Rejects, convert_traces, parse
    from agenttrace_tui.ingest.otlp_sessions import ServiceSessions

    services = ServiceSessions()
    for n, b in enumerate(bodies, 1):
        for chunk in convert_traces(parse("traces", b, False), False, Rejects(), lookup, services=services):
            pipe.apply(chunk, tap=False)
        if n % read_every == 0 or n == len(bodies):
            pipe.store.totals  # noqa: B018


def _measured(stage: str, n_bodies: int, per_request: int = 512) -> None:
    """The child: warm up, then run the stage inside functools.reduce (the counted call);
    ``per_request``: the same spans in requests of that many (bench_otlp_clients times smaller ones)."""
    from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

    from agenttrace_tui.ingest.otlp_decode import Rejects, convert_traces, parse
    from agenttrace_tui.store.memory import Store
    from bench_otlp import BATCH, agent_request, split_requests
    from wiring import monitor_pipeline

    real = trace_service_pb2.ExportTraceServiceRequest.FromString

    warm = [agent_request(1000 + i) for i in range(WARM_BODIES)]
    bodies = [agent_request(i) for i in range(n_bodies)]
    if per_request != BATCH:
        warm, bodies = split_requests(warm, per_request), split_requests(bodies, per_request)
    # (No span_starts held: the OTLP receivers apply what they convert; older trees, which this
    # runs on to compare, had no hold.)
    store_bodies(monitor_pipeline(Store(max_spans=1_000_000), hold=False), warm, read_every=-(-512 // per_request))
    store = Store(max_spans=1_000_000)
    pipe = monitor_pipeline(store, hold=False)

    def lookup(tid: str) -> str | None:
        t = store.traces.get(tid)
        return t.session_id if t is not None else None

    def work() -> None:
        if stage == "store":
            # The totals read once per 512 spans whatever the requests' size: the monitor's UI reads
            # them at its frame rate, not once a request (requests of 512: after each, as always).
            store_bodies(pipe, bodies, lookup, -(-512 // per_request))
            return
        for b in bodies:
            # parse: the generated classes' (any protobuf reader's), the baseline; convert: the monitor's.
            req = real(b) if stage == "parse" else parse("traces", b, False)
            if stage == "convert":
                for _ in convert_traces(req, False, Rejects(), lookup):
                    pass

    gc.collect()
    gc.disable()
    functools.reduce(lambda _a, _b: work(), [0, 0])  # one call of work(), the only one counted


def _count(stage: str, n_bodies: int) -> int:
    return collected(__file__, "--child", stage, "--bodies", str(n_bodies))


def main() -> None:
    n_bodies = int(_arg("--bodies", "4"))
    if "--child" in sys.argv:
        _measured(_arg("--child", "parse"), n_bodies, int(_arg("--per-request", "512")))
        return
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed")
    n = n_bodies * 512
    import agenttrace_tui

    print(f"{n:,} spans ({n_bodies} requests of 512), code from {Path(agenttrace_tui.__file__).parent}")
    got: dict[str, float] = {}
    for stage in _arg("--stages", ",".join(STAGES)).split(","):
        got[stage] = _count(stage, n_bodies) / n
        print(f"{stage:8s} {got[stage]:10,.0f} Ir/span", flush=True)
    if "--no-save" in sys.argv or set(got) != set(STAGES):
        return
    data = with_run("otlp_ir", _arg("--label", "current"),
                    {"machine": describe(), "commit": _arg("--commit", "") or commit(), "spans": n, "ir_per_span": got})
    out = save("otlp_ir", machine=describe(), section=render(data), summary=summary(data), data=data)
    print(f"wrote {out}")


def render(data: dict) -> str:
    """The section: instructions per span by stage, a row per run (oldest first)."""
    runs = data["runs"]
    lines = [
        "### OTLP decode + normalise + store, in instructions (`bench/bench_otlp_ir.py`)",
        "",
        "The OTLP section's requests (agent traces, 512 spans a request) under callgrind: instructions per span, "
        "which repeat for the same code and input whatever the machine's load. `parse`: the protobuf classes' "
        "parse alone (what any reader pays, the baseline); `convert`: the monitor's parse and conversion to spans; "
        "`store`: those and `Pipeline.apply` (the door, pricing, the store), the totals read after each request. "
        "The OTLP row's target, 100,000 spans per CPU-second, is 10 µs a span: read its CPU time beside these "
        "(a run here of an older commit is that commit's code on today's benchmark).",
        "",
        *(f"- `{label}`: commit {r['commit']}, {r['spans']:,} spans, {r['machine']}" for label, r in runs.items()),
        "",
        "| run | parse, Ir/span | convert, Ir/span | store, Ir/span | store / parse |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, r in runs.items():
        ir = r["ir_per_span"]
        lines.append(f"| `{label}` | {ir['parse']:,.0f} | {ir['convert']:,.0f} | {ir['store']:,.0f} "
                     f"| {ir['store'] / ir['parse']:.1f}x |")
    return "\n".join(lines)


def summary(data: dict) -> list[dict]:
    """A reported row: the latest run's whole path against the first run kept."""
    runs = list(data["runs"].items())
    label, run = runs[-1]
    first_label, first = runs[0]
    ir, was = run["ir_per_span"]["store"], first["ir_per_span"]["store"]
    since = "" if len(runs) < 2 else f"; {was:,.0f} in run {first_label!r} ({ir / was - 1:+.1%})"
    return [row("OTLP decode + normalise + store in instructions a span (load-independent)",
                "reported (where the OTLP row's time goes)",
                f"{ir:,.0f} (run {label!r}; {ir / run['ir_per_span']['parse']:.1f}x the protobuf parse alone){since}",
                None)]


if __name__ == "__main__":
    main()
