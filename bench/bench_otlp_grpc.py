"""OTLP/gRPC vs OTLP/HTTP ingest, in one run, and what gRPC costs at start-up.

Measures, alternating the two transports so both see the same machine load:

* raw ingest: the same protobuf Export requests (agent traces, 512 spans
  each) sent from another process on 2 concurrent streams, to the real gRPC
  receiver and to the real HTTP receiver (keep-alive connections);
* end to end: the OpenTelemetry Python SDK (BatchSpanProcessor with a raised
  queue) exporting with its gRPC exporter and with its HTTP exporter;
* start-up: ``import grpc.aio`` in a fresh interpreter that already imported
  the receivers (``-X importtime``), and ``Monitor.start()`` with and
  without the gRPC receiver; the installed size of grpcio.

Prints JSON, writes docs/bench/otlp_grpc.json and docs/bench/otlp_grpc.md, and
rebuilds docs/benchmarks.md. Run: PYTHONPATH=src python bench/bench_otlp_grpc.py
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import report
from agenttrace_tui.config import Config
from agenttrace_tui.ingest.otlp_grpc import start_otlp_grpc
from agenttrace_tui.ingest.otlp_http import start_otlp
from agenttrace_tui.ingest.pipeline import Pipeline
from agenttrace_tui.store.memory import Store
from bench_otlp import BATCH, HTTP_CHILD, agent_request
from machine import describe as machine
from results import load, row, save

ROOT = Path(__file__).resolve().parent.parent
RUNS = 3

GRPC_CHILD = r"""
import sys, threading, time, grpc
port, path = int(sys.argv[1]), sys.argv[2]
data = open(path, "rb").read()
bodies, i = [], 0
while i < len(data):
    n = int.from_bytes(data[i:i + 4], "big"); bodies.append(data[i + 4:i + 4 + n]); i += 4 + n
def client(part):
    ch = grpc.insecure_channel(f"127.0.0.1:{port}")
    call = ch.unary_unary("/opentelemetry.proto.collector.trace.v1.TraceService/Export")
    for b in part:
        call(b, timeout=120)
    ch.close()
threads = [threading.Thread(target=client, args=(bodies[k::2],)) for k in range(2)]
t = time.perf_counter()
for th in threads: th.start()
for th in threads: th.join()
print(time.perf_counter() - t)
"""

SDK_CHILD = r"""
import sys, time
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace.export import BatchSpanProcessor
port, n, proto = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
if proto == "grpc":
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
    exp = OTLPSpanExporter(endpoint=f"http://127.0.0.1:{port}", insecure=True)
else:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    exp = OTLPSpanExporter(endpoint=f"http://127.0.0.1:{port}/v1/traces")
tp = TracerProvider(resource=Resource.create({"service.name": "sdk-bench"}))
tp.add_span_processor(BatchSpanProcessor(exp, max_queue_size=65536, max_export_batch_size=2048, schedule_delay_millis=200))
t = tp.get_tracer("bench")
for i in range(n // 4):
    with t.start_as_current_span("invoke_agent", attributes={"gen_ai.operation.name": "invoke_agent"}):
        for j in range(3):
            with t.start_as_current_span("chat", attributes={"gen_ai.operation.name": "chat",
                    "gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": 100}):
                pass
tp.shutdown()
"""


async def _serve(proto: str, store: Store) -> tuple[object, int]:
    pipeline = Pipeline(store)
    if proto == "grpc":
        server = await start_otlp_grpc(pipeline, port=0)
    else:
        server = await start_otlp(pipeline, port=0)
    return server, server.address[1]


def raw_rate(proto: str, path: str, n: int) -> float:
    """Spans/s of the receiver fed the same bodies by a client process on 2 streams."""
    async def main() -> float:
        store = Store(max_spans=1_000_000)
        server, port = await _serve(proto, store)
        child = GRPC_CHILD if proto == "grpc" else HTTP_CHILD
        args = [str(port), path] + ([] if proto == "grpc" else ["0"])
        proc = await asyncio.create_subprocess_exec(sys.executable, "-c", child, *args, stdout=asyncio.subprocess.PIPE)
        out, _ = await proc.communicate()
        assert store.span_count == n, (proto, store.span_count)
        await server.close()  # type: ignore[attr-defined]
        return n / float(out.split()[0])

    return asyncio.run(main())


def sdk_rate(proto: str, n: int) -> tuple[float, int]:
    """(spans/s stored, spans received) from the OTel SDK's exporter in another process."""
    async def main() -> tuple[float, int]:
        store = Store(max_spans=1_000_000)
        server, port = await _serve(proto, store)
        t = time.perf_counter()
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", SDK_CHILD, str(port), str(n), proto, stderr=asyncio.subprocess.DEVNULL)
        await proc.wait()
        dt = time.perf_counter() - t
        got = store.span_count
        await server.close()  # type: ignore[attr-defined]
        return got / dt, got

    return asyncio.run(main())


def import_ms(extra: str) -> float:
    """Median cumulative import time (ms) of ``grpc.aio`` after the receivers are imported."""
    code = "import agenttrace_tui.ingest.otlp_http, agenttrace_tui.runtime.monitor" + extra
    vals = []
    for _ in range(7):
        res = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
        total = 0
        for line in res.stderr.splitlines():
            parts = line.split("|")
            if len(parts) == 3 and parts[2].strip() == "grpc.aio":
                total = int(parts[1])
        vals.append(total / 1000)
    return statistics.median(vals)


def start_ms(grpc_on: bool) -> float:
    """Median wall time (ms) of Monitor.start() in a fresh interpreter (includes lazy imports)."""
    code = (
        "import asyncio, time\n"
        "from agenttrace_tui.config import Config\n"
        "from agenttrace_tui.runtime.monitor import Monitor\n"
        "async def main():\n"
        f"    m = Monitor(Config(udp_port=0, tcp_port=0, socket='', otlp_port=0, otlp_grpc_port={0 if grpc_on else None},"
        " persist=False))\n"
        "    t = time.perf_counter(); await m.start(); dt = time.perf_counter() - t\n"
        "    await m.stop(); print(dt * 1000)\n"
        "asyncio.run(main())\n"
    )
    vals = []
    for _ in range(7):
        res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
        vals.append(float(res.stdout.split()[-1]))
    return statistics.median(vals)


def installed_mb(dist: str) -> float:
    files = metadata.distribution(dist).files or []
    return sum((f.locate().stat().st_size for f in files if Path(str(f.locate())).exists()), 0) / 1e6


def main() -> None:
    _ = Config  # the monitor's settings type, used by the start-up child
    if "--resave" in sys.argv:
        # Re-save the recorded run (docs/bench/otlp_grpc.json) with this rendering and
        # target row, measuring nothing.
        prev = load("otlp_grpc")
        rec = json.loads((ROOT / "docs" / "bench" / "otlp_grpc.json").read_text())
        write(rec, rec["spans"], rec["sdk_spans"], prev["saved_utc"] if prev else None)
        return
    bodies = [agent_request(i) for i in range(40)]
    n = len(bodies) * BATCH
    with tempfile.NamedTemporaryFile(delete=False) as f:
        for b in bodies:
            f.write(len(b).to_bytes(4, "big") + b)
        path = f.name
    raw: dict[str, list[float]] = {"grpc": [], "http": []}
    try:
        for _ in range(RUNS):
            for proto in ("grpc", "http"):  # alternate: both see the same load
                raw[proto].append(raw_rate(proto, path, n))
    finally:
        os.unlink(path)
    sdk_n = 24_000
    sdk: dict[str, list[tuple[float, int]]] = {"grpc": [], "http": []}
    for _ in range(RUNS):
        for proto in ("grpc", "http"):
            sdk[proto].append(sdk_rate(proto, sdk_n))
    med = statistics.median
    result = {
        "machine": machine(),
        "spans": n,
        "batch": BATCH,
        "raw_spans_per_s": {p: med(v) for p, v in raw.items()},
        "raw_ratio_grpc_over_http": med(raw["grpc"]) / med(raw["http"]),
        "sdk_spans": sdk_n,
        "sdk_spans_per_s": {p: med(r for r, _ in v) for p, v in sdk.items()},
        "sdk_received": {p: med(g for _, g in v) for p, v in sdk.items()},
        "sdk_ratio_grpc_over_http": med(r for r, _ in sdk["grpc"]) / med(r for r, _ in sdk["http"]),
        "import_grpc_aio_ms": import_ms("; import grpc.aio"),
        "monitor_start_ms": {"without_grpc": start_ms(False), "with_grpc": start_ms(True)},
        "grpcio_installed_mb": installed_mb("grpcio"),
        "grpcio_version": metadata.version("grpcio"),
    }
    print(json.dumps(result, indent=2))
    out_dir = ROOT / "docs" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "otlp_grpc.json").write_text(json.dumps(result, indent=2) + "\n")
    write(result, n, sdk_n)


