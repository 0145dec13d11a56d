"""Ingest counters: what was accepted, what was rejected and why, what was lost.

Every rejected record is counted under a reason; the last few are kept with a
safe preview for the diagnostics view. Loss is counted from the optional
per-sender sequence numbers: a gap is a lost datagram, a late arrival that
fills a gap takes it back.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, deque
from collections.abc import Sequence
from typing import Any

import msgspec

log = logging.getLogger(__name__)

#: How many recent rejects are kept for the diagnostics view.
RECENT_REJECTS = 50
#: Bytes of a rejected payload kept as a preview.
PREVIEW_BYTES = 120
#: Senders tracked for loss; the least recently seen is forgotten past this.
MAX_SENDERS = 4096


class RejectInfo(msgspec.Struct, frozen=True, gc=False):
    time_ns: int
    source: str
    reason: str
    detail: str
    preview: str


class _Sender:
    __slots__ = ("next_seq", "lost")

    def __init__(self, next_seq: int) -> None:
        self.next_seq = next_seq
        #: datagrams of this sender counted lost (the diagnostics view shows it)
        self.lost = 0


class IngestStats:
    """Counters shared by every receiver (single-threaded: the event loop)."""

    def __init__(self) -> None:
        self.accepted: Counter[str] = Counter()  # records per source ("udp", "tcp", ...)
        self.rejected: Counter[str] = Counter()  # records per reason
        #: values the door fixed in records it kept, per reason (normalize/limits.py)
        self.fixed: Counter[str] = Counter()
        self.recent: deque[RejectInfo] = deque(maxlen=RECENT_REJECTS)
        self.lost = 0
        self.datagrams = 0
        self.bytes = 0
        self._senders: dict[str, _Sender] = {}

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    def reject(self, source: str, reason: str, detail: str, payload: bytes | memoryview | None = None, n: int = 1) -> None:
        if reason not in self.rejected:  # once per reason: the counter has the rest
            log.warning("rejected %s record(s) from %s (%s): %r", n, source, reason, detail[:200])
        self.rejected[reason] += n
        preview = ""
        if payload is not None:
            # repr() of bytes is plain ASCII: no control character reaches a terminal.
            preview = repr(bytes(payload[:PREVIEW_BYTES]))
        self.recent.append(RejectInfo(time.time_ns(), source, reason, detail[:300], preview))

    def fix(self, source: str, reason: str, detail: str) -> None:
        """A value fixed at the door (the record was kept): counted, and shown among the recent."""
        self.fixed[reason] += 1
        self.recent.append(RejectInfo(time.time_ns(), source, f"fixed:{reason}", detail[:300], ""))

    def sequence(self, sender: str, seq: int) -> None:
        """Note one record's (sender, seq); count gaps as lost."""
        s = self._senders.get(sender)
        if s is None:
            if len(self._senders) >= MAX_SENDERS:
                self._senders.pop(next(iter(self._senders)))
            self._senders[sender] = _Sender(seq + 1)
            return
        if seq >= s.next_seq:
            self.lost += seq - s.next_seq
            s.lost += seq - s.next_seq
            s.next_seq = seq + 1
        elif seq < s.next_seq - 1_000_000:
            s.next_seq = seq + 1  # the sender restarted its numbering
        elif self.lost > 0:
            self.lost -= 1  # a late (reordered) record fills a gap counted as lost
            if s.lost > 0:
                s.lost -= 1

    def sequences(self, records: Sequence[Any]) -> None:
        """``sequence`` for every record that carries both a sender and a seq, in order.

        The common record, the next number of a known sender, is handled
        inline (one lookup, one assignment, no call): what ``sequence`` does
        for it, since its gap is zero.
        """
        senders = self._senders
        if records:
            # The common batch, tested whole first: one known sender's records numbered on
            # from where its last batch ended (a stream's read, an SDK's datagrams). One list
            # built and compared in C in place of a lookup per record: the seqs of the records
            # from that sender are all n of them (a record from another sender, or none, makes
            # it shorter) and numbered on (one comprehension, not a list of seqs and a count of
            # senders: some 100 instructions a record fewer). Any other batch takes the loop
            # below, record by record.
            first = records[0]
            sender = first.sender
            if sender is not None:
                s = senders.get(sender)
                seq = first.seq
                if s is not None and seq == s.next_seq:
                    n = len(records)
                    if [r.seq for r in records if r.sender == sender] == list(range(seq, seq + n)):
                        s.next_seq = seq + n
                        return
        for rec in records:
            sender = rec.sender
            if sender is None:
                continue
            seq = rec.seq
            if seq is None:
                continue
            s = senders.get(sender)
            if s is not None and seq == s.next_seq:
                s.next_seq = seq + 1
            else:
                self.sequence(sender, seq)

    def lost_by_sender(self, limit: int = 20) -> list[tuple[str, int]]:
        """Senders that lost datagrams, most first (at most ``limit``)."""
        losers = [(sender, s.lost) for sender, s in self._senders.items() if s.lost]
        losers.sort(key=lambda x: -x[1])
        return losers[:limit]
