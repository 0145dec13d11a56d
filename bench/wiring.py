"""The pipeline as the monitor wires it, for the benchmarks that time the monitor's own path.

``runtime.monitor`` builds its pipeline with the cost enricher: pricing runs
on every stored span (the store's span hook) and on every span a bare end
closes (its end hook), and a batch step marks the costs agents report. A
benchmark of the receivers or the live path that left it out would time less
than the monitor does; these build theirs here. Token vocabularies load in the
calling thread (``background_tokens=False``) so a run repeats; the benchmarks'
model calls report their tokens, so none is counted from text. The price data
is loaded before the pipeline is handed out, as the monitor loads it on a
worker thread at start (``Monitor._load_prices_aside``), not by the first span
timed.
"""

from __future__ import annotations

from agenttrace_tui.enrich import PriceBook, make_enrichers
from agenttrace_tui.ingest.pipeline import Pipeline
from agenttrace_tui.store.memory import Store


def monitor_pipeline(store: Store | None = None, *, persist: bool = True, hold: bool = True) -> Pipeline:
    """A pipeline into ``store`` (a fresh default ``Store`` if none), priced as the monitor prices.

    ``persist=False``: the monitor without a database (``--no-persist``), whose store keeps no
    map of changed spans for a writer (``Monitor`` turns ``track_dirty`` off). A benchmark that
    runs no writer and keeps the map times a store the monitor never runs: one entry a span,
    and every span it evicts kept alive by it, for a writer that never drains it.

    ``hold=False``: span_starts stored as they come (the path of a live span whose end comes
    after its start's hold)."""
    store = store if store is not None else Store()
    if not persist:
        store.track_dirty = False
    PriceBook.load_bundled()
    pipe = Pipeline(store, enrichers=make_enrichers(None, store, background_tokens=False))
    if hold:
        # The native receivers' span_starts held for their ends, as the monitor holds them (a batch
        # of complete spans pays the look for a start). No event loop calls back here: a start whose
        # time is up is stored with the next batch (``Pipeline.release()`` stores those left).
        pipe.hold(lambda _delay, _call: None)
    return pipe
