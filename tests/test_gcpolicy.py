"""The GC policy collects what automatic collection would, at the times it chooses."""

from __future__ import annotations

import gc
import weakref

from agenttrace_tui.runtime.gcpolicy import GcPolicy


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def _cycle() -> weakref.ref:
    return weakref.ref(Node())


def test_ticks_run_young_middle_sweep_and_idle_deep_collections():
    clock = Clock()
    policy = GcPolicy(middle_s=1.0, sweep_s=10.0, deep_s=60.0, idle_s=2.0, clock=clock)
    policy.start()
    try:
        assert not gc.isenabled()
        clock.t += 0.1
        assert policy.tick() == 0
        clock.t += 1.0
        assert policy.tick() == 1
        clock.t += 10.0
        assert policy.tick() == 2
        # A full collection waits for the user to be idle ...
        clock.t += 50.0
        policy.note_input()
        clock.t += 1.0
        # (the sweep that is also due runs instead: generation 2, no deep collection yet)
        assert policy.tick() == 2
        assert policy.stats.deep == 0
        clock.t += 2.0
        assert policy.tick() == 3
        # ... but not forever.
        clock.t += 119.0
        policy.note_input()
        clock.t += 1.0
        assert policy.tick() == 3
        s = policy.stats
        assert s.young >= 1 and s.middle >= 1 and s.sweeps >= 1 and s.deep == 2
    finally:
        policy.stop()
    assert gc.isenabled()


def test_right_after_input_the_sweep_and_middle_collections_wait_but_not_forever():
    from agenttrace_tui.runtime.gcpolicy import LATE

    clock = Clock()
    policy = GcPolicy(middle_s=2.0, sweep_s=5.0, quiet_s=0.3, clock=clock)
    policy.start()
    try:
        clock.t += 2.0
        policy.note_input()
        assert policy.tick() == 0  # the middle collection is due, but a key was just pressed
        clock.t += 0.5
        assert policy.tick() == 1  # quiet again: it runs
        clock.t += 2.5
        policy.note_input()
        assert policy.tick() == 0  # the sweep (and the middle one) wait for the typing to stop ...
        # ... or until they are LATE times their interval late
        for _ in range(200):
            clock.t += 0.1
            policy.note_input()
            if policy.tick() == 2:
                break
        assert policy.stats.sweeps == 1
        assert clock.t - 1000.0 >= LATE * policy.sweep_s
    finally:
        policy.stop()


def test_cyclic_garbage_is_freed_young_and_after_freezing():
    clock = Clock()
    policy = GcPolicy(clock=clock)
    policy.start()
    try:
        young = _cycle()
        clock.t += 0.1
        policy.tick()
        assert young() is None  # a generation-0 collection freed it

        # A cycle that survives a sweep is frozen; it is freed by the next deep collection.
        keep = [Node()]
        old = weakref.ref(keep[0])
        clock.t += 10.0
        assert policy.tick() == 2
        keep.clear()
        for _ in range(3):
            clock.t += 0.1
            policy.tick()
        assert old() is not None  # frozen: invisible to young collections (bounded leak)
        clock.t += policy.deep_s
        assert policy.tick() == 3
        assert old() is None
    finally:
        policy.stop()


def test_start_frees_young_garbage_and_leaves_the_old_generation_to_the_deep_collection():
    # Start-up does not walk the whole heap (a preloaded store can be millions of
    # objects): young cycles are freed at once, an old one at the first deep collection.
    was = gc.isenabled()
    gc.disable()  # no automatic collection between the steps below
    clock = Clock()
    policy = GcPolicy(clock=clock)
    try:
        keep = [Node()]
        old = weakref.ref(keep[0])
        gc.collect()  # it survives a full collection: now in the oldest generation
        keep.clear()
        young = _cycle()
        policy.start()
        assert young() is None
        assert old() is not None  # frozen as it was
        clock.t += policy.deep_s
        assert policy.tick() == 3
        assert old() is None
    finally:
        policy.stop()
        if was:
            gc.enable()


def test_stop_restores_automatic_collection_and_is_idempotent():
    was = gc.isenabled()
    policy = GcPolicy()
    policy.start()
    policy.start()
    policy.stop()
    policy.stop()
    assert gc.isenabled() == was
    assert gc.get_freeze_count() == 0
    assert policy.tick() == -1


async def test_run_ticks_until_stopped_then_restores_collection():
    import asyncio

    policy = GcPolicy()
    stop = asyncio.Event()
    task = asyncio.create_task(policy.run(stop, interval_s=0.01))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while policy.stats.young + policy.stats.middle < 3 and loop.time() < deadline:
        await asyncio.sleep(0.02)
    assert policy.stats.young + policy.stats.middle >= 3
    stop.set()
    await task
    assert gc.isenabled() and not policy.active


def test_after_the_frame_answering_a_key_a_due_sweep_runs_at_once():
    # While someone types, ticks hold the sweep back; the frame answering a key
    # being out is its turn, before the next key (not LATE intervals later).
    clock = Clock()
    policy = GcPolicy(middle_s=1.0, sweep_s=1.0, deep_s=60.0, quiet_s=0.3, clock=clock)
    policy.start()
    try:
        clock.t += 0.5
        policy.note_input()
        assert policy.after_input_frame() == -1  # nothing due yet
        clock.t += 0.6
        policy.note_input()
        assert policy.tick() == 0  # due, but a key was just pressed
        assert policy.after_input_frame() == 2  # its frame is out: the sweep runs now
        assert policy.after_input_frame() == -1  # and not twice
        clock.t += 60.0
        policy.note_input()
        assert policy.after_input_frame() == 2  # never the full collection while typing
        assert policy.stats.deep == 0
    finally:
        policy.stop()
    assert policy.after_input_frame() == -1  # stopped: collection is Python's again
