"""Derived fields: span cost (genai-prices, user overrides) and estimated tokens.

Wiring (runtime)::

    store = Store(config.max_spans)
    pipeline = Pipeline(store, enrichers=make_enrichers(config.prices, store))

``make_enrichers`` installs the pricing step as ``store.span_hook`` so it runs
on the merged span (span_start + span_end), and returns the per-batch step
that marks costs the agent reported. Nothing heavy is imported here:
genai-prices and tiktoken load on the first span that needs them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from ..model import Span, Update
from ..normalize.limits import TOKENS_OUT_OF_RANGE
from .cost import SpanCoster, anthropic_usage, fix_cache_convention
from .prices import NoCharge, PriceBook, PriceFileError, Rates, Unknown, load_price_file
from .tokens import TokenEstimator, encoding_for_model


class HookedStore(Protocol):
    """What pricing needs of the store: a hook it calls on every merged span."""

    span_hook: Callable[[Span], None] | None
    #: Runs instead on a span a bare end closed (only its end time and status set).
    end_hook: Callable[[Span], None] | None

__all__ = [
    "CostEnricher",
    "NoCharge",
    "PriceBook",
    "PriceFileError",
    "Rates",
    "SpanCoster",
    "TokenEstimator",
    "Unknown",
    "anthropic_usage",
    "encoding_for_model",
    "fix_cache_convention",
    "load_price_file",
    "make_enrichers",
]

Enricher = Callable[[list[Update]], None]


class CostEnricher:
    """Per batch: marks agent-reported costs; prices spans itself only when no store is bound.

    A cost that arrives on a span (from the wire, an import or a replay) is
    the agent's own figure and wins over computing: it is marked
    ``source="reported"``. A cost with no total is dropped so one is computed.
    """

    def __init__(self, coster: SpanCoster, store: HookedStore | None = None) -> None:
        self.coster = coster
        self.store = store
        if store is not None:
            store.span_hook = coster.finish
            store.end_hook = coster.finish_end

    def refresh(self) -> int:
        """Count again, with tiktoken, the spans counted by characters while a
        vocabulary was being built; returns how many. Call it on the thread
        that owns the store (the event loop) once a vocabulary is ready."""
        keys = self.coster.take_rough()
        rederive = getattr(self.store, "rederive", None)
        if not keys or rederive is None:
            return 0
        return int(rederive(keys))

    def __call__(self, updates: list[Update]) -> None:
        price_here = self.store is None
        for u in updates:
            if type(u) is not Span:
                continue
            c = u.cost
            if c is not None:
                if c.total is None:
                    if c.reason != TOKENS_OUT_OF_RANGE:  # (the door's own word on it stays)
                        u.cost = None
                elif c.source != "reported":
                    c.source = "reported"
            if price_here:
                self.coster.finish(u)

    enrich = __call__


def make_enrichers(
    prices: str | None = None, store: HookedStore | None = None, *, background_tokens: bool = True
) -> list[CostEnricher]:
    """The enrichers for a Pipeline; pass the store so merged spans are priced right.

    ``background_tokens``: build tiktoken vocabularies in a worker thread
    (estimates use chars/4 until ready) so a live event loop never stalls.
    Raises ``PriceFileError`` (with a message for the user) when ``prices``
    names a price file that cannot be used.
    """
    overrides = load_price_file(prices) if prices else None
    coster = SpanCoster(PriceBook(overrides), TokenEstimator(background=background_tokens))
    return [CostEnricher(coster, store)]
