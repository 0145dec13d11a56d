"""Benchmark: the cost pane's reads on a long session, after one of its traces changed.

Run: PYTHONPATH=src python bench/bench_cost_pane.py [--traces N] [--rounds N] [--no-save]

One session of 50,000 traces (``--traces``) of four spans each, as an agent's
turns: an agent, a tool call and two model calls (priced, tokens given), in
the real store through the monitor's pipeline (bench/wiring.py). Three shapes:

* ``one after another``: each trace after the one before (a session's turns);
* ``all at once``: each trace overlapping the next (a service answering at once);
* ``one after another, an agent running``: as the first, with one agent span
  still running since the session's first trace (a run whose root never
  ended), so each kind's time counts it until now.

Each round changes one trace (a span added to it, as a turn's late span), then
reads what the pane reads for that session, each whole (no per-draw budget):
``kind_times`` (the time by kind, running spans until now), ``agent_costs``
(the spend by agent), ``tool_costs`` (the tools' rollup); and ``kind_times``
again with only the clock moved (the pane's redraw each second). Baseline in
the same round: one look at every trace of the session (its version read), the
least any read that walks every trace does. CPU time of this thread, under
the monitor's GC policy (the store's heap frozen); medians of the rounds.
Memory: what the first reads leave cached on the store (tracemalloc), per span.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
import tracemalloc

from agenttrace_tui.model import AgentInfo, LlmInfo, Session, Span, SpanKind, Status, TokenUsage, ToolInfo
from agenttrace_tui.store.memory import Store
from machine import commit, describe
from results import row, save
from wiring import monitor_pipeline

S = 1_000_000_000
T0 = 1_765_000_000 * S
SESSION = "bench-session"
SHAPES = ("one after another", "all at once", "one after another, an agent running")


def _arg(name: str, default: str) -> str:
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def _trace(k: int, at: int, step: int) -> list[Span]:
    """Trace ``k``'s four spans from ``at`` ns: an agent over a model call, a tool call, a model call."""
    tid = f"{k:032x}"

    def span(n: int, parent: str | None, kind: SpanKind, a: float, b: float, **kw) -> Span:
        return Span(span_id=f"{k:012x}{n:04x}", trace_id=tid, session_id=SESSION, parent_span_id=parent,
                    name=kind.value, kind=kind, start_ns=at + int(a * step), end_ns=at + int(b * step),
                    status=Status.OK, **kw)

    root = f"{k:012x}{0:04x}"
    llm = {"llm": LlmInfo(provider="openai", model="gpt-4o-mini")}
    return [span(0, None, SpanKind.AGENT, 0, 1, agent=AgentInfo(name="researcher")),
            span(1, root, SpanKind.LLM_CALL, 0.05, 0.3, usage=TokenUsage(input=1200, output=60, total=1260), **llm),
            span(2, root, SpanKind.TOOL_EXECUTION, 0.3, 0.6, tool=ToolInfo(name="search")),
            span(3, root, SpanKind.LLM_CALL, 0.6, 0.95, usage=TokenUsage(input=1500, output=80, total=1580), **llm)]


def _store(shape: str, n: int) -> tuple[Store, int]:
    """A store holding the shape's session, and the time its last trace ends."""
    store = Store(max_spans=10 * n)
    pipe = monitor_pipeline(store, hold=False)
    spans: list = [Session(id=SESSION, name="bench", started_ns=T0)]
    # 10 s a trace; overlapping: each runs 15 s, into the next one's first half.
    step = 15 * S if shape == "all at once" else 8 * S
    for k in range(n):
        spans += _trace(k, T0 + k * 10 * S, step)
        if len(spans) >= 20_000:
            pipe.apply(spans)
            spans = []
    if shape.endswith("running"):
        spans.append(Span(span_id="f" * 16, trace_id="f" * 32, session_id=SESSION, parent_span_id=None,
                          name="supervisor", kind=SpanKind.AGENT, start_ns=T0, end_ns=None, status=Status.RUNNING))
    pipe.apply(spans)
    return store, T0 + n * 10 * S


def _cpu(fn) -> float:
    t = time.thread_time()
    fn()
    return time.thread_time() - t