def write(result: dict, n: int, sdk_n: int, saved_utc: str | None = None) -> None:
    """Render the section and the target row from one run's figures and save them."""
    r = result
    lines = [
        "## OTLP/gRPC vs OTLP/HTTP (bench/bench_otlp_grpc.py)",
        "",
        f"Machine: {r['machine']}. Medians of {RUNS} runs, the two transports alternating in one run;",
        "the ratio is the portable figure (the machine is shared).",
        "",
        "| Path | gRPC spans/s | HTTP spans/s | gRPC / HTTP |",
        "|---|---:|---:|---:|",
        f"| the same {n:,} spans in requests of {BATCH}, 2 concurrent streams from another process | "
        f"{r['raw_spans_per_s']['grpc']:,.0f} | {r['raw_spans_per_s']['http']:,.0f} | {r['raw_ratio_grpc_over_http']:.2f} |",
        f"| OTel Python SDK exporter ({sdk_n:,} spans, queue 65,536, batch 2,048) | "
        f"{r['sdk_spans_per_s']['grpc']:,.0f} | {r['sdk_spans_per_s']['http']:,.0f} | {r['sdk_ratio_grpc_over_http']:.2f} |",
        "",
        f"SDK spans received: gRPC {r['sdk_received']['grpc']:,.0f}, HTTP {r['sdk_received']['http']:,.0f} of {sdk_n:,}.",
        "",
        f"Start-up cost of gRPC: `import grpc.aio` adds {r['import_grpc_aio_ms']:.0f} ms (`-X importtime`, median of 7),",
        f"paid only when the receiver starts; `Monitor.start()` takes {r['monitor_start_ms']['without_grpc']:.0f} ms without",
        f"the gRPC receiver and {r['monitor_start_ms']['with_grpc']:.0f} ms with it (fresh interpreter, median of 7).",
        f"grpcio {r['grpcio_version']} installs {r['grpcio_installed_mb']:.1f} MB.",
        "",
    ]
    start = r["monitor_start_ms"]
    # No target is set for gRPC against HTTP: the row says where the two stand in one run.
    summary = [row("OTLP/gRPC ingest against OTLP/HTTP, the same requests in one run", "none set (comparison)",
                   f"{r['raw_ratio_grpc_over_http']:.2f}x HTTP's spans/s (OTel SDK exporters {r['sdk_ratio_grpc_over_http']:.2f}x); "
                   f"Monitor.start() +{start['with_grpc'] - start['without_grpc']:.0f} ms with the receiver", None)]
    save("otlp_grpc", machine=r["machine"], section="\n".join(lines), summary=summary, data=result, saved_utc=saved_utc)
    report.main()


if __name__ == "__main__":
    main()
