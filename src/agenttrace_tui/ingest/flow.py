"""Backpressure: the native receivers stop reading while the database writer is behind.

Every span stored waits in memory until the writer has it on disk. A sender
faster than the disk would otherwise grow that backlog without bound (a
300,000-session burst held a gigabyte). So the backlog has a bound
(``Store.max_pending``, derived from ``--max-spans``, see store/limits.py):
once a batch leaves it at or past the bound, the receiver that fed it stops
reading (a stream connection pauses, the UDP socket is left unread) and
waits here; the writer releases everyone once the backlog is down to half.

Nothing is dropped by this: a paused TCP or Unix sender blocks in its own
``send`` (stream flow control), datagrams wait in the socket's 8 MiB receive
buffer (and only past it are lost, counted by the sender's sequence numbers).
While the database refuses writes (disk full) there is no backpressure: the
writer's own waiting bound applies (oldest dropped, counted), so the monitor
keeps showing live data. OTLP receivers are not paused: each request waits
for its spans to be written before it is answered, which bounds them already.
"""

from __future__ import annotations

from collections.abc import Callable


class Flow:
    """Receivers paused while ``backlog()`` is at or past ``limit``; resumed at half of it."""

    def __init__(self, backlog: Callable[[], int], limit: int, active: Callable[[], bool] = lambda: True) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.backlog = backlog
        self.limit = limit
        #: False while backpressure must not apply (the database refuses writes)
        self.active = active
        #: paused receivers: key -> how to resume it
        self._held: dict[object, Callable[[], None]] = {}
        self._closing = False
        #: times a receiver was paused, and the largest backlog seen at a pause
        self.pauses = 0
        self.peak = 0

    @property
    def held(self) -> int:
        """Receivers paused now."""
        return len(self._held)

    def over(self) -> bool:
        """Whether the receiver that just fed a batch should stop reading."""
        if self._closing:
            return False
        n = self.backlog()
        if n < self.limit or not self.active():
            return False
        if n > self.peak:
            self.peak = n
        return True

    def hold(self, key: object, resume: Callable[[], None]) -> None:
        """Note a receiver that paused itself; ``resume`` is called once on release."""
        if key not in self._held:
            self.pauses += 1
        self._held[key] = resume

    def forget(self, key: object) -> None:
        """A paused receiver went away (connection closed)."""
        self._held.pop(key, None)

    def release(self, force: bool = False) -> int:
        """Resume every paused receiver once the backlog is down to half (or now, with ``force``)."""
        if not self._held:
            return 0
        if not force and self.active() and self.backlog() > self.limit // 2:
            return 0
        held, self._held = self._held, {}
        for resume in held.values():
            try:
                resume()
            except Exception:  # noqa: BLE001 - a transport that closed meanwhile has nothing to resume
                continue
        return len(held)

    def close(self) -> None:
        """Shutting down: resume everyone and never pause again (the kernel's bytes are read to the end)."""
        self._closing = True
        self.release(force=True)
