"""Convention tables: one case per mapping row, and the docs list every key."""

from __future__ import annotations

import ast
import json as jsonlib
from pathlib import Path

import pytest

from agenttrace_tui.ingest.otlp_decode import Rejects, ResourceInfo, _session_attr, build_span, convert_traces, parse
from agenttrace_tui.ingest.protocol import decode
from agenttrace_tui.model import Session, Span, SpanKind, Status
from agenttrace_tui.normalize import conventions as cv
from agenttrace_tui.normalize.native import normalize
from agenttrace_tui.store.memory import Store
from agenttrace_tui.store.merge import merge_session

DOC = Path(__file__).resolve().parent.parent / "docs" / "conventions.md"
KIND_FOR_PART = {"llm": "llm_call", "usage": "llm_call", "tool": "tool_execution", "agent": "agent",
                 "rag": "retrieval", "file": "file_read"}
SAMPLE = {cv._str: ("v-1", "v-1"), cv._int: ("42", 42), cv._float: (0.5, 0.5), cv._bool: ("true", True)}


def span(attrs: dict, name: str = "op", events=(), status_code: int = 0, message: str = "", session: str = "s"):
    return build_span("ab" * 16, "cd" * 8, None, name, 1_000, 2_000, dict(attrs), list(events), (), status_code,
                      message, session)


ROWS = [(part, field, conv, key) for part, field, conv, keys in cv.ATTRIBUTE_MAP for key in keys]


@pytest.mark.parametrize(("part", "field", "conv", "key"), ROWS, ids=[f"{r[0]}.{r[1]}<-{r[3]}" for r in ROWS])
def test_attribute_row(part, field, conv, key) -> None:
    raw, want = SAMPLE[conv]
    if field == "stop_reason" and key == "gen_ai.response.finish_reasons":
        raw = ["v-1", "other"]
    attrs = {key: raw, cv.KIND_KEY: KIND_FOR_PART[part]}
    if part == "usage" and field in cv.CACHE_COUNT_FIELDS:
        attrs["gen_ai.usage.output_tokens"] = 7  # a cache count alone is no usage (the test below)
    s = span(attrs)
    assert s.kind.value == KIND_FOR_PART[part]
    assert getattr(getattr(s, part), field) == want
    assert key not in s.attributes  # consumed


def test_cache_counts_alone_are_no_usage_and_stay_attributes() -> None:
    """A span setting only a call's cache reads and writes (the OpenHands SDK's span around each LiteLLM
    call) reports no usage of its own: its cache reads are not read as that many input tokens."""
    attrs = {"gen_ai.usage.cache_read_input_tokens": 200, "gen_ai.usage.cache_creation_input_tokens": 0,
             cv.KIND_KEY: "llm_call"}
    s = span(attrs)
    assert s.kind.value == "llm_call" and s.usage is None
    assert s.attributes["gen_ai.usage.cache_read_input_tokens"] == 200
    with_input = span({**attrs, "gen_ai.usage.input_tokens": 1234})
    assert with_input.usage is not None and (with_input.usage.input, with_input.usage.cache_read) == (1234, 200)


@pytest.mark.parametrize("key", cv.SESSION_KEYS)
def test_session_key_row(key) -> None:
    assert _session_attr({key: "sess-9"}) == "sess-9"
    res = ResourceInfo({"service.name": "svc", key: "sess-9"}, None)
    assert res.explicit_sid == "sess-9"


@pytest.mark.parametrize("key", cv.SESSION_KEYS)
def test_a_metric_point_names_its_session_by_any_session_key(key) -> None:
    from agenttrace_tui.ingest.otlp_metrics import _session_of

    res = ResourceInfo({"service.name": "svc", "service.instance.id": "i-1"}, None)
    assert _session_of({"gen_ai.token.type": "input", key: "sess-9"}, res) == "sess-9"
    assert _session_of({"gen_ai.token.type": "input"}, res) == "svc/i-1"


@pytest.mark.parametrize(("attrs", "sid"), [
    # The Vercel AI SDK 4-6: experimental_telemetry.metadata, each key as the app wrote it.
    ({"ai.telemetry.metadata.sessionId": "chat-1", "ai.telemetry.metadata.userId": "u-1"}, "chat-1"),
    # AI SDK 7 (@ai-sdk/otel): the runtime context let into telemetry.
    ({"ai.settings.context.sessionId": "chat-1", "ai.settings.context.userId": "u-1"}, "chat-1"),
    # OpenLLMetry: Traceloop.set_association_properties({"session_id": ..., "user_id": ...}).
    ({"traceloop.association.properties.session_id": "chat-1",
      "traceloop.association.properties.user_id": "u-1"}, "chat-1"),
    # Other metadata (a user, LangGraph's step in OpenLLMetry's LangChain spans) names no session.
    ({"ai.telemetry.metadata.userId": "u-1", "ai.settings.context.requestId": "r-1",
      "traceloop.association.properties.langgraph_step": 1}, None),
])
def test_the_session_an_app_names_through_its_sdk(attrs, sid) -> None:
    assert _session_attr(attrs) == sid
    plan = cv.plan_for(attrs)  # the OTLP path: the key set's plan names the session keys present
    assert (_session_attr(attrs, plan.session_keys) if plan.session_keys else None) == sid


def test_session_key_priority_and_service_instance_fallback() -> None:
    assert _session_attr({k: k for k in cv.SESSION_KEYS}) == cv.SESSION_KEYS[0]
    for key in cv.INSTANCE_KEYS:
        res = ResourceInfo({"service.name": "svc", "host.name": "h", key: "i-1"}, "openinference.instrumentation.crewai")
        assert res.derived_sid == "svc/i-1" and res.explicit_sid is None
        assert res.framework == "crewai" and res.hostname == ("i-1" if key == "host.name" else "h")
    assert ResourceInfo({}, None).derived_sid == "unknown_service"


def test_a_session_of_an_unnamed_service_is_labelled_by_its_id() -> None:
    # The OTel SDK's placeholder service name (Langfuse's SDK sends it) names nothing: the session's
    # own id does (a session.id the agent set); a named service still labels its sessions.
    for service in ("unknown_service", "unknown_service:python3"):
        session = ResourceInfo({"service.name": service}, "langfuse-sdk").session("weather-session-ok")
        assert session.label == "weather-session-ok" and session.shown_name is None
    assert ResourceInfo({"service.name": "checkout"}, None).session("s-1").label == "checkout"


@pytest.mark.parametrize(("value", "kind"), list(cv.OPERATION_KINDS.items()))
def test_operation_name_row(value, kind) -> None:
    assert span({cv.OPERATION_KEY: value}, name="x").kind is kind


@pytest.mark.parametrize(("value", "kind"), list(cv.OPENINFERENCE_KINDS.items()))
def test_openinference_kind_row(value, kind) -> None:
    assert span({cv.OPENINFERENCE_KEY: value}, name="x").kind is kind


@pytest.mark.parametrize(("value", "kind"), list(cv.TRACELOOP_KINDS.items()))
def test_traceloop_kind_row(value, kind) -> None:
    assert span({cv.TRACELOOP_KIND_KEY: value}, name="x").kind is kind


@pytest.mark.parametrize(("field", "key"), cv.TRACELOOP_TOOL_FIELDS)
def test_traceloop_tool_field_row(field, key) -> None:
    """OpenLLMetry's tool spans (withTool in Node.js) name the tool and carry its input and output
    only as entity attributes (JSON-encoded: a string output is shown as the string); another
    entity's span (a workflow) keeps them as attributes."""
    entity = {"traceloop.entity.name": "get_weather", "traceloop.entity.input": '{"kwargs":{"city":"Paris"}}',
              "traceloop.entity.output": '"Sunny"'}
    shown = {**entity, "traceloop.entity.output": "Sunny"}
    # Enough spans for the key set's recipe to be compiled (the fast path): every one the same.
    for _ in range(300):
        tool = span({**entity, cv.TRACELOOP_KIND_KEY: "tool"}, name="get_weather.tool")
        assert tool.kind is SpanKind.TOOL_EXECUTION and tool.tool is not None
        assert getattr(tool.tool, field) == shown[key] and key not in tool.attributes
    workflow = span({**entity, cv.TRACELOOP_KIND_KEY: "workflow"}, name="weather.workflow")
    assert workflow.tool is None and workflow.attributes[key] == entity[key]
    # A GenAI key on the span says it first.
    genai = {"name": "gen_ai.tool.name", "input_preview": "gen_ai.tool.call.arguments",
             "output_preview": "gen_ai.tool.call.result"}[field]
    both = span({**entity, cv.TRACELOOP_KIND_KEY: "tool", genai: "from-genai"}, name="get_weather.tool")
    assert both.tool is not None and getattr(both.tool, field) == "from-genai" and both.attributes[key] == entity[key]


def test_traceloop_task_naming_a_tool_is_its_call() -> None:
    """OpenLLMetry's LlamaIndex instrumentation marks a workflow agent's steps ``task`` and names the
    tool its call_tool step runs: that step is the tool's call; the tool's own task inside it is not."""
    step = {cv.TRACELOOP_KIND_KEY: "task", "traceloop.entity.name": "BaseWorkflowAgent.task",
            cv.TRACELOOP_TOOL_STEP_KEY: "get_weather", "tool.arguments": '{"city": "Paris"}',
            "traceloop.entity.output": '{"tool_name": "get_weather", "tool_output": "Sunny"}'}
    for _ in range(300):  # the key set's recipe compiled too
        tool = span(dict(step), name="BaseWorkflowAgent.task")
        assert tool.kind is SpanKind.TOOL_EXECUTION and tool.tool is not None
        assert (tool.tool.name, tool.tool.input_preview) == ("get_weather", '{"city": "Paris"}')
        assert tool.tool.output_preview == step["traceloop.entity.output"]
    inner = span({cv.TRACELOOP_KIND_KEY: "task", "traceloop.entity.name": "FunctionTool.task"}, name="FunctionTool.task")
    assert inner.kind is SpanKind.TASK and inner.tool is None


@pytest.mark.parametrize(("value", "kind"), list(cv.AI_SDK_KINDS.items()))
def test_ai_sdk_operation_row(value, kind) -> None:
    assert span({cv.AI_SDK_OPERATION_KEY: value}, name="x").kind is kind


@pytest.mark.parametrize(("value", "kind"), list(cv.LANGFUSE_KINDS.items()))
def test_langfuse_observation_type_row(value, kind) -> None:
    # "span" is explicit too: a Langfuse span named like a model call is not guessed one.
    assert span({cv.LANGFUSE_KIND_KEY: value}, name="chat_handler").kind is kind


def test_langfuse_sessions_are_langfuse_unless_it_exports_a_framework_beside_it() -> None:
    """Langfuse's exporter sends other instrumentations' spans beside its own (scope ``langfuse-sdk``)."""
    assert ResourceInfo({"service.name": "svc"}, cv.resource_scope(["langfuse-sdk"])).framework == "langfuse"
    assert cv.resource_scope(["langfuse-sdk", "pydantic-ai"]) == "pydantic-ai"
    # Langfuse's TypeScript exporter sends the AI SDK's spans (scope ``gen_ai``, naming no framework) before
    # its own in one export: the session is Langfuse's, as when its own spans come in an export of their own.
    assert cv.resource_scope(["gen_ai", "langfuse-sdk"]) == "langfuse-sdk"
    node = {"service.name": "unknown_service:node", "telemetry.sdk.name": "opentelemetry"}
    assert ResourceInfo(node, cv.resource_scope(["gen_ai", "langfuse-sdk"], node)).framework == "langfuse"
    assert ResourceInfo(node, cv.resource_scope(["gen_ai"], node)).framework is None
    assert merge_session(Session(id="s", framework="pydantic-ai"), Session(id="s", framework="langfuse")).framework == (
        "pydantic-ai")


def test_the_cline_clis_langfuse_tracers_name_cline_not_langfuse() -> None:
    """The Cline CLI sends the AI SDK's spans of its model calls through Langfuse's span processor, on
    tracers named after Langfuse (``cline-langfuse-direct``), under no service name of its own."""
    cline = {"service.name": "unknown_service:/usr/lib/node_modules/cline/bin/cline",
             "telemetry.sdk.name": "opentelemetry"}
    for scope in ("cline-langfuse-direct", "cline-provider-langfuse"):
        assert ResourceInfo(cline, cv.resource_scope([scope], cline)).framework == "cline"


#: The ``gen_ai.operation.name`` the LangSmith SDK (0.15.1) derives from each run type.
LANGSMITH_OPERATIONS = {"llm": "chat", "tool": "execute_tool", "retriever": "embeddings", "embedding": "embeddings",
                        "prompt": "chat", "chain": "chain", "parser": "parser"}


@pytest.mark.parametrize(("value", "kind"), list(cv.LANGSMITH_KINDS.items()))
def test_langsmith_run_type_row(value, kind) -> None:
    """The run type says the kind before the operation name the SDK derives from it (a prompt
    template filled in is no model call, a LangGraph node named ``tools`` no tool call)."""
    got = span({cv.LANGSMITH_KIND_KEY: value, cv.OPERATION_KEY: LANGSMITH_OPERATIONS[value]}, name="tools")
    assert got.kind is kind


def test_a_langsmith_chain_with_its_models_usage_is_no_model_call() -> None:
    """The SDK puts the usage of a chain's output message on the chain's span (``prompt | llm``):
    a task, whose usage the store shows for its subtree and never adds."""
    chain = build_span("ab" * 16, "a" * 16, None, "RunnableSequence", 1, 10, {
        cv.LANGSMITH_KIND_KEY: "chain", cv.OPERATION_KEY: "chain", **FLAT_USAGE}, [], (), 1, "", "s")
    call = build_span("ab" * 16, "b" * 16, "a" * 16, "ChatOpenAI", 2, 9, {
        cv.LANGSMITH_KIND_KEY: "llm", cv.OPERATION_KEY: "chat", "gen_ai.request.model": "gpt-4o-mini", **FLAT_USAGE},
        [], (), 1, "", "s")
    assert (chain.kind, call.kind) == (SpanKind.TASK, SpanKind.LLM_CALL)
    st = Store()
    st.apply([chain, call])
    totals = st.trace("ab" * 16).totals
    assert (totals.input_tokens, totals.output_tokens, totals.llm_calls) == (1234, 56, 1)


def test_langsmith_sessions_are_its_threads_not_its_project() -> None:
    meta = {"langsmith.trace.session_id": "project-uuid", "langsmith.metadata.thread_id": "thread-1"}
    assert _session_attr(meta) == "thread-1"
    assert _session_attr({"langsmith.trace.session_id": "project-uuid"}) is None
    assert ResourceInfo({"service.name": "langsmith"}, cv.resource_scope(["langsmith"])).framework == "langsmith"
    assert cv.resource_scope(["langsmith", "openinference.instrumentation.langchain"]) == (
        "openinference.instrumentation.langchain")


def test_a_resource_is_the_framework_its_scopes_name_not_their_instrumentation_family() -> None:
    oi_openai, oi_crew = "openinference.instrumentation.openai", "openinference.instrumentation.crewai"
    assert cv.resource_scope([oi_openai, oi_crew]) == oi_crew
    assert cv.resource_scope([oi_openai]) == oi_openai and cv.resource_scope([None, oi_openai]) == oi_openai
    # A first scope naming nothing keeps its resource's word (a service named after its framework).
    crew_service = {"service.name": "crewai-app"}
    assert cv.resource_scope([None, oi_openai], crew_service) is None
    assert ResourceInfo(crew_service, cv.resource_scope([None, oi_openai], crew_service)).framework == "crewai"
    assert cv.resource_scope([]) is None
    assert ResourceInfo({"service.name": "svc"}, cv.resource_scope([oi_openai, oi_crew])).framework == "crewai"
    # A later report of only the family's spans keeps the session's framework.
    assert merge_session(Session(id="s", framework="crewai"), Session(id="s", framework="openinference")).framework == "crewai"
    assert merge_session(Session(id="s", framework="openinference"), Session(id="s", framework="crewai")).framework == "crewai"
    assert merge_session(Session(id="s"), Session(id="s", framework="openinference")).framework == "openinference"


def test_litellm_names_its_own_sessions_only() -> None:
    """LiteLLM's OTel callback (scope ``litellm``) names a session of its own; under an agent
    framework that traces the same process, the agent framework's name stands."""
    assert ResourceInfo({"service.name": "svc"}, cv.resource_scope(["litellm"])).framework == "litellm"
    assert cv.resource_scope(["litellm", "openinference.instrumentation.crewai"]) == "openinference.instrumentation.crewai"
    assert merge_session(Session(id="s", framework="crewai"), Session(id="s", framework="litellm")).framework == "crewai"
    # OpenInference's LiteLLM instrumentor is not LiteLLM's own telemetry.
    assert cv.framework_hint("openinference.instrumentation.litellm", {}) == "openinference"


def test_a_named_framework_is_read_the_same_from_memory_and_memory_stays_bounded() -> None:
    """Scope and service names are read once for their framework and kept: read again (and after
    more distinct names than are kept, which senders choose), each reads as it did the first time."""
    named = [("openinference.instrumentation.crewai", {}), (None, {"service.name": "my-LangGraph-app"}),
             ("my.scope", {"service.name": 7}), ("", {"service.name": "strands-agents"}), (None, {})]
    first = [cv.framework_hint(scope, res) for scope, res in named]
    assert first == ["crewai", "langgraph", None, "strands", None]
    for i in range(cv.MAX_NAMED + 10):
        assert cv.framework_hint(f"custom.scope.{i}", {"service.name": f"svc-{i}"}) is None
    assert len(cv._NAMED) <= cv.MAX_NAMED
    assert [cv.framework_hint(scope, res) for scope, res in named] == first


def test_openinference_for_the_openai_agents_sdk_for_typescript_names_the_sdk() -> None:
    """OpenInference's npm instrumentation of ``@openai/agents`` names its scope with hyphens (the
    Python one with underscores): the session is the SDK's, not the instrumentation family's."""
    scope = "@arizeai/openinference-instrumentation-openai-agents"
    assert cv.framework_hint(scope, {}) == "openai-agents"
    assert ResourceInfo({"service.name": "svc"}, cv.resource_scope([scope])).framework == "openai-agents"
    # OpenInference's npm instrumentation of the openai client alone names no agent framework.
    assert cv.framework_hint("@arizeai/openinference-instrumentation-openai", {}) == "openinference"


def test_openinference_for_baml_names_baml() -> None:
    """OpenInference's BAML instrumentation (one span per BAML function call, scope
    ``openinference.instrumentation.baml._instrumentor``) names BAML, not the instrumentation family."""
    scope = "openinference.instrumentation.baml._instrumentor"
    assert cv.framework_hint(scope, {}) == "baml"
    assert ResourceInfo({"service.name": "svc"}, cv.resource_scope([scope])).framework == "baml"


def test_a_baml_call_names_the_provider_bamls_client_names_and_no_framework_as_one() -> None:
    """OpenInference's BAML instrumentation sends ``llm.system`` ``baml`` on every span and the BAML
    client's provider as ``llm.provider``: ``baml`` is no provider (a refused call's span names nothing
    else), nor is ``openai-generic`` (any OpenAI-shaped API: the model alone names the price); BAML's names
    of known providers are theirs (general and fast path alike)."""
    for _ in range(300):
        for provider, want in ((None, None), ("openai-generic", None), ("openai", "openai"), ("anthropic", "anthropic"),
                               ("google-ai", "google"), ("vertex-ai", "google"), ("aws-bedrock", "aws.bedrock"),
                               ("azure-openai", "azure"), ("openai-responses", "openai")):
            attrs = {"openinference.span.kind": "LLM", "llm.system": "baml", "llm.model_name": "gpt-4o-mini",
                     **({"llm.provider": provider} if provider else {})}
            got = build_span("ab" * 16, "cd" * 8, None, "BAML.ExtractWeather", 1, 2, attrs, [], (), 0, "", "s", "baml")
            assert got.kind is SpanKind.LLM_CALL and got.llm is not None and got.llm.provider == want, (provider, got.llm)


