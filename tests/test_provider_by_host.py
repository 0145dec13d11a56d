"""A model call's provider is named by the host it was sent to when its span names only the API's shape.

The ``openai`` SDK pointed at another provider's OpenAI-compatible API (Groq, DeepSeek, Azure ...)
is traced as provider ``openai`` by every OpenAI instrumentation; the host is in ``server.address``
(OTel's conventions) or in OpenLLMetry's ``gen_ai.openai.api_base`` URL. Each form is checked on
``cv.host_provider`` and on whole spans, built by the general path and by the key set's recipes
(compiled or not), which must agree.
"""

from __future__ import annotations

import msgspec
import pytest
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

from agenttrace_tui.ingest.otlp_decode import Rejects, convert_traces, parse
from agenttrace_tui.model import SpanKind
from agenttrace_tui.normalize import conventions as cv
from agenttrace_tui.normalize import otel
from otlp_values import kv as otlp_kv


@pytest.mark.parametrize(("value", "provider"), [
    ("api.groq.com", "groq"),  # server.address: a host
    ("http://api.groq.com/openai/v1/", "groq"),  # gen_ai.openai.api_base: the client's base URL
    ("https://user@API.DeepSeek.com:443/v1", "deepseek"),  # any case, a port, user info
    ("api.groq.com.", "groq"),  # a fully qualified name
    ("my-resource.openai.azure.com", "azure"),  # a domain whose every host is the provider's
    ("https://my-project.services.ai.azure.com/models", "azure"),
    ("https://my-resource.cognitiveservices.azure.com/openai/v1", "azure"),
    ("https://generativelanguage.googleapis.com/v1beta/openai/", "google"),
    ("https://openrouter.ai/api/v1", "openrouter"),
    ("api.together.xyz", "together"),
    ("api.x.ai", "x-ai"),
    ("api.moonshot.ai", "moonshotai"),
    # Regional hosts: the region in the first label, or a label of its own.
    ("https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/endpoints/openapi", "google"),
    ("europe-west4-aiplatform.googleapis.com", "google"),
    ("https://bedrock-runtime.us-west-2.amazonaws.com/openai/v1", "aws"),
    ("bedrock-runtime-fips.us-east-1.amazonaws.com", "aws"),
])
def test_a_known_api_host_names_its_provider(value: str, provider: str) -> None:
    assert cv.host_provider(value) == provider


@pytest.mark.parametrize("value", [
    "api.openai.com", "127.0.0.1", "localhost:8000", "http://127.0.0.1:4000/v1", "xapi.groq.com", "groq.com",
    "api.groq.com.evil.example", "", None, 443,
    "aiplatform.evil.example", "us-central1-aiplatform.googleapis.com.evil.example", "bedrock-runtime.example.com",
    "s3.us-east-1.amazonaws.com", "notaiplatform.googleapis.com",
])
def test_another_host_names_none(value: object) -> None:
    assert cv.host_provider(value) is None


#: (what the span sends beside its model and usage, the provider shown).
CASES = [
    # The official OpenAI instrumentation on Groq's API.
    ({"gen_ai.provider.name": "openai", "server.address": "api.groq.com"}, "groq"),
    # OpenLLMetry's: the base URL, no server.address on the span.
    ({"gen_ai.provider.name": "openai", "gen_ai.openai.api_base": "http://api.groq.com/openai/v1/"}, "groq"),
    # The older attribute, another case, an Azure resource.
    ({"gen_ai.system": "OpenAI", "server.address": "my-resource.openai.azure.com"}, "azure"),
    # No provider named at all.
    ({"server.address": "api.deepseek.com"}, "deepseek"),
    # A provider named otherwise is never overridden by the host.
    ({"gen_ai.provider.name": "anthropic", "server.address": "api.groq.com"}, "anthropic"),
    # OpenAI's own host, or one the table does not know (a local gateway): as named.
    ({"gen_ai.provider.name": "openai", "server.address": "api.openai.com"}, "openai"),
    ({"gen_ai.provider.name": "openai", "server.address": "127.0.0.1"}, "openai"),
]


