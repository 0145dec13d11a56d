"""Benchmark of the replay screens (issue 7): a 1M-span file to the first frame.

Run: PYTHONPATH=src /work/main/.venv/bin/python bench/bench_replay_ui.py [--spans N]

* builds the same 1M-span database as bench_history.py (one 500k-span
  session, the rest in 1,000-span sessions) with the writer's row encoder;
* replay to first frame: from constructing ``ReplayApp`` on the big session
  (Reader, Player) until the app, running headless, has drawn a frame whose
  span tree shows the first replayed trace; target <= 1 s;
* picker to first frame: ``ReplayApp`` without a session id until the
  picker has listed the saved sessions (501 of them);
* baseline, same run: the live app on an empty store to its first frame
  (what any Textual start costs here).

Median of several runs each; writes docs/bench/replay_ui.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from agenttrace_tui.store.memory import Store
from agenttrace_tui.ui.app import make_app
from agenttrace_tui.ui.picker import SessionPicker
from agenttrace_tui.ui.replay import ReplayApp
from bench_history import BIG, build_db
from machine import describe as machine
from results import row, save

SIZE = (120, 36)


async def _until(pilot, cond, limit_s: float = 30.0) -> None:
    deadline = time.perf_counter() + limit_s
    while not cond():
        if time.perf_counter() > deadline:
            raise RuntimeError(f"no first frame within {limit_s:.0f} s")
        await pilot.pause(0.001)


def time_to_frame(make, ready, limit_s: float = 30.0) -> float:
    """Seconds from building the app to a drawn frame where ``ready(app)`` holds
    (shared with bench_scale)."""

    async def run() -> float:
        t = time.perf_counter()
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await _until(pilot, lambda: ready(app), limit_s)
            # Render the frame now, with the content in it (waiting for the
            # app to go idle would time the replay's own timers instead).
            frame = app.export_screenshot()
            dt = time.perf_counter() - t
            assert frame
            if isinstance(app, ReplayApp):
                app.close_reader()
        return dt

    return asyncio.run(run())


def import_cost(tmp: Path, runs: int) -> tuple[float, float]:
    """A fresh interpreter importing the replay UI (what ``agenttrace-tui replay`` pays
    before its first frame), and bare ``python -c pass``; bytecode cached, as installed."""
    import subprocess

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(Path(__file__).parents[1] / "src")
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")

    def run(argv: list[str]) -> float:
        t = time.perf_counter()
        subprocess.run(argv, check=True, env=env)
        return time.perf_counter() - t

    cmd = [sys.executable, "-c", "import agenttrace_tui.cli, agenttrace_tui.ui.replay"]
    run(cmd)  # compile once
    return median_of(lambda: run(cmd), runs), median_of(lambda: run([sys.executable, "-c", "pass"]), runs)


def median_of(fn, runs: int) -> float:
    return statistics.median(fn() for _ in range(runs))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--spans", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-save", action="store_true", help="print only (a smoke run, not for the record)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        db = Path(d) / "bench.db"
        build_s = build_db(db, args.spans)
        size_mb = db.stat().st_size / 1e6
        print(f"built {args.spans} spans in {build_s:.1f}s ({size_mb:.0f} MB)", file=sys.stderr)

        base = median_of(lambda: time_to_frame(lambda: make_app(store=Store()), lambda a: a.sessions.is_attached), args.runs)
        print(f"live app, empty store, first frame {base * 1000:.0f} ms", file=sys.stderr)
        replay = median_of(
            lambda: time_to_frame(
                lambda: ReplayApp(db, BIG),
                lambda a: a.span_tree.trace_id is not None and a.span_tree.row_count > 0,
            ),
            args.runs,
        )
        print(f"replay, first frame {replay * 1000:.0f} ms", file=sys.stderr)
        n_sessions = 1 + (args.spans - args.spans // 2) // 1000
        picker = median_of(
            lambda: time_to_frame(
                lambda: ReplayApp(db, None),
                lambda a: isinstance(a.screen, SessionPicker) and a.screen.loaded,
            ),
            args.runs,
        )
        print(f"picker, first frame {picker * 1000:.0f} ms", file=sys.stderr)
        imports, python_start = import_cost(Path(d), args.runs)
        print(f"imports {imports * 1000:.0f} ms (python {python_start * 1000:.0f} ms)", file=sys.stderr)

    rows = [
        (f"`replay` of a 500k-span session in a {args.spans / 1e6:g}M-span file, to the first frame", f"{replay * 1000:.0f} ms",
         "<= 1 s", f"{replay / base:.2f}x the empty live app ({base * 1000:.0f} ms)"),
        (f"`replay` without an id: picker listing {n_sessions} saved sessions, to the first frame", f"{picker * 1000:.0f} ms", "-",
         f"{picker / base:.2f}x the empty live app"),
        ("a fresh process importing the CLI and the replay UI (paid once before the above)", f"{imports * 1000:.0f} ms", "-",
         f"{imports / python_start:.1f}x starting Python alone ({python_start * 1000:.0f} ms)"),
        ("`replay` from process start to the first frame (sum of rows 1 and 3)", f"{(imports + replay) * 1000:.0f} ms", "<= 1 s", "-"),
    ]
    lines = [
        "## Replay screens",
        "",
        f"Machine: {machine()}. Shared 2-core machine: compare the ratios, not absolute numbers.",
        f"Database: {args.spans:,} spans ({size_mb:.0f} MB), built as in the history benchmark. "
        f"The app runs headless at 120x36 (Textual's test driver); median of {args.runs} runs each, "
        "timed from constructing the app to a rendered frame (a screenshot of the screen) showing the content.",
        "",
        "| measure | result | target | ratio to baseline (same run) |",
        "|---|---|---|---|",
        *[f"| {a} | {b} | {c} | {d_} |" for a, b, c, d_ in rows],
        "",
        "The Player reads the session lazily (one keyset page of 1,000 spans at open), so the time to",
        "the first frame is the app's own start plus a page read: it does not grow with the file.",
        "",
    ]
    print("\n".join(lines))
    if not args.no_save:
        summary = [
            row("start-up to first frame (imports + the empty live app)", "<= 1 s",
                f"{(imports + base) * 1000:.0f} ms (imports {imports * 1000:.0f} ms + empty app {base * 1000:.0f} ms)",
                imports + base <= 1.0),
            row(f"replay of a {args.spans / 1e6:g}M-span file to the first frame", "<= 1 s",
                f"{replay * 1000:.0f} ms ({(imports + replay) * 1000:.0f} ms from process start)", imports + replay <= 1.0),
        ]
        data = {"spans": args.spans, "runs": args.runs, "empty_app_s": base, "replay_s": replay, "picker_s": picker,
                "imports_s": imports, "python_start_s": python_start}
        save("replay_ui", machine=machine(), section="\n".join(lines), summary=summary, data=data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
