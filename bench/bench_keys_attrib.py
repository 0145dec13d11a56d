"""Which work on the event loop makes a slow key -> frame (attribution for bench_ui_app --keys-only).

Runs the same scenario as ``bench_ui_app.py --keys-only`` (the real app headless,
200k spans preloaded, the tree focused on the 10k-span trace, j/k posted as key
events) and records a timeline of what ran on the loop thread: every loop
callback over ``--min-ms`` (a task step is named by its coroutine), the cyclic
collector's passes (gc.callbacks), and named pieces of the app's own work
(the refresh tick and its parts, the receivers' feeds, the frame write). For
every key slower than ``--slow-ms`` it prints what overlapped the interval
from the key to its frame, and at the end the total per name over all slow keys.

Run: ``PYTHONPATH=src:bench python bench/bench_keys_attrib.py [--ingest 0|1]
[--preload N] [--rate R] [--sender thread|process] [--slow-ms 20] [--min-ms 1]``.
Prints only; writes nothing.
"""

from __future__ import annotations

import asyncio
import asyncio.events as aev
import collections
import functools
import gc
import os
import statistics
import sys
import time

from textual import events

import results  # noqa: F401 - answers -h/--help with this script's docstring
from agenttrace_tui.config import Config
from agenttrace_tui.runtime.monitor import Monitor
from agenttrace_tui.ui.app import make_app
from bench_ui_app import KEYS, _arg, _sender, free_port, preload

clock = time.perf_counter
cpu = time.thread_time
#: (start, end, name, depth, cpu ms) of everything recorded on the loop thread
EVENTS: list[tuple[float, float, str, int, float]] = []
_depth = [0]


def _record(name: str, t0: float, t1: float, depth: int, min_s: float, c: float = float("nan")) -> None:
    if t1 - t0 >= min_s:
        EVENTS.append((t0, t1, name, depth, c * 1000))


def wrap(owner: object, attr: str, name: str, min_s: float) -> None:
    fn = getattr(owner, attr)

    @functools.wraps(fn)
    def timed(*a, **k):  # type: ignore[no-untyped-def]
        t0 = clock()
        c0 = cpu()
        _depth[0] += 1
        try:
            return fn(*a, **k)
        finally:
            _depth[0] -= 1
            _record(name, t0, clock(), _depth[0], min_s, cpu() - c0)

    setattr(owner, attr, timed)


PROFILE: list = []


def profile_method(owner: object, attr: str) -> None:
    """Accumulate a cProfile of every call of owner.attr (``--profile Screen._compositor_refresh``)."""
    import cProfile

    prof = cProfile.Profile()
    PROFILE.append(prof)
    fn = getattr(owner, attr)

    @functools.wraps(fn)
    def profiled(*a, **k):  # type: ignore[no-untyped-def]
        prof.enable()
        try:
            return fn(*a, **k)
        finally:
            prof.disable()

    setattr(owner, attr, profiled)


#: message pump -> the message it is dispatching (set by the wrapped _dispatch_message)
CURRENT: dict[int, str] = {}
#: messages whose dispatch began during the current loop callback
DISPATCHED: list[str] = []


def _pump_of(handle: aev.Handle) -> int | None:
    cb = getattr(handle, "_callback", None)
    task = getattr(cb, "__self__", None)
    if isinstance(task, asyncio.Task):
        frame = getattr(task.get_coro(), "cr_frame", None)
        if frame is not None and "self" in frame.f_locals:
            return id(frame.f_locals["self"])
    return None


def _cb_name(handle: aev.Handle, before: str | None = None) -> str:
    cb = getattr(handle, "_callback", None)
    task = getattr(cb, "__self__", None)
    if isinstance(task, asyncio.Task):
        coro = task.get_coro()
        name = f"task {getattr(coro, '__qualname__', '?')}"
        chain = []
        c = coro
        while c is not None and len(chain) < 8:
            q = getattr(c, "__qualname__", None)
            if q is None:
                break
            chain.append(q.rsplit(".", 1)[-1])
            c = getattr(c, "cr_await", None)
        if len(chain) > 1:
            name += " {" + ">".join(chain[1:]) + "}"
        pump = _pump_of(handle)
        after = CURRENT.get(pump) if pump is not None else None
        if before or after or DISPATCHED:
            mid = ",".join(DISPATCHED[:4]) + (f",+{len(DISPATCHED) - 4}" if len(DISPATCHED) > 4 else "")
            name += f" [{before or '-'} .. {mid} .. {after or '-'}]"
        return name
    return getattr(cb, "__qualname__", repr(cb))[:80]