def measure(shape: str, n: int, rounds: int) -> dict:
    store, end = _store(shape, n)
    pipe = monitor_pipeline(store, hold=False)
    traces = [store.traces[t] for t in store.sessions[SESSION].trace_ids]
    n_spans = sum(len(t.spans) for t in traces)
    now = end + 60 * S
    store.flush_aggregates()  # (the totals' fold is ingest's work, not the pane's)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    store.kind_times(SESSION, running=True, now_ns=now)
    store.agent_costs(SESSION)
    store.tool_costs(SESSION)
    cached = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    gc.collect()
    gc.freeze()  # (the monitor's policy: the heap it holds is frozen, collections see only what is new)
    got: dict[str, list[float]] = {k: [] for k in ("baseline", "kind_times", "clock", "agent_costs", "tool_costs")}
    for r in range(rounds):
        k = (r * 7919) % n  # a trace somewhere in the session, a different one each round
        t = traces[k]
        late = Span(span_id=f"{k:012x}{9 + r:04x}", trace_id=t.trace_id, session_id=SESSION, parent_span_id=t.root_id,
                    name="tool_execution", kind=SpanKind.TOOL_EXECUTION, start_ns=t.start_ns + S,
                    end_ns=t.start_ns + 2 * S, status=Status.OK, tool=ToolInfo(name="fetch"))
        pipe.apply([late])
        store.flush_aggregates()
        got["baseline"].append(_cpu(lambda: sum(t.version for t in traces)))
        got["kind_times"].append(_cpu(lambda: store.kind_times(SESSION, running=True, now_ns=now)))
        got["clock"].append(_cpu(lambda: store.kind_times(SESSION, running=True, now_ns=now + S)))
        got["agent_costs"].append(_cpu(lambda: store.agent_costs(SESSION)))
        got["tool_costs"].append(_cpu(lambda: store.tool_costs(SESSION)))
    gc.unfreeze()
    times = store.kind_times(SESSION, running=True, now_ns=now)
    return {"spans": n_spans, "cached_bytes_per_span": cached / n_spans, "agent_s": times.get("agent", 0) / S,
            **{k: statistics.median(v) * 1000 for k, v in got.items()}}


def render(n: int, rounds: int, by_shape: dict[str, dict], machine: str) -> str:
    lines = [
        "### The cost pane's reads on a long session (`bench/bench_cost_pane.py`)",
        "",
        f"One session of {n:,} traces (an agent, a tool call and two priced model calls each); each round "
        "changes one trace, then reads what the pane reads for the session, whole. CPU ms, medians of "
        f"{rounds} rounds under the monitor's GC policy; ratio to the baseline of the same rounds: one look at "
        "every trace of the session. `clock`: the time by kind read again with only the clock moved (the "
        "pane's redraw each second). Cached: what the first reads leave on the store, per span (tracemalloc).",
        "",
        f"- Machine: {machine}",
        "",
        "| shape | baseline | time by kind | clock moved | spend by agent | tools | cached |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for shape, m in by_shape.items():
        b = m["baseline"]
        lines.append(
            f"| {shape} | {b:.2f} ms | {m['kind_times']:.1f} ms ({m['kind_times'] / b:.0f}x) "
            f"| {m['clock'] * 1000:.0f} µs | {m['agent_costs']:.1f} ms ({m['agent_costs'] / b:.0f}x) "
            f"| {m['tool_costs']:.1f} ms ({m['tool_costs'] / b:.0f}x) | {m['cached_bytes_per_span']:.0f} B/span |")
    return "\n".join(lines)


def main() -> None:
    n = int(_arg("--traces", "50000"))
    rounds = int(_arg("--rounds", "7"))
    machine = describe()
    by_shape: dict[str, dict] = {}
    for shape in SHAPES:
        by_shape[shape] = measure(shape, n, rounds)
        print(shape, {k: round(v, 3) for k, v in by_shape[shape].items()}, flush=True)
    section = render(n, rounds, by_shape, machine)
    print(section)
    if "--no-save" in sys.argv:
        return
    worst = max(m["kind_times"] for m in by_shape.values())
    running = by_shape[SHAPES[2]]
    out = save("cost_pane", machine=machine, section=section, data={"commit": commit(), "traces": n, "rounds": rounds,
                                                                    "shapes": by_shape},
               summary=[row(f"cost pane: time by kind read after a change, {n:,}-trace session",
                            "reported (worked out between frames, in slices)",
                            f"{worst:.0f} ms at most of the three shapes; clock moved only "
                            f"{running['clock'] * 1000:.0f} µs with a span running", None)])
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
