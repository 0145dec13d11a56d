"""The OpenTelemetry SDK's OTLP/HTTP exporter -> receiver -> store: same tree,
kinds, models, tokens, status and sessions (protobuf and OTLP JSON)."""

from __future__ import annotations

import asyncio
import json as jsonlib

import pytest
from opentelemetry.trace import Status as OtelStatus
from opentelemetry.trace import StatusCode

from agenttrace_tui.model import SpanKind, Status
from fixtures import cli_out, write_store
from test_otlp_support import provider, received, receiver, wait_for

pytestmark = pytest.mark.parametrize("use_json", [False, True], ids=["protobuf", "json"])


def _genai_agent(tp) -> dict[str, str]:
    """An agent run in OTel GenAI conventions; returns name -> hex span id."""
    t = tp.get_tracer("opentelemetry.instrumentation.openai_agents")
    ids: dict[str, str] = {}

    def note(span) -> None:
        ids[span.name] = format(span.get_span_context().span_id, "016x")

    with t.start_as_current_span("invoke_agent researcher", attributes={
        "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "researcher",
        "gen_ai.conversation.id": "conv-42",
        "gen_ai.aggregated_usage.input_tokens": 1300, "gen_ai.aggregated_usage.output_tokens": 90,
    }) as root:
        note(root)
        with t.start_as_current_span("chat claude-sonnet-4", attributes={
            "gen_ai.operation.name": "chat", "gen_ai.provider.name": "anthropic",
            "gen_ai.request.model": "claude-sonnet-4", "gen_ai.request.temperature": 0.2,
            "gen_ai.usage.input_tokens": 1000, "gen_ai.usage.output_tokens": 60,
            "gen_ai.usage.cache_read.input_tokens": 400, "gen_ai.usage.cache_creation.input_tokens": 100,
            "gen_ai.response.finish_reasons": ["tool_use"],
            "gen_ai.system_instructions": jsonlib.dumps([{"type": "text", "content": "Be brief."}]),
            "gen_ai.input.messages": jsonlib.dumps([{"role": "user", "parts": [{"type": "text", "content": "Find the bug"}]}]),
            "gen_ai.output.messages": jsonlib.dumps([{"role": "assistant", "parts": [
                {"type": "tool_call", "name": "grep", "arguments": {"pattern": "TODO"}}]}]),
        }) as llm:
            note(llm)
        with t.start_as_current_span("execute_tool grep", attributes={
            "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "grep",
            "gen_ai.tool.call.id": "call_1", "gen_ai.tool.call.arguments": '{"pattern": "TODO"}',
        }) as tool:
            note(tool)
            try:
                raise FileNotFoundError("no such file: src/")
            except FileNotFoundError as exc:
                tool.record_exception(exc)
                tool.set_status(OtelStatus(StatusCode.ERROR, "grep failed"))
        with t.start_as_current_span("chat claude-sonnet-4 #2", attributes={
            "gen_ai.operation.name": "chat", "gen_ai.provider.name": "anthropic",
            "gen_ai.request.model": "claude-sonnet-4",
            "gen_ai.usage.input_tokens": 300, "gen_ai.usage.output_tokens": 30,
            "gen_ai.usage.cache_write.input_tokens": 50, "llm.cost.total": 0.0123,
        }) as llm2:
            note(llm2)
    return ids


def _openinference_agent(tp) -> dict[str, str]:
    t = tp.get_tracer("openinference.instrumentation.llama_index")
    ids: dict[str, str] = {}

    def note(span) -> None:
        ids[span.name] = format(span.get_span_context().span_id, "016x")

    with t.start_as_current_span("agent_run", attributes={"openinference.span.kind": "AGENT", "session.id": "oi-1",
                                                          "input.value": "What is 2+2?"}) as root:
        note(root)
        with t.start_as_current_span("retrieve", attributes={"openinference.span.kind": "RETRIEVER",
                                                             "input.value": "arithmetic facts"}) as r:
            note(r)
        with t.start_as_current_span("llm", attributes={
            "openinference.span.kind": "LLM", "llm.model_name": "gpt-4o-mini", "llm.provider": "openai",
            "llm.token_count.prompt": 200, "llm.token_count.completion": 10, "llm.token_count.total": 210,
            "llm.token_count.prompt_details.cache_read": 128,
            "llm.input_messages.0.message.role": "system", "llm.input_messages.0.message.content": "You add.",
            "llm.input_messages.1.message.role": "user", "llm.input_messages.1.message.content": "2+2?",
            "llm.output_messages.0.message.role": "assistant", "llm.output_messages.0.message.content": "4",
            "llm.cost.prompt": 0.001, "llm.cost.completion": 0.0005,
        }) as llm:
            note(llm)
        with t.start_as_current_span("calculator", attributes={"openinference.span.kind": "TOOL",
                                                               "tool.name": "calculator", "input.value": "2+2",
                                                               "output.value": "4"}) as tool:
            note(tool)
    return ids


