"""OTLP decode + normalise + store on the requests the recorded clients sent, beside the synthetic ones.

The OTLP row (bench_otlp.py) measures requests of one synthetic shape: agent
traces whose spans carry a few short GenAI attributes. Real instrumentations
send more a span: prompts, messages and outputs as long string attributes,
message lists as JSON, events, resource and scope names of their own. This
runs the same work (each body parsed as the monitor parses it, converted, and
applied through the monitor's pipeline, priced as it prices: bench/wiring.py)
on every protobuf trace request of the recorded clients (tests/clients/fixtures,
as the conformance tests replay them), each client into a store of its own
made before the clock starts (one price book for all, as one monitor has), and
in the same rounds, interleaved, on the OTLP row's synthetic requests
(``bench_otlp.agent_request``, as many spans). Beside them, the generated
classes' parse alone of the clients' bodies (what any protobuf reader pays).
CPU time of this process under the monitor's GC policy (the collection of what
a round left inside its time), after a warm-up pass (prices and token encodings
loaded, the recipes of key sets used often enough compiled: a client's rarer
key sets stay uncompiled, as in a short session); medians of the rounds. CPU
time here moves by a third with the host's load, and the clients' figure against the synthetic one
by several percent from run to run: the instructions (below) are the steady
measure of a change.

Under callgrind (instructions, which repeat whatever the host's load): the
clients' requests as above, and, since real exporters send small requests (the
recorded clients' hold 3 spans each at the median: their batch processors
export every 200 ms here, and an agent's turn makes a few spans a second; the
OTLP row's hold 512) and what a request costs whatever its spans (its resource
and scopes read, its sessions resolved, its chunk checked and stored) is shared
by its spans, a span of the synthetic requests' spans (the same 4,096 spans,
traces and resource each time) sent in requests of 1, 3, 8, 64 and 512 spans
(bench_otlp_ir's ``store`` stage with ``--per-request``; the totals read once
per 512 spans whatever the size, as the monitor's UI reads them at its frame
rate, and the services' sessions kept across requests, as the receiver keeps
them). ``--no-ir`` skips these; they need valgrind.

Keeps a run under a label in docs/bench/results/otlp_clients.json (``--no-save``
keeps nothing). Compare two trees by running this with each one's ``src`` on
PYTHONPATH (``--label``, ``--commit``): by their instructions.

Run: PYTHONPATH=src python bench/bench_otlp_clients.py [--rounds N] [--no-ir] [--label NAME] [--commit TEXT]
     [--no-save] [--resave]
"""

from __future__ import annotations

import functools
import gc
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

from agenttrace_tui.enrich import PriceBook
from agenttrace_tui.ingest.otlp_decode import Rejects, convert_traces
from agenttrace_tui.ingest.otlp_parse import parse
from agenttrace_tui.runtime.gcpolicy import GcPolicy
from agenttrace_tui.store.memory import Store
from bench_otlp import BATCH, agent_request
from callgrind import collected
from machine import commit, describe
from results import resave, row, save, with_run
from wiring import monitor_pipeline

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "clients" / "fixtures"
sys.path.insert(0, str(FIXTURES.parent))

from recording import read_body  # noqa: E402  (the fixtures' own reader: some are stored gzipped)


def _arg(name: str, default: str) -> str:
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def client_bodies() -> tuple[dict[str, list[bytes]], int]:
    """Each recorded client's protobuf trace requests, in the order it sent them, and their spans."""
    real = trace_service_pb2.ExportTraceServiceRequest.FromString
    out: dict[str, list[bytes]] = {}
    spans = 0
    for path in sorted(FIXTURES.glob("*/*traces.pb*")):
        body = read_body(path)
        req = real(body)
        spans += sum(len(ss.spans) for rs in req.resource_spans for ss in rs.scope_spans)
        out.setdefault(path.parent.name, []).append(body)
    return out, spans


def _stored(groups: list[list[bytes]], book: PriceBook) -> Callable[[], None]:
    """The timed work on ``groups`` (each a client's requests, or the synthetic ones), its stores made now.

    Every pipeline prices with ``book``: one monitor resolves a model's price once and keeps
    it, where a price book of each client's own would resolve its models in every round."""
    stores = [Store(max_spans=1_000_000) for _ in groups]
    pipes = [monitor_pipeline(s) for s in stores]
    for pipe in pipes:
        for enricher in pipe.enrichers:
            enricher.coster.book = book

    def work() -> None:
        for bodies, store, pipe in zip(groups, stores, pipes, strict=True):
            traces = store.traces

            def lookup(tid: str, traces: dict[str, Any] = traces) -> str | None:
                t = traces.get(tid)
                return t.session_id if t is not None else None

            for b in bodies:
                for chunk in convert_traces(parse("traces", b, False), False, Rejects(), lookup):
                    pipe.apply(chunk)

    return work


