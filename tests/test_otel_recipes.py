"""Spans built by a key set's recipe equal spans built by the general convention path.

``normalize.otel`` decides the kind and the field mapping once per attribute
key set (client, name, kind values) and copies values for the next spans.
Every recorded client's spans, a request with every value type, and spans
whose values do not have the expected type are converted both ways here and
compared field by field.
"""

from __future__ import annotations

import json as json_text
import sys
from pathlib import Path

import msgspec
import pytest
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.trace.v1 import trace_pb2

from agenttrace_tui.ingest.otlp_decode import Rejects, convert_traces, parse
from agenttrace_tui.normalize import conventions as cv
from agenttrace_tui.normalize import otel

sys.path.insert(0, str(Path(__file__).resolve().parent / "clients"))
from recording import read_body

from otlp_values import kv as otlp_kv

FIXTURES = Path(__file__).resolve().parent / "clients" / "fixtures"


def _convert(body: bytes, json: bool) -> list:
    req = parse("traces", body, json)
    chunks = convert_traces(req, json, Rejects(), lambda t: None)
    return [repr(msgspec.to_builtins(u)) for c in chunks for u in c]  # repr: nan equals nan




def _rich_request() -> bytes:
    req = trace_service_pb2.ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    rs.resource.attributes.extend([otlp_kv("service.name", "wire-test"), otlp_kv("service.instance.id", "i-9"),
                                   otlp_kv("process.pid", 4242)])
    ss = rs.scope_spans.add()
    ss.scope.name = "opentelemetry.instrumentation.openai_agents"
    values: list[object] = [
        "", "x", "é ☃ 漢字", "y" * 200, "z" * 5000, 0, -1, 2**63 - 1, -(2**63), 300, 1.5, -0.0, True, False,
        b"\x00\x01\xff", [], [1, "a", [2.5, {"k": "v"}]], {}, {"n": {"m": [True]}},
    ]
    t0 = 1_790_000_000_000_000_000
    for i, v in enumerate(values):
        sp = ss.spans.add(trace_id=(i // 3 + 1).to_bytes(16, "big"), span_id=(i + 1).to_bytes(8, "big"),
                          name=f"chat gpt-4o {i}", start_time_unix_nano=t0 + i, end_time_unix_nano=t0 + i + 1000)
        if i % 3:
            sp.parent_span_id = (i // 3 * 3 + 1).to_bytes(8, "big")
        sp.attributes.extend([otlp_kv("gen_ai.operation.name", "chat"), otlp_kv("gen_ai.request.model", "gpt-4o"),
                              otlp_kv("gen_ai.usage.input_tokens", 100 + i), otlp_kv("value", v)])
        sp.attributes.add(key="unset")  # a KeyValue without a value
    # Events, links, status codes, previews from messages.
    sp = ss.spans.add(trace_id=(99).to_bytes(16, "big"), span_id=(99).to_bytes(8, "big"), name="execute_tool grep",
                      start_time_unix_nano=t0, end_time_unix_nano=t0 + 5)
    sp.attributes.extend([otlp_kv("gen_ai.operation.name", "execute_tool"), otlp_kv("gen_ai.tool.name", "grep"),
                          otlp_kv("session.id", "s-1")])
    ev = sp.events.add(name="exception", time_unix_nano=t0 + 1)
    ev.attributes.extend([otlp_kv("exception.type", "OSError"), otlp_kv("exception.message", "boom"),
                          otlp_kv("exception.escaped", True), otlp_kv("exception.stacktrace", "tb\n" * 4000)])
    sp.events.add(name="gen_ai.user.message", time_unix_nano=t0 + 2).attributes.append(otlp_kv("content", "hi"))
    sp.links.add(trace_id=(5).to_bytes(16, "big"), span_id=(6).to_bytes(8, "big")).attributes.append(otlp_kv("a", 1))
    sp.links.add(trace_id=b"\x01", span_id=(6).to_bytes(8, "big"))  # invalid: skipped
    sp.status.code = trace_pb2.Status.STATUS_CODE_ERROR
    sp.status.message = "exit 2"
    for code in (0, 1, 2, 5):
        s2 = ss.spans.add(trace_id=(99).to_bytes(16, "big"), span_id=(100 + code).to_bytes(8, "big"),
                          parent_span_id=(99).to_bytes(8, "big"), name="step", start_time_unix_nano=t0)
        s2.status.code = code  # type: ignore[assignment]
    # Rejected spans: invalid and missing ids.
    ss.spans.add(trace_id=b"\x01\x02", span_id=(7).to_bytes(8, "big"), name="short trace id")
    ss.spans.add(trace_id=bytes(16), span_id=(7).to_bytes(8, "big"), name="zero trace id")
    ss.spans.add(span_id=(8).to_bytes(8, "big"), name="no trace id")
    # A second scope (unnamed), a resource without scopes, a second resource.
    rs.scope_spans.add().spans.add(trace_id=(77).to_bytes(16, "big"), span_id=(77).to_bytes(8, "big"), name="x",
                                   start_time_unix_nano=t0, end_time_unix_nano=t0)
    req.resource_spans.add().resource.attributes.append(otlp_kv("service.name", "empty"))
    rs2 = req.resource_spans.add()
    rs2.resource.attributes.append(otlp_kv("service.name", "claude-code"))
    rs2.scope_spans.add(scope=common_pb2.InstrumentationScope(name="com.anthropic.claude_code")).spans.add(
        trace_id=(78).to_bytes(16, "big"), span_id=(78).to_bytes(8, "big"), name="claude_code.llm_request",
        start_time_unix_nano=t0, end_time_unix_nano=t0 + 9).attributes.extend(
        [otlp_kv("model", "claude-sonnet-4-5"), otlp_kv("input_tokens", 10), otlp_kv("output_tokens", 2)])
    return req.SerializeToString()


def _both(monkeypatch: pytest.MonkeyPatch, body: bytes, json: bool = False) -> list:
    cv._PLANS.clear()
    fast = [_convert(body, json), _convert(body, json)]  # the second pass uses the recipes the first made
    with monkeypatch.context() as m:
        m.setattr(otel, "COMPILE_AFTER", 1)  # recipes and probes compiled at once
        cv._PLANS.clear()
        fast += [_convert(body, json), _convert(body, json)]
    with monkeypatch.context() as m:
        m.setattr(otel._FastPlan, "make", staticmethod(lambda plan: otel._NO_FAST))
        cv._PLANS.clear()
        general = _convert(body, json)
    cv._PLANS.clear()
    for got in fast:
        assert got == general
    return general


def _bodies() -> list[tuple[str, bytes, bool]]:
    out = [(p.name, read_body(p), False) for p in sorted(FIXTURES.glob("*/*traces.pb*"))]
    out += [(p.name, read_body(p), True) for p in sorted(FIXTURES.glob("*/*traces.json*"))]
    return out


def test_recorded_clients_build_the_same_spans(monkeypatch: pytest.MonkeyPatch) -> None:
    bodies = _bodies()
    assert len(bodies) > 10
    for _name, body, json in bodies:
        _both(monkeypatch, body, json)


def test_every_value_type_builds_the_same_spans(monkeypatch: pytest.MonkeyPatch) -> None:
    assert len(_both(monkeypatch, _rich_request())) > 20
    assert sum("span_id" in u for u in _both(monkeypatch, _rich_request())) == 26


def test_values_of_unexpected_types_and_client_tools_take_the_general_path(monkeypatch: pytest.MonkeyPatch) -> None:
    req = trace_service_pb2.ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    rs.resource.attributes.append(otlp_kv("service.name", "codex"))
    ss = rs.scope_spans.add()
    ss.scope.name = "codex_otel"
    cases: list[list[tuple[str, object]]] = [
        [("gen_ai.operation.name", "chat"), ("gen_ai.request.model", "m"), ("gen_ai.usage.input_tokens", 5)],
        [("gen_ai.operation.name", "chat"), ("gen_ai.request.model", 7), ("gen_ai.usage.input_tokens", "5")],
        [("gen_ai.operation.name", "chat"), ("gen_ai.request.temperature", float("nan"))],
        [("gen_ai.operation.name", "chat"), ("gen_ai.request.temperature", 3)],
        [("gen_ai.operation.name", ["chat"]), ("gen_ai.request.model", "m")],
        [("gen_ai.operation.name", "execute_tool"), ("gen_ai.tool.name", "grep"), ("error.type", "Timeout")],
        [("tool_name", "shell"), ("call_id", "c-1")],
        [("gen_ai.usage.input_tokens", 3), ("agenttrace.internal", "no")],
        [("gen_ai.provider.name", "openai")],
        [("gen_ai.tool.name", "t"), ("gen_ai.tool.call.arguments", "x" * 9000)],
        [("free", "y" * 9000)],
    ]
    for i, attrs in enumerate(cases):
        for j, name in enumerate(("shell", "chat m", "turn/start")):
            sp = ss.spans.add(trace_id=(i + 1).to_bytes(16, "big"), span_id=(i * 8 + j + 1).to_bytes(8, "big"),
                              name=name, start_time_unix_nano=10 * (j + 1), end_time_unix_nano=20 * (j + 1) * (i % 2))
            sp.attributes.extend([otlp_kv(k, v) for k, v in attrs])
            sp.status.code = j  # type: ignore[assignment]
    body = req.SerializeToString()
    _both(monkeypatch, body)
    rs.resource.attributes[0].value.string_value = "plain-service"  # no known client
    ss.scope.name = "x"
    _both(monkeypatch, req.SerializeToString())


def test_times_and_statuses_at_their_edges_build_the_same_spans(monkeypatch: pytest.MonkeyPatch) -> None:
    """The recipes make the common span (ended after its start, no status) in a step of their own:
    spans of one key set beside it (no start or end, an end before or at the start, negative times
    in OTLP JSON, a status message with or without a code) are built as the general path builds them."""
    t0 = 1_790_000_000_000_000_000
    times = [(t0, t0 + 5), (t0, t0), (0, t0), (t0, 0), (t0 + 5, t0), (1, 1), (-5, 10), (-10, -5), (-10, 0), (5, -1)]
    statuses: list[dict[str, object]] = [{}, {"message": "note"}, {"code": 1, "message": "fine"}, {"code": 2},
                                         {"code": 2, "message": "exit 2"}, {"code": 1}]
    spans = []
    for i, ((start, end), status) in enumerate((t, s) for t in times for s in statuses):
        spans.append({"traceId": f"{i // 4 + 1:032x}", "spanId": f"{i + 1:016x}", "name": "chat gpt-4o",
                      "startTimeUnixNano": str(start), "endTimeUnixNano": str(end), "status": status,
                      "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
                                     {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o"}},
                                     {"key": "gen_ai.usage.input_tokens", "value": {"intValue": str(10 + i)}}]})
    request = {"resourceSpans": [{"resource": {"attributes": []},
                                  "scopeSpans": [{"scope": {"name": "x"}, "spans": spans}]}]}
    assert sum("span_id" in s for s in _both(monkeypatch, json_text.dumps(request).encode(), json=True)) == 48
    # The protobuf path (its recipes leave free strings uncut): the times it can carry.
    req = trace_service_pb2.ExportTraceServiceRequest()
    ss = req.resource_spans.add().scope_spans.add()
    for i, sp in enumerate(spans):
        if int(sp["startTimeUnixNano"]) >= 0 and int(sp["endTimeUnixNano"]) >= 0:  # type: ignore[call-overload]
            pb = ss.spans.add(trace_id=(i // 4 + 1).to_bytes(16, "big"), span_id=(i + 1).to_bytes(8, "big"),
                              name="chat gpt-4o", start_time_unix_nano=int(sp["startTimeUnixNano"]),  # type: ignore[call-overload]
                              end_time_unix_nano=int(sp["endTimeUnixNano"]))  # type: ignore[call-overload]
            pb.status.code = sp["status"].get("code", 0)  # type: ignore[attr-defined]
            pb.status.message = sp["status"].get("message", "")  # type: ignore[attr-defined]
            pb.attributes.extend([otlp_kv("gen_ai.operation.name", "chat"), otlp_kv("gen_ai.request.model", "gpt-4o"),
                                  otlp_kv("gen_ai.usage.input_tokens", 10 + i)])
    assert sum("span_id" in s for s in _both(monkeypatch, req.SerializeToString())) == 30


def test_a_known_clients_tool_span_is_built_by_its_recipe(monkeypatch: pytest.MonkeyPatch) -> None:
    req = trace_service_pb2.ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    rs.resource.attributes.append(otlp_kv("service.name", "agents"))
    ss = rs.scope_spans.add()
    ss.scope.name = "opentelemetry.instrumentation.openai_agents"
    for i in range(3):
        sp = ss.spans.add(trace_id=(1).to_bytes(16, "big"), span_id=(i + 1).to_bytes(8, "big"), name="execute_tool grep",
                          start_time_unix_nano=10, end_time_unix_nano=20)
        sp.attributes.extend([otlp_kv("gen_ai.operation.name", "execute_tool"), otlp_kv("gen_ai.tool.name", "grep"),
                              otlp_kv("gen_ai.tool.call.id", f"call_{i}")])
    spans = _both(monkeypatch, req.SerializeToString())
    assert all("'tool': {'name': 'grep'" in s for s in spans if "span_id" in s)
    _convert(req.SerializeToString(), False)
    plans = [p for p in cv._PLANS.values() if p.fast is not None and p.fast is not otel._NO_FAST]
    assert plans
    assert any(r is not None and r.kind.value == "tool_execution" for p in plans for r in p.fast.recipes.values())


def test_spans_of_one_key_set_with_other_clients_names_and_kind_values_build_the_same_spans(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """One key set's spans under two clients, several names and kind values of several types (equal
    across types, NaN): the recipe its compiled entry holds itself takes only the spans of its own
    key, the others go to their own recipes, as the general path builds them."""
    req = trace_service_pb2.ExportTraceServiceRequest()
    # Eight kind values under three names: each value comes under every name.
    kinds: list[object] = ["chat", "execute_tool", 1.5, float("nan"), True, 1, "invoke_agent", "chat"]
    for service, scope in (("codex", "codex_otel"), ("agents", "opentelemetry.instrumentation.openai_agents"),
                           ("plain", "x")):
        rs = req.resource_spans.add()
        rs.resource.attributes.append(otlp_kv("service.name", service))
        ss = rs.scope_spans.add()
        ss.scope.name = scope
        for i, kind in enumerate(kinds * 2):
            sp = ss.spans.add(trace_id=(1).to_bytes(16, "big"), span_id=(len(ss.spans) + 1).to_bytes(8, "big"),
                              name=("chat gpt-4o", "grep", "chat gpt-4o")[i % 3], start_time_unix_nano=10,
                              end_time_unix_nano=20)
            sp.attributes.extend([otlp_kv("gen_ai.operation.name", kind), otlp_kv("gen_ai.request.model", "gpt-4o"),
                                  otlp_kv("gen_ai.request.max_tokens", 7 + i), otlp_kv("gen_ai.tool.name", "grep"),
                                  otlp_kv("free", f"v{i}")])
            sp.status.code = i % 3  # type: ignore[assignment]
    spans = _both(monkeypatch, req.SerializeToString())
    assert sum("span_id" in s for s in spans) == 3 * 2 * len(kinds)


def test_bedrock_cache_counts_are_added_to_its_input_by_recipe_and_general_path(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Bedrock's ``inputTokens`` leaves out the cache reads and writes it reports beside it; the contrib
    botocore instrumentation sends it as ``gen_ai.usage.input_tokens`` (1234, with 200 + 64 cached: the
    call's input is 1498). Another provider's spans of the same key set keep their input (OTel's rule:
    cached tokens are in it). The provider's value picks the recipe."""
    req = trace_service_pb2.ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    rs.resource.attributes.append(otlp_kv("service.name", "weather"))
    ss = rs.scope_spans.add()
    ss.scope.name = "opentelemetry.instrumentation.botocore.bedrock-runtime"
    for i, provider in enumerate(["aws.bedrock", "openai"] * 3):
        sp = ss.spans.add(trace_id=(1).to_bytes(16, "big"), span_id=(i + 1).to_bytes(8, "big"),
                          name="chat anthropic.claude-3-5-haiku-20241022-v1:0", start_time_unix_nano=10,
                          end_time_unix_nano=20)
        sp.attributes.extend([otlp_kv("gen_ai.system", provider), otlp_kv("gen_ai.operation.name", "chat"),
                              otlp_kv("gen_ai.request.model", "anthropic.claude-3-5-haiku-20241022-v1:0"),
                              otlp_kv("gen_ai.usage.input_tokens", 1234), otlp_kv("gen_ai.usage.output_tokens", 56),
                              otlp_kv("gen_ai.usage.cache_read.input_tokens", 200),
                              otlp_kv("gen_ai.usage.cache_creation.input_tokens", 64)])
    spans = [s for s in _both(monkeypatch, req.SerializeToString()) if "span_id" in s]
    assert len(spans) == 6
    for s in spans:
        want = 1498 if "'provider': 'aws.bedrock'" in s else 1234
        assert f"'input': {want}, 'output': 56" in s and "'cache_read': 200, 'cache_write': 64" in s, s


def test_bedrock_cache_left_out_but_in_the_total_is_input_by_recipe_and_general_path(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """OpenInference's instrumentation for the AWS SDK for JavaScript sends Bedrock's ``inputTokens``
    as ``llm.token_count.prompt`` (1234), ``outputTokens`` (56) and ``totalTokens`` (1554, the 200 + 64
    cached in it), never the cache counts: the call's input is the 1498 the total says, whether the
    provider is named OpenInference's way (``aws``, renamed: the general path) or OTel's (``aws.bedrock``:
    the key set's recipe). A span that sends the cache counts too is not counted twice, and an OpenAI
    call of the same key set, whose total is its prompt and completion, keeps its input."""
    req = trace_service_pb2.ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    rs.resource.attributes.append(otlp_kv("service.name", "weather"))
    ss = rs.scope_spans.add()
    ss.scope.name = "@arizeai/openinference-instrumentation-bedrock"
    ids = iter(range(1, 100))
    for _ in range(3):
        for provider, total, cached in (("aws", 1554, False), ("aws", 1554, True), ("aws.bedrock", 1554, False),
                                        ("openai", 1290, False)):
            sp = ss.spans.add(trace_id=(1).to_bytes(16, "big"), span_id=next(ids).to_bytes(8, "big"),
                              name="bedrock.converse", start_time_unix_nano=10, end_time_unix_nano=20)
            sp.attributes.extend([otlp_kv("llm.provider", provider), otlp_kv("openinference.span.kind", "LLM"),
                                  otlp_kv("llm.system", "anthropic"), otlp_kv("llm.model_name", "claude-3-5-haiku-20241022"),
                                  otlp_kv("llm.token_count.prompt", 1234), otlp_kv("llm.token_count.completion", 56),
                                  otlp_kv("llm.token_count.total", total)])
            if cached:
                sp.attributes.extend([otlp_kv("llm.token_count.prompt_details.cache_read", 200),
                                      otlp_kv("llm.token_count.prompt_details.cache_write", 64)])
    spans = [s for s in _both(monkeypatch, req.SerializeToString()) if "span_id" in s]
    assert len(spans) == 12
    for s in spans:
        if "'provider': 'openai'" in s:
            assert "'input': 1234, 'output': 56, 'total': 1290" in s, s
        else:
            assert "'provider': 'aws.bedrock'" in s and "'input': 1498, 'output': 56, 'total': 1554" in s, s


def _bedrock_converse_spans(scopes: list[tuple[str, list]]) -> bytes:
    """An OTLP request of one resource (service ``weather``): for each (scope, attributes), three
    OpenInference ``bedrock.converse`` model calls (provider ``aws``) with those attributes too."""
    req = trace_service_pb2.ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    rs.resource.attributes.append(otlp_kv("service.name", "weather"))
    ids = iter(range(1, 100))
    for scope, attributes in scopes:
        ss = rs.scope_spans.add()
        ss.scope.name = scope
        for _ in range(3):
            sp = ss.spans.add(trace_id=(1).to_bytes(16, "big"), span_id=next(ids).to_bytes(8, "big"),
                              name="bedrock.converse", start_time_unix_nano=10, end_time_unix_nano=20)
            sp.attributes.extend([otlp_kv("llm.provider", "aws"), otlp_kv("openinference.span.kind", "LLM"),
                                  *attributes])
    return req.SerializeToString()


def test_bedrock_cache_counted_in_by_openinference_for_python_is_not_added_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """OpenInference's Bedrock instrumentation for Python (boto3) sends Bedrock's ``inputTokens`` (1234)
    with the cache reads (200) and writes (64) added in as ``llm.token_count.prompt`` (1498), the cache
    counts as its prompt details and ``totalTokens`` (1554) as the total: the call's input is 1498, by
    recipe and general path, its resource alone or beside an Agno one. The same span from its instrumentation
    for JavaScript, which sends ``inputTokens`` as the prompt, has the cache added in."""
    body = _bedrock_converse_spans([
        (scope, [otlp_kv("llm.model_name", "anthropic.claude-3-5-haiku-20241022-v1:0"),
                 otlp_kv("llm.token_count.prompt", prompt), otlp_kv("llm.token_count.completion", 56),
                 otlp_kv("llm.token_count.total", 1554), otlp_kv("llm.token_count.prompt_details.cache_read", 200),
                 otlp_kv("llm.token_count.prompt_details.cache_write", 64)])
        for scope, prompt in (("openinference.instrumentation.bedrock", 1498), ("openinference.instrumentation.agno", 1498),
                              ("@arizeai/openinference-instrumentation-bedrock", 1234))])
    spans = [s for s in _both(monkeypatch, body) if "span_id" in s]
    assert len(spans) == 9
    for s in spans:
        assert "'input': 1498, 'output': 56, 'total': 1554" in s and "'cache_read': 200, 'cache_write': 64" in s, s


def test_a_bedrock_profile_named_by_its_vendor_is_the_model_the_request_asked_for(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """OpenInference's instrumentation for the AWS SDK for JavaScript names a call's model by the id's
    second part: ``anthropic`` for the cross-region profile ``us.anthropic.claude-sonnet-4-20250514-v1:0``.
    The span's ``input.value`` (the command's input) names the id asked for: that is the model. A model
    it named in full stays, and another instrumentation's span naming ``anthropic`` is left as sent."""
    profile = "us.anthropic.claude-sonnet-4-20250514-v1:0"
    body = _bedrock_converse_spans([
        (scope, [otlp_kv("llm.model_name", model), otlp_kv("input.value", f'{{"messages":[],"modelId":"{profile}"}}'),
                 otlp_kv("llm.token_count.prompt", 1234), otlp_kv("llm.token_count.completion", 56)])
        for scope, model in (("@arizeai/openinference-instrumentation-bedrock", "anthropic"),
                             ("@arizeai/openinference-instrumentation-bedrock", "claude-3-5-haiku-20241022"),
                             ("openinference.instrumentation.langchain", "anthropic"))])
    spans = [s for s in _both(monkeypatch, body) if "span_id" in s]
    assert len(spans) == 9
    for s, shown in zip(spans, [profile] * 3 + ["claude-3-5-haiku-20241022"] * 3 + ["anthropic"] * 3, strict=True):
        assert f"'model': '{shown}'" in s, s


def test_claude_code_on_bedrock_keeps_its_input_by_recipe_and_general_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Claude Code counts a call's input itself, the OTel way: on Bedrock its ``claude_code.llm_request``
    span names the provider ``aws.bedrock`` and sends ``gen_ai.usage.input_tokens`` 1498 (its own
    ``input_tokens`` 1234 with the 200 + 64 cached in). Nothing is added to it."""
    req = trace_service_pb2.ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    rs.resource.attributes.append(otlp_kv("service.name", "claude-code"))
    ss = rs.scope_spans.add()
    ss.scope.name = "com.anthropic.claude_code.tracing"
    model = "us.anthropic.claude-sonnet-4-20250514-v1:0"
    for i in range(3):
        sp = ss.spans.add(trace_id=(1).to_bytes(16, "big"), span_id=(i + 1).to_bytes(8, "big"),
                          name="claude_code.llm_request", start_time_unix_nano=10, end_time_unix_nano=20)
        sp.attributes.extend([otlp_kv("gen_ai.provider.name", "aws.bedrock"), otlp_kv("gen_ai.system", "anthropic"),
                              otlp_kv("span.type", "llm_request"), otlp_kv("gen_ai.operation.name", "chat"),
                              otlp_kv("gen_ai.request.model", model), otlp_kv("input_tokens", 1234),
                              otlp_kv("gen_ai.usage.input_tokens", 1498), otlp_kv("gen_ai.usage.output_tokens", 56),
                              otlp_kv("gen_ai.usage.cache_read.input_tokens", 200),
                              otlp_kv("gen_ai.usage.cache_write.input_tokens", 64)])
    spans = [s for s in _both(monkeypatch, req.SerializeToString()) if "span_id" in s]
    assert len(spans) == 3
    for s in spans:
        assert "'provider': 'aws.bedrock'" in s and "'input': 1498, 'output': 56" in s, s
        assert "'cache_read': 200, 'cache_write': 64" in s, s


def test_agno_on_anthropic_counts_the_cache_in_by_recipe_and_general_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """OpenInference's Agno span of a ``Claude`` call sends Anthropic's own ``input_tokens`` as
    ``llm.token_count.prompt`` (1234), the 200 + 64 cached beside it: the input is 1498. The
    anthropic SDK's own span of the call, in the same resource, sends 1498 already (nothing is
    added to it), and Agno's span of an OpenAI call (its prompt tokens count the cached in) keeps its input."""
    req = trace_service_pb2.ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    rs.resource.attributes.append(otlp_kv("service.name", "weather"))
    sdk, agno = rs.scope_spans.add(), rs.scope_spans.add()
    sdk.scope.name, agno.scope.name = "com.anthropic.sdk.python", "openinference.instrumentation.agno"
    ids = iter(range(1, 100))
    for _ in range(3):
        sp = sdk.spans.add(trace_id=(1).to_bytes(16, "big"), span_id=next(ids).to_bytes(8, "big"),
                           name="anthropic.messages.create", start_time_unix_nano=10, end_time_unix_nano=20)
        sp.attributes.extend([otlp_kv("gen_ai.provider.name", "anthropic"), otlp_kv("gen_ai.operation.name", "chat"),
                              otlp_kv("gen_ai.request.model", "claude-sonnet-4-5"),
                              otlp_kv("gen_ai.usage.input_tokens", 1498), otlp_kv("gen_ai.usage.output_tokens", 56),
                              otlp_kv("gen_ai.usage.cache_read.input_tokens", 200),
                              otlp_kv("gen_ai.usage.cache_write.input_tokens", 64)])
        for provider, model, prompt, write in (("Anthropic", "claude-sonnet-4-5", 1234, 64), ("OpenAI", "gpt-4o-mini", 1234, 0)):
            sp = agno.spans.add(trace_id=(1).to_bytes(16, "big"), span_id=next(ids).to_bytes(8, "big"),
                                name="Claude.invoke", start_time_unix_nano=10, end_time_unix_nano=20)
            sp.attributes.extend([otlp_kv("openinference.span.kind", "LLM"), otlp_kv("llm.provider", provider),
                                  otlp_kv("llm.system", provider.lower()), otlp_kv("llm.model_name", model),
                                  otlp_kv("llm.token_count.prompt", prompt), otlp_kv("llm.token_count.completion", 56),
                                  otlp_kv("llm.token_count.prompt_details.cache_read", 200)])
            if write:
                sp.attributes.append(otlp_kv("llm.token_count.prompt_details.cache_write", write))
    spans = [s for s in _both(monkeypatch, req.SerializeToString()) if "span_id" in s]
    assert len(spans) == 9
    for s in spans:
        want = 1234 if "gpt-4o-mini" in s else 1498
        assert f"'input': {want}, 'output': 56" in s and "'cache_read': 200" in s, s


@pytest.mark.parametrize("provider", ["bedrock", "aws.bedrock"])
@pytest.mark.parametrize("scope", ["pydantic-ai", "my-company.agent"])
def test_pydantic_ai_on_bedrock_keeps_its_input_by_recipe_and_general_path(
        provider: str, scope: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """pydantic-ai's ``BedrockConverseModel`` adds Bedrock's cache reads and writes into the input it
    reports (``gen_ai.usage.input_tokens`` 1498 for Bedrock's ``inputTokens`` 1234 with 200 + 64 cached),
    whether the span names the provider pydantic-ai's way (``bedrock``) or OTel's (``aws.bedrock``):
    nothing is added to it; nor to a sender the monitor knows nothing of (only botocore's and
    OpenLLMetry's Bedrock instrumentations pass Bedrock's own count on)."""
    req = trace_service_pb2.ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    rs.resource.attributes.append(otlp_kv("service.name", "weather"))
    ss = rs.scope_spans.add()
    ss.scope.name = scope
    model = "us.anthropic.claude-sonnet-4-20250514-v1:0"
    for i in range(3):
        sp = ss.spans.add(trace_id=(1).to_bytes(16, "big"), span_id=(i + 1).to_bytes(8, "big"),
                          name=f"chat {model}", start_time_unix_nano=10, end_time_unix_nano=20)
        sp.attributes.extend([otlp_kv("gen_ai.operation.name", "chat"), otlp_kv("gen_ai.provider.name", provider),
                              otlp_kv("gen_ai.system", provider), otlp_kv("gen_ai.request.model", model),
                              otlp_kv("gen_ai.usage.input_tokens", 1498), otlp_kv("gen_ai.usage.output_tokens", 56),
                              otlp_kv("gen_ai.usage.cache_creation.input_tokens", 64),
                              otlp_kv("gen_ai.usage.cache_read.input_tokens", 200)])
    spans = [s for s in _both(monkeypatch, req.SerializeToString()) if "span_id" in s]
    assert len(spans) == 3
    for s in spans:
        assert "'input': 1498, 'output': 56" in s and "'cache_read': 200, 'cache_write': 64" in s, s


@pytest.mark.parametrize("agno_first", [True, False])
def test_bedrock_spans_beside_an_agents_count_the_cache_in_and_the_session_is_the_agents(
        agno_first: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """OpenLLMetry's Bedrock instrumentation passes Bedrock's ``inputTokens`` on as
    ``gen_ai.usage.input_tokens`` (1234, with 200 + 64 cached: the call's input is 1498) beside its
    Agno instrumentation's agent and tool spans in one resource: whichever scope an export lists
    first, the session is Agno's and each Bedrock span's input has the cache added in."""
    req = trace_service_pb2.ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    rs.resource.attributes.append(otlp_kv("service.name", "weather"))
    first, second = rs.scope_spans.add(), rs.scope_spans.add()
    agno, bedrock = (first, second) if agno_first else (second, first)
    agno.scope.name, bedrock.scope.name = "opentelemetry.instrumentation.agno", "opentelemetry.instrumentation.bedrock"
    ids = iter(range(1, 100))
    for _ in range(3):
        sp = bedrock.spans.add(trace_id=(1).to_bytes(16, "big"), span_id=next(ids).to_bytes(8, "big"),
                               name="chat claude-sonnet-4-20250514-v1:0", start_time_unix_nano=10, end_time_unix_nano=20)
        sp.attributes.extend([otlp_kv("gen_ai.provider.name", "aws.bedrock"), otlp_kv("gen_ai.operation.name", "chat"),
                              otlp_kv("gen_ai.request.model", "claude-sonnet-4-20250514-v1:0"),
                              otlp_kv("gen_ai.usage.input_tokens", 1234), otlp_kv("gen_ai.usage.output_tokens", 56),
                              otlp_kv("gen_ai.usage.cache_read.input_tokens", 200),
                              otlp_kv("gen_ai.usage.cache_creation.input_tokens", 64)])
        sp = agno.spans.add(trace_id=(1).to_bytes(16, "big"), span_id=next(ids).to_bytes(8, "big"),
                            name="get_weather.tool", start_time_unix_nano=10, end_time_unix_nano=20)
        sp.attributes.extend([otlp_kv("gen_ai.system", "agno"), otlp_kv("traceloop.span.kind", "tool"),
                              otlp_kv("traceloop.entity.name", "get_weather")])
    got = _both(monkeypatch, req.SerializeToString())
    sessions = [s for s in got if "span_id" not in s]
    assert len(sessions) == 1 and "'framework': 'agno'" in sessions[0], sessions
    calls = [s for s in got if "span_id" in s and "chat claude" in s]
    assert len(calls) == 3
    for s in calls:
        assert "'input': 1498, 'output': 56" in s and "'cache_read': 200, 'cache_write': 64" in s, s