def instrument(min_ms: float) -> None:
    min_s = min_ms / 1000
    original = aev.Handle._run

    def run(self):  # type: ignore[no-untyped-def]
        pump = _pump_of(self)
        before = CURRENT.get(pump) if pump is not None else None
        DISPATCHED.clear()
        t0 = clock()
        c0 = cpu()
        _depth[0] += 1
        try:
            original(self)
        finally:
            _depth[0] -= 1
            t1 = clock()
            if t1 - t0 >= min_s:
                EVENTS.append((t0, t1, "cb " + _cb_name(self, before), _depth[0], (cpu() - c0) * 1000))

    aev.Handle._run = run  # type: ignore[method-assign]

    from textual.message_pump import MessagePump

    dispatch = MessagePump._dispatch_message

    async def named_dispatch(self, message):  # type: ignore[no-untyped-def]
        key = id(self)
        prev = CURRENT.get(key)
        CURRENT[key] = f"{type(self).__name__}:{type(message).__name__}"
        DISPATCHED.append(CURRENT[key])
        try:
            return await dispatch(self, message)
        finally:
            if prev is None:
                CURRENT.pop(key, None)
            else:
                CURRENT[key] = prev

    MessagePump._dispatch_message = named_dispatch  # type: ignore[method-assign]

    from textual.widget import Widget

    render_lines = Widget.render_lines

    def timed_render_lines(self, crop):  # type: ignore[no-untyped-def]
        t0 = clock()
        c0 = cpu()
        try:
            return render_lines(self, crop)
        finally:
            _record(f"render_lines {type(self).__name__}", t0, clock(), 50, min_s / 4, cpu() - c0)

    Widget.render_lines = timed_render_lines  # type: ignore[method-assign]

    gc_start: list[float] = [0.0, 0.0]

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start":
            gc_start[0] = clock()
            gc_start[1] = cpu()
        else:
            _record(f"gc gen{info['generation']}", gc_start[0], clock(), 99, min_s, cpu() - gc_start[1])

    gc.callbacks.append(on_gc)

    from textual.app import App
    from textual.screen import Screen

    from agenttrace_tui.ingest import receivers
    from agenttrace_tui.ingest.pipeline import Pipeline
    from agenttrace_tui.store.memory import Store
    from agenttrace_tui.ui import app as app_mod
    from agenttrace_tui.ui.cost_panel import CostPanel
    from agenttrace_tui.ui.detail import SpanDetail
    from agenttrace_tui.ui.header import StatusHeader
    from agenttrace_tui.ui.rowlist import RowList
    from agenttrace_tui.ui.span_tree import SpanTreeView

    A = app_mod.AgentTraceApp
    for attr in ("_tick", "_idle_watch", "_sync", "_sync_cost", "_sync_detail", "_update_header", "_after_input_frame",
                 "_sync_traces", "_apply_follow"):
        wrap(A, attr, f"app.{attr}", min_s)
    wrap(Pipeline, "feed_many", "pipeline.feed_many", min_s)
    wrap(Pipeline, "settle", "pipeline.settle", min_s)
    wrap(receivers._UdpReader, "_drain", "udp._drain", min_s)
    wrap(Store, "warm_tool_costs", "store.warm_tool_costs", min_s)
    wrap(App, "_display", "app._display", min_s)
    for attr in ("_compositor_refresh", "_refresh_layout", "_on_timer_update", "_invoke_and_clear_callbacks"):
        wrap(Screen, attr, f"screen.{attr}", min_s)
    for cls, names in ((SpanTreeView, ("refresh_from_store", "render_line", "action_cursor_down", "action_cursor_up")),
                       (RowList, ("set_keys", "touch", "render_line")), (CostPanel, ()), (SpanDetail, ()),
                       (StatusHeader, ("show",))):
        for attr in names:
            if hasattr(cls, attr):
                wrap(cls, attr, f"{cls.__name__}.{attr}", min_s)
    for cls in (CostPanel, SpanDetail):
        for attr in ("show", "show_span", "update_cost", "render_lines", "render_line", "set_session"):
            if attr in cls.__dict__:
                wrap(cls, attr, f"{cls.__name__}.{attr}", min_s)


nonlocal_key_t0 = [0.0]
#: loop-thread CPU ms from each key to its frame (this run)
CPU_LAT: list[float] = []


