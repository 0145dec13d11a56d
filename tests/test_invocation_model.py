"""A model call naming its model only in its request parameters is named by them.

OpenInference's OpenAI instrumentation sets ``llm.model_name`` from the answer: a call the API
refused (HTTP 400) names the model it asked for only in ``llm.invocation_parameters``
(``{"model": "gpt-4o-mini", "stream": false}``), as AG2's conversations traced by OpenInference send
it (``tests/clients/fixtures/ag2_openinference``). Such a call shows that model, and its error is
counted against it; a call naming its model keeps its own, and parameters naming none (or not JSON)
name none. Spans from the real OpenTelemetry SDK to the real OTLP receiver and store, and each span
built by the general path and by its key set's recipes, which must agree.
"""

from __future__ import annotations

import json

import pytest
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.trace import Status, StatusCode

from agenttrace_tui.model import SpanKind
from agenttrace_tui.model import Status as SpanStatus
from otlp_values import kv as otlp_kv
from test_otlp_support import only_call, received
from test_provider_by_host import _all_paths

SCOPE = "openinference.instrumentation.openai"
REFUSED = {"openinference.span.kind": "LLM", "llm.system": "openai",
           "llm.invocation_parameters": json.dumps({"model": "gpt-4o-mini", "stream": False}),
           "llm.input_messages.0.message.role": "user", "llm.input_messages.0.message.content": "Paris?"}
SESSIONS = ("refused", "answered", "no model", "not json")


def _send(tp) -> None:
    tracer = tp.get_tracer(SCOPE, "0.1.66")

    def call(session: str, attrs: dict, failed: bool) -> None:
        with tracer.start_as_current_span("ChatCompletion", attributes={"session.id": session, **attrs},
                                          end_on_exit=False) as span:
            if failed:
                span.set_status(Status(StatusCode.ERROR, "BadRequestError: Error code: 400"))
            span.end()

    call("refused", REFUSED, failed=True)
    call("answered", {**REFUSED, "llm.model_name": "gpt-4o-mini-2024-07-18", "llm.token_count.prompt": 1234,
                      "llm.token_count.completion": 56}, failed=False)
    call("no model", {**REFUSED, "llm.invocation_parameters": json.dumps({"temperature": 0})}, failed=True)
    call("not json", {**REFUSED, "llm.invocation_parameters": '{"model": gpt-4o-mini'}, failed=True)


async def test_a_refused_call_is_named_by_the_model_its_request_asked_for() -> None:
    store = await received(_send, lambda store: all(store.sessions.get(s) is not None for s in SESSIONS)
                           and store.span_count >= len(SESSIONS), "ag2-app")

    refused = only_call(store, "refused")
    assert refused.status is SpanStatus.ERROR
    assert refused.llm is not None and refused.llm.model == "gpt-4o-mini"
    assert refused.usage is None
    totals = store.sessions["refused"].totals
    assert (totals.llm_calls, totals.errors, totals.input_tokens) == (1, 1, 0)

    answered = only_call(store, "answered")
    assert answered.llm is not None and answered.llm.model == "gpt-4o-mini-2024-07-18"

    for session in ("no model", "not json"):
        span = only_call(store, session)
        assert span.llm is None or span.llm.model is None, session


def _request(attrs: dict, repeat: int = 3) -> bytes:
    req = trace_service_pb2.ExportTraceServiceRequest()
    ss = req.resource_spans.add().scope_spans.add()
    ss.scope.name = SCOPE
    for n in range(1, repeat + 1):
        sp = ss.spans.add(trace_id=(1).to_bytes(16, "big"), span_id=n.to_bytes(8, "big"), name="ChatCompletion",
                          start_time_unix_nano=10, end_time_unix_nano=20)
        sp.status.code = 2
        sp.attributes.extend(otlp_kv(k, v) for k, v in attrs.items())
    return req.SerializeToString()


@pytest.mark.parametrize("messages", [True, False])
def test_the_recipes_name_it_as_the_general_path_does(monkeypatch: pytest.MonkeyPatch, messages: bool) -> None:
    """With its messages or without (a trace config hiding them): one key set, the same model."""
    attrs = REFUSED if messages else {k: v for k, v in REFUSED.items() if not k.startswith("llm.input_messages")}
    spans = _all_paths(monkeypatch, _request(attrs))
    assert [(s.kind, s.llm.model if s.llm else None) for s in spans] == [(SpanKind.LLM_CALL, "gpt-4o-mini")] * 3
