"""Where a slow key's time goes: the key -> frame scenario of bench_ui_app.py, with a timeline.

Runs ``bench_ui_app.key_scenario`` (the full app headless, a real Monitor,
preloaded store, UDP ingest from a sender thread) while recording every
event-loop callback over ``--min-ms`` (default 2 ms) and the time spent in the
app's parts: the UDP drain (ingest), the refresh tick and its pieces (store
sync, header, GC step), the compositor's frame. For each key slower than
``--slow-key-ms`` it prints what ran between the key being posted and its
frame; at the end, a table of the parts (count, total, p50, p99, max).

Run: ``PYTHONPATH=src python bench/profile_ui_keys.py [--preload N] [--rate R] [--keys K]``;
``--cprofile PATH`` also profiles the run (deterministic, slower) and dumps the stats to PATH.
Diagnostic only: it writes no results file.
"""

from __future__ import annotations

import asyncio
import asyncio.events as ev
import gc
import statistics
import sys
import time
from collections import defaultdict

import bench_ui_app as b
from agenttrace_tui.ingest import receivers
from agenttrace_tui.runtime import gcpolicy
from agenttrace_tui.ui import app as app_mod
from agenttrace_tui.ui import panes
from bench_ui_app import _arg

#: (start, end, name) of every timed part and every loop callback over min_ms
TIMELINE: list[tuple[float, float, str]] = []
PARTS: dict[str, list[float]] = defaultdict(list)
#: the same parts in CPU time of the loop's thread (what the part costs, not how long it waited for a core)
CPU: dict[str, list[float]] = defaultdict(list)
#: --cprofile: a deterministic profile of the UI parts only (ingest runs unprofiled, at full speed)
PROFILE = None
#: parts are recorded from the first key on (not the preload and start-up)
RECORDING = [False]
_depth = [0]


def timed(owner: object, attr: str, name: str, profile: bool = False) -> None:
    """Wrap owner.attr so each call lands in PARTS and TIMELINE (and in PROFILE if ``profile``)."""
    original = getattr(owner, attr)

    def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
        if not RECORDING[0]:
            return original(*args, **kwargs)
        on = profile and PROFILE is not None
        if on:
            if _depth[0] == 0:
                PROFILE.enable()
            _depth[0] += 1
        t = time.perf_counter()
        c = time.thread_time()
        try:
            return original(*args, **kwargs)
        finally:
            e = time.perf_counter()
            CPU[name].append((time.thread_time() - c) * 1000)
            if on:
                _depth[0] -= 1
                if _depth[0] == 0:
                    PROFILE.disable()
            PARTS[name].append((e - t) * 1000)
            TIMELINE.append((t, e, name))

    setattr(owner, attr, wrapper)


def watch_callbacks(min_ms: float) -> None:
    original = ev.Handle._run

    def run(self) -> None:  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        original(self)
        e = time.perf_counter()
        ms = (e - t) * 1000
        if ms >= min_ms and RECORDING[0]:
            cb = getattr(self, "_callback", None)
            name = getattr(cb, "__qualname__", None) or repr(cb)
            # A task step: name the coroutine
            task = getattr(cb, "__self__", None)
            if isinstance(task, asyncio.Task):
                name = f"task {task.get_coro().__qualname__}"  # type: ignore[union-attr]
            TIMELINE.append((t, e, "cb " + name[:70]))

    ev.Handle._run = run  # type: ignore[method-assign]


def gc_callback(phase: str, info: dict) -> None:
    if not RECORDING[0]:
        return
    if phase == "start":
        gc_callback.t = time.perf_counter()  # type: ignore[attr-defined]
        gc_callback.c = time.thread_time()  # type: ignore[attr-defined]
    else:
        e = time.perf_counter()
        t = getattr(gc_callback, "t", e)
        PARTS[f"gc gen{info['generation']}"].append((e - t) * 1000)
        CPU[f"gc gen{info['generation']}"].append((time.thread_time() - getattr(gc_callback, "c", 0.0)) * 1000)
        TIMELINE.append((t, e, f"gc gen{info['generation']}"))


