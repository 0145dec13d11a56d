"""Headless mode: one line per finished trace on stdout, for servers and scripts.

A trace is printed once, when it has no running span left and nothing new
arrived for ``quiet_s`` (so late children of a finished root are included).
A trace with unpriced model calls (``$?``) ends its line with how many and
why: ``unpriced=2 why="no tokens reported; no price for model x"``.
Untrusted names are sanitised: a span name cannot write escape sequences to
the terminal or a log file. Each new kind of failure (a reject reason, an
enrichment error, a sender losing datagrams, a writer or forwarder error) is
printed once on stderr (runtime/diagnostics.py); the counts are in the UI's
diagnostics view.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import TextIO

from ..format.cost import NEVER_ENDED
from ..format.numbers import fmt_cost, fmt_count, fmt_duration
from ..format.sanitize import clean
from ..model import unpriced_reasons
from ..runtime.monitor import Monitor
from ..store.entries import TraceEntry
from ..store.memory import Store

#: TraceEntry.status -> the word a headless line says (scripts read "ok" and "ERROR").
_STATUS_WORD = {"error": "ERROR", "cancelled": "CANCELLED", "unfinished": "UNFINISHED"}


def trace_line(store: Store, trace: TraceEntry) -> str:
    t = trace.totals
    session = store.sessions.get(trace.session_id)
    label = session.session.label if session is not None else trace.session_id
    started = time.strftime("%H:%M:%S", time.localtime(trace.start_ns / 1e9))
    # The trace's own state, as the lists show it: a stopped (cancelled) run is not "ok".
    status = _STATUS_WORD.get(trace.status(), "ok")
    # Exact numbers, not the UI's compact ones: these lines are read by scripts.
    tokens = fmt_count(t.tokens, t.estimated > 0).replace(",", "")
    # A printed trace has ended or was cut: a model call still open with no tokens never ends,
    # so what it cost is not known.
    unknown = t.cost_unknown + t.llm_waiting
    line = (
        f"{started} {clean(label, 40)} {clean(trace.name, 60)} {status} "
        f"dur={fmt_duration(trace.duration_ns())} spans={t.spans} errors={t.errors} "
        f"tokens={tokens} cost={fmt_cost(t.cost, t.estimated > 0, unknown, 4)} trace={clean(trace.trace_id, 64)}"
    )
    if unknown:
        # A $? says why, as everywhere else; appended, so the fields before keep their places.
        reasons = unpriced_reasons(trace.spans.values())
        if t.llm_waiting:
            reasons.insert(0, NEVER_ENDED)
        why = "; ".join(clean(r, 80).replace('"', "'") for r in reasons[:3])
        line += f' unpriced={unknown} why="{why}"'
    return line


class HeadlessPrinter:
    """Finds traces that finished since the last look and prints them once."""

    def __init__(self, store: Store, out: TextIO, quiet_s: float = 1.0) -> None:
        self.store = store
        self.out = out
        self.quiet_ns = int(quiet_s * 1e9)
        self._printed: dict[str, int] = {}  # trace id -> version printed
        self._seen: dict[str, tuple[int, int]] = {}  # trace id -> (version, first seen at that version)

    def poll(self, now_ns: int | None = None) -> int:
        now = now_ns if now_ns is not None else time.monotonic_ns()
        n = 0
        for trace in list(self.store.traces.values()):
            # A trace with spans open is done too once its session has ended (UNFINISHED: no end
            # will come); it waited for ever, and its line never came.
            if (trace.running and trace.cut_ns is None) or self._printed.get(trace.trace_id) == trace.version:
                continue
            seen = self._seen.get(trace.trace_id)
            if seen is None or seen[0] != trace.version:
                self._seen[trace.trace_id] = (trace.version, now)
                continue
            if now - seen[1] < self.quiet_ns:
                continue
            if trace.trace_id in self._printed:
                continue  # already printed; a late update does not print it again
            self.out.write(trace_line(self.store, trace) + "\n")
            self._printed[trace.trace_id] = trace.version
            del self._seen[trace.trace_id]
            n += 1
        if n:
            self.out.flush()
        # Bookkeeping follows the store: entries of traces it evicted are
        # dropped once they outnumber the live traces (amortised, bounded).
        live = self.store.traces
        limit = max(10_000, 2 * len(live))
        if len(self._printed) > limit:
            self._printed = {k: v for k, v in self._printed.items() if k in live}
        if len(self._seen) > limit:
            self._seen = {k: v for k, v in self._seen.items() if k in live}
        return n


async def run_headless(
    monitor: Monitor, stop: asyncio.Event, out: TextIO = sys.stdout, interval_s: float = 0.25, err: TextIO | None = None
) -> None:
    """Run until ``stop`` is set; the caller started the monitor and stops it."""
    from ..runtime.diagnostics import FailureLog, collect

    err = err if err is not None else sys.stderr
    printer = HeadlessPrinter(monitor.store, out)
    failures = FailureLog()

    def report_failures() -> None:
        lines = failures.new_failures(collect(monitor))
        for line in lines:
            err.write(f"agenttrace-tui: {line}\n")
        if lines:
            err.flush()

    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), interval_s)
        except TimeoutError:
            pass
        printer.poll()
        report_failures()
    printer.quiet_ns = 0
    printer.poll()
    report_failures()
    printer.poll()
