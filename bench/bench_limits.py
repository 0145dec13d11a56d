"""Limits: memory under many sessions, shutdown time, loss on kill -9, UDP at 0 loss.

Run: ``PYTHONPATH=src python bench/bench_limits.py [--only rss,shutdown,kill,udp]``.
Saves docs/bench/results/limits.json (``bench/results.py``; a part not run
this time keeps its previous figures); then ``python bench/report.py``
rebuilds docs/benchmarks.md.

Every part runs a real monitor headless in its own process (``agenttrace-tui
--headless``, a database in a temporary directory, ports picked free) and
talks to it over 127.0.0.1 or its Unix socket:

- ``rss``: 300,000 distinct sessions at ``--max-spans 10000``, each a
  session record, one LLM span and one metric series of its own, over TCP;
  the monitor's RSS is sampled every 0.5 s until the database holds every
  span, and once more after. ``--rss-runs`` runs (3); the highest peak counts.
- ``shutdown``: SIGTERM to exit (a) while a sender streams 60,000 spans/s
  over TCP, (b) right after one trace of 500,000 spans arrived over TCP;
  every span written to the socket before the signal must be in the database.
- ``kill``: 10,000 spans/s over TCP, the Unix socket, UDP and OTLP/HTTP
  (100-span requests, only those answered 200 are counted as sent), then
  kill -9 after 5 s: how many sent (acknowledged for OTLP) spans are not in
  the database.
- ``udp``: rising rates of 30 s each over UDP; the highest rate at which
  every datagram was stored.
"""

from __future__ import annotations

import argparse
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
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if not os.environ.get("PYTHONPATH"):  # (when set, it names the tree measured: another checkout's src)
    sys.path.insert(0, str(ROOT / "src"))

from machine import cpu_model as _cpu_model  # noqa: E402
from machine import load as _load  # noqa: E402
from procs import free_port as _free_port  # noqa: E402
from procs import otlp_spans_body  # noqa: E402
from procs import rss_kb as _rss_kb  # noqa: E402
from results import load, row, save  # noqa: E402

SESSIONS = 300_000
RSS_MAX_SPANS = 10_000
#: The documented budget for this load (docs/benchmarks.md, README "max_spans").
RSS_BUDGET_MB = 250
SHUTDOWN_RATE = 60_000
BIG_TRACE = 500_000
KILL_RATE = 10_000
UDP_RATES = (5_000, 10_000, 20_000, 30_000, 40_000)
UDP_SECONDS = 30.0


class Monitor:
    """A headless monitor in its own process, on free ports, with its own database."""

    def __init__(self, *extra: str) -> None:
        self.tmp = tempfile.mkdtemp(prefix="agenttrace-limits-")
        self.db = os.path.join(self.tmp, "m.db")
        self.sock = os.path.join(self.tmp, "m.sock")
        self.tcp, self.otlp, self.udp = _free_port(), _free_port(), _free_port(socket.SOCK_DGRAM)
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "XDG_STATE_HOME": self.tmp, "XDG_DATA_HOME": self.tmp,
               "XDG_CONFIG_HOME": self.tmp}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "agenttrace_tui", "--headless", "--db", self.db, "--tcp-port", str(self.tcp),
             "--udp-port", str(self.udp), "--otlp-port", str(self.otlp), "--otlp-grpc-port", "off",
             "--socket", self.sock, *extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:  # every receiver a part talks to is listening (OTLP starts after the native ones)
                socket.create_connection(("127.0.0.1", self.tcp), timeout=1).close()
                socket.create_connection(("127.0.0.1", self.otlp), timeout=1).close()
                if os.path.exists(self.sock):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the monitor did not start")

    def rss_kb(self) -> int:
        return _rss_kb(self.proc.pid)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 300) -> tuple[float, int]:
        """Signal the monitor; (seconds to exit, exit code)."""
        t0 = time.monotonic()
        self.proc.send_signal(sig)
        try:
            self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate()
        return time.monotonic() - t0, self.proc.returncode

    def count(self, sql: str, *args: Any) -> int:
        conn = sqlite3.connect(self.db, timeout=30)
        try:
            return conn.execute(sql, args).fetchone()[0]
        finally:
            conn.close()