def _cpu(work: Callable[[], None]) -> float:
    """CPU seconds of ``work`` under the monitor's GC policy, the collection of what it left included."""
    policy = GcPolicy()
    policy.start()
    try:
        c = time.process_time()
        work()
        gc.collect()
        return time.process_time() - c
    finally:
        policy.stop()


def measure(rounds: int) -> dict[str, Any]:
    clients, n_clients = client_bodies()
    groups = list(clients.values())
    synthetic = [[agent_request(i) for i in range(max(1, round(n_clients / BATCH)))]]
    n_synth = len(synthetic[0]) * BATCH
    every = [b for g in groups for b in g]
    real = trace_service_pb2.ExportTraceServiceRequest.FromString
    book = PriceBook()
    _stored(groups, book)()  # warm-up: recipes compiled, prices resolved, token encodings loaded
    _stored(synthetic, book)()
    got: dict[str, list[float]] = {"clients": [], "synthetic": [], "parse": []}
    for r in range(rounds):
        # The order alternates round by round: neither side always runs first after a collection.
        for name in (("clients", "synthetic") if r % 2 == 0 else ("synthetic", "clients")):
            groups_of = groups if name == "clients" else synthetic
            got[name].append(_cpu(_stored(groups_of, book)) / (n_clients if name == "clients" else n_synth) * 1e6)
        got["parse"].append(_cpu(lambda: [real(b) for b in every]) / n_clients * 1e6)
    med = {k: statistics.median(v) for k, v in got.items()}
    # Each round's clients against its synthetic spans, then the median: the host's speed drifts
    # between rounds more than within one.
    ratio = statistics.median(c / s for c, s in zip(got["clients"], got["synthetic"], strict=True))
    return {"clients": len(clients), "requests": len(every), "spans": n_clients, "synthetic_spans": n_synth,
            "bytes_per_span": sum(map(len, every)) / n_clients, "us_per_span": med, "clients_per_synthetic": ratio,
            "rounds": rounds}


#: Spans a request in the instructions' table, and the spans each size runs.
REQUEST_SIZES = (1, 3, 8, 64, 512)
IR_SPANS = 4096


def _clients_child() -> None:
    """Under callgrind: the clients' requests stored once to warm up, then again (fresh stores)
    inside ``functools.reduce``, the one call counted."""
    clients, _n = client_bodies()
    groups = list(clients.values())
    book = PriceBook()
    _stored(groups, book)()
    work = _stored(groups, book)
    gc.collect()
    gc.disable()
    functools.reduce(lambda _a, _b: work(), [0, 0])


def ir_of_clients(spans: int) -> float:
    """Instructions a span of the clients' requests (``_clients_child``)."""
    return collected(__file__, "--child") / spans


def ir_by_request_size() -> dict[str, float]:
    """Instructions a span of the synthetic requests' spans, by spans a request (bench_otlp_ir's ``store``)."""
    script = str(Path(__file__).resolve().parent / "bench_otlp_ir.py")
    bodies = IR_SPANS // BATCH
    return {str(n): collected(script, "--child", "store", "--bodies", str(bodies), "--per-request", str(n)) / IR_SPANS
            for n in REQUEST_SIZES}


