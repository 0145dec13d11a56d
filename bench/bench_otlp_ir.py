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
Prints Ir per span for each; compare two trees by running it with each one's
``src`` on PYTHONPATH. String hashing is fixed (PYTHONHASHSEED=0) so runs repeat;
needs valgrind; about a minute per stage.

Run: PYTHONPATH=src python bench/bench_otlp_ir.py [--bodies N] [--stages parse,convert,store]
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

import results  # noqa: F401 - answers -h/--help with this script's docstring
from callgrind import collected

WARM_BODIES = 6  # enough uses of every key set of agent_request to compile its recipes


def _arg(name: str, default: str) -> str:
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def store_bodies(pipe: Any, bodies: list[bytes], lookup: Callable[[str], str | None] = lambda _t: None) -> None:
    """The ``store`` stage: each body parsed, converted and applied, the totals read after each."""
    from agenttrace_tui.ingest.otlp_decode import Rejects, convert_traces, parse

    for b in bodies:
        for chunk in convert_traces(parse("traces", b, False), False, Rejects(), lookup):
            pipe.apply(chunk, tap=False)
        pipe.store.totals  # noqa: B018


def _measured(stage: str, n_bodies: int) -> None:
    """The child: warm up, then run the stage inside functools.reduce (the counted call)."""
    from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

    from agenttrace_tui.ingest.otlp_decode import Rejects, convert_traces, parse
    from agenttrace_tui.store.memory import Store
    from bench_otlp import agent_request
    from wiring import monitor_pipeline

    real = trace_service_pb2.ExportTraceServiceRequest.FromString

    warm = [agent_request(1000 + i) for i in range(WARM_BODIES)]
    bodies = [agent_request(i) for i in range(n_bodies)]
    store_bodies(monitor_pipeline(Store(max_spans=1_000_000)), warm)
    store = Store(max_spans=1_000_000)
    pipe = monitor_pipeline(store)

    def lookup(tid: str) -> str | None:
        t = store.traces.get(tid)
        return t.session_id if t is not None else None

    def work() -> None:
        if stage == "store":
            store_bodies(pipe, bodies, lookup)
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
        _measured(_arg("--child", "parse"), n_bodies)
        return
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed")
    n = n_bodies * 512
    import agenttrace_tui

    print(f"{n:,} spans ({n_bodies} requests of 512), code from {Path(agenttrace_tui.__file__).parent}")
    for stage in _arg("--stages", "parse,convert,store").split(","):
        print(f"{stage:8s} {_count(stage, n_bodies) / n:10,.0f} Ir/span", flush=True)


if __name__ == "__main__":
    main()