def test_openinference_for_instructor_names_instructor() -> None:
    """OpenInference's Instructor instrumentation beside its OpenAI one (as its README sets them up): the
    session is instructor's, whichever scope comes first, not the instrumentation family's."""
    oi_openai, oi_instructor = "openinference.instrumentation.openai", "openinference.instrumentation.instructor"
    assert cv.framework_hint(oi_instructor, {}) == "instructor"
    for scopes in ([oi_openai, oi_instructor], [oi_instructor, oi_openai]):
        assert ResourceInfo({"service.name": "svc"}, cv.resource_scope(scopes)).framework == "instructor"


def test_mirascopes_own_tracing_names_mirascope() -> None:
    """Mirascope's ops tracing: its model calls' scope and its traced functions', whichever comes first."""
    llm_scope, ops_scope = "mirascope.llm", "mirascope.ops"
    assert cv.framework_hint(llm_scope, {"service.name": "weather-app"}) == "mirascope"
    for scopes in ([llm_scope, ops_scope], [ops_scope, llm_scope]):
        assert ResourceInfo({"service.name": "weather-app"}, cv.resource_scope(scopes)).framework == "mirascope"


#: Per client of ``CLIENT_INTERNAL_NAMES``: (an internal span's name, a model call's name).
INTERNAL_EXAMPLES = {"llama-index": ("Anthropic._prepare_chat_with_tools", "Anthropic.achat"),
                     "mastra": ("model_chunk weather-agent", "chat gpt-4o-mini")}


@pytest.mark.parametrize(("client", "pattern"), cv.CLIENT_INTERNAL_NAMES.items())
def test_client_internal_name_rows(client, pattern) -> None:
    llm = {cv.OPENINFERENCE_KEY: "LLM", "llm.model_name": "gpt-4o-mini", "input.value": '{"tools": []}'}
    internal, call_name = INTERNAL_EXAMPLES[client]
    prep = build_span("ab" * 16, "cd" * 8, None, internal, 1, 2, dict(llm), [], (), 0, "", "s", client)
    assert pattern.search(prep.name) and prep.kind is SpanKind.CUSTOM and prep.attributes[cv.INTERNAL_KEY] is True
    call = build_span("ab" * 16, "cd" * 8, None, call_name, 1, 2, dict(llm), [], (), 0, "", "s", client)
    assert call.kind is SpanKind.LLM_CALL and cv.INTERNAL_KEY not in call.attributes


@pytest.mark.parametrize(("client", "key"), cv.CLIENT_INTERNAL_KEYS.items())
def test_client_internal_key_rows(client, key) -> None:
    # BeeAI's chat model events (a streamed token, an error) as OpenInference sends them: an LLM
    # span inside the call's, named after the event. With text (the general path) and without
    # (the fast path, compiled after enough spans of one shape).
    event = {cv.OPENINFERENCE_KEY: "LLM", key: "backend.openai.chat.new_token", "metadata.id": "e1"}
    call = {cv.OPENINFERENCE_KEY: "LLM", "llm.model_name": "gpt-4o-mini", "llm.token_count.prompt": 12}
    for text in ({"input.value": '{"value": "Hi"}'}, {}):
        for _ in range(300):
            got = build_span("ab" * 16, "cd" * 8, "ef" * 8, "new_token", 1, 1, {**event, **text}, [], (), 0, "", "s", client)
            assert got.kind is SpanKind.CUSTOM and got.attributes[cv.INTERNAL_KEY] is True
            got = build_span("ab" * 16, "ef" * 8, None, "OpenAIChatModel", 1, 2, {**call, **text}, [], (), 0, "", "s", client)
            assert got.kind is SpanKind.LLM_CALL and cv.INTERNAL_KEY not in got.attributes
    # Another client's span with that key is left to the kind it says.
    other = build_span("ab" * 16, "cd" * 8, None, "chat", 1, 2, dict(event), [], (), 0, "", "s", "crewai")
    assert other.kind is SpanKind.LLM_CALL


#: Per client of ``CLIENT_TOOL_SPAN_NAMES``: (a tool span's name, the tool it names).
TOOL_SPAN_EXAMPLES = {"dspy": [("get_weather.__call__", "get_weather"), ("search_web.acall", "search_web")],
                      "langfuse": [("get_weather", "get_weather")], "mlflow": [("get_weather", "get_weather")],
                      "laminar": [("get_weather", "get_weather")], "agentops": [("get_weather.tool", "get_weather")],
                      "genkit": [("get_weather", "get_weather")],
                      "openai-agents": [("Function: get_weather", "get_weather")],
                      "fast-agent": [("MCP Tool: weather__get_weather", "weather__get_weather")],
                      "griptape": [("WeatherTool.try_run()", "WeatherTool"), ("CalculatorTool.try_run()", "CalculatorTool")],
                      # OpenInference's BeeAI instrumentation for JavaScript without the run's context: the tool's
                      # emitter path's last part (a DynamicTool's name in camel case, a built-in tool's own).
                      "beeai": [("tool.dynamic.getWeather.success-1", "getWeather"),
                                ("tool.search.duckDuckGo.error-2", "duckDuckGo")]}
#: The marker key a client's tool span carries beside (``CLIENT_MARKED_SPAN_KINDS``: Griptape's ``tags``).
TOOL_SPAN_MARKS = {"griptape": {"tags": ("Tool.run()",)}}


@pytest.mark.parametrize(("client", "pattern"), cv.CLIENT_TOOL_SPAN_NAMES.items())
def test_client_tool_span_name_rows(client, pattern) -> None:
    mark = TOOL_SPAN_MARKS.get(client, {})
    tool = {cv.OPENINFERENCE_KEY: "TOOL", "input.value": '{"kwargs": {}}', "input.mime_type": "application/json", **mark}
    for name, want in TOOL_SPAN_EXAMPLES[client]:
        assert pattern.match(name)
        # With text (the general path) and without (the fast path, compiled after enough spans).
        for attrs in (tool, {cv.OPENINFERENCE_KEY: "TOOL", **mark}):
            for _ in range(300):
                got = build_span("ab" * 16, "cd" * 8, None, name, 1, 2, dict(attrs), [], (), 0, "", "s", client)
                assert got.kind is SpanKind.TOOL_EXECUTION and got.tool is not None and got.tool.name == want
        # A tool name the span carries wins; another client's span keeps its name as sent.
        named = build_span("ab" * 16, "cd" * 8, None, name, 1, 2, {**tool, "tool.name": "t"}, [], (), 0, "", "s", client)
        assert named.tool is not None and named.tool.name == "t"
        other = build_span("ab" * 16, "cd" * 8, None, name, 1, 2, dict(tool), [], (), 0, "", "s", "crewai")
        assert other.tool is None or other.tool.name is None


def test_client_tool_span_patterns_decide_the_kind() -> None:
    # logfire's OpenAI Agents function span: rendered name, the tool's name, arguments and result, no kind key.
    pattern = cv.CLIENT_TOOL_SPAN_PATTERNS["openai-agents"]
    attrs = {cv.RENDERED_NAME_KEY: "Function: get_weather", "logfire.msg_template": "Function: {name}",
             "name": "get_weather", "input": '{"city": "Paris"}', "output": "Sunny, 22 C in Paris"}
    got = build_span("ab" * 16, "cd" * 8, None, "Function: {name}", 1, 2, dict(attrs), [], (), 0, "", "s", "openai-agents")
    assert pattern.match(got.name)
    assert got.kind is SpanKind.TOOL_EXECUTION and got.tool is not None and got.tool.name == "get_weather"
    assert got.tool.input_preview == '{"city": "Paris"}' and got.tool.output_preview == "Sunny, 22 C in Paris"
    # Another client's span of that name is no tool call by its name.
    other = build_span("ab" * 16, "cd" * 8, None, "Function: {name}", 1, 2, dict(attrs), [], (), 0, "", "s", "crewai")
    assert other.kind is not SpanKind.TOOL_EXECUTION


#: Per client of ``CLIENT_SPAN_KIND_PATTERNS``: (span name, its attributes as the client sends them, the kind).
SPAN_KIND_PATTERN_EXAMPLES: dict[str, list[tuple[str, dict, SpanKind | None]]] = {
    # mcp-agent 0.2.6 with an OpenAI augmented LLM: its loop's span carries the summed usage of its calls and
    # the model asked for; attach_llm names the LLM class; the agent's, the aggregator's and the MCP client
    # session's reports of the tool call the augmented LLM's execute_tool_call made (None: internal).
    "mcp-agent": [
        ("OpenAIAugmentedLLM.weather_agent.generate",
         {"gen_ai.agent.name": "weather_agent", "gen_ai.request.model": "gpt-4o-mini",
          "gen_ai.usage.input_tokens": 2634, "gen_ai.usage.output_tokens": 134}, SpanKind.AGENT),
        ("AnthropicAugmentedLLM.weather_agent.generate_str",
         {"gen_ai.agent.name": "weather_agent", "message.content": "What is the weather in Paris?"}, SpanKind.AGENT),
        ("Agent.weather_agent.attach_llm",
         {"llm.class": "OpenAIAugmentedLLM", "llm.name": "weather_agent", "llm.provider": "openai"}, None),
        ("Agent.weather_agent.call_tool",
         {"gen_ai.agent.name": "weather_agent", "gen_ai.tool.name": "weather_get_weather"}, None),
        ("MCPAggregator.call_tool",
         {"gen_ai.agent.name": "weather_agent", "gen_ai.tool.name": "weather_get_weather"}, None),
        ("MCPAgentClientSession.send_request",
         {"mcp.method.name": "tools/call", "mcp.tool.name": "get_weather"}, None),
    ],
    # Upsonic 0.77.3's pipeline steps (each with its name, description, status and time): steps, not the model
    # call, tool call or memory read some of their names suggest.
    "upsonic": [
        (f"pipeline.step.{step}", {"upsonic.step.name": step, "upsonic.step.description": "a step",
                                   "upsonic.step.status": "COMPLETED", "upsonic.step.execution_time": 0.01},
         SpanKind.TASK)
        for step in ("llm_manager", "tool_setup", "memory_prepare", "chat_history", "model_execution", "cache_storage")
    ],
    # Microsoft Agent Framework 1.26's workflow run (GenAI's invoke_workflow, as OpenInference's processor leaves it):
    # a step around its executors' agents, no agent itself (``workflow.run`` before 1.26 was one by what it carried).
    "agent-framework": [
        ("invoke_workflow weather-workflow", {"workflow.id": "2c9188fd", "gen_ai.workflow.name": "weather-workflow",
                                              "gen_ai.operation.name": "invoke_workflow", cv.OPENINFERENCE_KEY: "CHAIN"},
         SpanKind.TASK),
    ],
    # Griptape's observability driver (nothing on its spans but their names): a prompt driver's request
    # inside its run() (its attempt, streamed or not), a structure's run of its tasks, its steps before
    # and after (None: internal).
    "griptape": [
        ("OpenAiChatPromptDriver.try_run()", {}, SpanKind.LLM_CALL),
        ("AnthropicPromptDriver.try_stream()", {}, SpanKind.LLM_CALL),
        ("Agent.try_run()", {}, SpanKind.TASK),
        ("Workflow.try_run()", {}, SpanKind.TASK),
        ("Agent.before_run()", {}, None),
        ("Pipeline.after_run()", {}, None),
    ],
    # OpenInference's BeeAI instrumentation for JavaScript (a span per framework event): a chat model's success or
    # error event is the call, a tool's the tool call; the call's start (its prompt) and finish, a tool's start,
    # an agent iteration's start around its calls are records of the run (None: internal).
    "beeai": [
        ("backend.openai.chat.success-1", {cv.OPENINFERENCE_KEY: "LLM", "llm.model_name": "gpt-4o-mini",
                                           "llm.token_count.prompt": 1234, "llm.token_count.completion": 56}, SpanKind.LLM_CALL),
        ("backend.openai.chat.error-2", {cv.OPENINFERENCE_KEY: "LLM", "llm.model_name": "gpt-4o-mini",
                                         "exception.type": "AI_APICallError"}, SpanKind.LLM_CALL),
        ("tool.dynamic.getWeather.success-1", {cv.OPENINFERENCE_KEY: "TOOL", "tool.parameters": '{"city":"Paris"}'},
         SpanKind.TOOL_EXECUTION),
        ("backend.openai.chat.start-1", {cv.OPENINFERENCE_KEY: "LLM", "llm.model_name": "gpt-4o-mini"}, None),
        ("backend.openai.chat.finish-1", {cv.OPENINFERENCE_KEY: "LLM"}, None),
        ("tool.dynamic.getWeather.start-1", {cv.OPENINFERENCE_KEY: "TOOL", "tool.parameters": '{"city":"Paris"}'}, None),
        ("agent.toolCalling.start-2", {cv.OPENINFERENCE_KEY: "AGENT"}, None),
        ("agent.toolCalling.run.error-1", {"metadata": '{"internal":true}'}, None),
    ],
    # Langtrace's langchain-core instrumentation (every public method of a chat model's classes, each naming
    # the model): building, serializing and binding the model run none (None: internal).
    "langtrace": [
        ("BaseLanguageModel.model_post_init", {"gen_ai.request.model": "gpt-4o-mini", "langchain.task.name": "language_model"},
         None),
        ("BaseChatModel.asdict", {"gen_ai.request.model": "gpt-4o-mini", "langchain.task.name": "chatmodel",
                                  "langchain.outputs": '{"model_name": "gpt-4o-mini"}'}, None),
        ("BaseChatModel.bind_tools", {"gen_ai.request.model": "gpt-4o-mini", "langchain.task.name": "chatmodel"}, None),
    ],
}


@pytest.mark.parametrize(("client", "rows"), cv.CLIENT_SPAN_KIND_PATTERNS.items())
def test_client_span_kind_patterns_decide_the_kind(client, rows) -> None:
    for name, attrs, want in SPAN_KIND_PATTERN_EXAMPLES[client]:
        assert any(pattern.search(name) for pattern, _kind in rows), name
        # Once by the general path, then enough times for the fast path's compiled recipe.
        for _ in range(300):
            got = build_span("ab" * 16, "cd" * 8, None, name, 1, 2, dict(attrs), [], (), 0, "", "s", client)
            if want is None:
                assert got.kind is SpanKind.CUSTOM and got.attributes[cv.INTERNAL_KEY] is True, name
            else:
                assert got.kind is want and cv.INTERNAL_KEY not in got.attributes, name
        # Another client's span of that name is left to what it carries.
        other = build_span("ab" * 16, "cd" * 8, None, name, 1, 2, dict(attrs), [], (), 0, "", "s", "crewai")
        assert cv.INTERNAL_KEY not in other.attributes


def test_mcp_agents_tool_call_previews_its_arguments_and_result() -> None:
    # The augmented LLM's execute_tool_call span: the call's id, name, arguments (JSON) and result blocks.
    attrs = {"gen_ai.tool.call.id": "call_1", "gen_ai.tool.name": "weather_get_weather", "tool_args": '{"city": "Paris"}',
             "result.isError": False, "result.content.0.type": "text", "result.content.0.text": "Sunny, 22 C in Paris"}
    got = build_span("ab" * 16, "cd" * 8, None, "OpenAIAugmentedLLM.weather_agent.execute_tool_call", 1, 2, attrs, [], (),
                     0, "", "s", "mcp-agent")
    assert got.kind is SpanKind.TOOL_EXECUTION and got.tool is not None and got.tool.call_id == "call_1"
    assert got.tool.input_preview == '{"city": "Paris"}' and got.tool.output_preview == "Sunny, 22 C in Paris"
    # mcp-agent's tracer is named after its service, "mcp-agent" by default.
    assert cv.framework_hint("mcp-agent", {"service.name": "mcp-agent"}) == "mcp-agent"
def test_fast_agents_spans_are_its_agents_turns_and_its_mcp_tool_calls() -> None:
    """fast-agent's own spans carry no kind key: ``Agent: '{name}' generate`` is the agent's turn (not a
    model call, which the word "generate" made it, counting each turn as a call beside OpenLLMetry's),
    named after the agent; ``MCP Tool: {server}__{tool}`` is the tool's call, named by its ``tool_name``
    (the server's tool, as the MCP SDK's spans of the call name it). General and fast path alike."""
    assert cv.framework_hint("fast_agent.agents.llm_decorator", {}) == "fast-agent"
    tool_attrs = {"tool_name": "get_weather", "server_name": "weather", "namespaced_tool_name": "weather__get_weather"}
    for _ in range(300):
        for name in ("Agent: 'weather_agent' generate", "Agent: 'weather_agent' structured",
                     "Chain: 'weather_agent' generate", "Routing: 'weather_agent' structured_schema"):
            got = build_span("ab" * 16, "cd" * 8, None, name, 1, 2, {}, [], (), 0, "", "s", "fast-agent")
            assert got.kind is SpanKind.AGENT and got.agent is not None and got.agent.name == "weather_agent"
        got = build_span("ab" * 16, "cd" * 8, None, "MCP Tool: weather__get_weather", 1, 2, dict(tool_attrs), [], (), 0,
                         "", "s", "fast-agent")
        assert got.kind is SpanKind.TOOL_EXECUTION and got.tool is not None and got.tool.name == "get_weather"
    # Another client's span so named is left to the guess from its name.
    other = build_span("ab" * 16, "cd" * 8, None, "Agent: 'weather_agent' generate", 1, 2, {}, [], (), 0, "", "s", "crewai")
    assert other.kind is not SpanKind.AGENT and other.agent is None


def test_an_agno_teams_run_is_its_leaders_agent_span_whatever_the_instrumentor_called_it() -> None:
    """OpenLLMetry's Agno instrumentor marks a Team's run a workflow and names the team only as
    ``agno.team.name``: it is the run of the team's leader, an agent with its own model, named so
    (general and fast path alike); a member's ``.agent`` span stays its own agent's, OpenInference's
    team span (``agent.name``) its own, and another client's workflow so named stays a step."""
    team = {"traceloop.span.kind": "workflow", "gen_ai.system": "agno", "agno.team.name": "Weather Team",
            "agno.run.id": "r-1"}
    member = {"traceloop.span.kind": "agent", "gen_ai.system": "agno", cv.AGENT_NAME_KEY: "Weather Agent",
              "gen_ai.request.model": "gpt-4o-mini"}
    openinference = {"openinference.span.kind": "AGENT", "agent.name": "Weather Team", "agno.team": "Weather Team",
                     "agno.team.id": "weather-team", "graph.node.id": "a7"}
    for _ in range(300):
        for name, attrs, want in (("Weather Team.team", team, "Weather Team"),
                                  ("Weather Agent.agent", member, "Weather Agent"),
                                  ("Weather_Team.run", openinference, "Weather Team")):
            got = build_span("ab" * 16, "cd" * 8, None, name, 1, 2, dict(attrs), [], (), 0, "", "s", "agno")
            assert got.kind is SpanKind.AGENT and got.agent is not None and got.agent.name == want, (name, got.kind)
    other = build_span("ab" * 16, "cd" * 8, None, "Weather Team.team", 1, 2, dict(team), [], (), 0, "", "s", "crewai")
    assert other.kind is SpanKind.TASK and other.agent is None