def _q(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


async def run(ingest: bool, n_preload: int, rate: int, slow_ms: float) -> tuple[list[float], list[list]]:
    port = free_port()
    monitor = Monitor(Config(udp_port=port, tcp_port=port, socket="", otlp_port=None, otlp_grpc_port=None, persist=False))
    preload(monitor.store, n_preload)
    app = make_app(monitor)
    frames: list[float] = []
    frames_cpu: list[float] = []
    original = app._display

    def spy(screen, renderable):  # type: ignore[no-untyped-def]
        original(screen, renderable)
        frames.append(clock())
        frames_cpu.append(cpu())

    app._display = spy  # type: ignore[method-assign]
    bg = _sender(port, rate) if ingest else None
    lat: list[float] = []
    CPU_LAT.clear()
    slow: list[list] = []
    async with app.run_test(size=(120, 36)) as pilot:
        app.jump_to_session(_arg("--session", "big"))
        await pilot.pause()
        app.span_tree.focus()
        await pilot.pause(0.3)
        if bg:
            bg.start()
            await asyncio.sleep(1.0)
        nonlocal_key_t0[0] = clock()
        for i in range(int(_arg("--keys", str(KEYS)))):
            seq = _arg("--key-seq", "")
            if seq:
                names = seq.split(",")
                key = names[i % len(names)]
            else:
                key = "j" if i % 10 < 7 else "k"
            n = len(frames)
            mark = len(EVENTS)
            t0 = clock()
            c0 = cpu()
            app.post_message(events.Key(key, {"tab": "\t", "shift+tab": None}.get(key, key)))
            while len(frames) == n and clock() - t0 < 2:
                await asyncio.sleep(0.0005)
            if len(frames) > n:
                tf = frames[n]
                ms = (tf - t0) * 1000
                lat.append(ms)
                kc = (frames_cpu[n] - c0) * 1000
                CPU_LAT.append(kc)
                if ms > slow_ms or kc > slow_ms / 2:
                    # everything recorded since a little before the key, overlapping [t0, tf]
                    lo = max(0, mark - 200)
                    evs = [e for e in EVENTS[lo:] if e[1] > t0 and e[0] < tf]
                    slow.append([i, key, ms, t0, tf, evs, (frames_cpu[n] - c0) * 1000])
            await asyncio.sleep(0.03)
        if bg:
            bg.stop.set()
            await asyncio.sleep(0.5)  # what is in flight arrives
            got = sum(monitor.stats.accepted.values())
            print(f"sent {bg.sent:,} spans, the monitor accepted {got:,} ({bg.sent - got:,} not received)", flush=True)
        await pilot.press("q")
    t_first = slow[0][3] if slow else 0.0
    if "--timeline" in sys.argv:
        pattern = _arg("--timeline", "gc gen2")
        for s0, s1, name, _, c in EVENTS:
            if pattern in name:
                print(f"  timeline {(s0 - nonlocal_key_t0[0]) * 1000:+8.1f} ms  {(s1 - s0) * 1000:6.1f} ms cpu {c:5.1f}  {name[:120]}")
    del t_first
    return lat, slow


def main() -> None:
    ingest = _arg("--ingest", "1") == "1"
    n_preload = int(_arg("--preload", "200000"))
    rate = int(_arg("--rate", "10000"))
    slow_ms = float(_arg("--slow-ms", "20"))
    runs = int(_arg("--runs", "1"))
    instrument(float(_arg("--min-ms", "1")))
    target = _arg("--profile", "")
    if target:
        import importlib

        mod, cls, attr = target.rsplit(".", 2)
        profile_method(getattr(importlib.import_module(mod), cls), attr)
    totals: collections.Counter[str] = collections.Counter()
    counts: collections.Counter[str] = collections.Counter()
    cpus: collections.Counter[str] = collections.Counter()
    all_lat: list[float] = []
    nslow = 0
    for r in range(runs):
        EVENTS.clear()
        lat, slow = asyncio.run(run(ingest, n_preload, rate, slow_ms))
        all_lat += lat
        s = sorted(lat)
        print(f"run {r}: loop CPU key->frame median {statistics.median(CPU_LAT):.1f} p90 {_q(CPU_LAT, 0.9):.1f} "
              f"p95 {_q(CPU_LAT, 0.95):.1f} p99 {_q(CPU_LAT, 0.99):.1f} max {max(CPU_LAT):.1f} ms; "
              f"wall p90 {_q(lat, 0.9):.1f} p95 {_q(lat, 0.95):.1f}; load {os.getloadavg()[0]:.1f}", flush=True)
        print(f"run {r}: keys {len(lat)} median {statistics.median(s):.1f} p99 {s[min(len(s) - 1, int(0.99 * len(s)))]:.1f} "
              f"max {s[-1]:.1f} ms; slow (> {slow_ms:.0f} ms): {len(slow)}", flush=True)
        for i, key, ms, t0, tf, evs, kc in ([] if "--quiet" in sys.argv else slow):
            nslow += 1
            print(f"  key #{i} {key!r}: {ms:.1f} ms (loop thread cpu {kc:.1f} ms)")
            seen = set()
            for s0, s1, name, depth, c in sorted(evs):
                inside = (min(s1, tf) - max(s0, t0)) * 1000
                print(f"    {(s0 - t0) * 1000:+7.1f} ms  {(s1 - s0) * 1000:6.1f} ms (cpu {c:5.1f}, in window {inside:5.1f})  "
                      f"{'  ' * min(depth, 6) if depth != 99 else '  '}{name}")
                if name not in seen:
                    seen.add(name)
                    counts[name] += 1
                totals[name] += inside
                cpus[name] += c * inside / max((s1 - s0) * 1000, 1e-9)
    all_lat.sort()
    if all_lat:
        print(f"all runs: keys {len(all_lat)} median {statistics.median(all_lat):.1f} "
              f"p99 {all_lat[min(len(all_lat) - 1, int(0.99 * len(all_lat)))]:.1f} ms; slow keys {nslow}")
    if PROFILE:
        import pstats

        pstats.Stats(PROFILE[0]).sort_stats("cumulative").print_stats(45)
        pstats.Stats(PROFILE[0]).sort_stats("tottime").print_stats(25)
    print("in slow keys' windows, wall ms total, cpu ms (keys with it):")
    for name, ms in totals.most_common(40):
        print(f"  {ms:8.1f} {cpus[name]:8.1f} ({counts[name]:3d})  {name}")


if __name__ == "__main__":
    sys.exit(main())