def _span(trace: str, span: str, session: str, now: int, parent: str | None = None, llm: bool = False) -> dict[str, Any]:
    # Tool calls by default, each with a call id of its own: identical LLM calls nested in each
    # other, or tool calls of one tool with no ids to tell them apart, would be folded into one
    # by the store (one call reported twice, store/calls.py): the 500,000-span trace of the
    # shutdown part, a chain of such calls, was stored as 1 span before the ids.
    rec: dict[str, Any] = {"v": 1, "type": "span", "trace_id": trace, "span_id": span, "session_id": session,
                           "name": "step", "kind": "tool_execution", "start_ns": now - 2_000_000, "end_ns": now,
                           "tool": {"name": "grep", "call_id": f"call-{span}"}}
    if llm:
        rec.update(name="call", kind="llm_call", llm={"model": "gpt-4o", "provider": "openai"},
                   usage={"input": 120, "output": 30})
        del rec["tool"]
    if parent is not None:
        rec["parent_span_id"] = parent
    return rec


def _line(rec: dict[str, Any]) -> bytes:
    return json.dumps(rec, separators=(",", ":")).encode() + b"\n"


def _paced(send: Any, make: Any, total: int, rate: int, stop: threading.Event | None = None) -> int:
    """Call ``send(make(i..j))`` in 10 ms slices at ``rate`` per second; returns how many were sent."""
    i = 0
    t0 = time.monotonic()
    while i < total and (stop is None or not stop.is_set()):
        due = min(total, int((time.monotonic() - t0) * rate) + 1)
        if due > i:
            send(make(i, due))
            i = due
        else:
            time.sleep(0.002)
    return i


# -- rss ------------------------------------------------------------------------------