def test_a_crewai_delegation_tool_call_names_the_coworker_it_runs() -> None:
    """CrewAI runs the coworker an agent asks a question or hands a task to inside the delegation
    tool's span (OpenInference's ``Ask question to coworker.run``, ``Delegate work to coworker.run``),
    with no agent span: the span stays a tool call and is marked with the coworker its arguments name
    (``RUNS_AGENT_KEY``, whitespace runs made one space, as CrewAI finds it), general and fast path
    alike. Another tool of the crew, arguments naming no coworker or not JSON, and another client's
    span so named are marked with no agent."""
    def tool(name: str, arguments: str) -> dict:
        return {cv.KIND_KEY: "TOOL", "tool.name": name, "input.value": arguments,
                "input.mime_type": "application/json", "output.value": "Sunny, 22 C in Paris"}

    ask = tool("Ask question to coworker", jsonlib.dumps(
        {"question": "What is the weather in Paris?", "context": "A report.", "coworker": "Weather  researcher"}))
    delegate = tool("Delegate work to coworker", jsonlib.dumps(
        {"task": "Find the weather in Paris.", "context": "A report.", "coworker": "Weather researcher"}))
    for _ in range(300):
        for name, attrs in (("Ask question to coworker.run", ask), ("Delegate work to coworker.run", delegate)):
            got = build_span("ab" * 16, "cd" * 8, None, name, 1, 2, dict(attrs), [], (), 0, "", "s", "crewai")
            assert got.kind is SpanKind.TOOL_EXECUTION and got.tool is not None and got.agent is None, name
            assert got.tool.name == attrs["tool.name"] and got.attributes[cv.RUNS_AGENT_KEY] == "Weather researcher"
        for name, attrs, client in (("get_weather.run", tool("get_weather", '{"city": "Paris"}'), "crewai"),
                                    ("Ask question to coworker.run", tool("Ask question to coworker", "Paris?"),
                                     "crewai"),
                                    ("Ask question to coworker.run", tool("Ask question to coworker", '{"q": 1}'),
                                     "crewai"),
                                    ("Ask question to coworker.run", ask, "smolagents")):
            got = build_span("ab" * 16, "cd" * 8, None, name, 1, 2, dict(attrs), [], (), 0, "", "s", client)
            assert got.kind is SpanKind.TOOL_EXECUTION and cv.RUNS_AGENT_KEY not in got.attributes, (name, client)


def test_a_crewai_coworker_is_read_as_crewai_reads_it_to_find_the_agent() -> None:
    """CrewAI's delegation tools find the coworker a model names after taking the first of a list written
    as one (``[a, b]``), making runs of whitespace one space and dropping double quotes (case is left to
    the store, which spells the name as the agent's own span does): the span is marked with that name."""
    for written, want in (('["Weather   researcher", Weather writer]', "Weather researcher"),
                          ('"weather\nRESEARCHER"', "weather RESEARCHER"), ("[]", None), ('""', None)):
        attrs = {cv.KIND_KEY: "TOOL", "tool.name": "Ask question to coworker",
                 "input.value": jsonlib.dumps({"question": "Paris?", "context": "", "coworker": written})}
        got = build_span("ab" * 16, "cd" * 8, None, "Ask question to coworker.run", 1, 2, attrs, [], (), 0, "", "s",
                         "crewai")
        assert got.attributes.get(cv.RUNS_AGENT_KEY) == want, written


def test_an_opencode_task_tool_call_names_the_sub_agent_it_runs() -> None:
    """OpenCode runs a sub-agent inside its ``task`` tool's call (the AI SDK's ``ai.toolCall``) with no
    span naming the agent: the tool call is marked with the ``subagent_type`` its arguments name
    (``RUNS_AGENT_KEY``), general and fast path alike. Another tool's call, even with such an argument,
    arguments naming none, and another client's ``ai.toolCall`` of a tool named ``task`` are not."""
    def call(tool: str, arguments: dict) -> dict:
        return {"ai.operationId": "ai.toolCall", "ai.toolCall.name": tool, "ai.toolCall.id": "call_1",
                "ai.toolCall.args": jsonlib.dumps(arguments), "session.id": "ses_main"}

    task = call("task", {"description": "Read the greeting", "prompt": "Read it.", "subagent_type": "greeter"})
    for _ in range(300):
        got = build_span("ab" * 16, "cd" * 8, None, "ai.toolCall", 1, 2, dict(task), [], (), 0, "", "s", "opencode")
        assert got.kind is SpanKind.TOOL_EXECUTION and got.tool is not None and got.tool.name == "task"
        assert got.agent is None and got.attributes[cv.RUNS_AGENT_KEY] == "greeter"
        for attrs, client in ((call("read", {"filePath": "/a", "subagent_type": "greeter"}), "opencode"),
                              (call("task", {"description": "x", "prompt": "y"}), "opencode"),
                              (task, "ai-sdk")):
            got = build_span("ab" * 16, "cd" * 8, None, "ai.toolCall", 1, 2, dict(attrs), [], (), 0, "", "s", client)
            assert got.kind is SpanKind.TOOL_EXECUTION and cv.RUNS_AGENT_KEY not in got.attributes, (attrs, client)


def test_a_smolagents_run_span_is_named_after_its_agent() -> None:
    """OpenInference's smolagents instrumentor names each agent's run span ``<agent>.run`` (the agent's
    ``name``, or its class for an agent given none) and sends no agent name: the span is that agent's, a
    manager's and the managed agent's it runs alike, so each agent's model calls are charged to it. General
    and fast path alike; a step or a model call is no agent's run, another client's ``.run`` span neither."""
    assert cv.framework_hint("openinference.instrumentation.smolagents", {}) == "smolagents"
    run = {cv.KIND_KEY: "AGENT", "input.value": "What is the weather in Paris?", "smolagents.max_steps": 3,
           "llm.token_count.prompt": 2468, "llm.token_count.completion": 112}
    for _ in range(300):
        for name, agent in (("manager.run", "manager"), ("weather_agent.run", "weather_agent"),
                            ("ToolCallingAgent.run", "ToolCallingAgent")):
            got = build_span("ab" * 16, "cd" * 8, None, name, 1, 2, dict(run), [], (), 0, "", "s", "smolagents")
            assert got.kind is SpanKind.AGENT and got.agent is not None and got.agent.name == agent, name
        step = build_span("ab" * 16, "cd" * 8, None, "Step 1", 1, 2, {cv.KIND_KEY: "CHAIN"}, [], (), 0, "", "s",
                          "smolagents")
        assert step.agent is None
    other = build_span("ab" * 16, "cd" * 8, None, "manager.run", 1, 2, dict(run), [], (), 0, "", "s", "crewai")
    assert other.agent is None or other.agent.name != "manager"


def test_griptapes_tagged_spans_are_its_model_calls_and_tools_and_its_structures_run_its_agent() -> None:
    """Griptape's observability driver tags a prompt driver's ``run()`` and a tool's ``try_run()``
    (``tags``) and nothing else: the model call (whatever its driver's class is named) and the tool's
    call, named after the tool's class; a structure's untagged ``run()`` (``run_stream()``) is the agent,
    named after its class. General and fast path alike; another client's spans so named are left to
    what they carry, and the framework is read from the span names of a scope named after the app."""
    assert cv.framework_hint("griptape", {"service.name": "griptape"}) == "griptape"
    assert cv.framework_scope("weather-app", ["Agent.before_run()"]) == "griptape"
    assert cv.framework_scope(None, ["main", "OpenAiChatPromptDriver.try_run()"]) == "griptape"
    assert cv.framework_scope("weather-app", ["main", "Agent.run", "checkout()"]) == "weather-app"
    assert cv.framework_scope("openinference.instrumentation.openai", ["Agent.run()"]) == (
        "openinference.instrumentation.openai")
    for _ in range(300):
        for name, attrs, kind, named in (
                ("AnthropicPromptDriver.run()", {"tags": ("PromptDriver.run()",)}, SpanKind.LLM_CALL, None),
                ("WeatherTool.try_run()", {"tags": ("Tool.run()",)}, SpanKind.TOOL_EXECUTION, "WeatherTool"),
                ("Agent.run()", {}, SpanKind.AGENT, "Agent"),
                ("MyAgent.run_stream()", {}, SpanKind.AGENT, "MyAgent")):
            got = build_span("ab" * 16, "cd" * 8, None, name, 1, 2, dict(attrs), [], (), 0, "", "s", "griptape")
            assert got.kind is kind, name
            if kind is SpanKind.AGENT:
                assert got.agent is not None and got.agent.name == named and got.tool is None, name
            elif kind is SpanKind.TOOL_EXECUTION:
                assert got.tool is not None and got.tool.name == named and got.agent is None, name
            else:
                assert got.agent is None and got.tool is None, name
    other = build_span("ab" * 16, "cd" * 8, None, "Agent.run()", 1, 2, {}, [], (), 0, "", "s", "crewai")
    assert other.agent is None
    tagged = build_span("ab" * 16, "cd" * 8, None, "AnthropicPromptDriver.run()", 1, 2, {"tags": ("x",)}, [], (), 0,
                        "", "s", "crewai")
    assert tagged.kind is not SpanKind.LLM_CALL


@pytest.mark.parametrize(("client", "placeholder"), cv.CLIENT_PLACEHOLDER_AGENTS.items())
def test_a_clients_placeholder_agent_names_no_agent(client, placeholder) -> None:
    # The OpenTelemetry project's OpenAI Agents instrumentation: its default agent on every span, the SDK's
    # agent on its invoke_agent span only; "unknown" is its operation for an SDK step it does not know.
    stamped = {"gen_ai.provider.name": "openai", cv.AGENT_NAME_KEY: placeholder, "gen_ai.agent.id": "agent"}
    spans = {
        "chat gpt-4.1-mini": {**stamped, cv.OPERATION_KEY: "chat", "gen_ai.request.model": "gpt-4.1-mini"},
        "execute_tool get_weather": {**stamped, cv.OPERATION_KEY: "execute_tool", "gen_ai.tool.name": "get_weather"},
        "unknown": {**stamped, cv.OPERATION_KEY: "unknown"},
    }
    want = {"chat gpt-4.1-mini": SpanKind.LLM_CALL, "execute_tool get_weather": SpanKind.TOOL_EXECUTION,
            "unknown": SpanKind.CUSTOM}
    for name, attrs in spans.items():
        got = build_span("ab" * 16, "cd" * 8, None, name, 1, 2, dict(attrs), [], (), 0, "", "s", client)
        assert got.kind is want[name] and got.agent is None, (name, got.kind, got.agent)
        assert got.attributes[cv.AGENT_NAME_KEY] == placeholder  # kept as sent
    # Its agent span names the SDK's agent (a user's agent of that name too); a name the user gave the
    # instrumentor stays on every span; another client's span of that name is that agent's.
    agent = {**stamped, cv.OPERATION_KEY: "invoke_agent"}
    for attrs, who in ((agent, client), ({**agent, cv.AGENT_NAME_KEY: "weather-agent"}, client),
                       ({**spans["chat gpt-4.1-mini"], cv.AGENT_NAME_KEY: "Travel Concierge"}, client),
                       (spans["unknown"], "crewai")):
        got = build_span("ab" * 16, "cd" * 8, None, "span", 1, 2, dict(attrs), [], (), 0, "", "s", who)
        assert got.agent is not None and got.agent.name == attrs[cv.AGENT_NAME_KEY], (attrs, who)


def test_openai_responses_items_and_object_read_as_messages() -> None:
    # logfire's OpenAI Agents Responses span: the call's input items and the whole Responses object.
    items = [{"role": "user", "content": "Weather in Paris?"},
             {"type": "function_call", "call_id": "c1", "name": "get_weather", "arguments": '{"city": "Paris"}'},
             {"type": "function_call_output", "call_id": "c1", "output": "Sunny"}]
    answer = {"id": "resp_1", "object": "response", "model": "gpt-4.1-mini",
              "output": [{"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Sunny."}]}]}
    asked = {"id": "resp_0", "object": "response", "output": [items[1]]}
    prompt, response, used = cv.extract_messages({"raw_input": jsonlib.dumps(items), "response": jsonlib.dumps(answer)},
                                                 client="openai-agents")
    assert prompt == 'user: Weather in Paris?\n[tool_call get_weather({"city": "Paris"})]\n[tool result Sunny]'
    assert response == "assistant: Sunny." and set(used) == {"raw_input", "response"}
    assert cv.extract_messages({"response": jsonlib.dumps(asked)}, client="openai-agents")[1] == (
        '[tool_call get_weather({"city": "Paris"})]')


def test_a_finish_reason_sent_as_an_enum_repr_reads_as_the_api_spells_it() -> None:
    # Semantic Kernel: gen_ai.response.finish_reason = "FinishReason.TOOL_CALLS"; with text (the
    # general path) and without (the fast path, compiled after enough spans of one shape).
    call = {cv.OPERATION_KEY: "chat", "gen_ai.request.model": "gpt-4o-mini"}
    for attrs in ({**call, "gen_ai.input.messages": "[]"}, call):
        for _ in range(300):
            got = span({**attrs, "gen_ai.response.finish_reason": "FinishReason.TOOL_CALLS"})
            assert got.llm is not None and got.llm.stop_reason == "tool_calls"
    assert span({**call, "gen_ai.response.finish_reasons": ["FinishReason.STOP"]}).llm.stop_reason == "stop"
    # Not an enum's repr: kept as sent.
    for kept in ("end_turn", "v1.2", "a. b"):
        assert span({**call, "gen_ai.response.finish_reasons": [kept]}).llm.stop_reason == kept


def test_a_model_call_that_finished_for_the_reason_error_failed() -> None:
    call = {cv.OPERATION_KEY: "chat", "gen_ai.request.model": "gpt-4o-mini"}
    failed = span({**call, "gen_ai.response.finish_reasons": ["error"]})
    assert failed.status is Status.ERROR and failed.status_code == "error"
    assert span({**call, "gen_ai.response.finish_reasons": ["stop"]}).status is Status.OK
    assert span(call).status is Status.OK
    # Whatever status its span was given (Mastra marks such a call OK).
    assert span({**call, "gen_ai.response.finish_reasons": ["error"]}, status_code=1).status is Status.ERROR


def test_a_model_call_whose_request_got_an_http_error_failed() -> None:
    """The mistralai SDK's own span of a refused request leaves its status unset and reports HTTP 400."""
    call = {"gen_ai.request.model": "mistral-large-latest", "gen_ai.provider.name": "mistral_ai"}
    for _ in range(300):  # its key set's recipe, compiled, too
        failed = span({**call, "http.response.status_code": 400})
        assert failed.kind is SpanKind.LLM_CALL and failed.status is Status.ERROR
        assert (failed.status_code, failed.status_message) == ("400", "HTTP 400")
        assert span({**call, "http.response.status_code": 200}).status is Status.OK
    assert span({**call, "http.status_code": "503"}).status is Status.ERROR
    assert span({**call, "http.response.status_code": 400, "error.type": "invalid_request_error"}).status_code == (
        "invalid_request_error")
    # A status the instrumentation set stands; a span that is no model call keeps its own.
    assert span({**call, "http.response.status_code": 400}, status_code=1).status is Status.OK
    assert span({"http.response.status_code": 404}, name="GET /x").status is Status.OK


def test_a_scope_named_ai_is_the_ai_sdk_and_a_fragment_of_ai_is_not() -> None:
    assert ResourceInfo({"service.name": "svc"}, "ai").framework == "ai-sdk"
    assert ResourceInfo({"service.name": "svc"}, "openai").framework is None


@pytest.mark.parametrize(("name", "kind"), [*cv.SEED_NAME_KINDS.items(), ("iteration_3", SpanKind.AGENT)])
def test_seed_name_row(name, kind) -> None:
    assert span({}, name=name).kind is kind


@pytest.mark.parametrize(("pattern", "kind"), cv.KIND_BY_NAME, ids=[p.pattern for p, _ in cv.KIND_BY_NAME])
def test_name_fallback_rows(pattern, kind) -> None:
    # The first alternative of each pattern, as a word inside a longer name.
    word = pattern.pattern.strip("()").split("|")[0].replace("\\.", ".").replace("\\d+", "7").replace("\\b", "")
    got = cv.kind_from_name(f"my {word}")
    assert got is not None
    if cv.kind_from_name(word) is kind:
        assert got is kind


def test_an_http_request_span_is_not_a_model_call_by_its_path() -> None:
    # A gateway's server span of its chat endpoint (LiteLLM proxy's FastAPI instrumentation): the
    # request, its model call a span of its own inside it; counted as a call it was one more, unpriced.
    attrs = {"http.request.method": "POST", "http.route": "/v1/chat/completions", "url.path": "/v1/chat/completions"}
    assert span(attrs, name="POST /v1/chat/completions").kind is SpanKind.CUSTOM
    assert span({}, name="POST /v1/completions").kind is SpanKind.CUSTOM
    # What the span carries still says it: a model call's usage on it makes it one.
    assert span({**attrs, "gen_ai.usage.input_tokens": 3}, name="POST /v1/chat/completions").kind is SpanKind.LLM_CALL
    assert span({}, name="chat completion").kind is SpanKind.LLM_CALL


@pytest.mark.parametrize(("field", "key"), [(f, k) for f, ks in cv.COST_KEYS.items() for k in ks])
def test_reported_cost_row(field, key) -> None:
    s = span({key: "0.25"})
    assert s.cost.source == "reported" and getattr(s.cost, field) == 0.25 and s.cost.total == 0.25
    assert key not in s.attributes


def test_cost_total_from_prompt_and_completion() -> None:
    s = span({"llm.cost.prompt": 0.01, "llm.cost.completion": 0.02})
    assert s.cost.total == pytest.approx(0.03)


@pytest.mark.parametrize("key", ["gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_write.input_tokens"])
def test_both_cache_write_spellings(key) -> None:
    s = span({"gen_ai.usage.input_tokens": 1000, key: 300, "gen_ai.usage.output_tokens": 5})
    assert (s.usage.input, s.usage.cache_write, s.usage.total) == (1000, 300, 1005)
    assert s.kind is SpanKind.LLM_CALL


def test_anthropic_style_usage_gets_cache_added_into_input() -> None:
    # input (10) smaller than cache read + write: reported beside input, so added in.
    s = span({"gen_ai.usage.input_tokens": 10, "gen_ai.usage.cache_read.input_tokens": 500,
              "gen_ai.usage.cache_creation.input_tokens": 40})
    assert (s.usage.input, s.usage.cache_read, s.usage.cache_write) == (550, 500, 40)


def test_openllmetrys_reasoning_count_is_read_and_stays_inside_output() -> None:
    """OpenLLMetry's OpenAI span of a reasoning model's call (opentelemetry-instrumentation-openai 0.62.4):
    the reasoning tokens as ``gen_ai.usage.reasoning_tokens``, already inside the output count, as OpenAI counts them."""
    s = span({"gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-5-mini", "gen_ai.usage.input_tokens": 1234,
              "gen_ai.usage.output_tokens": 56, "gen_ai.usage.total_tokens": 1290,
              "gen_ai.usage.cache_read.input_tokens": 200, "gen_ai.usage.reasoning_tokens": 24})
    assert (s.usage.input, s.usage.output, s.usage.cache_read, s.usage.reasoning, s.usage.total) == (
        1234, 56, 200, 24, 1290)


@pytest.mark.parametrize(("field", "key"), [(f, k) for f, ks in cv.SUBTREE_USAGE_KEYS.items() for k in ks])
def test_subtree_usage_row(field, key) -> None:
    s = span({key: 77, cv.KIND_KEY: "agent"})
    assert s.usage.scope == "subtree" and getattr(s.usage, field) == 77


