"""Trace sampling: decided once per trace at its root, inherited by children.

Rules (seeds 001 and 004):

* ``rate`` is a probability, clamped to [0, 1]; a root is kept when a random
  draw falls below it. Children follow their root (parent-based), so a trace
  is always whole or absent.
* ``keep_errors``: a trace that was not drawn is still kept if any of its
  spans ends in error.
* ``slow_ms``: a trace that was not drawn is still kept if its root runs at
  least this long.

A trace that was not drawn but may still be kept by those rules is *pending*:
its records are buffered in the agent (bounded per trace) instead of being
sent. What that means for the live view is a deliberate choice: a pending
trace is invisible while it runs, because showing it would mean sending it,
and a monitor cannot "unsee" it afterwards. The moment a rule fires the trace
is promoted: the buffer is flushed in order and everything after it is sent
live. An error promotes at once; a slow trace is promoted by the sender
thread as soon as its root has run ``slow_ms`` (so a slow trace starts
ticking in the monitor at that point, not only when it ends); a root that
ends fast and clean drops the buffer. With neither rule enabled, an undrawn
trace is dropped at its root and costs almost nothing.

Settings come from arguments, else env vars ``AGENTTRACE_SAMPLE_RATE``,
``AGENTTRACE_SAMPLE_KEEP_ERRORS`` (1/0) and ``AGENTTRACE_SAMPLE_SLOW_MS``. A
bad env value is reported once with a warning and the default is used: a
typo in a setting must never stop the agent.
"""

from __future__ import annotations

import math
import os
import random
import threading
import warnings
from collections.abc import Callable
from typing import Any

KEEP = 1
PENDING = 0
DROP = -1

#: Records buffered per pending trace; beyond this they are dropped and counted.
MAX_BUFFERED = 10_000


class TraceState:
    """Sampling state shared by every span of one trace."""

    __slots__ = ("decision", "buffer", "root", "overflow")

    def __init__(self, decision: int, root: Any = None) -> None:
        self.decision = decision
        self.buffer: list[Any] = []
        self.root = root
        self.overflow = 0


#: Shared states for decided traces: no allocation per kept or dropped trace.
KEPT = TraceState(KEEP)
DROPPED = TraceState(DROP)


def clamp_rate(rate: float) -> float:
    """A probability in [0, 1]; NaN counts as 1 (sample everything)."""
    rate = float(rate)
    if math.isnan(rate):
        return 1.0
    return min(1.0, max(0.0, rate))


def _env(name: str, conv: Callable[[str], Any], default: Any) -> Any:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return conv(raw.strip())
    except (TypeError, ValueError):
        warnings.warn(f"agenttrace: ignoring {name}={raw!r} (not a valid value); using {default!r}", stacklevel=3)
        return default


def _bool(raw: str) -> bool:
    low = raw.lower()
    if low in ("1", "true", "yes", "on"):
        return True
    if low in ("0", "false", "no", "off"):
        return False
    raise ValueError(raw)


class Sampler:
    """Decides at each root; promotes pending traces when a keep rule fires."""

    def __init__(
        self,
        rate: float | None = None,
        *,
        keep_errors: bool | None = None,
        slow_ms: float | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if rate is None:
            rate = _env("AGENTTRACE_SAMPLE_RATE", float, 1.0)
        if keep_errors is None:
            keep_errors = _env("AGENTTRACE_SAMPLE_KEEP_ERRORS", _bool, True)
        if slow_ms is None:
            slow_ms = _env("AGENTTRACE_SAMPLE_SLOW_MS", float, None)
        self.rate = clamp_rate(rate)
        self.keep_errors = bool(keep_errors)
        self.slow_ns = int(slow_ms * 1_000_000) if slow_ms is not None and slow_ms >= 0 else None
        self._random = (rng or random).random
        self._lock = threading.Lock()
        #: Pending traces, checked by the sender for the slow rule.
        self.pending: set[TraceState] = set()
        self.dropped_traces = 0
        self.overflow = 0

    @property
    def always(self) -> bool:
        return self.rate >= 1.0

    def decide(self, root: Any) -> TraceState:
        """The state of a new trace whose root is ``root``."""
        if self.rate >= 1.0 or (self.rate > 0.0 and self._random() < self.rate):
            return KEPT
        if not self.keep_errors and self.slow_ns is None:
            self.dropped_traces += 1
            return DROPPED
        state = TraceState(PENDING, root)
        if self.slow_ns is not None:
            with self._lock:
                self.pending.add(state)
        return state

    def buffer(self, state: TraceState, item: Any, enqueue: Callable[[Any], None]) -> None:
        """Hold ``item`` of a pending trace, or pass it on if decided meanwhile."""
        with self._lock:
            if state.decision == PENDING:
                if len(state.buffer) < MAX_BUFFERED:
                    state.buffer.append(item)
                else:
                    state.overflow += 1
                    self.overflow += 1
                return
        if state.decision == KEEP:
            enqueue(item)

    def promote(self, state: TraceState, enqueue: Callable[[Any], None]) -> None:
        """Keep a pending trace: flush its buffer in order, send the rest live."""
        with self._lock:
            if state.decision != PENDING:
                return
            state.decision = KEEP
            self.pending.discard(state)
            # Enqueued under the lock so that no later record overtakes them.
            for item in state.buffer:
                enqueue(item)
            state.buffer = []

    def root_ended(self, state: TraceState, duration_ns: int, enqueue: Callable[[Any], None]) -> None:
        """The root of a pending trace ended clean: slow -> keep, else drop."""
        if self.slow_ns is not None and duration_ns >= self.slow_ns:
            self.promote(state, enqueue)
            return
        with self._lock:
            if state.decision != PENDING:
                return
            state.decision = DROP
            state.buffer = []
            self.pending.discard(state)
            self.dropped_traces += 1

    def promote_slow(self, now_ns: int, enqueue: Callable[[Any], None]) -> None:
        """Promote pending traces whose root has run past the slow threshold."""
        if self.slow_ns is None or not self.pending:
            return
        with self._lock:
            due = [s for s in self.pending if s.root is not None and now_ns - s.root.start_ns >= self.slow_ns]
        for state in due:
            self.promote(state, enqueue)