def part_rss() -> dict[str, Any]:
    m = Monitor("--max-spans", str(RSS_MAX_SPANS))
    samples: list[tuple[float, int]] = []
    stop = threading.Event()
    t0 = time.monotonic()

    def sample() -> None:
        while not stop.wait(0.5):
            samples.append((round(time.monotonic() - t0, 1), m.rss_kb()))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    base = m.rss_kb()
    s = socket.create_connection(("127.0.0.1", m.tcp))

    def make(i: int, j: int) -> bytes:
        now = time.time_ns()
        out = []
        for k in range(i, j):
            sid = f"sess-{k:06d}"
            out.append(_line({"v": 1, "type": "session", "session_id": sid, "name": f"run {k}", "service": "bench",
                              "started_ns": now - 3_000_000}))
            out.append(_line(_span(f"tr-{k:06d}", "s1", sid, now, llm=True)))
            out.append(_line({"v": 1, "type": "metric", "name": "agent.turns", "value": k % 17,
                              "labels": {"session.id": sid}}))
        return b"".join(out)

    i = 0
    while i < SESSIONS:  # as fast as TCP takes it (the socket applies backpressure)
        j = min(SESSIONS, i + 500)
        s.sendall(make(i, j))
        i = j
    s.close()
    sent_s = time.monotonic() - t0
    deadline = time.monotonic() + 600
    stored = 0
    while time.monotonic() < deadline:
        time.sleep(2)
        try:
            stored = m.count("SELECT count(*) FROM spans")
        except sqlite3.Error:
            continue
        if stored >= SESSIONS:
            break
    time.sleep(3)
    settled = m.rss_kb()
    stop.set()
    sampler.join()
    secs, code = m.stop()
    sessions = m.count("SELECT count(*) FROM sessions")
    return {"sessions": SESSIONS, "max_spans": RSS_MAX_SPANS, "send_s": round(sent_s, 1), "spans_stored": stored,
            "sessions_stored": sessions, "rss_start_kb": base, "rss_peak_kb": max((r for _, r in samples), default=0),
            "rss_settled_kb": settled, "rss_kb": samples[:: max(1, len(samples) // 60)], "exit_code": code,
            "shutdown_s": round(secs, 2)}


# -- shutdown ---------------------------------------------------------------------------


def part_shutdown() -> dict[str, Any]:
    out: dict[str, Any] = {}
    # (a) SIGTERM while 60k/s stream in over TCP.
    m = Monitor()
    s = socket.create_connection(("127.0.0.1", m.tcp))
    stop = threading.Event()
    sent = [0]

    def make(i: int, j: int) -> bytes:
        now = time.time_ns()
        return b"".join(_line(_span(f"st-{k // 50}", f"s{k}", "stream", now)) for k in range(i, j))

    def stream() -> None:
        def send(b: bytes) -> None:
            s.sendall(b)
            sent[0] += b.count(b"\n")

        _paced(send, make, 10**9, SHUTDOWN_RATE, stop)

    t = threading.Thread(target=stream, daemon=True)
    t.start()
    time.sleep(10)
    stop.set()
    t.join()  # everything counted in sent[0] was written to the socket before the signal
    secs, code = m.stop()
    s.close()
    stored = m.count("SELECT count(*) FROM spans")
    out["stream"] = {"rate": SHUTDOWN_RATE, "sent": sent[0], "stored": stored, "lost": sent[0] - stored,
                     "shutdown_s": round(secs, 2), "exit_code": code}
    # (b) SIGTERM right after one trace of 500k spans (a chain 100 deep, then wide).
    m = Monitor()
    s = socket.create_connection(("127.0.0.1", m.tcp))
    now = time.time_ns()
    t0 = time.monotonic()
    for i in range(0, BIG_TRACE, 5000):
        s.sendall(b"".join(_line(_span("big", f"b{k}", "big", now, parent=_big_parent(k)))
                           for k in range(i, min(BIG_TRACE, i + 5000))))
    s.close()
    send_s = time.monotonic() - t0
    time.sleep(1.0)
    secs, code = m.stop()
    stored = m.count("SELECT count(*) FROM spans")
    summary = m.count("SELECT spans FROM traces WHERE trace_id = 'big'")
    out["big_trace"] = {"spans": BIG_TRACE, "send_s": round(send_s, 1), "stored": stored, "trace_row_spans": summary,
                        "lost": BIG_TRACE - stored, "shutdown_s": round(secs, 2), "exit_code": code}
    return out


def _big_parent(k: int) -> str | None:
    """A chain 100 deep, then every span under one of its links."""
    if k == 0:
        return None
    return f"b{k - 1}" if k < 100 else f"b{k % 100}"


# -- kill -9 ----------------------------------------------------------------------------


def _otlp_body(first: int, n: int, now: int) -> bytes:
    return otlp_spans_body(first, n, now, "kill-otlp", "call", 2_000_000)


def part_kill() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind in ("tcp", "unix", "udp", "otlp"):
        m = Monitor()
        sent = [0]
        refused = [0]
        stop = threading.Event()

        def run(kind: str = kind, m: Monitor = m, sent: list[int] = sent, refused: list[int] = refused,
                stop: threading.Event = stop) -> None:
            if kind == "otlp":
                t0 = time.monotonic()
                i = 0
                while not stop.is_set():
                    body = _otlp_body(i, 100, time.time_ns())
                    req = urllib.request.Request(f"http://127.0.0.1:{m.otlp}/v1/traces", data=body,
                                                 headers={"Content-Type": "application/x-protobuf"}, method="POST")
                    try:
                        with urllib.request.urlopen(req, timeout=10) as resp:
                            resp.read()
                            if resp.status == 200:
                                sent[0] += 100  # acknowledged
                    except urllib.error.HTTPError:
                        refused[0] += 100  # answered, not acknowledged (a 503 asks to retry): not counted as sent
                    except (urllib.error.URLError, OSError):
                        return  # the monitor is gone
                    i += 100
                    delay = t0 + i / KILL_RATE - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                return
            if kind == "udp":
                u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

                def send(lines: list[bytes], u: socket.socket = u) -> None:
                    for ln in lines:
                        u.sendto(ln, ("127.0.0.1", m.udp))
                        sent[0] += 1
            else:
                c = socket.create_connection(("127.0.0.1", m.tcp)) if kind == "tcp" else socket.socket(socket.AF_UNIX)
                if kind == "unix":
                    c.connect(m.sock)

                def send(lines: list[bytes]) -> None:
                    c.sendall(b"".join(lines))
                    sent[0] += len(lines)

            def make(i: int, j: int) -> list[bytes]:
                now = time.time_ns()
                return [_line(_span(f"k-{q // 50}", f"s{q}", f"kill-{kind}", now)) for q in range(i, j)]

            _paced(send, make, 10**9, KILL_RATE, stop)

        t = threading.Thread(target=run, daemon=True)
        t.start()
        time.sleep(5)
        m.proc.kill()  # kill -9 while the sender is still sending
        m.proc.wait()
        stop.set()
        t.join(timeout=15)
        stored = m.count("SELECT count(*) FROM spans")
        out[kind] = {"rate": KILL_RATE, "sent": sent[0], "stored": stored, "lost": max(0, sent[0] - stored),
                     "refused": refused[0]}
    return out


# -- udp ---------------------------------------------------------------------------------


def part_udp(seconds: float) -> dict[str, Any]:
    steps = []
    for rate in UDP_RATES:
        m = Monitor()
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
        n = int(rate * seconds)

        def make(i: int, j: int, rate: int = rate) -> list[bytes]:
            now = time.time_ns()
            return [_line(_span(f"u-{q // 50}", f"s{q}", f"udp-{rate}", now)) for q in range(i, j)]

        def send(lines: list[bytes], u: socket.socket = u, port: int = m.udp) -> None:
            for ln in lines:
                u.sendto(ln, ("127.0.0.1", port))

        t0 = time.monotonic()
        sent = _paced(send, make, n, rate)
        offered = sent / (time.monotonic() - t0)
        time.sleep(2)
        m.stop()
        stored = m.count("SELECT count(*) FROM spans")
        steps.append({"rate": rate, "offered": round(offered), "sent": sent, "stored": stored, "lost": sent - stored})
        print(f"udp {rate}/s: offered {offered:.0f}/s, lost {sent - stored}", flush=True)
        if sent - stored > 0 and len(steps) >= 2 and steps[-2]["lost"] > 0:
            break
    best = max((s["rate"] for s in steps if s["lost"] == 0), default=0)
    return {"seconds": seconds, "steps": steps, "max_rate_zero_loss": best}


# -- report --------------------------------------------------------------------------------


def markdown(res: dict[str, Any]) -> str:
    lines = ["## Limits: memory, shutdown, kill -9, UDP at 0 loss (`bench/bench_limits.py`)", ""]
    lines.append(f"{res['date']}, {res['machine']}; load average at the end {res['load_at_end']} (shared machine: "
                 "other agents were running). A headless monitor in its own process, database in a temporary "
                 "directory.")
    r = res.get("rss")
    if r:
        lines += ["", f"**Memory**: {r['sessions']:,} distinct sessions (each a session record, one LLM span, one "
                  f"metric series of its own) at `--max-spans {r['max_spans']:,}`: RSS peak "
                  f"{r['rss_peak_kb'] / 1024:.0f} MB{_runs_note(r)}, {r['rss_settled_kb'] / 1024:.0f} MB once everything was written "
                  f"(start {r['rss_start_kb'] / 1024:.0f} MB); {r['spans_stored']:,} spans and "
                  f"{r['sessions_stored']:,} sessions in the database; budget {RSS_BUDGET_MB} MB."]
    s = res.get("shutdown")
    if s:
        a, b = s["stream"], s["big_trace"]
        lines += ["", f"**Shutdown** (SIGTERM to exit): while {a['rate']:,} spans/s stream in over TCP "
                  f"{a['shutdown_s']} s, {a['lost']} of {a['sent']:,} sent lost; right after one trace of "
                  f"{b['spans']:,} spans (sent in {b['send_s']} s) {b['shutdown_s']} s, {b['lost']} lost, the trace "
                  f"row counts {b['trace_row_spans']:,} spans."]
    k = res.get("kill")
    if k:
        lines += ["", f"**kill -9** after 5 s at {KILL_RATE:,} spans/s (OTLP: acknowledged spans only):", "",
                  "| receiver | sent | stored | lost | refused (OTLP 503) |", "|---|---|---|---|---|"]
        for kind, v in k.items():
            lines.append(f"| {kind} | {v['sent']:,} | {v['stored']:,} | {v['lost']:,} | {v.get('refused', 0):,} |")
    u = res.get("udp")
    if u:
        lines += ["", f"**UDP at 0 loss**, {u['seconds']:.0f} s per rate: "
                  + ", ".join(f"{st['rate']:,}/s lost {st['lost']:,}" for st in u["steps"])
                  + f"; highest rate with nothing lost **{u['max_rate_zero_loss']:,}/s**."]
    return "\n".join(lines) + "\n"


def _runs_note(r: dict[str, Any]) -> str:
    """" (highest of N runs: a, b, c MB)" when the memory part ran more than once."""
    peaks = r.get("peaks_kb") or []
    if len(peaks) < 2:
        return ""
    return f" (highest of {len(peaks)} runs: " + ", ".join(f"{p / 1024:.0f}" for p in peaks) + " MB)"


def summary_rows(res: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    r = res.get("rss")
    if r:
        rows.append(row(f"RSS, {r['sessions']:,} sessions at --max-spans {r['max_spans']:,}", f"< {RSS_BUDGET_MB} MB",
                        f"peak {r['rss_peak_kb'] / 1024:.0f} MB{_runs_note(r)}", r["rss_peak_kb"] / 1024 < RSS_BUDGET_MB))
    s = res.get("shutdown")
    if s:
        for key, label in (("stream", f"while {SHUTDOWN_RATE:,}/s stream in"), ("big_trace", "after a 500k-span trace")):
            v = s[key]
            rows.append(row(f"shutdown {label}", "< 5 s, 0 lost", f"{v['shutdown_s']} s, {v['lost']} lost",
                            v["shutdown_s"] < 5 and v["lost"] == 0))
    k = res.get("kill")
    if k:
        rows.append(row(f"spans lost on kill -9 at {KILL_RATE:,}/s", "OTLP acknowledged: 0",
                        ", ".join(f"{kind} {v['lost']:,}" for kind, v in k.items()),
                        # nothing acknowledged proves nothing: the row needs OTLP spans sent
                        k["otlp"]["lost"] == 0 and k["otlp"]["sent"] > 0))
    u = res.get("udp")
    if u:
        rows.append(row(f"UDP rate at 0 loss over {u['seconds']:.0f} s", "reported", f"{u['max_rate_zero_loss']:,}/s",
                        None))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="rss,shutdown,kill,udp", help="parts to run, comma-separated")
    ap.add_argument("--udp-seconds", type=float, default=UDP_SECONDS)
    ap.add_argument("--rss-runs", type=int, default=3, help="runs of the memory part (its highest peak is the figure)")
    ap.add_argument("--no-write", action="store_true", help="print only, write nothing under docs/")
    args = ap.parse_args()
    prev = load("limits")
    res: dict[str, Any] = dict(prev["data"]) if prev and not args.no_write else {}
    parts = {p.strip() for p in args.only.split(",") if p.strip()}
    if "rss" in parts:
        # The peak follows how far the writer falls behind the burst, which varies
        # from run to run: the row is judged by the highest peak of the runs.
        runs = []
        for _ in range(args.rss_runs):
            runs.append(part_rss())
            print(json.dumps({k: v for k, v in runs[-1].items() if k != "rss_kb"}), flush=True)
        res["rss"] = dict(max(runs, key=lambda r: r["rss_peak_kb"]),
                          peaks_kb=[r["rss_peak_kb"] for r in runs])
    if "shutdown" in parts:
        res["shutdown"] = part_shutdown()
        print(json.dumps(res["shutdown"]), flush=True)
    if "kill" in parts:
        res["kill"] = part_kill()
        print(json.dumps(res["kill"]), flush=True)
    if "udp" in parts:
        res["udp"] = part_udp(args.udp_seconds)
    res["date"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    res["machine"] = f"{platform.machine()}, {os.cpu_count()} cores, {_cpu_model()}"
    res["load_at_end"] = _load()
    print(markdown(res))
    if not args.no_write:
        save("limits", machine=res["machine"], section=markdown(res), summary=summary_rows(res), data=res)


if __name__ == "__main__":
    main()