def test_subtree_usage_is_shown_but_never_double_counted() -> None:
    st = Store()
    agent = build_span("ab" * 16, "a" * 16, None, "invoke_agent", 1, 10, {
        "gen_ai.operation.name": "invoke_agent", "gen_ai.aggregated_usage.input_tokens": 300,
        "gen_ai.aggregated_usage.output_tokens": 30, "gen_ai.aggregated_usage.cache_write.input_tokens": 50}, [], (), 0, "", "s")
    kids = [build_span("ab" * 16, f"{i:016x}", "a" * 16, "chat", 2, 3, {
        "gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 100, "gen_ai.usage.output_tokens": 10,
        "gen_ai.usage.cache_write.input_tokens": 50 if i == 1 else 0}, [], (), 0, "", "s") for i in (1, 2, 3)]
    st.apply([agent, *kids])
    trace = st.trace("ab" * 16)
    assert st.span("ab" * 16, "a" * 16).usage.input == 300
    assert (trace.totals.input_tokens, trace.totals.output_tokens, trace.totals.cache_write) == (300, 30, 50)
    assert st.totals.input_tokens == 300


def test_own_usage_wins_over_subtree_usage() -> None:
    s = span({"gen_ai.usage.input_tokens": 5, "gen_ai.aggregated_usage.input_tokens": 500})
    assert s.usage.scope == "span" and s.usage.input == 5
    assert s.attributes["gen_ai.aggregated_usage.input_tokens"] == 500


def test_pydantic_ai_usage_details_give_the_reasoning_already_in_output() -> None:
    """pydantic-ai's Gemini calls: thinking tokens only as a usage detail, counted in output_tokens (56 = 32 + 24)."""
    s = span({"gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 1234, "gen_ai.usage.output_tokens": 56,
              "gen_ai.usage.cache_read.input_tokens": 200, "gen_ai.usage.details.thoughts_tokens": 24,
              "gen_ai.usage.details.cached_content_tokens": 200})
    assert (s.usage.input, s.usage.output, s.usage.cache_read, s.usage.reasoning) == (1234, 56, 200, 24)
    agent = span({"gen_ai.operation.name": "invoke_agent", "gen_ai.aggregated_usage.output_tokens": 134,
                  "gen_ai.aggregated_usage.details.thoughts_tokens": 64})
    assert (agent.usage.scope, agent.usage.output, agent.usage.reasoning) == ("subtree", 134, 64)


LITELLM_USAGE = ("{'completion_tokens': 56, 'prompt_tokens': 1234, 'total_tokens': 1290, 'completion_tokens_details': "
                 "{'reasoning_tokens': 7, 'text_tokens': None}, 'prompt_tokens_details': {'audio_tokens': 0, "
                 "'cached_tokens': 200, 'cache_creation_tokens': 30}, 'cost': 0.0002037}")
FLAT_USAGE = {"gen_ai.usage.input_tokens": 1234, "gen_ai.usage.output_tokens": 56, "gen_ai.usage.total_tokens": 1290}


@pytest.mark.parametrize("value", [LITELLM_USAGE, jsonlib.dumps(ast.literal_eval(LITELLM_USAGE))])  # its repr, or JSON
def test_a_usage_object_completes_the_flat_usage_keys(value) -> None:
    """LiteLLM's OTel callback sends input/output/total flat; cached and reasoning counts only in its usage object."""
    s = span({**FLAT_USAGE, "metadata.usage_object": value})
    assert s.kind is SpanKind.LLM_CALL
    assert (s.usage.input, s.usage.output, s.usage.cache_read, s.usage.cache_write, s.usage.reasoning) == (
        1234, 56, 200, 30, 7)
    assert "metadata.usage_object" not in s.attributes
    # A flat key wins over the object.
    assert span({**FLAT_USAGE, "gen_ai.usage.cache_read.input_tokens": 100,
                 "metadata.usage_object": value}).usage.cache_read == 100


#: What the LangSmith SDK (0.15.1) puts on a ChatOpenAI run's span: LangChain's UsageMetadata.
LANGCHAIN_USAGE = jsonlib.dumps({"input_tokens": 1234, "output_tokens": 56, "total_tokens": 1290,
                                 "input_token_details": {"audio": 0, "cache_read": 200, "cache_creation": 16},
                                 "output_token_details": {"audio": 0, "reasoning": 7}})


def test_langchain_usage_metadata_completes_a_langsmith_model_run() -> None:
    """Input includes the cache reads and writes, output the reasoning (LangChain's convention, as ours)."""
    for attrs in ({**FLAT_USAGE, "langsmith.metadata.usage_metadata": LANGCHAIN_USAGE},
                  {"langsmith.metadata.usage_metadata": LANGCHAIN_USAGE}):
        s = span({cv.LANGSMITH_KIND_KEY: "llm", "gen_ai.request.model": "gpt-4o-mini", **attrs})
        assert s.kind is SpanKind.LLM_CALL and s.usage.scope == "span"
        assert (s.usage.input, s.usage.output, s.usage.total, s.usage.cache_read, s.usage.cache_write,
                s.usage.reasoning) == (1234, 56, 1290, 200, 16, 7)
        assert "langsmith.metadata.usage_metadata" not in s.attributes


#: What logfire's OpenAI Agents integration (logfire 5.4.0, openai-agents 0.24.0) puts on a Chat Completions
#: model call's span as ``usage``: the Agents SDK's Usage (here with cache writes, as LitellmModel reports them).
AGENTS_SDK_USAGE = jsonlib.dumps({
    "requests": 1, "input_tokens": 1234, "output_tokens": 56, "total_tokens": 1290,
    "input_tokens_details": {"cache_write_tokens": 30, "cached_tokens": 200, "cache_write_tokens_details": None},
    "output_tokens_details": {"reasoning_tokens": 7}})


def test_the_agents_sdk_usage_completes_a_logfire_model_call() -> None:
    """Its flat keys have input and output only; a turn's or the run's ``usage`` (no flat keys) is not a call."""
    s = span({"gen_ai.system": "openai", "gen_ai.request.model": "gpt-4.1-mini", **FLAT_USAGE,
              "usage": AGENTS_SDK_USAGE})
    assert s.kind is SpanKind.LLM_CALL
    assert (s.usage.input, s.usage.output, s.usage.cache_read, s.usage.cache_write, s.usage.reasoning) == (
        1234, 56, 200, 30, 7)
    turn = span({"sdk_span_type": "turn", "usage": jsonlib.dumps({"input_tokens": 1234, "output_tokens": 56,
                                                                   "cached_input_tokens": 200})})
    assert turn.usage is None and turn.kind is not SpanKind.LLM_CALL and "usage" in turn.attributes


#: What Mirascope's ops tracing (mirascope 2.8.2, ``ops.instrument_llm()``) puts on an OpenAI model call's ``chat``
#: span: its ``Usage`` as JSON beside the flat input and output counts, the cache reads in the object only.
MIRASCOPE_CHAT = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai",
                  "gen_ai.request.model": "openai/gpt-4o-mini", "gen_ai.response.model": "openai/gpt-4o-mini",
                  "gen_ai.usage.input_tokens": 1234, "gen_ai.usage.output_tokens": 56,
                  "mirascope.response.usage": jsonlib.dumps({
                      "input_tokens": 1234, "output_tokens": 56, "cache_read_tokens": 200, "cache_write_tokens": 0,
                      "reasoning_tokens": 0, "total_tokens": 1290})}


def test_mirascopes_usage_completes_its_model_call() -> None:
    """The cache reads (and writes, and reasoning) Mirascope counts only in its usage object; its input already
    holds the cache reads and writes (an Anthropic call's too, as Mirascope normalizes it): not added again."""
    s = span(MIRASCOPE_CHAT, name="chat openai/gpt-4o-mini")
    assert s.kind is SpanKind.LLM_CALL
    assert (s.usage.input, s.usage.output, s.usage.cache_read, s.usage.cache_write, s.usage.reasoning) == (
        1234, 56, 200, 0, 0)
    assert "mirascope.response.usage" not in s.attributes
    anthropic = span({**MIRASCOPE_CHAT, "gen_ai.provider.name": "anthropic",
                      "gen_ai.request.model": "anthropic/claude-sonnet-4-5", "gen_ai.usage.input_tokens": 1498,
                      "mirascope.response.usage": jsonlib.dumps({
                          "input_tokens": 1498, "output_tokens": 56, "cache_read_tokens": 200, "cache_write_tokens": 64,
                          "reasoning_tokens": 0, "total_tokens": 1554})}, name="chat anthropic/claude-sonnet-4-5")
    assert (anthropic.usage.input, anthropic.usage.cache_read, anthropic.usage.cache_write) == (1498, 200, 64)


def test_mirascopes_spans_around_a_model_call_are_not_calls() -> None:
    """The ``@ops.trace`` function that made the call and ``Response.resume`` repeat its usage object, no flat keys."""
    usage = MIRASCOPE_CHAT["mirascope.response.usage"]
    for name, kind in (("weather_agent.call", "trace"), ("Response.resume openai/gpt-4o-mini", "response_resume")):
        s = span({"mirascope.type": kind, "mirascope.response.provider_id": "openai",
                  "mirascope.response.model_id": "openai/gpt-4o-mini", "mirascope.response.usage": usage}, name=name)
        assert s.usage is None and s.kind is not SpanKind.LLM_CALL and "mirascope.response.usage" in s.attributes


def test_a_usage_object_alone_or_unreadable_counts_nothing() -> None:
    alone = span({"metadata.usage_object": LITELLM_USAGE})
    assert alone.usage is None and alone.kind is not SpanKind.LLM_CALL
    for junk in ("{}", "{'prompt_tokens_details': {'cached_tokens': 'many'}}", "__import__('os')", "{" * 5000, 42):
        s = span({**FLAT_USAGE, "metadata.usage_object": junk})
        assert (s.usage.input, s.usage.cache_read) == (1234, 0)


#: What Langfuse's OpenAI drop-in (langfuse.openai, 5.0.4) puts on a chat completion's generation.
LANGFUSE_OPENAI_USAGE = jsonlib.dumps({
    "completion_tokens": 56, "prompt_tokens": 1234, "total_tokens": 1290,
    "completion_tokens_details": {"accepted_prediction_tokens": 0, "audio_tokens": 0, "reasoning_tokens": 7},
    "prompt_tokens_details": {"audio_tokens": 0, "cached_tokens": 200}})


@pytest.mark.parametrize(("usage", "want"), [
    (LANGFUSE_OPENAI_USAGE, (1234, 56, 1290, 200, 0, 7)),
    # The Responses API's usage object.
    (jsonlib.dumps({"input_tokens": 900, "output_tokens": 40, "total_tokens": 940,
                    "input_tokens_details": {"cached_tokens": 300}, "output_tokens_details": {"reasoning_tokens": 8}}),
     (900, 40, 940, 300, 0, 8)),
    # Langfuse's own types, as its LangChain handler makes them: the details split off input and output.
    (jsonlib.dumps({"input": 1034, "output": 49, "total": 1290, "input_cache_read": 200, "output_reasoning": 7}),
     (1234, 56, 1290, 200, 0, 7)),
    # As its docs send Anthropic's usage: cache reads and writes beside input.
    (jsonlib.dumps({"input": 100, "output": 20, "cache_read_input_tokens": 500, "cache_creation_input_tokens": 50}),
     (650, 20, 670, 500, 50, 0)),
])
def test_langfuse_usage_details_are_a_generations_whole_usage(usage, want) -> None:
    s = span({cv.LANGFUSE_KIND_KEY: "generation", "langfuse.observation.model.name": "gpt-4o-mini",
              "langfuse.observation.usage_details": usage})
    assert s.kind is SpanKind.LLM_CALL and s.llm.model == "gpt-4o-mini" and s.usage.scope == "span"
    assert (s.usage.input, s.usage.output, s.usage.total, s.usage.cache_read, s.usage.cache_write,
            s.usage.reasoning) == want
    assert "langfuse.observation.usage_details" not in s.attributes
    # Its cost details are not a reported cost: the price table prices the call.
    costed = span({cv.LANGFUSE_KIND_KEY: "generation", "langfuse.observation.usage_details": usage,
                   "langfuse.observation.cost_details": '{"input": 0, "output": 0, "total": 0}'})
    assert costed.cost is None and "langfuse.observation.cost_details" in costed.attributes


def test_langfuse_usage_details_without_counts_stay_an_attribute() -> None:
    s = span({cv.LANGFUSE_KIND_KEY: "generation", "langfuse.observation.usage_details": '{"unit": "TOKENS"}'})
    assert s.usage is None and s.attributes["langfuse.observation.usage_details"] == '{"unit": "TOKENS"}'


