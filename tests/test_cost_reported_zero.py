"""A sender's $0 for a model call that used tokens is no price.

OpenLIT puts ``gen_ai.usage.cost`` on every model call it traces, and reports
0 for a model its own price list lacks (offline, every model: its list is
fetched at start). Shown as it came, each such call read ``$0``: free. The
monitor prices such a call from its price table as any other, or shows it
unpriced with why; a cost a sender reports above zero still wins. Sent by the
real OpenTelemetry SDK to the real OTLP receiver, priced by the real enrichers
(the recorded OpenLIT client: tests/clients, ``openlit``).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from genai_prices import Usage, calc_price

from agenttrace_tui.format.numbers import fmt_cost
from test_otlp_support import received


def _calls(tp) -> None:
    t = tp.get_tracer("openlit.otel.tracing")
    base = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "session.id": "zero-cost"}
    for name, model, cost in (("free?", "gpt-4o-mini", 0), ("unknown", "in-house-llm-7b", 0),
                              ("reported", "gpt-4o-mini", 0.0123)):
        with t.start_as_current_span(name, attributes={**base, "gen_ai.request.model": model,
                                                       "gen_ai.usage.input_tokens": 1000,
                                                       "gen_ai.usage.output_tokens": 200,
                                                       "gen_ai.usage.cost": cost}):
            pass


async def test_a_reported_zero_for_tokens_is_priced_or_unpriced_never_free() -> None:
    store = await received(_calls, lambda store: store.span_count == 3, "openlit-app", priced=True)
    spans = {s.name: s for s in store.iter_spans()}
    free = spans["free?"]
    when = datetime.fromtimestamp(free.start_ns / 1e9, tz=UTC)
    want = float(calc_price(Usage(input_tokens=1000, output_tokens=200), "gpt-4o-mini", provider_id="openai",
                            genai_request_timestamp=when).total_price)
    assert free.cost.source == "computed" and free.cost.total == pytest.approx(want, rel=1e-9)
    unknown = spans["unknown"].cost
    assert unknown.total is None and unknown.reason, unknown  # $?, with why; not $0
    assert spans["reported"].cost.source == "reported" and spans["reported"].cost.total == pytest.approx(0.0123)
    totals = store.sessions["zero-cost"].totals
    assert (totals.cost, totals.cost_unknown) == (pytest.approx(want + 0.0123, rel=1e-9), 1)
    assert fmt_cost(totals.cost, unpriced=totals.cost_unknown) == fmt_cost(want + 0.0123, unpriced=1)
