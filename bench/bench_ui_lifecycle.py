"""Monitor start-up and quit, as a user meets them: process start -> first frame, and q -> process exit.

The real command runs in a pseudo-terminal of 120x36 (``TERM=xterm-256color``)
under a temporary HOME, on ports of its own (UDP and TCP on a free port, no
Unix socket, no OTLP), so nothing of the user's is read or written.

* **first frame**: ``agenttrace-tui demo`` from ``Popen`` until the terminal
  output holds the header's ``LIVE`` (the first full paint). The first run
  warms the page cache and the ``.pyc`` files; the figure is the median of the
  runs after it ("warm").
* **quit**: ``agenttrace-tui`` (persisting to a fresh SQLite file) is fed
  ``--spans`` spans over UDP (default 200,000: the default in-memory budget,
  about an hour of a busy agent), in sessions of traces of finished spans;
  when the database holds them (or stops growing), ``q`` is typed and the time
  until the process has exited is measured.

Run: ``PYTHONPATH=src python bench/bench_ui_lifecycle.py [--runs N] [--spans N] [--label NAME]``
(``--engine-log PATH`` keeps the quit run's debug log: the time of each stopping step;
``--entry main`` runs ``cli.main`` under Python's own exit, as the command did before ``cli.run``).
Results per label go to docs/bench/results/ui_lifecycle.json (a "before" run
stays beside later ones), and bench/report.py renders them into docs/benchmarks.md.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import shutil
import socket
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

from machine import describe as machine
from results import load, row, save

ROOT = Path(__file__).resolve().parent.parent
EXE = Path(sys.executable).with_name("agenttrace-tui")
COLS, ROWS = 120, 36
FIRST_FRAME_TARGET_S = 1.0
QUIT_TARGET_S = 1.0
SETTLE_MIN_S = 30.0


def _arg(name: str, default: str) -> str:
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def free_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.bind(("127.0.0.1", 0))
            port = u.getsockname()[1]
            with socket.socket() as t:
                try:
                    t.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free port")


class Terminal:
    """A command in a pseudo-terminal; a reader thread keeps everything it writes."""

    def __init__(self, args: list[str], home: Path) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "AGENTTRACE_"))}
        env.update(HOME=str(home), TERM="xterm-256color", COLUMNS=str(COLS), LINES=str(ROWS))
        self.master = master
        self.out = bytearray()
        self.lock = threading.Lock()
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            args, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True, close_fds=True,
        )
        os.close(slave)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self.master], [], [], 0.05)
                if ready:
                    chunk = os.read(self.master, 65536)
                    if not chunk:
                        return
                    with self.lock:
                        self.out += chunk
                elif self.proc.poll() is not None:
                    return
            except OSError:
                return

    def wait_for(self, needle: bytes, timeout: float) -> float:
        """Seconds from start until ``needle`` was written (polled every millisecond)."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            with self.lock:
                if needle in self.out:
                    return time.perf_counter() - self.started
            if self.proc.poll() is not None:
                break
            time.sleep(0.001)
        raise RuntimeError(f"{needle!r} not shown within {timeout}s; output tail: {bytes(self.out[-400:])!r}")

    def type(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        try:
            os.close(self.master)
        except OSError:
            pass


#: ``--entry main``: the command as it was before ``cli.run`` (Python's own exit), to compare.
ENTRY_MAIN = "import sys; from agenttrace_tui.cli import main; sys.exit(main())"


def monitor_args(port: int, *extra: str) -> list[str]:
    command = [sys.executable, "-c", ENTRY_MAIN] if _arg("--entry", "run") == "main" else [str(EXE)]
    return [*command, *extra, "--udp-port", str(port), "--tcp-port", str(port), "--socket", "off",
            "--otlp-port", "off", "--otlp-grpc-port", "off"]


def first_frame(runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        home = Path(tempfile.mkdtemp(prefix="at-bench-home-"))
        term = Terminal(monitor_args(free_port(), "demo"), home)
        try:
            out.append(term.wait_for(b"LIVE", 60))
            time.sleep(0.3)
            term.type(b"q")
            term.proc.wait(30)
        finally:
            term.close()
            shutil.rmtree(home, ignore_errors=True)
    return out


def feed(port: int, n_spans: int, rate: int) -> int:
    """Send ``n_spans`` finished spans over UDP at about ``rate`` per second: 20 sessions,
    traces of 100 spans (a root and its children), JSON arrays of 50."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    per = 50
    t0 = time.time_ns() - 3600 * 10**9  # the hour the data covers
    step = 3600 * 10**9 // max(1, n_spans)
    sent = 0
    next_t = time.perf_counter()
    while sent < n_spans:
        recs = []
        for k in range(sent, min(sent + per, n_spans)):
            trace = k // 100
            start = t0 + k * step
            recs.append({
                "v": 1, "type": "span", "trace_id": f"tr{trace:07d}", "span_id": f"sp{k:09d}",
                "parent_span_id": None if k % 100 == 0 else f"sp{trace * 100:09d}",
                "session_id": f"session-{trace % 20:02d}", "name": f"step {k % 100}",
                "kind": "llm_call" if k % 10 == 1 else "tool_execution",
                "start_ns": start, "end_ns": start + step // 2,
            })
        sock.sendto(json.dumps(recs).encode(), ("127.0.0.1", port))
        sent += len(recs)
        next_t += per / rate
        delay = next_t - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
    sock.close()
    return sent


def saved_spans(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as con:
            return int(con.execute("select count(*) from spans").fetchone()[0])
    except sqlite3.Error:
        return 0


def quit_after_data(n_spans: int, rate: int, engine_log: str | None = None) -> dict:
    home = Path(tempfile.mkdtemp(prefix="at-bench-home-"))
    db = home / "bench.db"
    port = free_port()
    # --engine-log PATH keeps the monitor's debug log: it says where stopping spent its time.
    logging = ["--log-level", "debug", "--log-file", engine_log] if engine_log else []
    term = Terminal(monitor_args(port, "--db", str(db), *logging), home)
    try:
        term.wait_for(b"LIVE", 60)
        t_feed = time.perf_counter()
        sent = feed(port, n_spans, rate)
        feed_s = time.perf_counter() - t_feed
        # Let ingest and the writer settle (quitting flushes a backlog first, which
        # is not what is measured): nothing written to the file or its log for 3 s
        # (modification times: a log reused after a checkpoint keeps its size).
        # At least SETTLE_MIN_S first: the writer may be busy without touching the files.
        time.sleep(SETTLE_MIN_S)
        last, still = (-1, -1), 0
        deadline = time.perf_counter() + 240
        while time.perf_counter() < deadline and still < 6:
            now = (saved_spans(db), max(p.stat().st_mtime_ns for p in home.glob("bench.db*")))
            still = still + 1 if now == last else 0
            last = now
            time.sleep(0.5)
        t_q = time.perf_counter()
        term.type(b"q")
        term.proc.wait(120)
        quit_s = time.perf_counter() - t_q
        stopped = ""
        if engine_log:
            lines = [x for x in Path(engine_log).read_text(encoding="utf-8").splitlines() if "stopped in" in x]
            stopped = lines[-1].split("monitor: ", 1)[-1] if lines else ""
        return {"sent": sent, "feed_s": round(feed_s, 2), "settle_s": round(t_q - t_feed - feed_s, 1), "saved": saved_spans(db), "quit_s": round(quit_s, 3),
                "exit": term.proc.returncode, "monitor_stop": stopped}
    finally:
        term.close()
        shutil.rmtree(home, ignore_errors=True)


def render(labels: dict) -> str:
    lines = [
        "## Start-up and quit (`bench/bench_ui_lifecycle.py`)",
        "",
        f"The real command in a {COLS}x{ROWS} pseudo-terminal under a temporary HOME. First frame:",
        "`agenttrace-tui demo` from process start until the header is painted (median of the warm",
        "runs: the first run of each label is a cold start and is shown apart). Quit: the monitor,",
        "persisting, fed spans over UDP (finished spans in traces of 100, 20 sessions), then `q`",
        "until the process has exited (everything received is in the database by then).",
        "",
        "| run | first frame, warm (median) | first frame, first run | spans fed / saved | quit (q -> exit) |",
        "|---|---|---|---|---|",
    ]
    for label, r in labels.items():
        ff = r["first_frame_s"]
        warm = ff[1:] or ff
        q = r["quit"]
        lines.append(
            f"| {label} | {statistics.median(warm) * 1000:.0f} ms | {ff[0] * 1000:.0f} ms | "
            f"{q['sent']:,} / {q['saved']:,} | {q['quit_s'] * 1000:.0f} ms |"
        )
    stops = [(label, r["quit"].get("monitor_stop")) for label, r in labels.items() if r["quit"].get("monitor_stop")]
    if stops:
        lines += ["", "Of the quit time, the monitor's own stop (its debug log, `--engine-log`):", ""]
        lines += [f"- {label}: {stop}" for label, stop in stops]
    lines += [
        "",
        f"Quit is measured once the writer has settled ({SETTLE_MIN_S:.0f} s, then 3 s without a write to",
        "the file); the machine line above gives the load the runs met.",
    ]
    return "\n".join(lines)


def main() -> None:
    runs = int(_arg("--runs", "4"))
    n_spans = int(_arg("--spans", "200000"))
    rate = int(_arg("--rate", "10000"))
    label = _arg("--label", "current")
    ff = first_frame(runs)
    print(f"first frame: {[round(x, 3) for x in ff]}", flush=True)
    q = quit_after_data(n_spans, rate, _arg("--engine-log", "") or None)
    print(f"quit: {q}", flush=True)
    previous = load("ui_lifecycle")
    labels = dict(previous["data"]["labels"]) if previous and previous.get("data") else {}
    labels[label] = {"first_frame_s": [round(x, 4) for x in ff], "quit": q}
    latest = labels[label]
    warm = statistics.median(latest["first_frame_s"][1:] or latest["first_frame_s"])
    save(
        "ui_lifecycle",
        machine=machine(),
        section=render(labels),
        summary=[
            row("first frame of `demo`, warm", f"< {FIRST_FRAME_TARGET_S:.0f} s", f"{warm * 1000:.0f} ms ({label})",
                warm < FIRST_FRAME_TARGET_S),
            row(f"quit after {q['saved']:,} spans", f"< {QUIT_TARGET_S:.0f} s", f"{q['quit_s'] * 1000:.0f} ms ({label})",
                q["quit_s"] < QUIT_TARGET_S),
        ],
        data={"labels": labels},
    )


if __name__ == "__main__":
    main()
