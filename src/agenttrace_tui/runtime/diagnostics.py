"""Everything that went wrong, in one snapshot: what the diagnostics screen and
``--headless`` show.

The monitor counts failures where they happen (rejected records by reason
with the last 50 kept, datagrams lost per sender, the store's enrichment hook
errors, the SQLite writer's failed batches, dropped and quarantined spans,
the forwarder's drops and last error). ``collect`` copies those counters into
plain values (cheap: a few dicts, called at most once a second by the screen),
so the UI never reaches into a receiver, the writer or SQLite.

``FailureLog`` turns snapshots into "new kind of failure" lines: each kind
(a reject reason, a hook exception type, a writer or forwarder error, a
sender losing datagrams) is reported once, with its first detail; headless
mode prints them on stderr, and each goes to the engine log.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import msgspec

from ..format.sanitize import clean
from ..ingest.stats import RejectInfo

if TYPE_CHECKING:
    from .monitor import Monitor

__all__ = ["Diagnostics", "collect", "FailureLog"]

log = logging.getLogger("agenttrace_tui.diagnostics")


class Diagnostics(msgspec.Struct, kw_only=True):
    """A copy of every failure counter at one moment (plain values only)."""

    accepted: dict[str, int]
    rejected: dict[str, int]
    #: the last rejected records and fixed values ("fixed:<reason>"), oldest first
    #: (payload previews are repr() of bytes: ASCII)
    recent_rejects: list[RejectInfo]
    lost: int
    lost_by_sender: list[tuple[str, int]]
    #: UDP receive buffer the kernel granted (bytes), None without a UDP receiver
    udp_rcvbuf: int | None
    #: exception type -> count, from the store's enrichment hook
    hook_errors: dict[str, int]
    evicted_spans: int
    #: label -> value rows, None when not persisting / not forwarding
    writer: list[tuple[str, str]] | None
    writer_error: str | None
    forwarder: list[tuple[str, str]] | None
    forwarder_error: str | None
    notes: list[str]
    #: damage found in the database while running (one line), None when sound or unchecked
    db_problem: str | None = None
    #: values fixed at the door, the record kept (tokens out of range dropped, ...), by reason
    fixed: dict[str, int] = {}


def _writer_rows(w: Any) -> tuple[list[tuple[str, str]], str | None]:
    rows = [("file", str(w.path)), ("batches written", f"{w.batches:,}"), ("spans written", f"{w.written_spans:,}")]
    rows.append(("failed attempts", f"{w.errors:,}"))
    rows.append(("spans dropped", f"{w.dropped_spans:,}"))
    # Fields a newer writer has (quarantine, waiting with backoff): shown when present.
    for attr, label in (("quarantined", "rows quarantined"), ("waiting_spans", "spans waiting"), ("pending_spans", "spans pending")):
        value = getattr(w, attr, None)
        if callable(value):
            try:
                value = value()
            except Exception:  # noqa: BLE001 -- a diagnostic must never raise
                value = None
        if isinstance(value, int):
            rows.append((label, f"{value:,}"))
    return rows, getattr(w, "last_error", None)


def _forwarder_rows(f: Any) -> tuple[list[tuple[str, str]], str | None]:
    rows = [("upstream", str(getattr(f, "url", "?"))), ("sent", f"{f.sent:,}"), ("dropped", f"{f.dropped:,}")]
    rows.append(("retries", f"{f.retries:,}"))
    rows.append(("queued", f"{f.queued:,}"))
    # Byte counts of a forwarder bounded by bytes (runtime/forward.py), when present.
    for attr, label in (("queued_bytes", "queued bytes"), ("dropped_bytes", "dropped bytes")):
        value = getattr(f, attr, None)
        if isinstance(value, int):
            rows.append((label, f"{value:,}"))
    return rows, f.last_error


def collect(monitor: Monitor) -> Diagnostics:
    stats = monitor.stats
    writer = forwarder = None
    writer_error = forwarder_error = None
    if monitor.writer is not None:
        writer, writer_error = _writer_rows(monitor.writer)
    if monitor.forwarder is not None:
        forwarder, forwarder_error = _forwarder_rows(monitor.forwarder)
    receivers = monitor.receivers
    return Diagnostics(
        accepted=dict(stats.accepted),
        rejected=dict(stats.rejected),
        fixed=dict(stats.fixed),
        recent_rejects=list(stats.recent),
        lost=stats.lost,
        lost_by_sender=stats.lost_by_sender(),
        udp_rcvbuf=receivers.udp_rcvbuf if receivers is not None else None,
        hook_errors=dict(monitor.store.hook_errors),
        evicted_spans=monitor.store.evicted_spans,
        writer=writer,
        writer_error=writer_error,
        forwarder=forwarder,
        forwarder_error=forwarder_error,
        notes=list(monitor.notes),
        db_problem=getattr(monitor, "db_problem", None),
    )


class FailureLog:
    """Reports each new kind of failure once (headless stderr, the engine log)."""

    def __init__(self) -> None:
        self._seen: set[tuple[str, str]] = set()

    def new_failures(self, d: Diagnostics) -> list[str]:
        out: list[str] = []

        def note(kind: tuple[str, str], line: str) -> None:
            if kind not in self._seen:
                self._seen.add(kind)
                line = clean(line, 400)  # details come from the network: no escape sequences
                out.append(line)
                log.warning("%s", line)

        for reason in d.rejected:
            last = next((r for r in reversed(d.recent_rejects) if r.reason == reason), None)
            detail = f": {last.detail} (from {last.source})" if last is not None else ""
            note(("rejected", reason), f"rejected records ({reason}){detail}; later ones are counted in the diagnostics view")
        for name in d.hook_errors:
            note(("hook", name), f"enrichment failed on a span ({name}); the span is kept unpriced")
        for sender, n in d.lost_by_sender:
            note(("lost", sender), f"datagrams lost from sender {sender} ({n} so far): raise its rate limit or use TCP")
        if d.db_problem:
            note(("database", "damaged"), d.db_problem)
        if d.writer_error:
            note(("writer", d.writer_error.split(":")[0]), f"database writer: {d.writer_error}")
        if d.forwarder_error:
            note(("forwarder", d.forwarder_error.split(":")[0]), f"forwarder: {d.forwarder_error}")
        return out
