"""A LangChain 1.x agent's runs (``create_agent``: a Deep Agent and its sub-agents) are read by the agent
their run metadata names, through the real OTLP decoding, by a key set's recipe as by the general path."""

from __future__ import annotations

import json

import msgspec
import pytest
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

from agenttrace_tui.ingest.otlp_decode import Rejects, convert_traces, parse
from agenttrace_tui.model import Span, SpanKind
from agenttrace_tui.normalize import conventions as cv
from agenttrace_tui.normalize import otel
from otlp_values import kv


def _request(scope: str, spans: list[tuple[str, str | None, dict[str, object]]]) -> bytes:
    """One trace of ``(name, agent name in the run metadata, more attributes)`` spans, each a child of the first."""
    req = trace_service_pb2.ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    rs.resource.attributes.append(kv("service.name", "trip-app"))
    ss = rs.scope_spans.add()
    ss.scope.name = scope
    for i, (name, agent, more) in enumerate(spans):
        sp = ss.spans.add(trace_id=(1).to_bytes(16, "big"), span_id=(i + 1).to_bytes(8, "big"), name=name,
                          start_time_unix_nano=10 + i, end_time_unix_nano=100)
        if i:
            sp.parent_span_id = (1).to_bytes(8, "big")
        if scope.startswith("openinference"):
            meta = {"ls_integration": "deepagents", "lc_agent_name": agent, "langgraph_node": name}
            sp.attributes.append(kv("metadata", json.dumps(meta)))
        elif agent is not None:
            sp.attributes.append(kv("langsmith.metadata.lc_agent_name", agent))
        sp.attributes.extend(kv(k, v) for k, v in more.items())
    return req.SerializeToString()


def _spans(body: bytes) -> list[Span]:
    chunks = convert_traces(parse("traces", body, False), False, Rejects(), lambda t: None)
    return [u for c in chunks for u in c if isinstance(u, Span)]


def _both_ways(monkeypatch: pytest.MonkeyPatch, body: bytes) -> list[Span]:
    """The spans as built by the recipes (twice: the second pass uses the first's) and by the general path:
    the same either way."""
    cv._PLANS.clear()
    fast = [_spans(body), _spans(body)]
    with monkeypatch.context() as m:
        m.setattr(otel._FastPlan, "make", staticmethod(lambda plan: otel._NO_FAST))
        cv._PLANS.clear()
        general = _spans(body)
    cv._PLANS.clear()
    for got in fast:
        assert [msgspec.to_builtins(s) for s in got] == [msgspec.to_builtins(s) for s in general]
    return general


def _kinds(spans: list[Span]) -> list[tuple[str, SpanKind, str | None]]:
    return [(s.name, s.kind, s.agent.name if s.agent is not None else None) for s in spans]


CHAIN = {"openinference.span.kind": "CHAIN"}
AGENT = {"openinference.span.kind": "AGENT"}


def test_the_run_named_after_its_agent_is_that_agent_and_the_hooks_are_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    """OpenInference: the graph run named as its metadata's ``lc_agent_name`` is that agent's span; a run
    of the same name whose metadata names another agent (or none) is not; an unnamed agent's root run
    (``LangGraph``, ``lc_agent_name`` null) is no agent; the middleware hooks OpenInference marks AGENT
    spans (``*.before_agent``, ``*.after_agent``) are steps, whatever agent they run in."""
    body = _request("openinference.instrumentation.langchain", [
        ("LangGraph", None, CHAIN),
        ("PatchToolCallsMiddleware.before_agent", None, AGENT),
        ("travel-advisor", "travel-advisor", CHAIN),
        ("travel-advisor", "trip-planner", CHAIN),
        ("PatchToolCallsMiddleware.before_agent", "travel-advisor", AGENT),
        ("_ParentNotifierMiddleware.after_agent", None, AGENT),
        ("model", "travel-advisor", CHAIN),
    ])
    assert _kinds(_both_ways(monkeypatch, body)) == [
        ("LangGraph", SpanKind.TASK, None),
        ("PatchToolCallsMiddleware.before_agent", SpanKind.TASK, None),
        ("travel-advisor", SpanKind.AGENT, "travel-advisor"),
        ("travel-advisor", SpanKind.TASK, None),
        ("PatchToolCallsMiddleware.before_agent", SpanKind.TASK, None),
        ("_ParentNotifierMiddleware.after_agent", SpanKind.TASK, None),
        ("model", SpanKind.TASK, None),
    ]


def test_langsmiths_export_names_the_agent_run_by_its_own_attribute(monkeypatch: pytest.MonkeyPatch) -> None:
    """LangSmith's export sends the entry as ``langsmith.metadata.lc_agent_name``: the run named so is
    that agent's span, named by it; another run carrying it is not."""
    chain = {"langsmith.span.kind": "chain"}
    body = _request("langsmith", [("trip-planner", "trip-planner", chain), ("model", "trip-planner", chain),
                                  ("trip-planner", None, chain)])
    assert _kinds(_both_ways(monkeypatch, body)) == [
        ("trip-planner", SpanKind.AGENT, "trip-planner"),
        ("model", SpanKind.TASK, None),
        ("trip-planner", SpanKind.TASK, None),
    ]