def main() -> None:
    preload = int(_arg("--preload", "200000"))
    rate = int(_arg("--rate", "10000"))
    b.KEYS = int(_arg("--keys", "150"))
    min_ms = float(_arg("--min-ms", "2"))
    slow_key = float(_arg("--slow-key-ms", "40"))
    global PROFILE
    if "--cprofile" in sys.argv:
        import cProfile

        PROFILE = cProfile.Profile(time.thread_time)  # CPU time: other processes' turns are not counted
    watch_callbacks(min_ms)
    if "--gc-sweep" in sys.argv:  # compare sweep intervals (seconds) in one tree
        gcpolicy.GcPolicy.__init__.__kwdefaults__["sweep_s"] = float(_arg("--gc-sweep", "10"))
    gc.callbacks.append(gc_callback)
    timed(receivers, "_feed_many_safely", "ingest feed_many")
    timed(app_mod.AgentTraceApp, "_tick", "tick", profile=True)
    timed(app_mod.AgentTraceApp, "_update_header", "tick header")
    timed(panes.PaneSync, "_sync", "tick _sync")
    timed(panes.PaneSync, "_sync_cost", "sync cost")
    timed(panes.PaneSync, "_sync_detail", "sync detail")
    timed(gcpolicy.GcPolicy, "tick", "gc policy tick")
    from textual.app import App
    from textual.screen import Screen

    timed(App, "_display", "display (write frame)")
    timed(Screen, "_compositor_refresh", "compositor refresh", profile=True)
    timed(Screen, "_refresh_layout", "refresh layout", profile=True)
    timed(Screen, "_on_timer_update", "screen update", profile=True)

    keys: list[tuple[float, float]] = []
    original_scenario_post = b.events.Key

    # Record each key's post time and its frame: wrap the scenario's Key construction and _display.
    posted: list[float] = []

    class Key(original_scenario_post):  # type: ignore[misc,valid-type]
        def __init__(self, *a, **k) -> None:  # type: ignore[no-untyped-def]
            super().__init__(*a, **k)
            RECORDING[0] = True
            posted.append(time.perf_counter())

    b.events.Key = Key  # type: ignore[misc]
    res = asyncio.run(b.key_scenario(True, preload, rate))
    if PROFILE is not None:
        import pstats

        PROFILE.dump_stats(_arg("--cprofile", "/tmp/ui_keys.prof"))
        pstats.Stats(PROFILE).sort_stats("cumulative").print_stats(80)
    b.events.Key = original_scenario_post  # type: ignore[misc]
    frames = sorted(e for s, e, n in TIMELINE if n == "display (write frame)")
    for t0 in posted:
        nxt = next((f for f in frames if f > t0), None)
        if nxt is not None:
            keys.append((t0, nxt))
    print(f"keys {res['keys']} median {res['median']:.1f} p99 {res['p99']:.1f} max {res['max']:.1f} "
          f"sent {res['sent']:,} stored {res['stored']:,}")
    TIMELINE.sort()
    for t0, t1 in keys:
        ms = (t1 - t0) * 1000
        if ms < slow_key:
            continue
        print(f"\nkey {ms:.1f} ms:")
        for s, e, n in TIMELINE:
            if e > t0 - 0.002 and s < t1:
                print(f"   {(s - t0) * 1000:+7.1f} .. {(e - t0) * 1000:+7.1f}  {(e - s) * 1000:6.1f} ms  {n}")
    for title, table in (("wall", PARTS), ("cpu", CPU)):
        print(f"\npart ({title})                   count   total ms   p50     p99     max")
        for name, xs in sorted(table.items(), key=lambda kv: -sum(kv[1])):
            xs.sort()
            print(f"{name:28s} {len(xs):6d} {sum(xs):9.0f} {statistics.median(xs):7.2f} "
                  f"{xs[min(len(xs) - 1, int(0.99 * len(xs)))]:7.2f} {xs[-1]:7.1f}")


if __name__ == "__main__":
    sys.exit(main())
