"""Soak: good traffic beside a steady stream of hostile input; nothing good may be lost.

Run: ``PYTHONPATH=src python bench/bench_soak.py [--seconds 180]``.
Saves docs/bench/results/soak.json (``bench/results.py``: the section, the
summary rows and the raw figures, RSS over time included); then
``python bench/report.py`` rebuilds docs/benchmarks.md.

A real monitor runs headless in its own process (``agenttrace-tui
--headless`` with a database in a temporary directory). For ``--seconds``
this script sends:

- good traffic, every record numbered so it can be found again: native
  spans over TCP (a steady stream) and over the Unix socket, OTLP/HTTP
  protobuf requests of 100 spans;
- hostile input, several times a second: session and span records with
  integers beyond 64 bits, costs of 1e308 (twice per trace), negative and
  absurd token counts, times far in the future, metric values of 1e308,
  an OTLP resource attribute beyond 64 bits, an OTLP protobuf body of a
  million empty spans (gzip, a few KB), an HTTP POST to the native TCP
  port, stalled OTLP connections (slowloris), and malformed lines.

Every second it samples the monitor's RSS (/proc). At the end it stops the
monitor with SIGTERM, opens the database and counts the good records that
reached it: good-record loss must be 0. UDP is not used for good traffic
(it may drop by design under a busy host); see bench_ingest.py for that.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if not os.environ.get("PYTHONPATH"):  # (when set, it names the tree measured: another checkout's src)
    sys.path.insert(0, str(ROOT / "src"))

from machine import cpu_model as _cpu_model  # noqa: E402
from machine import load as _load  # noqa: E402
from procs import free_port as _free_port  # noqa: E402
from procs import otlp_spans_body  # noqa: E402
from procs import rss_kb as _rss_kb  # noqa: E402
from results import row, save  # noqa: E402

BIG = 10**40
GOOD_TCP_PER_S = 2_000
GOOD_UNIX_PER_S = 500
GOOD_OTLP_REQ_PER_S = 5  # of 100 spans


def _good_line(i: int, now: int, tag: str) -> bytes:
    return json.dumps({
        "v": 1, "type": "span", "trace_id": f"good-{tag}-{i // 20}", "span_id": f"{tag}{i}", "session_id": f"good-{tag}",
        "name": "good", "start_ns": now - 5_000_000, "end_ns": now, "usage": {"input": 100, "output": 20},
        "cost": {"total": 0.001},
    }).encode() + b"\n"


def _hostile_lines(k: int, now: int) -> list[bytes]:
    recs = [
        {"v": 1, "type": "session", "session_id": f"evil{k % 7}", "attributes": {"big": BIG}},
        {"v": 1, "type": "span", "trace_id": f"evil-{k % 50}", "span_id": f"a{k}", "session_id": "evil", "name": "x",
         "start_ns": now - 1000, "end_ns": now, "cost": {"total": 1e308}, "attributes": {"n": -BIG}},
        {"v": 1, "type": "span", "trace_id": f"evil-{k % 50}", "span_id": f"b{k}", "session_id": "evil", "name": "x",
         "start_ns": now - 1000, "end_ns": now, "cost": {"total": 1e308}},
        {"v": 1, "type": "span", "trace_id": f"evil-{k % 50}", "span_id": f"c{k}", "session_id": "evil", "name": "x",
         "start_ns": now - 1000, "end_ns": now, "usage": {"input": -18, "output": 10**30}},
        {"v": 1, "type": "span", "trace_id": "evil-future", "span_id": f"d{k}", "session_id": "evil", "name": "x",
         "start_ns": 2**63 - 10, "end_ns": 2**63 - 1},
        {"v": 1, "type": "metric", "name": "evil.metric", "value": 1e308},
    ]
    return [json.dumps(r).encode() + b"\n" for r in recs] + [b"{not json\n", b"\xff\xfe\n"]


def _pb_varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | 0x80 if n else b)
        if not n:
            return bytes(out)


def _otlp_good(first: int, n: int, now: int) -> bytes:
    return otlp_spans_body(first, n, now, "good-otlp", "good", 5_000_000)


def _otlp_evil(now: int) -> bytes:
    from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

    req = trace_service_pb2.ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    kv = rs.resource.attributes.add()
    kv.key, kv.value.string_value = "session.id", "evil-otlp"
    ss = rs.scope_spans.add()
    for i in range(3):
        sp = ss.spans.add()
        sp.trace_id = (999).to_bytes(16, "big")
        sp.span_id = (10_000 + i).to_bytes(8, "big")
        sp.name = "evil"
        sp.start_time_unix_nano, sp.end_time_unix_nano = now - 1000, now
        for key in ("llm.cost.prompt", "llm.cost.completion"):
            a = sp.attributes.add()
            a.key, a.value.double_value = key, 1e308
    return req.SerializeToString()


def _post(port: int, body: bytes, gz: bool = False) -> int:
    headers = {"Content-Type": "application/x-protobuf"}
    if gz:
        headers["Content-Encoding"] = "gzip"
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/traces", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            resp.read()
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


def run(seconds: float) -> dict:
    tmp = tempfile.mkdtemp(prefix="agenttrace-soak-")
    db = os.path.join(tmp, "soak.db")
    sock_path = os.path.join(tmp, "m.sock")
    tcp_port, otlp_port, udp_port = _free_port(), _free_port(), _free_port(socket.SOCK_DGRAM)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "XDG_STATE_HOME": tmp, "XDG_DATA_HOME": tmp,
           "XDG_CONFIG_HOME": tmp}
    proc = subprocess.Popen(
        [sys.executable, "-m", "agenttrace_tui", "--headless", "--db", db, "--tcp-port", str(tcp_port),
         "--udp-port", str(udp_port), "--otlp-port", str(otlp_port), "--otlp-grpc-port", "off",
         "--socket", sock_path],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", tcp_port), timeout=1).close()
            if os.path.exists(sock_path):
                break
        except OSError:
            time.sleep(0.1)
    rss: list[tuple[float, int]] = []
    sent = {"tcp": 0, "unix": 0, "otlp": 0}
    otlp_codes: dict[int, int] = {}
    hostile_sent = 0
    stop = threading.Event()
    t_start = time.monotonic()

    def sample() -> None:
        while not stop.wait(1.0):
            rss.append((round(time.monotonic() - t_start, 1), _rss_kb(proc.pid)))

    def good_stream(kind: str, rate: int) -> None:
        if kind == "tcp":
            s = socket.create_connection(("127.0.0.1", tcp_port))
        else:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(sock_path)
        i = 0
        t0 = time.monotonic()
        while not stop.is_set():
            due = int((time.monotonic() - t0) * rate)
            if due > i:
                now = time.time_ns()
                s.sendall(b"".join(_good_line(j, now, kind) for j in range(i, due)))
                i = due
            time.sleep(0.01)
        s.close()
        sent[kind] = i

    def good_otlp() -> None:
        i = 0
        while not stop.is_set():
            code = _post(otlp_port, _otlp_good(i, 100, time.time_ns()))
            otlp_codes[code] = otlp_codes.get(code, 0) + 1
            if code == 200:
                i += 100  # only acknowledged spans are promised
            time.sleep(1 / GOOD_OTLP_REQ_PER_S)
        sent["otlp"] = i

    def hostile() -> None:
        nonlocal hostile_sent
        k = 0
        bomb = gzip.compress(b"\x0a" + _pb_varint(2_000_003) + b"\x12" + _pb_varint(2_000_000) + b"\x12\x00" * 1_000_000)
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        while not stop.is_set():
            now = time.time_ns()
            lines = _hostile_lines(k, now)
            try:
                with socket.create_connection(("127.0.0.1", tcp_port), timeout=5) as s:
                    s.sendall(b"".join(lines))
                for line in lines:
                    udp.sendto(line, ("127.0.0.1", udp_port))
                if k % 5 == 0:  # a web page's fetch(no-cors) to the native port
                    with socket.create_connection(("127.0.0.1", tcp_port), timeout=5) as s:
                        body = b"".join(lines)
                        s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n"
                                  % len(body) + body)
                if k % 10 == 0:
                    _post(otlp_port, _otlp_evil(now))
                    _post(otlp_port, bomb, gz=True)
                if k % 20 == 0:  # a burst of stalled connections
                    for _ in range(64):
                        try:
                            c = socket.create_connection(("127.0.0.1", otlp_port), timeout=5)
                            c.sendall(b"P")
                            threading.Timer(20, c.close).start()
                        except OSError:
                            break
            except OSError:
                pass
            hostile_sent += len(lines)
            k += 1
            time.sleep(0.2)
        udp.close()

    threads = [threading.Thread(target=f, args=a, daemon=True) for f, a in (
        (sample, ()), (good_stream, ("tcp", GOOD_TCP_PER_S)), (good_stream, ("unix", GOOD_UNIX_PER_S)),
        (good_otlp, ()), (hostile, ()))]
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(timeout=60)
    t_stop = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    shutdown_s = time.monotonic() - t_stop
    conn = sqlite3.connect(db)
    try:
        stored = {kind: conn.execute("SELECT count(*) FROM spans WHERE session_id = ?", (f"good-{kind}",)).fetchone()[0]
                  for kind in ("tcp", "unix", "otlp")}
        bad_sums = conn.execute(
            "SELECT count(*) FROM sessions WHERE cost < 0 OR input_tokens < 0 OR output_tokens < 0").fetchone()[0]
        quarantined = conn.execute("SELECT count(*) FROM quarantine").fetchone()[0]
    finally:
        conn.close()
    lost = {k: sent[k] - stored[k] for k in sent}
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {_cpu_model()}",
        "load_at_end": _load(),
        "seconds": seconds,
        "good_sent": sent,
        "good_stored": stored,
        "good_lost": lost,
        "good_lost_total": sum(lost.values()),
        "hostile_records_sent": hostile_sent,
        "otlp_good_answers": otlp_codes,
        "negative_or_nan_session_sums": bad_sums,
        "quarantined_rows": quarantined,
        "shutdown_s": round(shutdown_s, 2),
        "exit_code": proc.returncode,
        "stderr_lines": len(err.decode(errors="replace").splitlines()),
        "rss_kb": rss,
        "rss_max_kb": max((r for _, r in rss), default=0),
    }


def markdown(res: dict) -> str:
    rss = res["rss_kb"]
    marks = [rss[int(i * (len(rss) - 1) / 5)] for i in range(6)] if rss else []
    lines = [
        "## Soak: hostile input beside good traffic (`bench/bench_soak.py`)",
        "",
        f"{res['date']}, {res['machine']}; load average at the end {res['load_at_end']} (shared machine: "
        "other agents were running).",
        f"{res['seconds']:.0f} s of good traffic (native TCP {GOOD_TCP_PER_S}/s, Unix {GOOD_UNIX_PER_S}/s, "
        f"OTLP/HTTP {GOOD_OTLP_REQ_PER_S} requests/s of 100 spans) beside {res['hostile_records_sent']:,} hostile "
        "records (64-bit-overflowing integers, 1e308 costs, negative and absurd tokens, far-future times, 1e308 "
        "metrics, malformed lines) over TCP and UDP, HTTP POSTs to the native port, OTLP bodies of a million empty "
        "spans, and bursts of 64 stalled OTLP connections.",
        "",
        "| | TCP | Unix | OTLP |",
        "|---|---|---|---|",
        f"| good sent | {res['good_sent']['tcp']:,} | {res['good_sent']['unix']:,} | {res['good_sent']['otlp']:,} |",
        f"| good stored | {res['good_stored']['tcp']:,} | {res['good_stored']['unix']:,} | "
        f"{res['good_stored']['otlp']:,} |",
        f"| **lost** | **{res['good_lost']['tcp']}** | **{res['good_lost']['unix']}** | "
        f"**{res['good_lost']['otlp']}** |",
        "",
        f"OTLP answers to good requests: {res['otlp_good_answers']}. Sessions with a negative or NaN sum: "
        f"{res['negative_or_nan_session_sums']}. Quarantined rows: {res['quarantined_rows']}. Shutdown (SIGTERM to "
        f"exit): {res['shutdown_s']} s, exit code {res['exit_code']}, {res['stderr_lines']} lines on stderr.",
        "",
        "RSS over time (s: MB): " + ", ".join(f"{t:.0f}: {kb / 1024:.0f}" for t, kb in marks)
        + f"; peak {res['rss_max_kb'] / 1024:.0f} MB.",
    ]
    return "\n".join(lines) + "\n"


def record(res: dict) -> None:
    """Save the run for docs/benchmarks.md (bench/results.py)."""
    lost = res["good_lost_total"]
    summary = [
        row("good records lost beside hostile input (soak)", "0", f"{lost} of {sum(res['good_sent'].values()):,}",
            lost == 0),
        row("monitor RSS during the soak (default --max-spans 200,000)", "flat (bounded)",
            f"peak {res['rss_max_kb'] / 1024:.0f} MB", None),
    ]
    save("soak", machine=res["machine"], section=markdown(res), summary=summary, data=res)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=180.0, help="how long to soak (default 180)")
    ap.add_argument("--no-write", action="store_true", help="print only, write nothing under docs/")
    args = ap.parse_args()
    res = run(args.seconds)
    md = markdown(res)
    print(md)
    print(json.dumps({k: v for k, v in res.items() if k != "rss_kb"}, indent=1))
    if not args.no_write:
        record(res)
    sys.exit(1 if res["good_lost_total"] else 0)


if __name__ == "__main__":
    main()
