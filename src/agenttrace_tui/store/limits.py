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
#: Floors of the session and metric-series budgets (see StoreIndex.__init__).
MIN_SESSIONS = 1_000
MIN_SERIES = 1_000
MAX_PENDING_SPANS = 10_000
