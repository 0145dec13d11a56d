"""Every bound of the in-memory store, in one place.

The span budget (``--max-spans``) is the one number a user sets; the other
bounds of the store derive from it or are fixed here, so memory cannot grow
past them whatever arrives (what goes over is evicted or dropped, and
counted).
"""

from __future__ import annotations

DEFAULT_MAX_SPANS = 200_000
#: Events for spans not seen yet are held: this many per span, for this many spans.
MAX_PENDING_EVENTS = 256
#: Floors of the trace, session and metric-series budgets (see StoreIndex.__init__).
MIN_TRACES = 1_000
MIN_SESSIONS = 1_000
MIN_SERIES = 1_000
#: A trace alone over the span budget is trimmed to this share of it (oldest
#: finished spans leave memory, their rows stay in SQLite), so trims are
#: amortised over a tenth of the budget.
TRIM_TO = 0.9
#: Bytes of the filter that remembers which spans were trimmed (a Bloom
#: filter, two bits per span: at 500,000 trimmed spans about 1.4 % false
#: positives, each costing the writer one lookup in the file, nothing more).
TRIM_FILTER_BYTES = 1 << 20
MAX_PENDING_SPANS = 10_000
#: Ended sessions kept for ``StoreIndex.running_live`` before those with nothing open are dropped.
MAX_ENDED_OPEN = 1_000
#: Floor of the writer backlog bound (see ``pending_bound``).
MIN_PENDING_WRITES = 10_000


def pending_bound(max_spans: int) -> int:
    """Spans, sessions and series waiting for the database writer before the
    native receivers pause (ingest/flow.py): a quarter of the span budget,
    at least ``MIN_PENDING_WRITES``. The writer drains a new batch only once
    the last is written, so at most twice this waits at any time."""
    return max(MIN_PENDING_WRITES, max_spans // 4)