async def test_genai_agent_tree_arrives_whole(use_json: bool) -> None:
    store, pipeline, server = await receiver()
    try:
        tp = provider(server.address[1], json=use_json, service="researcher-svc")
        ids = await asyncio.to_thread(_genai_agent, tp)
        await asyncio.to_thread(tp.shutdown)
        assert await wait_for(lambda: store.span_count == 4)
        (trace,) = store.traces.values()
        spans = {s.name: s for s in trace.spans.values()}
        root = spans["invoke_agent researcher"]
        assert trace.root_id == root.span_id == ids[root.name] and root.parent_span_id is None
        for name in ("chat claude-sonnet-4", "execute_tool grep", "chat claude-sonnet-4 #2"):
            assert spans[name].parent_span_id == root.span_id and spans[name].span_id == ids[name]
        assert sorted(trace.children[root.span_id]) == sorted(ids[n] for n in ids if n != root.name)
        # kinds, agent, session grouping
        assert root.kind is SpanKind.AGENT and root.agent.name == "researcher"
        assert trace.session_id == "conv-42"
        assert store.sessions["conv-42"].session.service == "researcher-svc"
        assert store.sessions["conv-42"].session.framework == "openai-agents"
        # llm: model, provider, tokens (input already includes cache reads/writes), previews
        llm = spans["chat claude-sonnet-4"]
        assert llm.kind is SpanKind.LLM_CALL
        assert (llm.llm.provider, llm.llm.model, llm.llm.temperature, llm.llm.stop_reason) == (
            "anthropic", "claude-sonnet-4", 0.2, "tool_use")
        u = llm.usage
        assert (u.input, u.output, u.cache_read, u.cache_write, u.total, u.scope) == (1000, 60, 400, 100, 1060, "span")
        assert "system: Be brief." not in (llm.llm.prompt_preview or "")  # instructions have no role
        assert "Be brief." in llm.llm.prompt_preview and "user: Find the bug" in llm.llm.prompt_preview
        assert "tool_call grep" in llm.llm.response_preview
        assert "gen_ai.input.messages" not in llm.attributes
        llm2 = spans["chat claude-sonnet-4 #2"]
        assert llm2.usage.cache_write == 50 and llm2.cost.total == pytest.approx(0.0123)
        assert llm2.cost.source == "reported"
        # tool: error status from the OTel status and the exception event (stack kept)
        tool = spans["execute_tool grep"]
        assert tool.kind is SpanKind.TOOL_EXECUTION and tool.tool.name == "grep" and tool.tool.call_id == "call_1"
        assert tool.tool.input_preview == '{"pattern": "TODO"}'
        assert tool.status is Status.ERROR and tool.status_message == "grep failed"
        assert tool.status_code == "FileNotFoundError"
        (exc,) = [e for e in tool.events if e.name == "exception"]
        assert "Traceback" in exc.attributes["exception.stacktrace"]
        # subtree usage on the agent is shown but not summed
        assert root.usage.scope == "subtree" and root.usage.input == 1300
        assert trace.totals.input_tokens == 1300 and trace.totals.output_tokens == 90
        assert trace.totals.errors == 1 and trace.totals.llm_calls == 2
        assert pipeline.stats.accepted["otlp"] == 4 and pipeline.stats.rejected_total == 0
    finally:
        await server.close()