def render(data: dict) -> str:
    runs = data["runs"]
    last = list(runs.values())[-1]
    lines = [
        "### OTLP on the recorded clients' requests (`bench/bench_otlp_clients.py`)",
        "",
        f"The OTLP row's work (parse as the monitor parses, convert, store through its pipeline, priced) on every "
        f"protobuf trace request of the recorded clients ({last['requests']} requests, {last['spans']:,} spans of "
        f"{last['clients']} client runs, {last['bytes_per_span']:,.0f} B a span; each client into a store of its "
        f"own), against the OTLP row's synthetic agent spans ({last['synthetic_spans']:,}, interleaved in the same "
        "rounds) and against the generated classes' parse alone of the clients' bodies. CPU µs a span under the "
        "monitor's GC policy, medians of the rounds after a warm-up; a run of an older commit is that commit's code "
        "on today's benchmark. CPU time moves with the host's load, and the clients' ratio to the synthetic spans "
        "by several percent from one run of the same code to the next: two trees compare by their instructions "
        "(the second table).",
        "",
        *(f"- `{label}`: commit {r['commit']}, {r['rounds']} rounds, {r['machine']}" for label, r in runs.items()),
        "",
        "| run | recorded clients, µs/span | synthetic agent spans, µs/span | clients / synthetic (median of the rounds') "
        "| parse alone, µs/span | clients / parse |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, r in runs.items():
        u = r["us_per_span"]
        lines.append(f"| `{label}` | {u['clients']:.2f} | {u['synthetic']:.2f} | {r['clients_per_synthetic']:.2f}x "
                     f"| {u['parse']:.2f} | {u['clients'] / u['parse']:.1f}x |")
    with_ir = {label: r for label, r in runs.items() if r.get("ir_by_request_size")}
    if with_ir:
        lines += [
            "",
            "Instructions a span under callgrind (load-independent): the recorded clients' requests as above (after "
            "the same warm-up), and the synthetic requests' spans sent in smaller requests (the totals read once per "
            "512 spans; the recorded clients' requests hold 3 spans at the median):",
            "",
            "| run | recorded clients' requests | " + " | ".join(f"{n} a request" for n in REQUEST_SIZES)
            + " | 3 a request / 512 |",
            "|---|" + "---:|" * (len(REQUEST_SIZES) + 2),
        ]
        for label, r in with_ir.items():
            ir = r["ir_by_request_size"]
            lines.append(f"| `{label}` | {ir['clients']:,.0f} | " + " | ".join(f"{ir[str(n)]:,.0f}" for n in REQUEST_SIZES)
                         + f" | {ir['3'] / ir['512']:.2f}x |")
    return "\n".join(lines)


def summary(data: dict) -> list[dict]:
    label, r = list(data["runs"].items())[-1]
    u = r["us_per_span"]
    ir = r.get("ir_by_request_size")
    cpu = (f"{u['clients']:.1f} µs of CPU a span, {r['clients_per_synthetic']:.2f}x the synthetic agent spans in the "
           "same rounds")
    if ir:
        cpu = (f"{ir['clients']:,.0f} instructions a span, {ir['clients'] / ir['512']:.2f}x a synthetic span's ({cpu}); "
               f"in requests of 3 spans, as the clients send them, a synthetic span takes {ir['3'] / ir['512']:.2f}x "
               "its instructions in requests of 512")
    return [row("OTLP decode + normalise + store, the recorded clients' requests", "reported (real traffic beside "
                "the OTLP row's synthetic spans)",
                f"{cpu} ({r['spans']:,} spans of {r['clients']} client runs; run {label!r})", None)]


def main() -> None:
    if "--child" in sys.argv:
        _clients_child()
        return
    if "--resave" in sys.argv:
        resave("otlp_clients", render, summary)  # the recorded runs with this rendering, measuring nothing
        return
    rounds = int(_arg("--rounds", "11"))
    got = measure(rounds)
    u = got["us_per_span"]
    print(f"{got['spans']:,} spans of {got['clients']} client runs ({got['requests']} requests, "
          f"{got['bytes_per_span']:,.0f} B a span), {rounds} rounds")
    print(f"recorded clients {u['clients']:.2f} µs/span, synthetic {u['synthetic']:.2f} µs/span "
          f"({got['clients_per_synthetic']:.2f}x), parse alone {u['parse']:.2f} µs/span")
    ir = None if "--no-ir" in sys.argv else ir_by_request_size()
    if ir is not None:
        ir["clients"] = ir_of_clients(got["spans"])
        print(f"instructions a span: the recorded clients' requests {ir['clients']:,.0f}; the synthetic spans by spans "
              "a request: " + ", ".join(f"{n}: {ir[str(n)]:,.0f}" for n in REQUEST_SIZES))
    if "--no-save" in sys.argv:
        return
    data = with_run("otlp_clients", _arg("--label", "current"),
                    {"machine": describe(), "commit": _arg("--commit", "") or commit(), **got,
                     "ir_by_request_size": ir})
    out = save("otlp_clients", machine=describe(), section=render(data), summary=summary(data), data=data)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
