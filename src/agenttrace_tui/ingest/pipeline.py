"""Bytes -> records -> model -> enrichment -> store: the one ingest path.

Receivers hand raw payloads to ``Pipeline.feed`` (or a wake-up's worth of
them to ``Pipeline.feed_many``); replay and import hand
already-built updates to ``Pipeline.apply``. Both end in the same store, so
live, replayed and imported data look alike to everything downstream. In the
running monitor the native receivers' span_starts are held for their ends for
a moment (``Pipeline.hold``, ingest/hold.py), so a live span that ends soon is
stored once, complete.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from itertools import compress
from typing import Any

from ..model import Span, Update
from ..normalize.limits import I64, MAX_FUTURE_NS, check, usage_and_cost_kept
from ..normalize.native import normalize, normalize_at_door
from ..normalize.records import DEFAULT_MAX_RECORD_BYTES, SpanEndRecord
from ..store.memory import Store
from .flow import Flow
from .hold import HOLD_S, Held, Schedule, StartHold, merge_pair, own_rules
from .protocol import decode, decode_batch
from .stats import IngestStats

#: An enricher fills in derived fields (cost, estimated tokens) in place.
Enricher = Callable[[list[Update]], None]
#: A tap sees every batch after the store has it (e.g. the upstream forwarder).
Tap = Callable[[list[Update]], None]
#: ``settle()`` folds the store's aggregates once this many updates are unfolded:
#: the fold is per-span work, done here in the receiver's turn of the loop in
#: pieces of a millisecond or two, instead of all at once in whatever reads
#: the totals first (a frame drawn for a key, the refresh tick).
SETTLE_AFTER = 256


class Pipeline:
    def __init__(
        self,
        store: Store,
        stats: IngestStats | None = None,
        enrichers: Sequence[Enricher] = (),
        max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
    ) -> None:
        self.store = store
        self.stats = stats or IngestStats()
        self.enrichers = list(enrichers)
        self.max_record_bytes = max_record_bytes
        #: Called after each batch is stored; must not block (queue and return).
        self.taps: list[Tap] = []
        #: Set by the runtime when a database is open: writes everything
        #: stored so far and says whether it reached the disk. A receiver that
        #: acknowledges (OTLP) awaits it before answering 200.
        self.durable: Callable[[], Awaitable[bool]] | None = None
        #: Set by the runtime when a database is open: native receivers pause
        #: while the writer is behind (ingest/flow.py).
        self.flow: Flow | None = None
        #: updates stored since the last ``settle()`` fold
        self.unsettled = 0
        #: span_starts held for their ends (``hold``; None: none is held)
        self.holding: StartHold | None = None

    def hold(self, schedule: Schedule, hold_s: float = HOLD_S, clock: Callable[[], float] = time.monotonic) -> None:
        """Hold each span_start received natively for up to ``hold_s`` seconds, waiting for its
        span_end (ingest/hold.py): a live span whose end comes in time is stored once, complete.
        ``schedule(delay, callback)`` (the event loop's ``call_later``) calls back to store the
        starts whose time is up; ``release()`` stores every start still held (at stop)."""
        self.holding = StartHold(schedule, hold_s, clock)

    def settle(self) -> None:
        """Fold the store's changed aggregates if a good many updates are waiting
        (receivers call it at the end of a wake-up; see ``SETTLE_AFTER``)."""
        if self.unsettled >= SETTLE_AFTER:
            self.unsettled = 0
            self.store.flush_aggregates()

    def feed(self, payload: bytes | memoryview, source: str) -> int:
        """Decode one datagram or stream line and apply it; returns records accepted."""
        stats = self.stats
        stats.bytes += len(payload)
        records, rejects = decode(payload, self.max_record_bytes)
        for r in rejects:
            stats.reject(source, r.reason, r.detail, payload)
        if not records:
            return 0
        return self._take(records, None if len(records) == 1 else [0] * len(records), [payload], source)

    def feed_many(self, payloads: Sequence[bytes | memoryview], source: str) -> int:
        """Like ``feed`` for each payload, but enrich and store them as one batch.

        Receivers hand over everything one wake-up brought in (a drained UDP
        socket, a read's worth of stream lines): enrichers and the store then
        run once per batch instead of once per record, which saves about a
        fifth of the CPU per span. Decoding is batched too (``decode_batch``:
        one tight loop, a malformed payload still costs only itself), and the
        records are normalised in one call. If storing the batch fails (a bug in an
        enricher or the store), it is retried payload by payload, so only the
        payload that fails is lost, counted as ``internal_error``.
        """
        stats = self.stats
        stats.bytes += sum(map(len, payloads))
        records, owners, rejects = decode_batch(payloads, self.max_record_bytes)
        for i, r in rejects:
            stats.reject(source, r.reason, r.detail, payloads[i])
        if not records:
            return 0
        return self._take(records, owners, payloads, source)

    def _take(self, records: list, owners: list[int] | None, payloads: Sequence[bytes | memoryview], source: str,
              fresh: bool = True) -> int:
        """Normalise, check, enrich and store decoded records (``owners[i]``: the payload record i came
        from; None: payload i); returns the records accepted. ``fresh``: the records came from the
        wire just now (their sequence numbers are counted, and each span_start is held for its end
        when the pipeline holds them, ingest/hold.py); else they are starts held until now."""
        stats = self.stats
        holding = self.holding if fresh else None
        pairs: list[int] = []
        took = None
        early = 0  # starts held now (counted now) less held ones this read stores (counted when they came)
        if fresh:
            stats.sequences(records)
        if holding is not None:
            records, owners, payloads, pairs, n_held, back, took = holding.pair(records, owners, payloads, source)
            early = n_held - back
        # The door's time limit as ``check`` takes it (one it computes later is no earlier): the
        # common spans are tested against it as they are built, and the door checks only the
        # updates that did not pass (``normalize_at_door``; None: all of them).
        batch, bad, unchecked = normalize_at_door(records, min(time.time_ns() + MAX_FUTURE_NS, I64))
        groups = None
        apart = None if holding is None else _Apart(records, batch, owners, payloads, took)
        if bad or len(batch) != len(records):
            # Rare: a record that decoded but cannot become a span. Normalise
            # payload by payload so each reject shows the payload it came from.
            if holding is not None and owners is not None:
                records, owners, payloads, split = _unpaired(records, owners, payloads, took)
                early -= split
                apart = None  # (no span of two now)
            groups = self._normalize_each(payloads, records, owners, source)
            batch = [u for _, updates in groups for u in updates]
            unchecked = None
        elif pairs:
            assert owners is not None and apart is not None  # (pair gives them when it pairs)
            batch, owners, apart.joined = self._merge_ends(batch, pairs, owners)
            early += len(apart.joined)
            unchecked = None  # (spans merged since)
        n = 0
        if batch:
            index: dict[int, bytes | memoryview] | None = None

            def payload_of(update: Update) -> bytes | memoryview | None:
                # Only for a record the door refuses (rare): which payload it came from, for its preview.
                nonlocal index
                if index is None:
                    index = {id(u): p for p, us in (groups or self._groups(payloads, batch, owners)) for u in us}
                    if apart is not None:
                        index.update(apart.payload_of)
                return index.get(id(update))

            try:
                n = self.apply(batch, source=source, payload_of=payload_of, apart=apart, only=unchecked)
            except Exception:  # noqa: BLE001 - isolate the payload that breaks it
                n = self._apply_each(groups or self._groups(payloads, batch, owners), source)
        if holding is not None:
            holding.arm(self._on_due)
        stats.accepted[source] += n + early
        return n + early

    @staticmethod
    def _merge_ends(batch: list[Update], pairs: list[int], owners: list[int]
                    ) -> tuple[list[Update], list[int], dict[int, tuple[Update, Update, int, int]]]:
        """Merge each held start met by an end that brings more (``batch[i]`` for i in ``pairs``, its
        end ``batch[i + 1]``) as the store would, or leave the two apart when the store merges them by
        rules of its own, or the door drops the usage or cost of one of them whole (as if they had
        not been held). Returns the batch and its owners, and the spans merged: id -> the two they
        were made of and the payload index of each (a start merged with the end after it stands for
        both records: one more than ``pair`` counted)."""
        joined: dict[int, tuple[Update, Update, int, int]] = {}
        merged: list[int] = []  # an end merged into the start before it
        for i in pairs:
            span, e = batch[i], batch[i + 1]
            if (span.__class__ is Span and e.__class__ is Span and not own_rules(span, e)
                    # A usage or cost in both, one the door drops whole, merged field by field would
                    # keep what the other leaves of it, or take the other along: the two go apart (to
                    # the door, then the store). (In one only, the door sees it in the merged span.)
                    and (((span.usage is None or e.usage is None) and (span.cost is None or e.cost is None))
                         or (usage_and_cost_kept(span) and usage_and_cost_kept(e)))):
                one = batch[i] = merge_pair(span, e)
                joined[id(one)] = (span, e, owners[i], owners[i + 1])
                merged.append(i + 1)
        if not merged:
            return batch, owners, joined
        keep = [True] * len(batch)
        for i in merged:
            keep[i] = False
        return list(compress(batch, keep)), list(compress(owners, keep)), joined

    @staticmethod
    def _groups(
        payloads: Sequence[bytes | memoryview], updates: list[Update], owners: list[int] | None
    ) -> list[tuple[bytes | memoryview, list[Update]]]:
        """The batch's updates grouped by the payload they came from (one update per record)."""
        if owners is None:
            return [(payloads[i], [u]) for i, u in enumerate(updates)]
        groups: dict[int, list[Update]] = {}
        for i, u in zip(owners, updates, strict=True):
            groups.setdefault(i, []).append(u)
        return [(payloads[i], us) for i, us in groups.items()]

    def _normalize_each(
        self, payloads: Sequence[bytes | memoryview], records: list, owners: list[int] | None, source: str
    ) -> list[tuple[bytes | memoryview, list[Update]]]:
        by_payload: dict[int, list] = {}
        for k, rec in enumerate(records):
            by_payload.setdefault(k if owners is None else owners[k], []).append(rec)
        groups: list[tuple[bytes | memoryview, list[Update]]] = []
        for i, recs in by_payload.items():
            updates, bad = normalize(recs)
            for r in bad:
                self.stats.reject(source, r.reason, r.detail, payloads[i])
            if updates:
                groups.append((payloads[i], updates))
        return groups

    def _apply_each(self, groups: list[tuple[bytes | memoryview, list[Update]]], source: str) -> int:
        accepted = 0
        for payload, updates in groups:
            try:
                accepted += self.apply(updates, source=source)
            except Exception as exc:  # noqa: BLE001
                self.stats.reject(source, "internal_error", f"{type(exc).__name__}: {exc}", payload, n=len(updates))
                continue
        return accepted

    def apply(
        self,
        updates: list[Update],
        *,
        tap: bool = True,
        source: str = "local",
        on_refuse: Callable[[str, str], None] | None = None,
        payload_of: Callable[[Update], bytes | memoryview | None] | None = None,
        apart: Callable[[Span], list[Update] | None] | None = None,
        only: list[Update] | None = None,
    ) -> int:
        """Check, enrich and store already-normalised updates, then show them to the taps.

        Every update passes the door first (``normalize.limits.check``):
        values it fixes are counted in ``stats.fixed``, updates it refuses in
        ``stats.rejected`` (or handed to ``on_refuse(reason, detail)``, for a
        receiver that reports them to its sender). Returns the updates kept.

        ``apart(span)``: the two updates a span made of a held span_start and
        its end stands for (``_take``), which the door checks in its place if
        it would refuse it or drop its usage or cost (``normalize.limits.check``);
        of the two, the start was counted when it came, so such a span adds the
        updates of the two kept, less one.

        ``tap=False`` skips the taps: a receiver that forwards its raw input
        itself (OTLP) uses it so nothing is forwarded twice. ``payload_of``
        names the payload an update came from, so a refused record's reject
        shows it, as a decoder's reject does. Nothing here is held: the native
        receivers' span_starts are held as records, before this (``hold``).

        ``only``: the updates the door checks (of ``updates``, in order), the others known to pass
        it as they are, reporting nothing (``normalize.native.normalize_at_door``); None: every update.
        """
        stats = self.stats
        refusals: list[tuple[str, str]] = []

        def report(reason: str, detail: str, refused: bool) -> None:
            if not refused:
                stats.fix(source, reason, detail)
            elif on_refuse is not None:
                on_refuse(reason, detail)
            elif payload_of is not None:
                refusals.append((reason, detail))  # counted below, with the payload of the update refused
            else:
                stats.reject(source, reason, detail)

        given = updates
        split: dict[int, list[Update]] = {}  # the spans checked as the two they stand for (``apart``)
        if only is not None and not only:
            pass  # (every update known to pass as it is)
        elif apart is None:
            updates = check(updates, report, only=only)
        else:
            def two_of(span: Span) -> list[Update] | None:
                two = apart(span)
                if two is not None:
                    split[id(span)] = two
                return two

            updates = check(updates, report, apart=two_of, only=only)
        if refusals and payload_of is not None:
            # The door reports each update it refuses once, in order: they pair with the ones left out.
            kept = {id(u) for u in updates}
            gone = [p for u in given for p in split.get(id(u), (u,)) if id(p) not in kept]
            paired = len(gone) == len(refusals)
            for i, (reason, detail) in enumerate(refusals):
                stats.reject(source, reason, detail, payload_of(gone[i]) if paired else None)
        count = len(updates) - len(split)
        if not updates:
            return count
        for enrich in self.enrichers:
            enrich(updates)
        self._store(updates, tap)
        return count

    def _store(self, updates: list[Update], tap: bool = True) -> None:
        """Store checked and enriched updates, then show them to the taps."""
        self.store.apply(updates)
        self.unsettled += len(updates)
        if tap:
            for t in self.taps:
                t(updates)

    def release(self, due_only: bool = False) -> int:
        """Store the span_starts held (``hold``): all of them, or those whose time is up."""
        holding = self.holding
        if holding is None or not holding.held:
            return 0
        gone = holding.due() if due_only else holding.take_all()
        by_source: dict[str, list[Held]] = {}
        for h in gone:
            by_source.setdefault(h[2], []).append(h)
        stats = self.stats
        for source, held in by_source.items():
            # Counted as accepted when they came (and again by _take): a start refused now is taken back.
            self._take([h[0] for h in held], None, [h[3] for h in held], source, fresh=False)
            stats.accepted[source] -= len(held)
        return len(gone)

    def _on_due(self) -> None:
        """The oldest held start's time is up: store those whose time is, and wait for the next."""
        holding = self.holding
        if holding is not None:
            holding.armed = False
            self.release(due_only=True)
            holding.arm(self._on_due)


class _Apart:
    """The two records each span of a read made of a held start and its end stands for, normalised
    apart, with their payloads (``Pipeline.apply``'s ``apart``): for a span the door refuses or
    whose usage or cost it drops, rare.
    The spans merged from an end that brought more are noted as they are merged (``joined``); those
    made of a plain end (a tuple) or of an end that took its start's place (``took``), found on
    first need."""

    __slots__ = ("records", "normalized", "owners", "payloads", "took", "joined", "payload_of", "_made")

    def __init__(self, records: list, normalized: list[Update], owners: list[int] | None,
                 payloads: Sequence[bytes | memoryview], took: list[Held] | None) -> None:
        self.records, self.normalized, self.owners, self.payloads, self.took = records, normalized, owners, payloads, took
        #: id of a span merged from two -> the two and the payload index of each (``_merge_ends``)
        self.joined: dict[int, tuple[Update, Update, int, int]] = {}
        #: id of each update given out -> its payload
        self.payload_of: dict[int, bytes | memoryview] = {}
        self._made: dict[int, tuple[Any, Any, Any, int]] | None = None

    def __call__(self, span: Span) -> list[Update] | None:
        if (got := self.joined.get(id(span))) is not None:
            two: list[Update] = [got[0], got[1]]
            at = (self.payloads[got[2]], self.payloads[got[3]])
        else:
            if self._made is None:
                self._made = self._find()
            if (t := self._made.get(id(span))) is None:
                return None
            two, wrong = normalize([t[0], t[1]])
            if wrong or len(two) != 2:
                return None
            # The start's kind as it was guessed before its end's part fields were written onto
            # its parts (``normalize.native.normalize``): the span's, whose end names none.
            two[0].kind = span.kind  # type: ignore[union-attr]
            at = (t[2], self.payloads[t[3]])
        self.payload_of[id(two[0])], self.payload_of[id(two[1])] = at
        return two

    def _find(self) -> dict[int, tuple[Any, Any, Any, int]]:
        """id of each span made of a tuple or of an end that took its start's place -> the start
        record, the end record, the start's payload and the end's payload index."""
        records, normalized, owners = self.records, self.normalized, self.owners
        if owners is None:  # (pair gives owners whenever it pairs)
            return {}
        made = {id(normalized[i]): (r[0], r[1], r[2], owners[i]) for i, r in enumerate(records) if r.__class__ is tuple}
        for i, g in _took_at(records, self.took).items():
            made[id(normalized[i])] = (g[0], records[i], g[3], owners[i])
        return made


def _took_at(records: list, took: list[Held] | None) -> dict[int, Held]:
    """Where in the read each end that took its start's place is (``took``: the starts, from
    ``StartHold.pair``): its index -> its start. It is the first end of its span in the read: an
    earlier one would have met the start first."""
    if not took:
        return {}
    waiting = {(g[0].trace_id, g[0].span_id): g for g in took}
    at: dict[int, Held] = {}
    for i, r in enumerate(records):
        if r.__class__ is SpanEndRecord and (g := waiting.pop((r.trace_id, r.span_id), None)) is not None:
            at[i] = g
    return at


def _unpaired(records: list, owners: list[int], payloads: Sequence[bytes | memoryview],
              took: list[Held] | None) -> tuple[list, list[int], list[bytes | memoryview], int]:
    """The read with each held start met by its plain end (a tuple, ``StartHold.pair``) or by an end
    that took its place (``took``: the starts) as the two records again, the start with the
    payload it came in: to be normalised record by record (a record of the read was refused). Also
    returns how many starts it put back."""
    recs: list = []
    own: list[int] = []
    more = list(payloads)
    split = 0
    at = _took_at(records, took)
    for i, (r, o) in enumerate(zip(records, owners, strict=True)):
        if r.__class__ is tuple:
            start, end, payload = r
        elif at and (g := at.get(i)) is not None:
            start, end, payload = g[0], r, g[3]
        else:
            recs.append(r)
            own.append(o)
            continue
        recs += [start, end]
        own += [len(more), o]
        more.append(payload)
        split += 1
    return recs, own, more, split
