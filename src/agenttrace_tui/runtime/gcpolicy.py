"""When Python's cyclic garbage collector runs, so its pauses miss the keys.

The store holds hundreds of thousands of tracked containers (dicts, lists,
entries) that live for minutes. With automatic collection, a generation-2
collection every so often walks all of them on the event loop: the span-tree
benchmark saw pauses up to ~230 ms under ingest, and every slow key overlapped
one (docs/bench/ui_tree.md). Most garbage here is freed by reference counting
anyway (spans are ``gc=False`` structs); the collector only has to find the
rare cycles.

The policy:

* at start, collect the young generations and ``gc.freeze()`` the start-up
  heap (imports, Textual, a replayed or preloaded store), and turn automatic
  collection off. Not a full collection: over a store of a million spans
  that walked every container for ~2 s before the first frame. Cycles
  already in the oldest generation are frozen with the rest and freed by
  the first deep collection (below);
* from the caller's periodic timer (the app's 10 Hz tick): a generation-0
  collection each tick (small: only young objects), and a generation-1 one
  every ``middle_s`` if that is shorter than ``sweep_s``;
* every ``sweep_s`` (a second) a generation-2 collection of what is not
  frozen -- only what survived since the last sweep -- after which the
  survivors are frozen too, so the next sweep does not walk them again. Its
  cost grows with the interval: at 10k spans/s a 10 s sweep took 65-115 ms of
  CPU (plus a generation-1 collection of up to ~50 ms each second), a 1 s one
  ~25 ms, so no single pause eats a key's frame budget;
* right after input (``quiet_s``) the sweep and the middle collection wait, up
  to ``LATE`` times their interval: the frame answering a key comes first;
  once that frame is out, the app calls ``after_input_frame``, which runs one
  that is due then: in the gap before the next keystroke (tens of ms even
  with key repeat), not between a key and its frame. Without it, steady
  typing held every sweep back until it was ``LATE`` intervals late, with
  three times the survivors and garbage to walk (20-50 ms of CPU measured at
  10k spans/s), and it then ran wherever the next tick fell;
* every ``deep_s``, once the user has been idle for ``idle_s``, a true full
  collection (unfreeze, collect, freeze): frozen objects that later became
  cyclic garbage are freed then, so memory stays bounded. If the user is never
  idle, it runs anyway after ``2 * deep_s``. Most of that garbage is Textual's
  rendered lines (a ``Strip`` caches itself: a cycle) dropped from a cache more
  than a sweep after they were drawn, a few hundred objects a second under
  ingest and typing: two minutes of it is a few MB.

Objects freed by reference counting are freed at once whether frozen or not;
freezing only hides them from the collector's scans. ``stop()`` restores
automatic collection and unfreezes (tests start many apps in one process).
Core module: no Textual, no Rich.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable

__all__ = ["GcPolicy", "GcStats"]

#: A sweep or middle collection put off by typing runs anyway once it is this many intervals late.
LATE = 3


class GcStats:
    """What the policy did: collections per kind and the longest one (ms)."""

    __slots__ = ("young", "middle", "sweeps", "deep", "longest_ms", "total_ms")

    def __init__(self) -> None:
        self.young = 0
        self.middle = 0
        self.sweeps = 0
        self.deep = 0
        self.longest_ms = 0.0
        self.total_ms = 0.0


class GcPolicy:
    def __init__(
        self,
        *,
        middle_s: float = 1.0,
        sweep_s: float = 1.0,
        deep_s: float = 120.0,
        idle_s: float = 2.0,
        quiet_s: float = 0.3,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.middle_s = middle_s
        self.sweep_s = sweep_s
        self.deep_s = deep_s
        self.idle_s = idle_s
        self.quiet_s = quiet_s
        self.clock = clock
        self.stats = GcStats()
        self.active = False
        self._was_enabled = True
        self._last_middle = self._last_sweep = self._last_deep = 0.0
        self._last_input = 0.0

    def start(self) -> None:
        """Collect and freeze the start-up heap, then take over from automatic collection."""
        if self.active:
            return
        self._was_enabled = gc.isenabled()
        # Young garbage (the app's own start-up) now; the old generation as it is (see the module doc).
        gc.collect(1)
        gc.freeze()
        gc.disable()
        self.active = True
        now = self.clock()
        self._last_middle = self._last_sweep = self._last_deep = self._last_input = now

    def stop(self) -> None:
        """Give collection back to Python (and let it see the frozen objects again)."""
        if not self.active:
            return
        self.active = False
        gc.unfreeze()
        if self._was_enabled:
            gc.enable()

    def note_input(self) -> None:
        """The user pressed a key or clicked: a full collection would be felt now."""
        self._last_input = self.clock()

    def tick(self) -> int:
        """Run the collections that are due (call it often, e.g. at 10 Hz); returns the generation run."""
        if not self.active:
            return -1
        now = self.clock()
        if now - self._last_deep >= self.deep_s and (
            now - self._last_input >= self.idle_s or now - self._last_deep >= 2 * self.deep_s
        ):
            self._last_deep = self._last_sweep = self._last_middle = now
            gc.unfreeze()
            self._timed(2)
            gc.freeze()
            self.stats.deep += 1
            return 3
        # Right after a key the frame that answers it comes first: the sweep and
        # the middle collection wait (a key every few hundred ms postpones them
        # to at most ``LATE`` times their interval) -- or for after_input_frame.
        typing = now - self._last_input < self.quiet_s
        older = self._older(now, typing)
        if older >= 0:
            return older
        self._timed(0)
        self.stats.young += 1
        return 0

    def after_input_frame(self) -> int:
        """The frame answering a key or click is on the screen: run a sweep or a middle
        collection that is due (not waiting for the typing to stop); returns the
        generation run, or -1. The next keystroke is tens of milliseconds away
        even with key repeat, so a pause here is not one a key waits for; the
        full collection still waits for the user to be idle, young collections
        stay on the tick."""
        if not self.active:
            return -1
        return self._older(self.clock(), typing=False)

    def _older(self, now: float, typing: bool) -> int:
        """A sweep (2) or middle collection (1) if one is due, else -1."""
        since_sweep = now - self._last_sweep
        if since_sweep >= self.sweep_s and (not typing or since_sweep >= LATE * self.sweep_s):
            self._last_sweep = self._last_middle = now
            self._timed(2)  # frozen objects are not scanned: this walks only the recent survivors
            gc.freeze()
            self.stats.sweeps += 1
            return 2
        since_middle = now - self._last_middle
        if since_middle >= self.middle_s and (not typing or since_middle >= LATE * self.middle_s):
            self._last_middle = now
            self._timed(1)
            self.stats.middle += 1
            return 1
        return -1

    def _timed(self, generation: int) -> None:
        t0 = time.perf_counter()
        gc.collect(generation)
        ms = (time.perf_counter() - t0) * 1000
        self.stats.total_ms += ms
        if ms > self.stats.longest_ms:
            self.stats.longest_ms = ms

    async def run(self, stop: asyncio.Event, interval_s: float = 0.1) -> None:
        """Start, tick every ``interval_s`` until ``stop`` is set, then stop (headless mode)."""
        self.start()
        # Headless has no keys to protect: full collections run on schedule.
        self._last_input = float("-inf")
        try:
            while not stop.is_set():
                try:
                    await asyncio.wait_for(stop.wait(), interval_s)
                except TimeoutError:
                    pass
                self.tick()
        finally:
            self.stop()