def _request(spans: list[dict[str, object]], repeat: int, name: str = "chat llama-3.3-70b-versatile") -> bytes:
    req = trace_service_pb2.ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    rs.resource.attributes.append(otlp_kv("service.name", "compat"))
    ss = rs.scope_spans.add()
    ss.scope.name = "opentelemetry.instrumentation.openai_v2"
    n = 0
    for _ in range(repeat):
        for attrs in spans:
            n += 1
            sp = ss.spans.add(trace_id=(1).to_bytes(16, "big"), span_id=n.to_bytes(8, "big"),
                              name=name, start_time_unix_nano=10, end_time_unix_nano=20)
            sp.attributes.extend(otlp_kv(k, v) for k, v in attrs.items())
    return req.SerializeToString()


def _spans(body: bytes) -> list:
    chunks = convert_traces(parse("traces", body, False), False, Rejects(), lambda t: None)
    return [u for c in chunks for u in c if hasattr(u, "span_id")]


def _all_paths(monkeypatch: pytest.MonkeyPatch, body: bytes) -> list:
    """The spans of ``body`` as the general path builds them, after checking that the recipes (made
    on a first pass, used on a second; then compiled at once) build the same."""
    with monkeypatch.context() as m:
        m.setattr(otel._FastPlan, "make", staticmethod(lambda plan: otel._NO_FAST))
        cv._PLANS.clear()
        general = _spans(body)
    cv._PLANS.clear()
    fast = [_spans(body), _spans(body)]
    with monkeypatch.context() as m:
        m.setattr(otel, "COMPILE_AFTER", 1)
        cv._PLANS.clear()
        fast += [_spans(body), _spans(body)]
    cv._PLANS.clear()
    want = [msgspec.to_builtins(s) for s in general]
    for got in fast:
        assert [msgspec.to_builtins(s) for s in got] == want
    return general


@pytest.mark.parametrize(("sent", "provider"), CASES)
def test_each_host_form_names_the_calls_provider(monkeypatch: pytest.MonkeyPatch, sent: dict[str, object],
                                                 provider: str) -> None:
    attrs = {"gen_ai.operation.name": "chat", "gen_ai.request.model": "llama-3.3-70b-versatile", **sent,
             "gen_ai.usage.input_tokens": 1234, "gen_ai.usage.output_tokens": 56}
    spans = _all_paths(monkeypatch, _request([attrs], repeat=3))
    assert [(s.kind, s.llm.provider) for s in spans] == [(SpanKind.LLM_CALL, provider)] * 3
    assert all(k in s.attributes for s in spans for k in sent if k in cv.HOST_KEYS)  # the host stays shown


def test_calls_of_one_key_set_to_different_hosts_each_get_their_own_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    """The recipe of a key set is made per host: spans alike but for the host they went to (and so
    for the provider), interleaved, each get the provider of their own host, cache counts and all."""
    hosts = {"api.groq.com": "groq", "api.openai.com": "openai", "api.deepseek.com": "deepseek"}
    spans = [{"gen_ai.provider.name": "openai", "gen_ai.operation.name": "chat", "gen_ai.request.model": "m",
              "server.address": host, "gen_ai.usage.input_tokens": 1234, "gen_ai.usage.output_tokens": 56,
              "gen_ai.usage.cache_read.input_tokens": 200} for host in hosts]
    got = _all_paths(monkeypatch, _request(spans, repeat=4))
    assert [s.llm.provider for s in got] == list(hosts.values()) * 4
    assert {(s.usage.input, s.usage.cache_read) for s in got} == {(1234, 200)}


def test_a_span_that_is_no_model_call_gets_no_provider_from_its_host(monkeypatch: pytest.MonkeyPatch) -> None:
    """An HTTP client span to the same host names no model: it stays what it was, with no LLM part."""
    attrs = {"http.request.method": "POST", "server.address": "api.groq.com", "url.path": "/openai/v1/chat/completions"}
    (span,) = _all_paths(monkeypatch, _request([attrs], repeat=1, name="POST"))
    assert span.llm is None and span.kind is not SpanKind.LLM_CALL