async def test_openinference_agent_tree_arrives_whole(use_json: bool) -> None:
    store, _pipeline, server = await receiver()
    try:
        tp = provider(server.address[1], json=use_json, service="li-app")
        ids = await asyncio.to_thread(_openinference_agent, tp)
        await asyncio.to_thread(tp.shutdown)
        assert await wait_for(lambda: store.span_count == 4)
        (trace,) = store.traces.values()
        spans = {s.name: s for s in trace.spans.values()}
        assert {n: s.span_id for n, s in spans.items()} == ids
        root = spans["agent_run"]
        assert root.kind is SpanKind.AGENT and trace.session_id == "oi-1"
        assert root.attributes["input.value"] == "What is 2+2?"  # agents have no preview slot
        assert store.sessions["oi-1"].session.framework == "llama-index"
        assert spans["retrieve"].kind is SpanKind.RETRIEVAL and spans["retrieve"].rag.query == "arithmetic facts"
        llm = spans["llm"]
        assert llm.kind is SpanKind.LLM_CALL and (llm.llm.provider, llm.llm.model) == ("openai", "gpt-4o-mini")
        assert (llm.usage.input, llm.usage.output, llm.usage.total, llm.usage.cache_read) == (200, 10, 210, 128)
        assert llm.llm.prompt_preview == "system: You add.\nuser: 2+2?"
        assert llm.llm.response_preview == "assistant: 4"
        assert llm.cost.total == pytest.approx(0.0015) and llm.cost.source == "reported"
        tool = spans["calculator"]
        assert tool.kind is SpanKind.TOOL_EXECUTION and tool.tool.name == "calculator"
        assert (tool.tool.input_preview, tool.tool.output_preview) == ("2+2", "4")
        assert all(s.parent_span_id == root.span_id for s in spans.values() if s is not root)
        assert trace.totals.input_tokens == 200 and trace.totals.cost == pytest.approx(0.0015)
    finally:
        await server.close()


async def test_spans_without_session_group_by_service_instance(use_json: bool) -> None:
    store, _pipeline, server = await receiver()
    try:
        def run(tp, n: int) -> None:
            t = tp.get_tracer("plain")
            for i in range(n):
                attrs = {"llm.model": "llama3", "llm.token_count.prompt": 5}
                with t.start_as_current_span(f"task_{i}"), t.start_as_current_span("llm_inference", attributes=attrs):
                    pass

        a = provider(server.address[1], json=use_json, service="svc-a", **{"service.instance.id": "A1"})
        b = provider(server.address[1], json=use_json, service="svc-b", **{"service.instance.id": "B1"})
        await asyncio.to_thread(run, a, 3)
        await asyncio.to_thread(run, b, 2)
        await asyncio.to_thread(a.shutdown)
        await asyncio.to_thread(b.shutdown)
        assert await wait_for(lambda: store.span_count == 10)
        assert set(store.sessions) == {"svc-a/A1", "svc-b/B1"}
        assert len(store.sessions["svc-a/A1"].trace_ids) == 3 and len(store.sessions["svc-b/B1"].trace_ids) == 2
        assert store.sessions["svc-b/B1"].session.service == "svc-b"
        kinds = {s.name: s.kind for s in store.iter_spans()}
        assert kinds["llm_inference"] is SpanKind.LLM_CALL and kinds["task_0"] is SpanKind.TASK
    finally:
        await server.close()


async def test_an_opencode_sub_agents_own_session_stays_in_the_turn_that_started_it(use_json: bool) -> None:
    """OpenCode runs a sub-agent (its ``task`` tool) in a child session of its own inside the turn's trace:
    its spans name that session (``session.id``) while the turn's name the parent's. The run is one
    session: the trace never moves to the child session while the sub-agent runs, whose spans keep their
    own session id as sent; a later trace naming the child session alone goes to the parent's too."""
    from opentelemetry import trace

    store, _pipeline, server = await receiver()
    try:
        tp = provider(server.address[1], json=use_json, service="opencode", **{"service.instance.id": "run1"})
        t = tp.get_tracer("opencode")
        main, child = {"session.id": "ses_main"}, {"session.id": "ses_child"}
        open_spans: dict[str, trace.Span] = {}

        def turn_starts() -> None:
            root = open_spans["root"] = t.start_span("SessionPrompt.loop")
            under_root = trace.set_span_in_context(root)
            t.start_span("ai.streamText", context=under_root, attributes={"ai.operationId": "ai.streamText", **main}).end()
            open_spans["task"] = t.start_span("ai.toolCall", context=under_root, attributes={
                "ai.operationId": "ai.toolCall", "ai.toolCall.name": "task", "ai.toolCall.id": "call_1",
                "ai.toolCall.args": jsonlib.dumps({"prompt": "Read it.", "subagent_type": "greeter"}), **main})
            tp.force_flush()

        def sub_agent_runs() -> None:
            sub = t.start_span("ai.streamText", context=trace.set_span_in_context(open_spans["task"]),
                               attributes={"ai.operationId": "ai.streamText", **child})
            t.start_span("Tool.execute", context=trace.set_span_in_context(sub),
                         attributes={"tool.name": "read", "tool.call_id": "call_2", **child}).end()
            sub.end()
            tp.force_flush()

        def turn_ends() -> None:
            open_spans["task"].end()
            open_spans["root"].end()
            with t.start_as_current_span("Tool.execute", attributes={"tool.name": "read", "tool.call_id": "call_3",
                                                                     **child}):
                pass
            tp.force_flush()

        await asyncio.to_thread(turn_starts)
        assert await wait_for(lambda: "ses_main" in store.sessions and store.span_count == 1)  # (ended spans only)
        await asyncio.to_thread(sub_agent_runs)
        assert await wait_for(lambda: store.span_count == 3)
        assert set(store.sessions) == {"ses_main"}  # not the child's, while the sub-agent runs
        await asyncio.to_thread(turn_ends)
        assert await wait_for(lambda: store.span_count == 6)
        await asyncio.to_thread(tp.shutdown)
        assert set(store.sessions) == {"ses_main"}
        assert len(store.sessions["ses_main"].trace_ids) == 2
        spans = list(store.iter_spans())
        assert {s.session_id for s in spans} == {"ses_main"}
        assert sorted(s.attributes.get("session.id") for s in spans if s.name in ("ai.streamText", "Tool.execute")) == [
            "ses_child", "ses_child", "ses_child", "ses_main"]
    finally:
        await server.close()


