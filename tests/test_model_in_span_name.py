"""A model call whose attributes name no model is named by what its GenAI span name says.

GenAI's conventions name a model call's span ``{gen_ai.operation.name} {gen_ai.request.model}``
(``chat gpt-4o-mini``). EDOT Python's default sampler drops every attribute a span is started
with, so its OpenAI instrumentation's failed call keeps its name, ``error.type`` and its error
status only: the model it asked for is in its name alone. Such a call shows that model (a
failed call's errors are counted against it); a call naming its model keeps its own, and a
span name that is not ``<operation> <model>`` names none. Spans from the real OpenTelemetry
SDK to the real OTLP receiver and store.
"""

from __future__ import annotations

from opentelemetry.trace import SpanKind as OtelKind
from opentelemetry.trace import Status, StatusCode

from agenttrace_tui.model import Status as SpanStatus
from test_otlp_support import only_call, received

SESSIONS = ("failed", "named", "words", "answered")


def _send(tp) -> None:
    openai = tp.get_tracer("opentelemetry.instrumentation.openai", "1.2.0")

    def call(session: str, name: str, attrs: dict, failed: bool) -> None:
        with openai.start_as_current_span(name, kind=OtelKind.CLIENT, attributes={"session.id": session},
                                          end_on_exit=False) as span:
            for key, value in attrs.items():
                span.set_attribute(key, value)
            if failed:
                span.set_status(Status(StatusCode.ERROR, "Error code: 400"))
            span.end()

    # EDOT's failed call: what is set after the start only.
    call("failed", "chat gpt-4o-mini", {"error.type": "BadRequestError"}, failed=True)
    # A call naming its model: its own, not its name's.
    call("named", "chat gpt-4o-mini", {"gen_ai.request.model": "gpt-4.1", "error.type": "BadRequestError"},
         failed=True)
    # A name that is not "<operation> <model>".
    call("words", "chat with the support team", {"error.type": "BadRequestError"}, failed=True)
    # EDOT's answered call: the model that answered, its usage.
    call("answered", "chat gpt-4o-mini", {"gen_ai.response.model": "gpt-4o-mini-2024-07-18",
                                          "gen_ai.usage.input_tokens": 1234, "gen_ai.usage.output_tokens": 56},
         failed=False)


async def test_a_call_naming_no_model_is_named_by_its_span_name() -> None:
    store = await received(_send, lambda store: all(store.sessions.get(s) is not None for s in SESSIONS)
                           and store.span_count >= len(SESSIONS), "edot-app")

    failed = only_call(store, "failed")
    assert failed.status is SpanStatus.ERROR
    assert failed.llm is not None and failed.llm.model == "gpt-4o-mini"
    assert failed.usage is None
    totals = store.sessions["failed"].totals
    assert (totals.llm_calls, totals.errors, totals.input_tokens) == (1, 1, 0)

    named = only_call(store, "named")
    assert named.llm is not None and named.llm.model == "gpt-4.1"

    words = only_call(store, "words")
    assert words.llm is None or words.llm.model is None

    answered = only_call(store, "answered")
    assert answered.llm is not None and answered.llm.model == "gpt-4o-mini-2024-07-18"
    assert answered.usage is not None and (answered.usage.input, answered.usage.output) == (1234, 56)