def test_langfuse_observation_input_and_output_are_previews() -> None:
    request = {"tools": [{"type": "function", "function": {"name": "get_weather"}}],
               "messages": [{"role": "system", "content": "Be terse."}, {"role": "user", "content": "Weather?"}]}
    answer = {"role": "assistant", "content": None, "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}]}
    s = span({cv.LANGFUSE_KIND_KEY: "generation", "langfuse.observation.input": jsonlib.dumps(request),
              "langfuse.observation.output": jsonlib.dumps(answer)})
    assert s.llm.prompt_preview == "system: Be terse.\nuser: Weather?"
    assert s.llm.response_preview == 'assistant: [tool_call get_weather({"city": "Paris"})]'
    assert span({cv.LANGFUSE_KIND_KEY: "generation", "langfuse.observation.input": jsonlib.dumps(request["messages"]),
                 "langfuse.observation.output": "Sunny."}).llm.response_preview == "Sunny."
    # A traced function's arguments and return value, as sent; the tool named after its observation.
    tool = build_span("ab" * 16, "cd" * 8, None, "get_weather", 1_000, 2_000, {
        cv.LANGFUSE_KIND_KEY: "tool", "langfuse.observation.input": '{"args": [], "kwargs": {"city": "Paris"}}',
        "langfuse.observation.output": '{"type": "report", "temp": 22}'}, [], (), 0, "", "s", "langfuse")
    assert tool.kind is SpanKind.TOOL_EXECUTION and tool.tool.name == "get_weather"
    assert tool.tool.input_preview == '{"args": [], "kwargs": {"city": "Paris"}}'
    assert tool.tool.output_preview == '{"type": "report", "temp": 22}'


def lc_message(cls: str, **kwargs: object) -> dict:
    """A LangChain message as langchain-core 1.8 serializes it (``dumpd``)."""
    return {"lc": 1, "type": "constructor", "id": ["langchain", "schema", "messages", cls], "kwargs": kwargs}


def test_langsmith_run_inputs_and_outputs_are_previews() -> None:
    """The LangSmith SDK exports a run's inputs and outputs whole, as JSON: a chat model run's
    serialized messages and generations, a tool's arguments and its message, a graph's state."""
    call = lc_message("AIMessage", content="", type="ai", tool_calls=[
        {"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1", "type": "tool_call"}])
    prompt = {"messages": [[lc_message("SystemMessage", content="Be terse.", type="system"),
                            lc_message("HumanMessage", content="Weather?", type="human"), call,
                            lc_message("ToolMessage", content="Sunny", type="tool", tool_call_id="call_1")]]}
    answer = {"generations": [[{"text": "It is sunny.", "generation_info": {"finish_reason": "stop"},
                                "message": lc_message("AIMessage", content="It is sunny.", type="ai")}]],
              "llm_output": {"model_name": "gpt-4o-mini"}}
    s = span({cv.LANGSMITH_KIND_KEY: "llm", "gen_ai.request.model": "gpt-4o-mini", "gen_ai.prompt": jsonlib.dumps(prompt),
              "gen_ai.completion": jsonlib.dumps(answer)})
    assert s.llm.prompt_preview == (
        'system: Be terse.\nuser: Weather?\nassistant: [tool_call get_weather({"city":"Paris"})]\ntool: Sunny')
    assert s.llm.response_preview == "assistant: It is sunny."
    assert "gen_ai.prompt" not in s.attributes and "gen_ai.completion" not in s.attributes
    first = span({cv.LANGSMITH_KIND_KEY: "llm", "gen_ai.completion": jsonlib.dumps(
        {"generations": [[{"text": "", "message": call}]]})})
    assert first.llm.response_preview == 'assistant: [tool_call get_weather({"city":"Paris"})]'
    # A tool run: its arguments as sent, its message (wrapped as {"output": ...}) as a message.
    tool = span({cv.LANGSMITH_KIND_KEY: "tool", "gen_ai.tool.name": "get_weather", "gen_ai.prompt": '{"city": "Paris"}',
                 "gen_ai.completion": jsonlib.dumps({"output": {"content": "Sunny", "type": "tool", "name": "get_weather",
                                                                "tool_call_id": "call_1"}})})
    assert (tool.tool.input_preview, tool.tool.output_preview) == ('{"city": "Paris"}', "tool: Sunny")
    # A graph run: its input's [role, content] pairs and its state's messages (their fields).
    graph = span({cv.LANGSMITH_KIND_KEY: "chain", "gen_ai.prompt": '{"messages": [["user", "Weather?"]]}',
                  "gen_ai.completion": jsonlib.dumps({"messages": [{"content": "Weather?", "type": "human"},
                                                                   {"content": "It is sunny.", "type": "ai"}]})})
    assert graph.attributes["input.value"] == "user: Weather?"
    assert graph.attributes["output.value"] == "user: Weather?\nassistant: It is sunny."


def js_message(cls: str, **kwargs: object) -> dict:
    """A LangChain message as LangChain.js 1.4 serializes it: no ``type`` among its fields, its class names it."""
    return {"lc": 1, "type": "constructor", "id": ["langchain_core", "messages", cls], "kwargs": kwargs}


def test_langchain_js_messages_of_content_blocks_are_previews() -> None:
    """OpenInference's LangChain.js instrumentation on ChatAnthropic (streamed): a message whose content is
    a list of blocks is sent as its role alone, so the previews come from LangChain's input and result, whose
    messages carry no ``type``; the answer's tool call is its tool_calls, not its stream's block pieces."""
    call = js_message("AIMessageChunk", content=[
        {"index": 0, "type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": ""},
        {"index": 0, "input": '{"city": "Paris"}', "type": "input_json_delta"}],
        tool_calls=[{"name": "get_weather", "args": {"city": "Paris"}, "id": "toolu_1", "type": "tool_call"}])
    prompt = {"messages": [[js_message("SystemMessage", content="Be terse."), js_message("HumanMessage", content="Weather?"),
                            call, js_message("ToolMessage", content="Sunny", tool_call_id="toolu_1")]]}
    first = span({"openinference.span.kind": "LLM", "llm.input_messages.0.message.role": "user",
                  "llm.input_messages.0.message.content": "Weather?", "llm.output_messages.0.message.role": "assistant",
                  "output.value": jsonlib.dumps({"generations": [[{"text": '{"city": "Paris"}', "message": call}]]})},
                 name="ChatAnthropic")
    assert first.llm.response_preview == 'assistant: [tool_call get_weather({"city":"Paris"})]'
    answer = js_message("AIMessageChunk", content=[{"index": 0, "type": "text", "text": "It is sunny."}])
    second = span({"openinference.span.kind": "LLM",
                   "llm.input_messages.0.message.role": "system", "llm.input_messages.0.message.content": "Be terse.",
                   "llm.input_messages.1.message.role": "user", "llm.input_messages.1.message.content": "Weather?",
                   "llm.input_messages.2.message.role": "assistant",
                   "llm.input_messages.3.message.role": "tool", "llm.input_messages.3.message.content": "Sunny",
                   "input.value": jsonlib.dumps(prompt, separators=(",", ":")),
                   "output.value": jsonlib.dumps({"generations": [[{"text": "It is sunny.", "message": answer}]]})},
                  name="ChatAnthropic")
    assert second.llm.prompt_preview == (
        'system: Be terse.\nuser: Weather?\nassistant: [tool_call get_weather({"city":"Paris"})]\ntool: Sunny')
    assert second.llm.response_preview == "assistant: It is sunny."
    # A tool run's output: its tool message, wrapped as {"output": ...}: the message's text.
    tool = span({"openinference.span.kind": "TOOL", "tool.name": "get_weather", "input.value": "Paris",
                 "output.value": jsonlib.dumps({"output": js_message("ToolMessage", content="Sunny", tool_call_id="toolu_1",
                                                                      name="get_weather")}, separators=(",", ":"))},
                name="get_weather")
    assert (tool.tool.input_preview, tool.tool.output_preview) == ("Paris", "Sunny")


def mlflow_value(value: object) -> str:
    """A span attribute as MLflow Tracing sets it: every value through ``json.dumps``."""
    return jsonlib.dumps(value)


@pytest.mark.parametrize(("value", "kind"), list(cv.MLFLOW_KINDS.items()))
def test_mlflow_span_type_row(value, kind) -> None:
    # Sent JSON-encoded ("\"CHAT_MODEL\""); UNKNOWN is explicit too: a span named like a model call is not guessed one.
    for sent in (mlflow_value(value), value):
        got = span({cv.MLFLOW_KIND_KEY: sent}, name="chat_handler")
        assert got.kind is kind and got.attributes[cv.MLFLOW_KIND_KEY] == value


def test_mlflow_values_are_read_as_the_strings_they_encode() -> None:
    assert set(cv.JSON_VALUE_KEYS) >= {cv.MLFLOW_KIND_KEY, "mlflow.llm.model", "mlflow.spanInputs", "mlflow.spanOutputs"}
    call = span({cv.MLFLOW_KIND_KEY: mlflow_value("CHAT_MODEL"), "mlflow.llm.model": mlflow_value("gpt-4o-mini"),
                 "mlflow.chat.tokenUsage": mlflow_value({"input_tokens": 1234, "output_tokens": 56, "total_tokens": 1290,
                                                         "cache_read_input_tokens": 200})})
    assert call.kind is SpanKind.LLM_CALL and call.llm.model == "gpt-4o-mini"
    assert (call.usage.input, call.usage.output, call.usage.cache_read, call.usage.scope) == (1234, 56, 200, "span")
    # A value that only looks quoted, and other attributes, stay as sent.
    odd = span({cv.MLFLOW_KIND_KEY: mlflow_value("TOOL"), "mlflow.spanOutputs": '"a" and "b"', "model": '"gpt-4o-mini"'})
    assert odd.tool.output_preview == '"a" and "b"' and odd.attributes["model"] == '"gpt-4o-mini"'


def test_mlflow_span_inputs_and_outputs_are_previews() -> None:
    """``mlflow.openai.autolog()`` keeps a call's request and its whole chat completion."""
    request = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Weather?"}], "tools": []}
    completion = {"id": "chatcmpl-1", "object": "chat.completion", "choices": [{"index": 0, "finish_reason": "tool_calls",
                  "message": {"role": "assistant", "content": None, "tool_calls": [
                      {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}]}}]}
    call = span({cv.MLFLOW_KIND_KEY: mlflow_value("CHAT_MODEL"), "mlflow.spanInputs": mlflow_value(request),
                 "mlflow.spanOutputs": mlflow_value(completion)})
    assert call.llm.prompt_preview == "user: Weather?"
    assert call.llm.response_preview == 'assistant: [tool_call get_weather({"city": "Paris"})]'
    # A traced function's arguments and its return value (a string, JSON-encoded), the tool named after its span.
    tool = build_span("ab" * 16, "cd" * 8, None, "get_weather", 1_000, 2_000, {
        cv.MLFLOW_KIND_KEY: mlflow_value("TOOL"), "mlflow.spanInputs": mlflow_value({"city": "Paris"}),
        "mlflow.spanOutputs": mlflow_value("Sunny, 22 C in Paris")}, [], (), 0, "", "s", "mlflow")
    assert tool.kind is SpanKind.TOOL_EXECUTION and tool.tool.name == "get_weather"
    assert (tool.tool.input_preview, tool.tool.output_preview) == ('{"city": "Paris"}', "Sunny, 22 C in Paris")


@pytest.mark.parametrize(("value", "kind"), list(cv.BRAINTRUST_KINDS.items()))
def test_braintrust_span_type_row(value, kind) -> None:
    assert span({cv.BRAINTRUST_KIND_KEY: jsonlib.dumps({"type": value})}, name="handler").kind is kind


def test_braintrust_span_attributes_without_a_known_type_are_left_to_the_name() -> None:
    """Another type (``log``, ``facet`` ...), no type, a value that is no JSON object or one too long to read."""
    for value in ('{"type": "log"}', '{"name": "x"}', "tool", '{"type": 3}', "{not json",
                  '{"type": "tool", "pad": "' + "x" * cv.BRAINTRUST_SPAN_ATTRIBUTES_CHARS + '"}'):
        assert span({cv.BRAINTRUST_KIND_KEY: value}, name="weather_agent").kind is SpanKind.AGENT
        assert span({cv.BRAINTRUST_KIND_KEY: value}, name="format_answer").kind is SpanKind.CUSTOM


def test_braintrust_typed_tool_is_named_after_its_span_with_its_input_and_output() -> None:
    """Braintrust's guide has a user's own tool span typed ``{"type": "tool"}`` and its arguments and result set
    as JSON (a string result quoted) in ``braintrust.input_json`` / ``braintrust.output_json``; its span
    processor adds ``braintrust.context_json`` (where the span came from) to every span, which says nothing."""
    attrs = {cv.BRAINTRUST_KIND_KEY: '{"type": "tool"}', "braintrust.input_json": '{"city": "Paris"}',
             "braintrust.output_json": '"Sunny, 22 C in Paris"',
             "braintrust.context_json": '{"span_origin": {"name": "braintrust.sdk.python"}}'}
    for _ in range(300):  # the key set's recipe compiled too
        tool = build_span("ab" * 16, "cd" * 8, None, "get_weather", 1_000, 2_000, dict(attrs), [], (), 0, "", "s", None)
        assert tool.kind is SpanKind.TOOL_EXECUTION and tool.tool is not None
        assert (tool.tool.name, tool.tool.input_preview, tool.tool.output_preview) == (
            "get_weather", '{"city": "Paris"}', "Sunny, 22 C in Paris")
    # On the turn's own span (``task``) the question and answer stay as input/output values.
    task = build_span("ab" * 16, "cd" * 8, None, "weather_agent", 1_000, 2_000, {
        cv.BRAINTRUST_KIND_KEY: '{"type": "task"}', "braintrust.input_json": '"Weather in Paris?"',
        "braintrust.output_json": '"Sunny."'}, [], (), 0, "", "s", None)
    assert task.kind is SpanKind.TASK and task.tool is None
    assert (task.attributes["input.value"], task.attributes["output.value"]) == ("Weather in Paris?", "Sunny.")


def test_braintrust_metrics_beside_a_calls_usage_are_not_counted_again() -> None:
    """``braintrust.metrics`` (Braintrust's guide: a span's metrics, tokens among them) on a model call its
    instrumentation already gave usage to: the call's tokens are the instrumentation's alone."""
    attrs = {cv.OPERATION_KEY: "chat", "gen_ai.request.model": "gpt-4o-mini", "gen_ai.usage.input_tokens": 1234,
             "gen_ai.usage.output_tokens": 56,
             "braintrust.metrics": jsonlib.dumps({"prompt_tokens": 1234, "completion_tokens": 56, "tokens": 1290}),
             cv.BRAINTRUST_KIND_KEY: '{"type": "llm"}'}
    s = span(attrs, name="openai.chat")
    assert s.kind is SpanKind.LLM_CALL and s.usage is not None
    assert (s.usage.input, s.usage.output, s.usage.total) == (1234, 56, 1290)
    assert span({"braintrust.metrics": attrs["braintrust.metrics"]}, name="weather_agent").usage is None


#: A client SDK's own kind key, its table and the values it leaves to the span's name: Laminar's
#: ``@observe()`` (and its framework instrumentations' agent and step spans) say ``DEFAULT``; AgentOps
#: says ``text`` and ``unknown`` for spans it does not type.
SDK_KIND_TABLES = [(cv.LAMINAR_KIND_KEY, cv.LAMINAR_KINDS, ("DEFAULT",)),
                   (cv.AGENTOPS_KIND_KEY, cv.AGENTOPS_KINDS, ("unknown", "text"))]


@pytest.mark.parametrize(("key", "value", "kind"), [(key, v, k) for key, table, _ in SDK_KIND_TABLES for v, k in table.items()])
def test_sdk_span_kind_row(key, value, kind) -> None:
    assert span({key: value}, name="handler").kind is kind


@pytest.mark.parametrize(("key", "untyped"), [(key, untyped) for key, _t, untyped in SDK_KIND_TABLES])
def test_sdk_untyped_span_kind_is_left_to_the_name(key, untyped) -> None:
    for value in untyped:
        assert span({key: value}, name="weather_agent").kind is SpanKind.AGENT
        assert span({key: value}, name="format_answer").kind is SpanKind.CUSTOM


def test_laminar_observed_tool_is_named_after_its_function_with_its_arguments_and_result() -> None:
    """``@observe(span_type="TOOL")``: the span is named after the function, its arguments and return
    value JSON-encoded (a string result quoted) in ``lmnr.span.input`` / ``lmnr.span.output``."""
    attrs = {cv.LAMINAR_KIND_KEY: "TOOL", "lmnr.span.input": '{"city":"Paris"}',
             "lmnr.span.output": '"Sunny, 22 C in Paris"', "lmnr.span.path": ["weather_agent", "get_weather"]}
    for _ in range(300):  # the key set's recipe compiled too
        tool = build_span("ab" * 16, "cd" * 8, None, "get_weather", 1_000, 2_000, dict(attrs), [], (), 0, "", "s", "laminar")
        assert tool.kind is SpanKind.TOOL_EXECUTION and tool.tool is not None
        assert (tool.tool.name, tool.tool.input_preview, tool.tool.output_preview) == (
            "get_weather", '{"city":"Paris"}', "Sunny, 22 C in Paris")
    # On an agent span (``DEFAULT``) the turn's question and answer stay as input/output values.
    agent = build_span("ab" * 16, "cd" * 8, None, "weather_agent", 1_000, 2_000, {
        cv.LAMINAR_KIND_KEY: "DEFAULT", "lmnr.span.input": '{"question":"Weather in Paris?"}',
        "lmnr.span.output": '"Sunny."'}, [], (), 0, "", "s", "laminar")
    assert agent.kind is SpanKind.AGENT and agent.attributes["output.value"] == "Sunny."


def test_laminar_session_and_framework() -> None:
    """Laminar's SDK puts the trace's session on every span and sends everything under ``lmnr.tracer``,
    its instrumentations' spans too: a family, never replacing a framework named beside it."""
    assert _session_attr({"lmnr.association.properties.session_id": "weather-ok",
                          "lmnr.association.properties.user_id": "u-1"}) == "weather-ok"
    assert ResourceInfo({"service.name": "/srv/agent.py"}, cv.resource_scope(["lmnr.tracer"])).framework == "laminar"
    assert cv.resource_scope(["lmnr.tracer", "openinference.instrumentation.crewai"]) == (
        "openinference.instrumentation.crewai")


_TRULENS = {"ai.observability.app_name": "weather-agent", "ai.observability.record_id": "r-1",
            "ai.observability.run.name": "", "ai.observability.input_id": ""}


def test_trulens_generation_span_is_one_model_call_with_its_cost_trackings_counts() -> None:
    """TruLens's ``@instrument(span_type=GENERATION)``: its OpenAI cost tracking puts the call's model and
    counts on the span around it (``ai.observability.cost.*``), the method's argument (the messages) as
    ``call.kwargs.<name>`` and its return value (the answer message) as ``call.return``: a model call
    whose previews are the messages as text."""
    attrs = {**_TRULENS, "ai.observability.span_type": "generation", "ai.observability.cost.cost": 0.0002187,
             "ai.observability.cost.num_tokens": 1290, "ai.observability.cost.num_prompt_tokens": 1234,
             "ai.observability.cost.num_completion_tokens": 56, "ai.observability.cost.num_reasoning_tokens": 0,
             "ai.observability.cost.model": "gpt-4o-mini",
             "ai.observability.call.function": "__main__.WeatherAgent.generate",
             "ai.observability.call.kwargs.messages": '[{"role": "user", "content": "Weather in Paris?"}]',
             "ai.observability.call.return": '{"role": "assistant", "content": "Sunny."}'}
    for _ in range(300):  # the key set's recipe compiled too
        call = build_span("ab" * 16, "cd" * 8, None, "__main__.WeatherAgent.generate", 1, 2, dict(attrs), [], (), 0,
                          "", "s", "trulens")
        assert call.kind is SpanKind.LLM_CALL and call.llm is not None and call.usage is not None
        assert (call.llm.model, call.usage.input, call.usage.output, call.usage.total) == ("gpt-4o-mini", 1234, 56, 1290)
        assert (call.llm.prompt_preview, call.llm.response_preview) == ("user: Weather in Paris?", "assistant: Sunny.")


def test_trulens_tool_span_is_named_after_its_function_with_its_arguments_and_result() -> None:
    """``@instrument(span_type=TOOL)``: TruLens names the tool by the method's qualified name
    (``gen_ai.tool.name`` as ``call.function``); the tool is the method's own name, a model's name for it.
    Its arguments (one attribute each) are the call's input as an object, its return value the result."""
    attrs = {**_TRULENS, "ai.observability.span_type": "tool", "ai.observability.call.return": "Sunny, 22 C in Paris",
             "ai.observability.call.function": "__main__.WeatherAgent.get_weather",
             "ai.observability.call.kwargs.city": "Paris", "gen_ai.tool.name": "__main__.WeatherAgent.get_weather"}
    for _ in range(300):
        tool = build_span("ab" * 16, "cd" * 8, None, "__main__.WeatherAgent.get_weather", 1, 2, dict(attrs), [], (), 0,
                          "", "s", "trulens")
        assert tool.kind is SpanKind.TOOL_EXECUTION and tool.tool is not None
        assert (tool.tool.name, tool.tool.input_preview, tool.tool.output_preview) == (
            "get_weather", '{"city":"Paris"}', "Sunny, 22 C in Paris")
    # A tool name the user gave (not the traced function's) is kept as sent.
    named = build_span("ab" * 16, "cd" * 8, None, "lookup", 1, 2, {**attrs, "gen_ai.tool.name": "weather.lookup"}, [],
                       (), 0, "", "s", "trulens")
    assert named.tool is not None and named.tool.name == "weather.lookup"


def test_trulens_record_root_is_the_turn_and_its_framework() -> None:
    """The app's main method (``record_root``) is the turn, its input and output the previews; every span
    TruLens makes is under the scope ``trulens`` (its service name too)."""
    root = build_span("ab" * 16, "cd" * 8, None, "__main__.WeatherAgent.query", 1, 2, {
        **_TRULENS, "ai.observability.span_type": "record_root",
        "ai.observability.record_root.input": "Weather in Paris?", "ai.observability.record_root.output": "Sunny.",
        "ai.observability.call.function": "__main__.WeatherAgent.query",
        "ai.observability.call.kwargs.question": "Weather in Paris?", "ai.observability.call.return": "Sunny."},
        [], (), 0, "", "s", "trulens")
    assert root.kind is SpanKind.TASK and root.llm is None and root.usage is None
    assert (root.attributes["input.value"], root.attributes["output.value"]) == ("Weather in Paris?", "Sunny.")
    assert ResourceInfo({"service.name": "trulens"}, cv.resource_scope(["trulens"])).framework == "trulens"


def _upsonic(name: str, attrs: dict) -> Span:
    return build_span("ab" * 16, "cd" * 8, None, name, 1, 2, dict(attrs), [], (), 0, "", "s", "upsonic")


def test_upsonic_agent_run_pipeline_and_steps() -> None:
    """Upsonic's own tracing: ``agent.run`` is the agent's run, named by ``upsonic.agent.name`` (its
    summed usage the store shows for the subtree), ``pipeline.execute`` and every ``pipeline.step.<step>``
    steps of it, whatever a step's name holds (``llm_manager`` is no model call, ``tool_setup`` no tool
    call, ``memory_prepare`` no memory read); its spans' scope names the framework."""
    for _ in range(300):  # the key set's recipe compiled too
        run = _upsonic("agent.run", {"upsonic.agent.name": "Weather Agent", "upsonic.agent.model": "openai/gpt-4o-mini",
                                     "gen_ai.usage.input_tokens": 2634, "gen_ai.usage.output_tokens": 134,
                                     "langfuse.observation.input": '"What is the weather in Paris?"',
                                     "langfuse.observation.output": '"Sunny, 22 C."'})
        assert run.kind is SpanKind.AGENT and run.agent is not None and run.agent.name == "Weather Agent"
        assert run.llm is None and run.usage is not None and (run.usage.input, run.usage.output) == (2634, 134)
        assert (run.attributes["input.value"], run.attributes["output.value"]) == (
            "What is the weather in Paris?", "Sunny, 22 C.")
    pipeline = _upsonic("pipeline.execute", {"upsonic.pipeline.total_steps": 24, "upsonic.pipeline.streaming": False})
    assert pipeline.kind is SpanKind.TASK
    for step in ("initialization", "llm_manager", "tool_setup", "memory_prepare", "chat_history", "agent_policy",
                 "cache_storage", "model_execution"):
        span = _upsonic(f"pipeline.step.{step}", {"upsonic.step.name": step, "upsonic.step.status": "COMPLETED",
                                                  "upsonic.step.description": "a step"})
        assert (span.kind, span.llm, span.tool) == (SpanKind.TASK, None, None), step
    assert ResourceInfo({"service.name": "upsonic"}, cv.resource_scope(["upsonic"])).framework == "upsonic"


def test_upsonic_tool_call_and_model_call() -> None:
    """``tool.execute`` names the tool and the model's call id under Upsonic's own keys, its arguments and
    result as Langfuse's observation input and output (a JSON string read as its text); a ``chat`` span's only
    cache count is pydantic-ai's usage detail (genai-prices' ``cache_read_tokens``, inside the input)."""
    for _ in range(300):
        tool = _upsonic("tool.execute", {"upsonic.tool.name": "get_weather", "upsonic.tool.call_id": "call_1",
                                         "langfuse.observation.input": '{"city": "Paris"}',
                                         "upsonic.tool.execution_time": 0.001, "upsonic.tool.success": True,
                                         "langfuse.observation.output": '"{\'func\': \'Sunny, 22 C in Paris\'}"'})
        assert tool.kind is SpanKind.TOOL_EXECUTION and tool.tool is not None
        assert (tool.tool.name, tool.tool.call_id, tool.tool.input_preview, tool.tool.output_preview) == (
            "get_weather", "call_1", '{"city": "Paris"}', "{'func': 'Sunny, 22 C in Paris'}")
        call = _upsonic("chat gpt-4o-mini", {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai",
                                             "gen_ai.system": "openai", "gen_ai.request.model": "gpt-4o-mini",
                                             "gen_ai.response.model": "gpt-4o-mini", "gen_ai.usage.input_tokens": 1234,
                                             "gen_ai.usage.output_tokens": 56,
                                             "gen_ai.usage.details.cache_read_tokens": 200,
                                             "operation.cost": 0.0002037})
        assert call.kind is SpanKind.LLM_CALL and call.usage is not None and call.llm is not None
        assert (call.llm.model, call.usage.input, call.usage.output, call.usage.cache_read) == (
            "gpt-4o-mini", 1234, 56, 200)


def test_agentops_decorated_tool_and_agent() -> None:
    """``@tool``: the span ``<name>.tool`` is a call of the tool, its arguments (the decorator's
    ``{"args", "kwargs"}``) and result its previews; ``@agent``: the agent named by ``operation.name``;
    a ``@trace`` or ``@operation`` span keeps its input and output as attributes."""
    attrs = {cv.AGENTOPS_KIND_KEY: "tool", "operation.name": "get_weather",
             "agentops.tool.input": '{"args": [], "kwargs": {"city": "Paris"}}', "agentops.tool.output": "Sunny"}
    for _ in range(300):  # the key set's recipe compiled too
        tool = build_span("ab" * 16, "cd" * 8, None, "get_weather.tool", 1, 2, dict(attrs), [], (), 0, "", "s", "agentops")
        assert tool.kind is SpanKind.TOOL_EXECUTION and tool.tool is not None
        assert (tool.tool.name, tool.tool.input_preview, tool.tool.output_preview) == (
            "get_weather", '{"city": "Paris"}', "Sunny")
        assert "agentops.tool.input" not in tool.attributes
    for _ in range(300):
        agent = build_span("ab" * 16, "cd" * 8, None, "WeatherAgent.agent", 1, 2, {
            cv.AGENTOPS_KIND_KEY: "agent", "operation.name": "WeatherAgent",
            "agentops.entity.input": '{"args": [], "kwargs": {}}'}, [], (), 0, "", "s", "agentops")
        assert agent.kind is SpanKind.AGENT and agent.agent is not None and agent.agent.name == "WeatherAgent"
    task = build_span("ab" * 16, "cd" * 8, None, "answer.task", 1, 2, {
        cv.AGENTOPS_KIND_KEY: "task", "operation.name": "answer", "agentops.task.input": '{"args": ["Paris?"], "kwargs": {}}'},
        [], (), 0, "", "s", "agentops")
    assert task.kind is SpanKind.TASK and task.tool is None and task.attributes["agentops.task.input"]
    # Another client's span named so is no call of that tool by its name.
    other = build_span("ab" * 16, "cd" * 8, None, "get_weather.tool", 1, 2, {"x": 1}, [], (), 0, "", "s", "crewai")
    assert other.tool is None or other.tool.name != "get_weather"


def test_agentops_openai_agents_function_span() -> None:
    """AgentOps' processor of the OpenAI Agents SDK's traces sends a function tool's span with the model's
    arguments as ``tool.parameters`` and the tool's return value as ``tool.result``: its previews."""
    attrs = {cv.AGENTOPS_KIND_KEY: "tool", "tool.name": "get_weather", "tool.parameters": '{"city": "Paris"}',
             "tool.result": "Sunny, 22 C in Paris", "tool.status": "succeeded"}
    for _ in range(300):  # the key set's recipe compiled too
        tool = build_span("ab" * 16, "cd" * 8, None, "get_weather", 1, 2, dict(attrs), [], (), 1, "", "s", "openai-agents")
        assert tool.kind is SpanKind.TOOL_EXECUTION and tool.tool is not None
        assert (tool.tool.name, tool.tool.input_preview, tool.tool.output_preview) == (
            "get_weather", '{"city": "Paris"}', "Sunny, 22 C in Paris")
    # Elsewhere (OpenInference) ``tool.parameters`` is the tool's schema, not a call's arguments.
    schema = build_span("ab" * 16, "cd" * 8, None, "get_weather", 1, 2, {
        "openinference.span.kind": "TOOL", "tool.name": "get_weather", "tool.parameters": '{"type": "object"}'},
        [], (), 1, "", "s", None)
    assert schema.tool is not None and schema.tool.input_preview != '{"type": "object"}'


@pytest.mark.parametrize(("recorded", "shown"), [
    ('{"args": [], "kwargs": {"city": "Paris"}}', '{"city": "Paris"}'),
    ('{"args": ["Paris"], "kwargs": {}}', "Paris"),
    ('{"args": [{"city": "Paris"}], "kwargs": {}}', '{"city": "Paris"}'),
    ('{"args": ["Paris", 2], "kwargs": {}}', '{"args": ["Paris", 2], "kwargs": {}}'),
    ('{"args": ["Paris"], "kwargs": {"days": 2}}', '{"args": ["Paris"], "kwargs": {"days": 2}}'),
    ('{"city": "Paris"}', '{"city": "Paris"}'), ("Paris", "Paris"), ("{not json", "{not json"),
])
def test_agentops_arguments(recorded, shown) -> None:
    assert cv.agentops_arguments(recorded) == shown


def test_agentops_tool_call_record_is_no_call_of_the_tool() -> None:
    """AgentOps' OpenAI instrumentation records a tool call the answer asks for as ``tool_call.<tool>``
    inside the model call: internal (its kind key is dropped by the OTel SDK: an Enum value), kept."""
    rec = {"tool.name": "get_weather", "tool.parameters": '{"city": "Paris"}', "tool.call.id": "call_1",
           "tool.call.type": "function"}
    got = build_span("ab" * 16, "cd" * 8, "ef" * 8, "tool_call.get_weather", 1, 1, dict(rec), [], (), 1, "", "s",
                     "agentops")
    assert got.kind is SpanKind.CUSTOM and got.attributes[cv.INTERNAL_KEY] is True
    assert cv.answer_tool_call(got.attributes, got.tool.name if got.tool else None) == {
        "type": "tool_call", "name": "get_weather", "arguments": '{"city": "Paris"}'}
    # Another client's span with those keys is left to what it says.
    assert build_span("ab" * 16, "cd" * 8, None, "x", 1, 2, dict(rec), [], (), 0, "", "s", "crewai").kind is (
        SpanKind.TOOL_EXECUTION)


def _agentops_call(span_id: str, parent: str | None = "a" * 16) -> Span:
    return build_span("ab" * 16, span_id, parent, "openai.chat.completion", 10, 20, {
        "gen_ai.system": "OpenAI", "gen_ai.request.model": "gpt-4o-mini", "gen_ai.usage.prompt_tokens": 1234,
        "gen_ai.usage.completion_tokens": 56, "gen_ai.prompt.0.role": "user", "gen_ai.prompt.0.content": "Paris?",
        "gen_ai.completion.0.role": "assistant", "gen_ai.completion.0.finish_reason": "tool_calls"},
        [], (), 1, "", "s", "agentops")


def _agentops_record(span_id: str, call: str, tool: str, args: str) -> Span:
    return build_span("ab" * 16, span_id, call, f"tool_call.{tool}", 15, 15, {
        "tool.name": tool, "tool.parameters": args, "tool.call.id": f"id-{span_id}", "tool.call.type": "function"},
        [], (), 1, "", "s", "agentops")


@pytest.mark.parametrize("order", ["records first", "call first", "between"])
def test_agentops_tool_call_records_give_their_call_its_answer(order) -> None:
    """The model call's answer is the tool calls recorded inside it, whichever arrives first; the records
    count as no tool call, the call once."""
    call = _agentops_call("c" * 16)
    first = _agentops_record("d" * 16, "c" * 16, "get_weather", '{"city": "Paris"}')
    second = _agentops_record("e" * 16, "c" * 16, "get_time", '{"tz": "CET"}')
    st = Store()
    batches = {"records first": [[first, second], [call]], "call first": [[call], [first], [second]],
               "between": [[first], [call], [second]]}[order]
    for batch in batches:
        st.apply(batch)
    got = st.span("ab" * 16, "c" * 16)
    assert got.llm.response_preview == (
        'assistant: [tool_call get_weather({"city": "Paris"})] [tool_call get_time({"tz": "CET"})]')
    assert st.totals.llm_calls == 1 and st.totals.input_tokens == 1234 and not st.tool_costs()


def test_agentops_tool_call_record_leaves_an_answer_of_the_calls_own() -> None:
    call = _agentops_call("c" * 16)
    call.llm.response_preview = "assistant: Let me look."
    st = Store()
    st.apply([call, _agentops_record("d" * 16, "c" * 16, "get_weather", "{}")])
    assert st.span("ab" * 16, "c" * 16).llm.response_preview == "assistant: Let me look."


def _agentops_export(*spans: tuple[str, str, str | None, str, dict], resource: dict | None = None) -> list:
    """The updates an OTLP JSON export of ``spans`` (trace id, span id, parent, name, attributes) makes,
    from AgentOps' resource (or ``resource``)."""
    attrs = resource if resource is not None else {"service.name": "agentops", "agentops.project.id": "temporary"}
    body = jsonlib.dumps({"resourceSpans": [{
        "resource": {"attributes": [{"key": k, "value": {"stringValue": v}} for k, v in attrs.items()]},
        "scopeSpans": [{"scope": {"name": "agentops"}, "spans": [
            {"traceId": t, "spanId": sp, **({"parentSpanId": p} if p else {}), "name": name,
             "startTimeUnixNano": "1000", "endTimeUnixNano": "2000",
             "attributes": [{"key": k, "value": {"stringValue": v}} for k, v in a.items()]}
            for t, sp, p, name, a in spans]}]}]}).encode()
    return [u for c in convert_traces(parse("traces", body, True), True, Rejects(), lambda t: None) for u in c]


def test_agentops_each_trace_is_a_session_named_by_its_session_span() -> None:
    """AgentOps' resource (``agentops.project.id``): each trace is a session by its id, wherever its spans
    arrive, named by its session span (``@trace(name=...)``); a session a span names still wins."""
    t1, t2 = "1" * 32, "2" * 32
    session = {cv.AGENTOPS_KIND_KEY: "session", "operation.name": "weather-session"}
    got = _agentops_export((t1, "a" * 16, "b" * 16, "answer.task", {cv.AGENTOPS_KIND_KEY: "task"}),
                           (t1, "b" * 16, None, "weather-session.session", session),
                           (t2, "c" * 16, None, "openai.chat.completion", {"gen_ai.request.model": "gpt-4o-mini"}))
    spans = {u.span_id: u.session_id for u in got if isinstance(u, Span)}
    assert spans == {"a" * 16: t1, "b" * 16: t1, "c" * 16: t2}
    named = [(u.id, u.name) for u in got if isinstance(u, Session) and u.name]
    assert named == [(t1, "weather-session")]
    assert {u.id: u.framework for u in got if isinstance(u, Session) and u.service} == {t1: "agentops", t2: "agentops"}
    # A child of a trace whose root came in an earlier export: the same session.
    later = _agentops_export((t1, "d" * 16, "a" * 16, "get_weather.tool", {cv.AGENTOPS_KIND_KEY: "tool"}))
    assert [u.session_id for u in later if isinstance(u, Span)] == [t1]
    # A session named on a span wins over the trace's.
    chat = _agentops_export((t1, "e" * 16, None, "weather-session.session", {**session, "session.id": "chat-1"}))
    assert [u.session_id for u in chat if isinstance(u, Span)] == ["chat-1"]
    assert not [u for u in chat if isinstance(u, Session) and u.name]
    # Any other resource: one session per service instance, no name from a span.
    other = _agentops_export((t1, "a" * 16, None, "weather-session.session", session),
                             (t2, "c" * 16, None, "x", {}), resource={"service.name": "my-agent"})
    assert {u.session_id for u in other if isinstance(u, Span)} == {"my-agent"}
    assert not [u for u in other if isinstance(u, Session) and u.name]


def test_a_flattened_answers_finish_reason() -> None:
    """OpenLLMetry's flattened answer (its Mistral instrumentation's, AgentOps' OpenAI one) says the finish
    reason only per choice: the first choice's is the call's; the answer's text is read all the same."""
    for _ in range(300):  # the key set's recipe compiled too
        got = span({"gen_ai.system": "OpenAI", "gen_ai.request.model": "gpt-4o-mini", "gen_ai.usage.prompt_tokens": 1,
                     "gen_ai.completion.0.role": "assistant", "gen_ai.completion.0.content": "Sunny.",
                     "gen_ai.completion.0.finish_reason": "stop"}, name="openai.chat.completion")
        assert got.llm.stop_reason == "stop" and got.llm.response_preview == "assistant: Sunny."
        assert "gen_ai.completion.0.finish_reason" not in got.attributes


def test_a_chat_completions_choices_are_its_answer() -> None:
    """Laminar's OpenAI instrumentation sends a call's ``choices`` as ``gen_ai.output.messages``: each
    choice's message is the answer (its tool calls too)."""
    call = {"role": "assistant", "content": None, "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}]}
    got = span({cv.OPERATION_KEY: "chat", "gen_ai.request.model": "gpt-4o-mini", "gen_ai.output.messages": jsonlib.dumps(
        [{"finish_reason": "tool_calls", "index": 0, "logprobs": None, "message": call}])})
    assert got.llm.response_preview == 'assistant: [tool_call get_weather({"city": "Paris"})]'
    assert cv.render_messages([{"index": 0, "message": {"content": "Sunny.", "role": "assistant"}, "finish_reason": "stop"}],
                              chunks=True) == "assistant: Sunny."


def test_mlflow_usage_summed_on_an_agent_span_is_counted_once() -> None:
    """MLflow's integrations that roll usage up (pydantic-ai's, DSPy's, Agno's) put the sum of the
    calls on the agent span as ``mlflow.chat.tokenUsage`` too: shown there, counted on the calls."""
    st = Store()
    usage = {"input_tokens": 100, "output_tokens": 10, "total_tokens": 110}
    agent = build_span("ab" * 16, "a" * 16, None, "Agent.run", 1, 10, {
        cv.MLFLOW_KIND_KEY: mlflow_value("AGENT"),
        "mlflow.chat.tokenUsage": mlflow_value({k: 2 * v for k, v in usage.items()})}, [], (), 0, "", "s")
    calls = [build_span("ab" * 16, f"{i:016x}", "a" * 16, "OpenAIModel.request", 2, 3, {
        cv.MLFLOW_KIND_KEY: mlflow_value("LLM"), "mlflow.llm.model": mlflow_value("gpt-4o-mini"),
        "mlflow.chat.tokenUsage": mlflow_value(usage)}, [], (), 0, "", "s") for i in (1, 2)]
    st.apply([agent, *calls])
    assert st.span("ab" * 16, "a" * 16).usage.input == 200
    assert (st.trace("ab" * 16).totals.input_tokens, st.totals.input_tokens, st.totals.output_tokens) == (200, 200, 20)
    assert st.totals.llm_calls == 2


def test_message_json_rows() -> None:
    s = span({
        "gen_ai.system_instructions": jsonlib.dumps([{"type": "text", "content": "Be terse."}]),
        "gen_ai.input.messages": jsonlib.dumps([{"role": "user", "parts": [{"type": "text", "content": "hello"}]}]),
        "gen_ai.output.messages": jsonlib.dumps([{"role": "assistant", "parts": [{"type": "text", "content": "hi"}],
                                                   "finish_reason": "stop"}]),
    }, name="chat")
    assert s.llm.prompt_preview == "Be terse.\nuser: hello"
    assert s.llm.response_preview == "assistant: hi"
    assert not any(k.startswith("gen_ai.") and "messages" in k for k in s.attributes)


@pytest.mark.parametrize("prefix", list(cv.MESSAGE_LIST_PREFIXES))
def test_flattened_message_rows(prefix) -> None:
    if prefix.startswith("llm."):
        attrs = {f"{prefix}.0.message.role": "user", f"{prefix}.0.message.content": "ping"}
    else:
        attrs = {f"{prefix}.0.role": "user", f"{prefix}.0.content": "ping"}
    s = span(attrs, name="chat")
    side = cv.MESSAGE_LIST_PREFIXES[prefix]
    got = s.llm.prompt_preview if side == "prompt" else s.llm.response_preview
    assert got == "user: ping"


def test_openinference_message_contents_and_tool_calls() -> None:
    s = span({"llm.input_messages.0.message.role": "user",
              "llm.input_messages.0.message.contents.0.message_content.text": "look",
              "llm.output_messages.0.message.role": "assistant",
              "llm.output_messages.0.message.tool_calls.0.tool_call.function.name": "search"}, name="chat")
    assert s.llm.prompt_preview == "user: look" and s.llm.response_preview == "assistant: [tool_call search]"


def test_openinference_empty_content_beside_tool_calls() -> None:
    """OpenInference's LangChain.js instrumentation keeps an answer's empty text as ``message.content`` ""
    beside its tool calls: the preview shows the calls, not an empty message."""
    s = span({"llm.input_messages.0.message.role": "user", "llm.input_messages.0.message.content": "Paris?",
              "llm.input_messages.1.message.role": "assistant", "llm.input_messages.1.message.content": "",
              "llm.input_messages.1.message.tool_calls.0.tool_call.function.name": "get_weather",
              "llm.output_messages.0.message.role": "assistant", "llm.output_messages.0.message.content": "",
              "llm.output_messages.0.message.tool_calls.0.tool_call.function.name": "get_weather"}, name="ChatOpenAI")
    assert s.llm.prompt_preview == "user: Paris?\nassistant: [tool_call get_weather]"
    assert s.llm.response_preview == "assistant: [tool_call get_weather]"


def test_messages_in_two_conventions_show_once() -> None:
    """OpenInference's span processor for pydantic-ai adds its flattened message lists to pydantic-ai's
    own span, beside the same messages as GenAI JSON: each side shows them once (the GenAI JSON, which
    keeps a tool call's arguments). Instructions alone are not the messages: a flat list still shows."""
    s = span({
        "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.system_instructions": jsonlib.dumps([{"type": "text", "content": "Use tools."}]),
        "gen_ai.input.messages": jsonlib.dumps([{"role": "user", "parts": [{"type": "text", "content": "Paris?"}]}]),
        "gen_ai.output.messages": jsonlib.dumps([{"role": "assistant", "parts": [
            {"type": "tool_call", "id": "c1", "name": "get_weather", "arguments": '{"city": "Paris"}'}]}]),
        cv.OPENINFERENCE_KEY: "LLM",
        "llm.input_messages.0.message.role": "system", "llm.input_messages.0.message.content": "Use tools.",
        "llm.input_messages.1.message.role": "user",
        "llm.input_messages.1.message.contents.0.message_content.text": "Paris?",
        "llm.output_messages.0.message.role": "assistant",
        "llm.output_messages.0.message.tool_calls.0.tool_call.function.name": "get_weather",
        "input.value": "Paris?", "output.value": "[]"}, name="chat gpt-4o-mini")
    assert s.llm.prompt_preview == "Use tools.\nuser: Paris?"
    assert s.llm.response_preview == 'assistant: [tool_call get_weather({"city": "Paris"})]'
    assert not any(k.startswith("llm.input_messages") for k in s.attributes)
    alone = span({"gen_ai.system_instructions": jsonlib.dumps([{"type": "text", "content": "Use tools."}]),
                  "gen_ai.prompt.0.role": "user", "gen_ai.prompt.0.content": "Paris?"}, name="chat")
    assert alone.llm.prompt_preview == "Use tools.\nuser: Paris?"


def test_openllmetry_flat_tool_calls_show_in_previews() -> None:
    """OpenLLMetry's flat attributes (its Ollama instrumentation) name a history message's tool
    call ``gen_ai.prompt.N.tool_calls.M.name``, with no ``function.`` in the key; its arguments beside it."""
    s = span({"gen_ai.prompt.0.role": "user", "gen_ai.prompt.0.content": "Paris?",
              "gen_ai.prompt.1.role": "assistant", "gen_ai.prompt.1.tool_calls.0.name": "get_weather",
              "gen_ai.prompt.1.tool_calls.0.arguments": '{"city": "Paris"}',
              "gen_ai.prompt.2.role": "tool", "gen_ai.prompt.2.content": "Sunny",
              "gen_ai.completion.0.role": "assistant", "gen_ai.completion.0.content": "Sunny in Paris."}, name="ollama.chat")
    assert s.llm.prompt_preview == 'user: Paris?\nassistant: [tool_call get_weather({"city": "Paris"})]\ntool: Sunny'
    assert s.llm.response_preview == "assistant: Sunny in Paris."


def test_a_flat_answer_shows_its_text_and_its_tool_calls() -> None:
    """OpenLLMetry's Cohere instrumentation: a tool-call answer's content is the JSON list of its
    parts with Cohere's tool plan as text, and its tool calls beside it; both are the answer. A
    call with no plan has an empty list ("[]"); an answer in JSON mode is shown as sent; a tool
    message's document parts are their data."""
    call = {cv.OPERATION_KEY: "chat", "gen_ai.request.model": "command-a-03-2025",
            "gen_ai.prompt.0.role": "user", "gen_ai.prompt.0.content": "Paris?", "gen_ai.completion.0.role": "assistant"}
    asked = {"gen_ai.completion.0.tool_calls.0.id": "get_weather_1byjy32y4hvq",
             "gen_ai.completion.0.tool_calls.0.name": "get_weather",
             "gen_ai.completion.0.tool_calls.0.arguments": '{"city": "Paris"}'}
    s = span({**call, **asked, "gen_ai.completion.0.content": '[{"type": "text", "text": "I will look that up."}]'})
    assert s.llm.response_preview == 'assistant: I will look that up. [tool_call get_weather({"city": "Paris"})]'
    s = span({**call, **asked, "gen_ai.completion.0.content": "[]"})
    assert s.llm.response_preview == 'assistant: [tool_call get_weather({"city": "Paris"})]'
    s = span({**call, "gen_ai.completion.0.content": '[{"thinking": null, "text": "Sunny.", "type": "text"}]'})
    assert s.llm.response_preview == "assistant: Sunny."
    json_mode = '[{"type": "fruit", "name": "apple"}]'
    s = span({**call, "gen_ai.completion.0.content": json_mode})
    assert s.llm.response_preview == f"assistant: {json_mode}"
    # The tool's result handed back as document parts: an attribute's list of maps, not JSON.
    s = span({**call, "gen_ai.prompt.1.role": "tool",
              "gen_ai.prompt.1.content": [{"type": "document", "document": {"data": '{"weather": "Sunny"}'}}]})
    assert s.llm.prompt_preview == 'user: Paris?\ntool: {"weather": "Sunny"}'


def test_a_flat_message_with_a_role_alone_is_no_preview() -> None:
    """OpenLLMetry's Mistral instrumentation reads messages as objects: given the SDK's documented
    dicts, it writes ``gen_ai.prompt.0.role`` alone; a tool-call answer's empty text is left out too."""
    call = {cv.OPERATION_KEY: "chat", "gen_ai.request.model": "mistral-large-latest"}
    s = span({**call, "gen_ai.prompt.0.role": "user", "gen_ai.completion.0.role": "assistant",
              "gen_ai.completion.0.finish_reason": "tool_calls"})
    assert (s.llm.prompt_preview, s.llm.response_preview) == (None, None)
    s = span({**call, "gen_ai.prompt.0.role": "user", "gen_ai.prompt.1.role": "user", "gen_ai.prompt.1.content": "Paris?"})
    assert s.llm.prompt_preview == "user: Paris?"


def test_litellm_tool_calls_show_in_previews() -> None:
    """LiteLLM's OTel callback: an input message's tool calls in OpenAI's shape beside its GenAI parts;
    the answer's tool call only as ``gen_ai.completion.0.function_call.*`` (its output message has no parts)."""
    asked = {"role": "assistant", "parts": [{"type": "text", "content": ""}], "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}]}
    s = span({"gen_ai.input.messages": jsonlib.dumps([{"role": "user", "parts": [{"type": "text", "content": "Paris?"}]},
                                                      asked]),
              "gen_ai.output.messages": jsonlib.dumps([{"role": "assistant", "parts": [], "finish_reason": "tool_calls"}]),
              "gen_ai.completion.0.function_call.name": "get_weather",
              "gen_ai.completion.0.function_call.arguments": '{"city": "Paris"}'}, name="litellm_request")
    assert s.llm.prompt_preview == 'user: Paris?\nassistant: [tool_call get_weather({"city": "Paris"})]'
    assert s.llm.response_preview == '[tool_call get_weather({"city": "Paris"})]'


def test_gemini_api_parts_and_streamed_chunks_in_previews() -> None:
    """Gemini CLI: messages in Gemini's API shape (``functionCall``/``functionResponse`` parts), and
    a streamed answer as one message per chunk: one line of the answer, the tool call named."""
    asked = {"role": "model", "parts": [{"functionCall": {"name": "run_shell_command", "args": {"command": "ls"}}}]}
    done = {"role": "user", "parts": [{"functionResponse": {"name": "run_shell_command", "response": {"output": "a"}}}]}
    s = span({"gen_ai.input.messages": jsonlib.dumps([{"role": "user", "parts": [{"text": "list"}]}, asked, done]),
              "gen_ai.output.messages": jsonlib.dumps([{"role": "model", "parts": [{"text": t}]}
                                                       for t in ("Final", " answer", ".")])}, name="llm_call")
    assert s.llm.prompt_preview == ('user: list\nmodel: [tool_call run_shell_command({"command":"ls"})]\n'
                                    'user: [tool result {"output":"a"}]')
    assert s.llm.response_preview == "model: Final answer."
    one = span({"gen_ai.output.messages": jsonlib.dumps([asked])}, name="llm_call")
    assert one.llm.response_preview == 'model: [tool_call run_shell_command({"command":"ls"})]'
    # A prompt's messages of one role in a row stay apart (two user messages are two).
    two = span({"gen_ai.input.messages": jsonlib.dumps([{"role": "user", "parts": [{"text": t}]} for t in ("a", "b")]),
                cv.OPERATION_KEY: "chat"}, name="chat")
    assert two.llm.prompt_preview == "user: a\nuser: b"


@pytest.mark.parametrize(("key", "side"), list(cv.VALUE_KEYS.items()))
def test_value_rows_by_kind(key, side) -> None:
    llm = span({key: "text", cv.OPENINFERENCE_KEY: "LLM"})
    assert (llm.llm.prompt_preview if side == "prompt" else llm.llm.response_preview) == "text"
    tool = span({key: "text", cv.OPENINFERENCE_KEY: "TOOL"})
    assert (tool.tool.input_preview if side == "prompt" else tool.tool.output_preview) == "text"
    chain = span({key: "text", cv.OPENINFERENCE_KEY: "CHAIN"})
    assert chain.llm is None and chain.attributes[key] == "text" and chain.kind is SpanKind.TASK


@pytest.mark.parametrize(("event", "side"), list(cv.MESSAGE_EVENTS.items()))
def test_deprecated_message_event_rows(event, side) -> None:
    s = span({cv.OPERATION_KEY: "chat"}, events=[(event, 1_500, {"content": "words"})])
    got = s.llm.prompt_preview if side == "prompt" else s.llm.response_preview
    assert got is not None and got.endswith("words")
    assert [e.name for e in s.events] == [event]


def test_long_previews_are_cut_keeping_the_newest_prompt_text() -> None:
    long = "x" * 10_000 + "THE END"
    s = span({"input.value": long, "output.value": "START" + "y" * 10_000, cv.OPERATION_KEY: "chat"})
    assert len(s.llm.prompt_preview) == cv.PREVIEW_CHARS and s.llm.prompt_preview.endswith("THE END")
    assert len(s.llm.response_preview) == cv.PREVIEW_CHARS and s.llm.response_preview.startswith("START")


def test_status_rows() -> None:
    assert span({}, status_code=2, message="bad").status is Status.ERROR
    assert span({}, status_code=1).status is Status.OK
    exc = ("exception", 1_500, {"exception.type": "ValueError", "exception.message": "nope",
                                "exception.stacktrace": "Traceback\n" * 2000, "exception.escaped": "true"})
    s = span({}, events=[exc])
    assert s.status is Status.ERROR and s.status_code == "ValueError" and s.status_message == "ValueError: nope"
    assert len(s.events[0].attributes["exception.stacktrace"]) == cv.STACK_CHARS
    handled = span({}, events=[("exception", 1_500, {"exception.type": "KeyError"})])
    assert handled.status is Status.OK  # recorded but not escaped, status unset: handled
    # The LangSmith SDK's failed run: status OK (set at its start, final), its error as an exception event.
    error = ("exception", 1_500, {"exception.type": "Exception", "exception.message": "OpenAIInvalidRequestError(...)",
                                  "exception.escaped": "False"})
    failed = span({cv.LANGSMITH_KIND_KEY: "llm"}, events=[error], status_code=1)
    assert failed.status is Status.ERROR and failed.status_code == "Exception"
    assert failed.status_message == "Exception: OpenAIInvalidRequestError(...)"
    assert span({cv.LANGSMITH_KIND_KEY: "llm"}, status_code=1).status is Status.OK
    assert span({}, events=[error], status_code=1).status is Status.OK
    # AgentOps' processor of the OpenAI Agents SDK's traces: a refused model call's span ended OK, then ERROR
    # (ignored), its error an exception event and ``error.type`` ``AgentError``.
    refused = ("exception", 1_500, {"exception.type": "Exception", "exception.message": "Error getting response",
                                    "exception.escaped": "False"})
    agentops_call = {cv.AGENTOPS_KIND_KEY: "llm", "error.type": "AgentError", "error.message": "Error getting response"}
    failed = span(agentops_call, events=[refused], status_code=1)
    assert failed.status is Status.ERROR and failed.status_message == "Exception: Error getting response"
    assert span({cv.AGENTOPS_KIND_KEY: "llm"}, status_code=1).status is Status.OK
    assert span({"error.type": "TimeoutError"}, status_code=2).status is Status.TIMEOUT
    assert span({"error.type": "CancelledError"}, status_code=2).status is Status.CANCELLED


def test_native_path_still_uses_the_table() -> None:
    rec = b'{"v":1,"type":"span","trace_id":"t","span_id":"s","name":"llm_inference","start_ns":1,"end_ns":2,' \
          b'"attributes":{"llm.model":"phi3","llm.token_count.prompt":9,"gen_ai.usage.cache_write.input_tokens":3,' \
          b'"cost_usd":0.5}}'
    records, rejects = decode(rec, 65536)
    (s,), bad = normalize(records)
    assert not rejects and not bad
    assert s.kind is SpanKind.LLM_CALL and s.llm.model == "phi3" and s.usage.input == 9 and s.usage.cache_write == 3
    assert s.attributes == {"cost_usd": 0.5}  # cost is not part of the native table's parts
    assert cv.kind_from_string("Tool_Execution") is SpanKind.TOOL_EXECUTION and cv.kind_from_string("x") is None
    assert cv.guess_kind("react_loop", {}) is SpanKind.AGENT
    assert cv.guess_kind("x", {"file": {"operation": "write"}}) is SpanKind.FILE_WRITE


def test_docs_list_every_key() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = sorted(k for k in cv.all_documented_keys() if f"`{k}`" not in text)
    assert not missing, f"docs/conventions.md does not list: {missing}"


def test_known_clients_names_decide_the_kind_and_internals_are_marked() -> None:
    for client, names in cv.CLIENT_SPAN_KINDS.items():
        for name, kind in names.items():
            s = build_span("ab" * 16, "cd" * 8, None, name, 1_000, 2_000, {"gen_ai.provider.name": "p"}, [], (), 0,
                           "", "s", client)
            assert s.kind is (kind or SpanKind.CUSTOM), (client, name)
            assert bool(s.attributes.get(cv.INTERNAL_KEY)) is (kind is None)
            if s.kind is not SpanKind.LLM_CALL:
                assert s.llm is None  # a provider alone does not make a span a model call


def test_call_merging_keys_are_documented() -> None:
    from agenttrace_tui.store.calls import ID_KEYS, MERGED_BY, REBUILT

    text = DOC.read_text(encoding="utf-8")
    assert all(f"`{k}`" in text for k in (*ID_KEYS, MERGED_BY, REBUILT))


_CALL = '[{"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\"}"}}]'


@pytest.mark.parametrize(("name", "content", "want"), [
    # Azure AI Inference's span events: each message an object naming its role, a choice its message.
    ("gen_ai.user.message", '{"role": "user", "content": "Weather in Paris?"}', ("prompt", "user: Weather in Paris?")),
    ("gen_ai.assistant.message", '{"role": "assistant", "tool_calls": ' + _CALL + "}",
     ("prompt", 'assistant: [tool_call get_weather({"city": "Paris"})]')),
    ("gen_ai.tool.message", '{"role": "tool", "tool_call_id": "c1", "content": "Sunny"}', ("prompt", "tool: Sunny")),
    ("gen_ai.choice", '{"message": {"content": "It is sunny."}, "finish_reason": "stop", "index": 0}',
     ("response", "It is sunny.")),
    ("gen_ai.choice", '{"message": {"content": null, "tool_calls": ' + _CALL + '}, "finish_reason": "tool_calls"}',
     ("response", '[tool_call get_weather({"city": "Paris"})]')),
    # An object without its role takes the event's; plain text as before.
    ("gen_ai.user.message", '{"content": "hi"}', ("prompt", "user: hi")),
    ("gen_ai.user.message", "hi", ("prompt", "user: hi")),
])
def test_a_message_event_reads_the_message_object_it_holds(name: str, content: str, want: tuple[str, str]) -> None:
    """The role once (it read "user: user: …"), a choice's message (it read nothing)."""
    assert cv.message_event_text(name, {"gen_ai.event.content": content}) == want


def test_a_python_langchain_tool_message_output_is_its_text() -> None:
    """OpenInference's LangChain instrumentation for Python sends a tool run's output as its
    ``ToolMessage`` in langchain-core's ``message_to_dict`` shape (``{"type": "tool", "data": {...}}``):
    the tool's result preview is the message's text, not that JSON; a content of text parts, their text."""
    def tool_span(content: object) -> Span:
        message = {"type": "tool", "data": {"content": content, "additional_kwargs": {}, "response_metadata": {},
                                            "type": "tool", "name": "get_weather", "id": None,
                                            "tool_call_id": "call_1", "artifact": None, "status": "success"}}
        return span({"openinference.span.kind": "TOOL", "tool.name": "get_weather", "input.value": "Paris",
                     "output.value": jsonlib.dumps(message), "output.mime_type": "application/json"}, name="get_weather")

    tool = tool_span("Sunny, 22 C in Paris")
    assert (tool.tool.input_preview, tool.tool.output_preview) == ("Paris", "Sunny, 22 C in Paris")
    parts = tool_span([{"type": "text", "text": "Sunny,"}, {"type": "text", "text": "22 C"}])
    assert parts.tool.output_preview == "Sunny, 22 C"
    # Other JSON a tool answered with stays as sent.
    other = span({"openinference.span.kind": "TOOL", "tool.name": "get_weather",
                  "output.value": '{"type": "report", "data": {"temp": 22}}'}, name="get_weather")
    assert other.tool.output_preview == '{"type": "report", "data": {"temp": 22}}'



def test_a_python_langchain_tool_calls_id_is_its_tool_messages() -> None:
    """The span of a LangChain tool run (OpenInference's, Python) names the model's call it answers only as its
    ``ToolMessage``'s ``tool_call_id``: that is the tool call's id, a call id the span names itself kept; an MCP
    tool's content blocks read as their text."""
    blocks = [{"type": "text", "text": "Sunny, 22 C in Paris", "id": "lc_1"}]
    message = {"type": "tool", "data": {"content": blocks, "additional_kwargs": {}, "response_metadata": {},
                                        "type": "tool", "name": "get_weather", "id": None,
                                        "tool_call_id": "call_fake0001", "status": "success",
                                        "artifact": {"structured_content": {"result": "Sunny, 22 C in Paris"}}}}
    attrs = {"openinference.span.kind": "TOOL", "tool.name": "get_weather", "input.value": "Paris",
             "output.value": jsonlib.dumps(message), "output.mime_type": "application/json"}
    tool = span(attrs, name="get_weather").tool
    assert (tool.call_id, tool.output_preview) == ("call_fake0001", "Sunny, 22 C in Paris")
    assert span({**attrs, "tool.call.id": "own"}, name="get_weather").tool.call_id == "own"
    no_id = {**message, "data": {**message["data"], "tool_call_id": None}}
    assert span({**attrs, "output.value": jsonlib.dumps(no_id)}, name="get_weather").tool.call_id is None

_LETTA_ANSWER = ("{'id': 'chatcmpl-1', 'choices': [{'finish_reason': 'stop', 'index': 0, 'message': {'content': "
                 "\"It's sunny. 'usage': {'prompt_tokens': 999}\", 'role': 'assistant'}}], 'model': 'gpt-4o-mini', "
                 "'object': 'chat.completion', 'usage': {'completion_tokens': 56, 'prompt_tokens': 1234, "
                 "'total_tokens': 1290, 'prompt_tokens_details': {'cached_tokens': 200}}}")
_LETTA_CONFIG = "model='gpt-4o-mini' model_endpoint_type='openai' provider_name='openai' context_window=32000"


def _letta_span(name: str, attrs: dict, events: list | None = None, status: int = 1) -> Span:
    return build_span("ab" * 16, "cd" * 8, None, name, 1_000, 2_000, attrs, events or [], (), status, "", "s", "letta")


def test_a_letta_answers_repr_is_read_by_bounded_patterns_never_evaluated() -> None:
    """The usage is the answer's own (the last ``'usage'`` of its repr, not one quoted in its text), the model
    its config's; an answer too long to read whole keeps its usage (read from its tail) and gives no preview;
    a repr of another shape gives no usage, and nothing in it is evaluated."""
    s = _letta_span("OpenAIClient.convert_response_to_chat_completion",
                    {"parameter.response_data": _LETTA_ANSWER, "parameter.llm_config": _LETTA_CONFIG})
    assert s.kind is SpanKind.LLM_CALL and s.llm.model == "gpt-4o-mini" and s.llm.provider == "openai"
    assert (s.usage.input, s.usage.output, s.usage.cache_read) == (1234, 56, 200)
    assert s.llm.response_preview == "It's sunny. 'usage': {'prompt_tokens': 999}"
    long = _LETTA_ANSWER.replace("It's sunny.", "x" * 70_000)
    s = _letta_span("OpenAIClient.convert_response_to_chat_completion", {"parameter.response_data": long})
    assert (s.usage.input, s.usage.output) == (1234, 56) and s.llm.response_preview is None
    s = _letta_span("OpenAIClient.convert_response_to_chat_completion",
                    {"parameter.response_data": "__import__('os').system('false')"})
    assert s.kind is SpanKind.LLM_CALL and s.usage is None
    # A request that succeeded is no call (its answer's span is); a refused one is, naming its model.
    ok = _letta_span("OpenAIClient.request_async", {"parameter.llm_config": _LETTA_CONFIG})
    refused = _letta_span("OpenAIClient.request_async", {"parameter.llm_config": _LETTA_CONFIG}, status=2)
    assert ok.kind is SpanKind.CUSTOM and ok.attributes[cv.INTERNAL_KEY] and ok.llm is None
    assert refused.kind is SpanKind.LLM_CALL and refused.status is Status.ERROR and refused.llm.model == "gpt-4o-mini"


def test_a_letta_tool_run_names_its_tool_arguments_and_result() -> None:
    s = _letta_span("LettaAgent._execute_tool", {"parameter.tool_name": "get_weather",
                                                 "parameter.tool_args": "{'city': 'Paris', 'days': 2, 'metric': True}"},
                    [("finish_get_weather_execution", 1_500, {"status": "success", "func_return": "Sunny"})])
    assert s.kind is SpanKind.TOOL_EXECUTION and s.tool.name == "get_weather" and s.tool.output_preview == "Sunny"
    assert jsonlib.loads(s.tool.input_preview) == {"city": "Paris", "days": 2, "metric": True}
    assert cv.python_dict_json("{'city': {'nested': 1}}") is None  # not a flat dict: shown as sent
    # Every other method span is internal; the agent's turn and its steps are not, nor the requests served.
    kinds = {name: _letta_span(name, {"parameter.name": "default"}) for name in
             ("DatabaseRegistry.async_session", "LettaAgent.step", "agent_step", "POST /agents/{agent_id}/messages")}
    assert [(k.kind, bool(k.attributes.get(cv.INTERNAL_KEY))) for k in kinds.values()] == [
        (SpanKind.CUSTOM, True), (SpanKind.AGENT, False), (SpanKind.TASK, False), (SpanKind.CUSTOM, False)]


def test_a_gemini_cli_tool_spans_call_is_its_arguments_and_result() -> None:
    """Gemini CLI's tool_call span sends the call, not messages, as gen_ai.input/output.messages: its
    arguments are the request's ``args``, its result what the user was shown, else (nothing shown) the
    functionResponse the model is sent; another sender's object there is no tool call."""
    request = {"callId": "mcp_weather_get_weather__fc_1", "name": "mcp_weather_get_weather", "args": {"city": "Paris"}}
    shown = {"status": "success", "request": request, "response": {
        "responseParts": [{"functionResponse": {"name": "x", "response": {"output": "<untrusted_context>\nSunny\n</untrusted_context>"}}}],
        "resultDisplay": "Sunny"}}
    failed = {"status": "error", "request": request, "response": {
        "responseParts": [{"functionResponse": {"name": "x", "response": {"error": "server down"}}}]}}
    attrs = {"gen_ai.input.messages": jsonlib.dumps(request), "gen_ai.output.messages": jsonlib.dumps(shown)}
    prompt, response, used = cv.extract_messages(attrs, values_first=True, client="gemini-cli")
    assert (prompt, response, sorted(used)) == ('{"city":"Paris"}', "Sunny", sorted(attrs))
    attrs["gen_ai.output.messages"] = jsonlib.dumps(failed)
    assert cv.extract_messages(attrs, values_first=True, client="gemini-cli")[:2] == ('{"city":"Paris"}', "server down")
    assert cv.extract_messages(attrs, values_first=True, client="opencode")[:2] == (None, None)


def _turn_root(client: str | None, name: str, messages: object, parent: str | None = None) -> Span:
    attrs = {"gen_ai.operation.name": "invoke_agent",
             "gen_ai.input.messages": messages if isinstance(messages, str) else jsonlib.dumps(messages)}
    return build_span("ab" * 16, "cd" * 8, parent, name, 1_000, 2_000, attrs, [], (), 0, "", "s", client)


def test_an_agents_turn_root_is_named_by_the_last_user_message_its_events_or_its_run_input_hold() -> None:
    """Strands sends the turn's messages as events (the older GenAI form, ``content`` a list of text blocks,
    or the newer one, an event holding ``gen_ai.input.messages``); Pydantic AI the whole run's messages in
    ``pydantic_ai.all_messages`` (the history it was given first, tool results as user messages with no
    text); Mastra the run's input as text."""
    def root(attrs: dict, events: list, parent: str | None = None) -> Span:
        return build_span("ab" * 16, "cd" * 8, parent, "invoke_agent weather_agent", 1_000, 2_000,
                          {"gen_ai.operation.name": "invoke_agent", **attrs}, events, (), 0, "", "s", None)

    older = [("gen_ai.system.message", 1_100, {"content": '[{"text": "Be brief."}]'}),
             ("gen_ai.user.message", 1_200, {"content": '[{"text": "What is the weather in Lima?"}]'}),
             ("gen_ai.choice", 1_900, {"message": "Sunny", "finish_reason": "end_turn"})]
    assert root({}, older).attributes[cv.TURN_PROMPT_KEY] == "What is the weather in Lima?"
    assert cv.TURN_PROMPT_KEY not in root({}, older, parent="ef" * 8).attributes
    newer = [("gen_ai.client.inference.operation.details", 1_100, {"gen_ai.input.messages": jsonlib.dumps(
        [{"role": "user", "parts": [{"type": "text", "content": "Weather in Oslo?"}]}])})]
    assert root({}, newer).attributes[cv.TURN_PROMPT_KEY] == "Weather in Oslo?"
    run = [{"role": "user", "parts": [{"type": "text", "content": "earlier turn"}]},
           {"role": "assistant", "parts": [{"type": "text", "content": "ok"}]},
           {"role": "user", "parts": [{"type": "text", "content": "this turn"}]},
           {"role": "assistant", "parts": [{"type": "tool_call", "id": "c1", "name": "get_weather", "arguments": {}}]},
           {"role": "user", "parts": [{"type": "tool_call_response", "id": "c1", "name": "get_weather", "result": "Sunny"}]}]
    assert root({"pydantic_ai.all_messages": jsonlib.dumps(run)}, []).attributes[cv.TURN_PROMPT_KEY] == "this turn"
    assert root({"mastra.agent_run.input": "Plan my day"}, []).attributes[cv.TURN_PROMPT_KEY] == "Plan my day"
    assert cv.TURN_PROMPT_KEY not in root({"mastra.agent_run.input": "  "}, []).attributes
    # A content that is no JSON list is the text it is.
    assert root({}, [("gen_ai.user.message", 1_200, {"content": "[draft] fix it"})]).attributes[cv.TURN_PROMPT_KEY] == "[draft] fix it"


def test_a_turns_root_of_a_client_naming_every_turn_alike_carries_its_prompt_as_a_name() -> None:
    def user(*texts: str) -> dict:
        return {"role": "user", "parts": [{"type": "text", "content": t} for t in texts]}

    # GitHub Copilot CLI: its own time block before the user's text is left out.
    copilot = [user("<current_datetime>2026-12-05T18:02:16.976+00:00</current_datetime>\n\n  Fix the build\nthen test")]
    assert _turn_root("copilot-cli", "invoke_agent", copilot).attributes[cv.TURN_PROMPT_KEY] == "Fix the build"
    # Cline: a root per model call, named by the model; a tool's result after the prompt is not it.
    cline = [user("first ask"), {"role": "assistant", "parts": [{"type": "text", "content": "ok"}]}, user("\n\nsecond ask"),
             {"role": "assistant", "parts": [{"type": "tool_call", "id": "c1", "name": "read", "arguments": {}}]},
             {"role": "user", "parts": [{"type": "tool_call_response", "id": "c1", "response": "text"}]}]
    assert _turn_root("cline", "invoke_agent openai/gpt-4o-mini", cline).attributes[cv.TURN_PROMPT_KEY] == "second ask"
    long = "word " * 40
    named = _turn_root("droid", "invoke_agent droid", [user(long)]).attributes[cv.TURN_PROMPT_KEY]
    assert len(named) == cv.PROMPT_NAME_CHARS and named.endswith("…")
    # Not a turn's root, not such a client, no user text, messages that are not JSON: no name.
    assert cv.TURN_PROMPT_KEY not in _turn_root("droid", "invoke_agent droid", [user("x")], parent="ef" * 8).attributes
    assert cv.TURN_PROMPT_KEY not in _turn_root("droid", "chat gpt-4o-mini", [user("x")]).attributes
    # Any agent's invocation (``invoke_agent …``), whichever framework sends it or none: a copilot's
    # time block is its own, not another's.
    assert _turn_root(None, "invoke_agent", [user("x")]).attributes[cv.TURN_PROMPT_KEY] == "x"
    assert _turn_root("strands", "invoke_agent Strands Agents", [user("ask\nmore")]).attributes[cv.TURN_PROMPT_KEY] == "ask"
    assert cv.TURN_PROMPT_KEY not in _turn_root("strands", "execute_event_loop_cycle", [user("x")]).attributes
    assert cv.TURN_PROMPT_KEY not in _turn_root("droid", "invoke_agent droid", [user("  \n ")]).attributes
    assert cv.TURN_PROMPT_KEY not in _turn_root("droid", "invoke_agent droid", "[{not json").attributes
    assert cv.TURN_PROMPT_KEY not in _turn_root("copilot-cli", "invoke_agent",
                                                [user("<current_datetime>now</current_datetime>")]).attributes


def _oi(client: str, name: str, attrs: dict, parent: str | None = None, kind: str = "CHAIN",
        trace: str = "ab" * 16, span: str = "cd" * 8) -> Span:
    return build_span(trace, span, parent, name, 1_000, 2_000, {"openinference.span.kind": kind, **attrs}, [], (), 0, "",
                      "s", client)


def test_a_frameworks_run_root_carrying_its_input_is_named_by_the_users_text() -> None:
    """LangGraph's ``LangGraph`` (its graph input, or OpenInference's flattened messages), Agno's and
    smolagents' runs (text, ``{"task": ...}``), Google ADK's ``invocation [...]`` (a new message's parts),
    the OpenAI Agents SDK for TypeScript's ``Agent workflow`` (input items), a CrewAI crew's kickoff (its
    first task)."""
    def named(client: str, name: str, attrs: dict, parent: str | None = None) -> str | None:
        return _oi(client, name, attrs, parent).attributes.get(cv.TURN_PROMPT_KEY)

    graph = {"input.value": jsonlib.dumps({"messages": [["user", "Weather in Lima?"], ["ai", "Sunny"], ["human", "And Oslo?"]]})}
    assert named("langchain", "LangGraph", graph) == "And Oslo?"
    flat = {"llm.input_messages.0.message.role": "user", "llm.input_messages.0.message.content": "first",
            "llm.input_messages.1.message.role": "assistant", "llm.input_messages.1.message.content": "ok",
            "llm.input_messages.10.message.role": "user", "llm.input_messages.10.message.content": "tenth\nmore",
            "input.value": "not read: the messages come first"}
    assert named("langgraph", "LangGraph", flat) == "tenth"
    assert named("agno", "Weather_Team.run", {"input.value": "  Plan my day  "}) == "Plan my day"
    assert named("smolagents", "ToolCallingAgent.run", {"input.value": jsonlib.dumps({"task": "Find it", "stream": False})}) == "Find it"
    adk = {"input.value": jsonlib.dumps({"user_id": "u", "new_message": {"parts": [{"text": "Hi there"}], "role": "user"}})}
    assert named("google-adk", "invocation [weather_app]", adk) == "Hi there"
    items = {"input.value": jsonlib.dumps([{"type": "message", "role": "user", "content": "Weather?"}])}
    assert named("openai-agents", "Agent workflow", items) == "Weather?"
    # A crew's kickoff: what its first task asks.
    tasks = jsonlib.dumps([{"id": "t1", "description": "Find the weather in Lima.\nOne line.", "agent": "reporter"},
                           {"id": "t2", "description": "Write it up."}])
    assert named("crewai", "Crew_0f1e.kickoff", {"crew_tasks": tasks, "crew_inputs": ""}) == "Find the weather in Lima."
    assert named("crewai", "crewai.workflow", {"crewai.crew.tasks": tasks}) == "Find the weather in Lima."
    assert named("crewai", "Crew_0f1e.kickoff", {"crew_tasks": "[]"}) is None
    # The Vercel AI SDK 4-6's calls: its ai.prompt (a prompt's text, or messages); VoltAgent's agent, whatever
    # its name: its input.
    ai = {"ai.prompt": jsonlib.dumps({"system": "Be brief.", "messages": [
        {"role": "user", "content": [{"type": "text", "text": "Weather in Lima?"}]},
        {"role": "assistant", "content": [{"type": "tool-call", "toolCallId": "c1", "toolName": "w", "input": {}}]},
        {"role": "tool", "content": [{"type": "tool-result", "toolCallId": "c1", "output": "Sunny"}]}]})}
    assert named("ai-sdk", "ai.generateText", ai) == "Weather in Lima?"
    assert named("ai-sdk", "ai.streamText", {"ai.prompt": jsonlib.dumps({"prompt": "Plan a trip\nto Oslo"})}) == "Plan a trip"
    assert named("ai-sdk", "ai.generateText.doGenerate", ai) is None
    assert named("ai-sdk", "ai.generateText", {"ai.prompt": "{cut"}) is None
    assert named("voltagent", "weather-agent", {"input": "What is the weather in Paris?"}) == "What is the weather in Paris?"
    # Haystack's agent run: its messages are the Python reprs of its ChatMessages; the user's text is
    # read as the string literals they are (quotes, escapes), never run as code.
    def haystack(role: str, *texts: str) -> str:
        parts = ", ".join(f"TextContent(text={t!r})" for t in texts)
        return f"ChatMessage(_role=<ChatRole.{role.upper()}: {role!r}>, _content=[{parts}], _name=None, _meta={{}})"

    said = ["It's \"Lima\"\nthen Oslo", "C:\\data\\lima.csv"]
    run = {"input.value": jsonlib.dumps({"messages": [haystack("user", "older"), haystack("user", *said),
                                                       haystack("assistant", "answer")]})}
    assert named("haystack", "Agent.run", run) == "It's \"Lima\""
    assert named("haystack", "Agent.run", {"input.value": jsonlib.dumps({"messages": [haystack("user", *said[1:])]})}) == "C:\\data\\lima.csv"
    code = "ChatMessage(_role=<ChatRole.USER: 'user'>, _content=[TextContent(text=__import__('os').getcwd())])"
    assert named("haystack", "Agent.run", {"input.value": jsonlib.dumps({"messages": [code]})}) is None
    assert named("haystack", "Agent.run", {"input.value": jsonlib.dumps({"messages": [haystack("system", "x")]})}) is None
    # Another span of the framework, a child, another framework's span of the name, an input with no user's
    # text or that is no JSON: no name.
    assert named("langchain", "RunnableSequence", graph) is None
    assert named("langchain", "LangGraph", graph, parent="ef" * 8) is None
    assert named("agno", "LangGraph", graph) is None
    assert named("smolagents", "manager.run", {"input.value": jsonlib.dumps({"images": None})}) is None
    assert named("agno", "Agent.run", {"input.value": "{not json"}) is None
    assert named("agno", "Agent.run", {"input.value": "   "}) is None


def test_a_model_call_of_a_turn_whose_root_holds_no_input_carries_the_turns_prompt() -> None:
    """The OpenAI Agents SDK's ``Agent workflow`` and Google ADK's ``invoke_workflow`` carry no input: the
    user's text of a model call of theirs (OpenInference's messages, GenAI's, logfire's ``raw_input``) is
    the turn's prompt; no other client's calls carry one."""
    def call(client: str, attrs: dict) -> str | None:
        return _oi(client, "response", attrs, parent="ef" * 8, kind="LLM").attributes.get(cv.TURN_PROMPT_KEY)

    flat = {"llm.input_messages.0.message.role": "system", "llm.input_messages.0.message.content": "Be brief.",
            "llm.input_messages.1.message.role": "user", "llm.input_messages.1.message.content": "Weather in Paris?"}
    assert call("openai-agents", flat) == "Weather in Paris?"
    raw = {"raw_input": jsonlib.dumps([{"role": "user", "content": "from logfire"},
                                       {"type": "function_call", "name": "get_weather", "arguments": "{}"}])}
    assert call("openai-agents", raw) == "from logfire"
    assert call("pydantic-ai", flat) is None
    assert call("openai-agents", {"llm.input_messages.0.message.role": "system",
                                  "llm.input_messages.0.message.content": "Be brief."}) is None
    assert cv.call_turn_prompt("google-adk", {"gen_ai.input.messages": [
        {"role": "user", "parts": [{"type": "text", "content": "Weather in Oslo?"}]}]}) == "Weather in Oslo?"
    assert cv.names_turn_alike("invoke_workflow weather_agent") and cv.names_turn_alike("Agent workflow")
    assert cv.names_turn_alike("FunctionAgent.run")
    assert not cv.names_turn_alike("My weather chat") and not cv.names_turn_alike("invoke_agent weather_agent")


def test_a_trace_that_is_one_model_call_is_named_by_the_users_text_it_was_sent() -> None:
    """A provider SDK's instrumentation makes each call a trace of its own (``chat gpt-4o-mini`` on every
    row): the root call carries the last user message with text as the trace's name, a client's context
    block before the user's own text (Gemini CLI's ``<session_context>``) left out."""
    def named(attrs: dict, parent: str | None = None, client: str = "openai") -> str | None:
        span = _oi(client, "chat gpt-4o-mini", {"gen_ai.operation.name": "chat", **attrs}, parent, kind="LLM")
        return span.attributes.get(cv.TURN_PROMPT_KEY)

    def user(*texts: str) -> dict:
        return {"role": "user", "parts": [{"type": "text", "content": t} for t in texts]}

    chat = {"gen_ai.input.messages": jsonlib.dumps([{"role": "system", "parts": [{"type": "text", "content": "Be brief."}]},
                                                    user("Weather in Paris?\nIn one line."),
                                                    {"role": "assistant", "parts": [{"type": "text", "content": "Sunny."}]},
                                                    user("And in Oslo?")])}
    assert named(chat) == "And in Oslo?"
    context = "<session_context>\nThis is the Gemini CLI.\n</session_context>"
    gemini = {"gen_ai.input.messages": jsonlib.dumps([user(context, "Run `echo hi`.")])}
    assert named(gemini, client="gemini-cli") == "Run `echo hi`."
    alone = {"gen_ai.input.messages": jsonlib.dumps([user(context), user("List the files.")])}
    assert named(alone, client="gemini-cli") == "List the files."
    flat = {"llm.input_messages.0.message.role": "user", "llm.input_messages.0.message.content": "Weather in Lima?"}
    assert named(flat) == "Weather in Lima?"
    # A call under another span (a turn's), a call sent no user text (only its context, or content not
    # captured): no name of its own.
    assert named(chat, parent="ef" * 8) is None
    assert named({"gen_ai.input.messages": jsonlib.dumps([user(context)])}, client="gemini-cli") is None
    assert named({}) is None


@pytest.mark.parametrize("root_first", [True, False])
def test_the_turns_prompt_a_model_call_carries_names_its_trace_and_root_in_either_order(root_first: bool) -> None:
    root = _oi("openai-agents", "Agent workflow", {}, kind="AGENT", span="0a" * 8)
    second = _oi("openai-agents", "response", {"llm.input_messages.0.message.role": "user",
                                               "llm.input_messages.0.message.content": "And in Oslo?"},
                 parent="0b" * 8, kind="LLM", span="0d" * 8)
    first = _oi("openai-agents", "response", {"llm.input_messages.0.message.role": "user",
                                              "llm.input_messages.0.message.content": "Weather in Paris?"},
                parent="0b" * 8, kind="LLM", span="0c" * 8)
    store = Store()
    for batch in ([[root], [first, second]] if root_first else [[first], [second, root]]):
        store.apply(batch)
    trace = store.traces["ab" * 16]
    assert trace.name == "Weather in Paris?"  # the first call stored names the turn
    assert trace.spans["0a" * 8].attributes[cv.TURN_PROMPT_KEY] == "Weather in Paris?"
    assert trace.spans["0a" * 8].name == "Agent workflow"  # the tree keeps the root's own name
    # A root an app named itself keeps its name.
    own = Store()
    own.apply([_oi("openai-agents", "Weather chat", {}, kind="AGENT", span="0a" * 8), first])
    assert own.traces["ab" * 16].name == "Weather chat"