async def test_a_new_run_of_opencode_is_not_the_last_runs_session(use_json: bool) -> None:
    """OpenCode (and Kilo Code, which reports as it) names its session (``session.id``) on a few
    spans only; its other spans join the session its process named last. A second run (another
    process: its own ``service.instance.id``) that names none, as a run that fails before any
    tool runs, is a session of its own, not the first run's."""
    store, _pipeline, server = await receiver()
    try:
        def run(tp, session: str | None) -> None:
            t = tp.get_tracer("opencode")
            with t.start_as_current_span("Config.get"):
                pass
            with t.start_as_current_span("SessionPrompt.loop"):
                attrs = {"tool.name": "bash", "session.id": session} if session else {}
                with t.start_as_current_span("Tool.execute", attributes=attrs):
                    pass

        first = provider(server.address[1], json=use_json, service="opencode", **{"service.instance.id": "run1"})
        await asyncio.to_thread(run, first, "ses_first")
        await asyncio.to_thread(first.shutdown)
        assert await wait_for(lambda: store.span_count == 3)
        second = provider(server.address[1], json=use_json, service="opencode", **{"service.instance.id": "run2"})
        await asyncio.to_thread(run, second, None)
        await asyncio.to_thread(second.shutdown)
        assert await wait_for(lambda: store.span_count == 6)
        assert len(store.sessions["ses_first"].trace_ids) == 2
        assert set(store.sessions) == {"ses_first", "opencode/run2"}
        assert len(store.sessions["opencode/run2"].trace_ids) == 2
    finally:
        await server.close()


def test_a_services_version_is_the_services(use_json: bool, tmp_path, capsys) -> None:
    """``service.version`` is the version of the service that sent the spans (an application's),
    not of the framework its instrumentation names: `sessions show` reads `weather-bot 1.2.0`
    and `langchain`, not `langchain 1.2.0` (the session, its file and the command)."""
    def send(tp) -> None:
        t = tp.get_tracer("openinference.instrumentation.langchain")
        with t.start_as_current_span("ChatOpenAI", attributes={"session.id": "weather-chat"}):
            pass

    store = asyncio.run(received(send, lambda s: s.span_count == 1, "weather-bot", json=use_json,
                                 **{"service.version": "1.2.0"}))
    s = store.sessions["weather-chat"].session
    assert (s.service, s.service_version, s.framework, s.framework_version) == ("weather-bot", "1.2.0", "langchain", None)
    db = str(write_store(tmp_path / "versions.db", store))
    out = cli_out(capsys, "sessions", "show", "weather-chat", "--db", db)
    shown = {k.strip(): v.strip() for k, _, v in (ln.partition(":") for ln in out.splitlines()[:4])}
    assert (shown["service"], shown["framework"]) == ("weather-bot 1.2.0", "langchain")
    got = jsonlib.loads(cli_out(capsys, "sessions", "show", "weather-chat", "--db", db, "--json"))
    assert (got["service_version"], got["framework_version"]) == ("1.2.0", None)
    # An export names the service's version as the resource's, as the sender did.
    out = tmp_path / "export.json"
    cli_out(capsys, "export", "--session", "weather-chat", "--format", "otlp-json", "-o", str(out), "--db", db)
    (resource,) = {jsonlib.dumps(rs["resource"], sort_keys=True) for rs in jsonlib.loads(out.read_text())["resourceSpans"]}
    kept = {a["key"]: a["value"] for a in jsonlib.loads(resource)["attributes"]}
    assert (kept["service.name"], kept["service.version"]) == ({"stringValue": "weather-bot"}, {"stringValue": "1.2.0"})
