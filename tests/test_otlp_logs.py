"""The SDK's OTLP log exporter sends Claude Code- and Codex-shaped events.

Fixtures follow the published event schemas: Claude Code's monitoring docs
(body ``claude_code.<event>``, ``event.name``, ``session.id``, ``prompt.id``,
``event.sequence``; api_request with model, tokens, cache tokens, cost_usd,
duration_ms; tool_result with tool_name, success, duration_ms, error) and
Codex's ``codex_otel`` events (``event.name = codex.*``, ``conversation.id``,
numbers as their Display strings, response.completed token counts).
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from opentelemetry._logs import LogRecord
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource

from agenttrace_tui.config import Config
from agenttrace_tui.model import SESSION_LOG_NAME, SpanKind, Status
from agenttrace_tui.runtime.monitor import Monitor
from agenttrace_tui.store.reader import Reader
from test_otlp_support import apost, provider, receiver, wait_for

T0 = 1_790_000_000_000_000_000
S = 1_000_000_000


def _iso(ns: int) -> str:
    return datetime.fromtimestamp(ns / 1e9, tz=UTC).isoformat().replace("+00:00", "Z")


def send_logs(port: int, service: str, version: str, records: list[dict], **resource) -> None:
    lp = LoggerProvider(resource=Resource.create({"service.name": service, "service.version": version,
                                                  "host.name": "devbox", **resource}))
    lp.add_log_record_processor(SimpleLogRecordProcessor(OTLPLogExporter(endpoint=f"http://127.0.0.1:{port}/v1/logs")))
    logger = lp.get_logger(service)
    for r in records:
        logger.emit(LogRecord(timestamp=r["t"], body=r.get("body"), attributes=r["attrs"],
                              trace_id=r.get("trace_id"), span_id=r.get("span_id")))
    lp.shutdown()


def claude(event: str, t: int, seq: int, prompt_id: str | None, **attrs) -> dict:
    base = {"event.name": event, "event.timestamp": _iso(t), "event.sequence": seq, "session.id": "sess-1",
            "user.account_uuid": "u-1", "organization.id": "org-1", "terminal.type": "tmux", "app.version": "2.0.14"}
    if prompt_id:
        base["prompt.id"] = prompt_id
    return {"t": t, "body": f"claude_code.{event}", "attrs": {**base, **attrs}}


CLAUDE_SESSION = [
    claude("user_prompt", T0, 1, "p1", prompt_length="27", prompt="fix the failing test please"),
    claude("api_request", T0 + 3 * S, 2, "p1", model="claude-sonnet-4-5", input_tokens="12", output_tokens="340",
           cache_read_tokens="20000", cache_creation_tokens="1500", cost_usd="0.0421", duration_ms="2300",
           speed="normal", query_source="main"),
    claude("tool_decision", T0 + 3 * S + 10, 3, "p1", tool_name="Bash", decision="accept", source="config"),
    claude("tool_result", T0 + 5 * S, 4, "p1", tool_name="Bash", success="true", duration_ms="1500",
           tool_parameters='{"command": "pytest -x"}', tool_result_size_bytes="2048"),
    claude("tool_result", T0 + 6 * S, 5, "p1", tool_name="Edit", success="false", duration_ms="20",
           error="File has not been read yet"),
    claude("api_error", T0 + 8 * S, 6, "p1", model="claude-sonnet-4-5", error="Overloaded", status_code="529",
           duration_ms="900", attempt="1"),
    claude("api_request", T0 + 12 * S, 7, "p1", model="claude-sonnet-4-5", input_tokens=8, output_tokens=120,
           cache_read_tokens=21000, cache_creation_tokens=0, cost_usd=0.0123, duration_ms=3000),
    claude("user_prompt", T0 + 60 * S, 8, "p2", prompt_length="4"),
    claude("api_request", T0 + 62 * S, 9, "p2", model="claude-haiku-4-5", input_tokens="100", output_tokens="10",
           cache_read_tokens="0", cache_creation_tokens="0", cost_usd="0.0002", duration_ms="500"),
    claude("mcp_server_connection", T0 + 1, 10, None, status="connected", server_scope="user"),
]


def codex(event: str, t: int, **attrs) -> dict:
    base = {"event.name": f"codex.{event}", "event.timestamp": _iso(t), "conversation.id": "conv-7",
            "app.version": "0.46.0", "auth_mode": "ChatGPT", "terminal.type": "xterm", "model": "gpt-5-codex",
            "slug": "gpt-5-codex"}
    return {"t": t, "attrs": {**base, **attrs}}


CODEX_SESSION = [
    codex("conversation_starts", T0, provider_name="OpenAI", reasoning_effort="medium", approval_policy="on-request",
          sandbox_policy="workspace-write", context_window="272000"),
    codex("user_prompt", T0 + 1 * S, prompt_length="18", prompt="list the big files"),
    codex("api_request", T0 + 2 * S, attempt="1", duration_ms="800", **{"http.response.status_code": "200"}),
    codex("sse_event", T0 + 2 * S + 1, duration_ms="3", **{"event.kind": "response.created"}),
    codex("sse_event", T0 + 2 * S + 2, duration_ms="1", **{"event.kind": "response.output_text.delta"}),
    codex("sse_event", T0 + 4 * S, duration_ms="5", input_token_count="5000", output_token_count="300",
          cached_token_count="4096", reasoning_token_count="128", tool_token_count="0",
          **{"event.kind": "response.completed"}),
    codex("tool_decision", T0 + 4 * S + 5, tool_name="shell", call_id="call_9", decision="approved", source="config"),
    codex("tool_result", T0 + 5 * S, tool_name="shell", call_id="call_9", arguments='{"command":["du","-sh","*"]}',
          duration_ms="700", success="true", output="12M\tdata"),
]


async def test_claude_code_events_become_prompt_traces() -> None:
    store, pipeline, server = await receiver()
    try:
        await asyncio.to_thread(send_logs, server.address[1], "claude-code", "2.0.14", CLAUDE_SESSION)
        assert await wait_for(lambda: store.span_count >= 9)
        session = store.sessions["sess-1"]
        assert session.session.framework == "claude-code" and session.session.service == "claude-code"
        assert session.session.framework_version == "2.0.14" and session.session.hostname == "devbox"
        assert session.session.attributes["terminal.type"] == "tmux"
        traces = {store.traces[t].name: store.traces[t] for t in session.trace_ids}
        assert set(traces) == {"prompt: fix the failing test please", "prompt", SESSION_LOG_NAME}
        p1 = traces["prompt: fix the failing test please"]
        root = p1.spans[p1.root_id]
        assert root.kind is SpanKind.AGENT and root.attributes["prompt"] == "fix the failing test please"
        assert root.start_ns == T0 and root.end_ns == T0 + 12 * S
        kids = [p1.spans[i] for i in p1.children[p1.root_id]]
        llm = [s for s in kids if s.kind is SpanKind.LLM_CALL and s.status is Status.OK]
        assert len(llm) == 2
        first = min(llm, key=lambda s: s.start_ns)
        assert (first.llm.provider, first.llm.model) == ("anthropic", "claude-sonnet-4-5")
        # Anthropic-style numbers: cache reads/writes are added into input.
        u = first.usage
        assert (u.input, u.output, u.cache_read, u.cache_write) == (21512, 340, 20000, 1500)
        assert first.cost.total == 0.0421 and first.cost.source == "reported"
        assert first.end_ns == T0 + 3 * S and first.start_ns == T0 + 3 * S - 2300 * 1_000_000
        tools = {s.name: s for s in kids if s.kind is SpanKind.TOOL_EXECUTION}
        assert tools["Bash"].status is Status.OK and tools["Bash"].tool.input_preview == '{"command": "pytest -x"}'
        assert tools["Bash"].duration_ns() == 1500 * 1_000_000
        assert tools["Edit"].status is Status.ERROR and tools["Edit"].status_message == "File has not been read yet"
        (err,) = [s for s in kids if s.status is Status.ERROR and s.kind is SpanKind.LLM_CALL]
        assert err.status_code == "529" and err.status_message == "Overloaded"
        assert [e.name for e in root.events] == ["claude_code.tool_decision"]
        assert p1.totals.cost == 0.0421 + 0.0123 and p1.totals.errors == 2
        log = traces[SESSION_LOG_NAME].spans[traces[SESSION_LOG_NAME].root_id]
        assert [e.name for e in log.events] == ["claude_code.mcp_server_connection"]
        assert session.totals.cost == 0.0421 + 0.0123 + 0.0002
        assert pipeline.stats.accepted["otlp"] == len(CLAUDE_SESSION)
        # Delivered again (an exporter retry): merged, never duplicated.
        before = store.span_count
        await asyncio.to_thread(send_logs, server.address[1], "claude-code", "2.0.14", CLAUDE_SESSION[:7])
        assert await wait_for(lambda: pipeline.stats.accepted["otlp"] == len(CLAUDE_SESSION) + 7)
        assert store.span_count == before and session.totals.cost == 0.0421 + 0.0123 + 0.0002
    finally:
        await server.close()


#: A turn that hands work to a sub-agent, as Claude Code 2.1 logs it with OTEL_LOG_TOOL_DETAILS: the Agent tool's
#: input names the sub-agent (``subagent_type``), each of its own calls' events ``agent.name`` and ``agent_id``.
CLAUDE_SUBAGENT_TURN = [
    claude("user_prompt", T0, 1, "p1", prompt="ask the greeter"),
    claude("api_request", T0 + 1 * S, 2, "p1", model="claude-sonnet-4-5", input_tokens="10", output_tokens="5",
           cost_usd="0.0001", duration_ms="500", query_source="sdk", request_id="req_1"),
    claude("api_request", T0 + 2 * S, 3, "p1", model="claude-sonnet-4-5", input_tokens="20", output_tokens="6",
           cost_usd="0.0002", duration_ms="500", query_source="agent:custom", request_id="req_2",
           **{"agent.name": "greeter", "agent_id": "a1"}),
    claude("api_error", T0 + 3 * S, 4, "p1", model="claude-sonnet-4-5", error="refused", status_code="400",
           duration_ms="100", request_id="req_3", **{"agent.name": "greeter", "agent_id": "a1"}),
    claude("tool_result", T0 + 2 * S + 100, 4, "p1", tool_name="Read", success="true", duration_ms="10",
           tool_use_id="toolu_3", request_id="req_2", agent_id="a1"),
    claude("tool_result", T0 + 4 * S, 5, "p1", tool_name="Agent", success="false", duration_ms="3000",
           tool_use_id="toolu_1", tool_parameters='{"subagent_type":"greeter"}',
           tool_input='{"description":"Say hi","prompt":"Say hi.","subagent_type":"greeter"}'),
    claude("tool_result", T0 + 4 * S, 6, "p1", tool_name="Bash", success="true", duration_ms="10",
           tool_use_id="toolu_2", tool_parameters='{"command":"echo hi"}'),
]


async def test_a_claude_code_sub_agents_calls_and_its_agent_tool_name_the_sub_agent() -> None:
    """Before, a sub-agent's calls read like the main conversation's (its name only a raw attribute) and
    the Agent tool call named no agent: which calls were the sub-agent's, and which one, was lost. The
    sub-agent's tools' events send only its id: named by the name its calls' events gave that id."""
    store, _, server = await receiver()
    try:
        await asyncio.to_thread(send_logs, server.address[1], "claude-code", "2.1.332", CLAUDE_SUBAGENT_TURN)
        assert await wait_for(lambda: store.span_count >= 7)
        (trace,) = [store.traces[t] for t in store.sessions["sess-1"].trace_ids]
        spans = list(trace.spans.values())
        calls = {s.attributes["request_id"]: s for s in spans if s.kind is SpanKind.LLM_CALL}
        assert calls["req_1"].agent is None  # the main conversation's
        assert calls["req_2"].agent.name == calls["req_3"].agent.name == "greeter"
        assert "agent.name" not in calls["req_2"].attributes and calls["req_2"].attributes["agent_id"] == "a1"
        assert calls["req_3"].status is Status.ERROR
        tools = {s.tool.name: s for s in spans if s.kind is SpanKind.TOOL_EXECUTION}
        assert tools["Agent"].agent.name == "greeter" and tools["Agent"].status is Status.ERROR
        assert tools["Read"].agent.name == "greeter" and tools["Bash"].agent is None
    finally:
        await server.close()


async def test_a_claude_code_mcp_tools_event_names_the_tool_and_its_server() -> None:
    """Claude Code reports every MCP server's tool as ``mcp_tool``, the server and tool only in
    ``tool_parameters`` (with OTEL_LOG_TOOL_DETAILS): the call is named as the model called it and names
    its server, as the tool's span does with the traces beta, also when only logs are sent."""
    store, _, server = await receiver()
    try:
        await asyncio.to_thread(send_logs, server.address[1], "claude-code", "2.1.332", [
            claude("user_prompt", T0, 1, "p1", prompt="weather?"),
            claude("tool_result", T0 + 1 * S, 2, "p1", tool_name="mcp_tool", success="true", duration_ms="49",
                   tool_use_id="toolu_2", tool_input='{"city":"Paris"}', tool_result_size_bytes="33",
                   tool_parameters='{"mcp_server_name":"weather","mcp_tool_name":"get_weather"}')])
        assert await wait_for(lambda: store.span_count >= 2)
        (trace,) = [store.traces[t] for t in store.sessions["sess-1"].trace_ids]
        (tool,) = [s for s in trace.spans.values() if s.kind is SpanKind.TOOL_EXECUTION]
        assert tool.tool is not None
        assert (tool.tool.name, tool.tool.server, tool.tool.input_preview) == (
            "mcp__weather__get_weather", "weather", '{"city":"Paris"}')
    finally:
        await server.close()


def otlp_json_logs(service: str, records: list[dict]) -> bytes:
    """The records as an OTLP JSON logs body (Codex's otlp-http exporter can send JSON too)."""
    def value(v):
        if isinstance(v, bool):
            return {"boolValue": v}
        if isinstance(v, int):
            return {"intValue": str(v)}
        return {"stringValue": str(v)}

    logs = [{"timeUnixNano": str(r["t"]), "observedTimeUnixNano": str(r["t"]), "severityNumber": 9,
             "severityText": "INFO", "traceId": "", "spanId": "",
             "attributes": [{"key": k, "value": value(v)} for k, v in r["attrs"].items()]} for r in records]
    return jsonlib.dumps({"resourceLogs": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]},
        "scopeLogs": [{"scope": {"name": "codex_otel"}, "logRecords": logs}]}]}).encode()


@pytest.mark.parametrize("use_json", [False, True], ids=["protobuf", "json"])
async def test_codex_events_become_turn_traces(use_json: bool) -> None:
    store, _pipeline, server = await receiver()
    try:
        if use_json:
            status, _h, _b = await apost(server.address[1], "/v1/logs", otlp_json_logs("codex_cli_rs", CODEX_SESSION),
                                         {"Content-Type": "application/json"})
            assert status == 200 and jsonlib.loads(_b) == {}
        else:
            await asyncio.to_thread(send_logs, server.address[1], "codex_cli_rs", "0.46.0", CODEX_SESSION)
        assert await wait_for(lambda: store.span_count >= 4 and store.sessions.get("conv-7") is not None)
        session = store.sessions["conv-7"]
        assert session.session.framework == "codex"
        traces = {store.traces[t].name: store.traces[t] for t in session.trace_ids}
        assert set(traces) == {"prompt: list the big files", SESSION_LOG_NAME}
        turn = traces["prompt: list the big files"]
        kids = {turn.spans[i].kind: turn.spans[i] for i in turn.children[turn.root_id]}
        llm = kids[SpanKind.LLM_CALL]
        # provider_name "OpenAI", shown as every OpenAI call's provider is.
        assert (llm.llm.provider, llm.llm.model) == ("openai", "gpt-5-codex")
        u = llm.usage
        assert (u.input, u.output, u.cache_read, u.reasoning, u.total) == (5000, 300, 4096, 128, 5300)
        assert llm.start_ns == T0 + 2 * S - 800 * 1_000_000 and llm.end_ns == T0 + 4 * S  # streamed to completion
        tool = kids[SpanKind.TOOL_EXECUTION]
        assert tool.tool.name == "shell" and tool.tool.call_id == "call_9"
        assert tool.tool.input_preview == '{"command":["du","-sh","*"]}' and tool.tool.output_preview == "12M\tdata"
        root = turn.spans[turn.root_id]
        assert [e.name for e in root.events] == ["codex.tool_decision"]
        log = traces[SESSION_LOG_NAME].spans[traces[SESSION_LOG_NAME].root_id]
        (starts,) = log.events
        assert starts.name == "codex.conversation_starts" and starts.attributes["sandbox_policy"] == "workspace-write"
        assert server.logs.ignored == 2  # streaming deltas are not kept
        assert session.totals.input_tokens == 5000
    finally:
        await server.close()


async def test_other_logs_attach_to_their_span_or_the_session_log() -> None:
    store, _pipeline, server = await receiver()
    try:
        tp = provider(server.address[1], service="worker", **{"service.instance.id": "w1"})

        def run() -> tuple[int, int]:
            with tp.get_tracer("x").start_as_current_span("task_step") as span:
                ctx = span.get_span_context()
            tp.shutdown()
            return ctx.trace_id, ctx.span_id

        trace_id, span_id = await asyncio.to_thread(run)
        records = [
            {"t": T0, "body": "cache miss for key k1", "attrs": {"cache.key": "k1"}, "trace_id": trace_id,
             "span_id": span_id},
            {"t": T0 + 1, "body": "worker idle", "attrs": {}},
        ]
        await asyncio.to_thread(send_logs, server.address[1], "worker", "1.0", records, **{"service.instance.id": "w1"})
        tid, sid = format(trace_id, "032x"), format(span_id, "016x")
        assert await wait_for(lambda: store.span(tid, sid) is not None and store.span(tid, sid).events)
        (ev,) = store.span(tid, sid).events
        assert ev.attributes["body"] == "cache miss for key k1" and ev.attributes["cache.key"] == "k1"
        assert await wait_for(lambda: [t for t in store.traces.values() if t.name == SESSION_LOG_NAME])
        (log,) = [t for t in store.traces.values() if t.name == SESSION_LOG_NAME]
        assert log.session_id == "worker/w1" == store.trace(tid).session_id
        assert [e.attributes["body"] for e in log.spans[log.root_id].events] == ["worker idle"]
    finally:
        await server.close()


def _spans_naming(port: int, service: str, instance: str, sessions: list[str]) -> None:
    """One span per session in ``sessions``, each naming it as ``session.id`` (as a baggage span
    processor copies it on), exported by the process ``service``/``instance``."""
    tp = provider(port, service=service, **{"service.instance.id": instance})
    for sid in sessions:
        with tp.get_tracer("agent").start_as_current_span("invoke_agent weather_agent") as span:
            span.set_attribute("session.id", sid)
    tp.shutdown()


def _process_records(port: int, service: str, instance: str, bodies: list[str], t: int = T0) -> None:
    """Log records naming no session and no span (Python's log records outside any span)."""
    send_logs(port, service, "1.0", [{"t": t + i, "body": b, "attrs": {"code.function.name": "f"}}
                                     for i, b in enumerate(bodies)], **{"service.instance.id": instance})


def _logs_of(store) -> dict[str, list[str]]:
    return {t.session_id: [e.attributes["body"] for e in t.spans[t.root_id].events]
            for t in store.traces.values() if t.name == SESSION_LOG_NAME}


@pytest.mark.parametrize("spans_first", [False, True])
async def test_a_processs_log_is_shown_in_the_session_its_spans_name(spans_first: bool) -> None:
    """A process whose spans name their session (the AWS distro copies ``session.id`` from baggage
    onto every span) and that exports its log records naming no span (start-up warnings, logged
    before any span) is one session: its log is in it, whichever arrives first, and no session of
    the process's own is left, in memory or on file."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "t.db"
        monitor = Monitor(Config(persist=True, db=str(db), otlp_port=0, otlp_grpc_port=None, udp_port=None,
                                 tcp_port=None, socket=""))
        await monitor.start()
        try:
            port = monitor.otlp.address[1]
            if spans_first:
                await asyncio.to_thread(_spans_naming, port, "weather-agent", "i-1", ["sess-1"])
                assert await wait_for(lambda: "sess-1" in monitor.store.sessions)
            await asyncio.to_thread(_process_records, port, "weather-agent", "i-1",
                                    ["Attempting to instrument while already instrumented"])
            assert await wait_for(lambda: _logs_of(monitor.store))
            if not spans_first:
                await asyncio.to_thread(_spans_naming, port, "weather-agent", "i-1", ["sess-1"])
            await asyncio.to_thread(_process_records, port, "weather-agent", "i-1", ["shutting down"], T0 + S)
            assert await wait_for(lambda: len(next(iter(_logs_of(monitor.store).values()), ())) == 2)
            assert _logs_of(monitor.store) == {
                "sess-1": ["Attempting to instrument while already instrumented", "shutting down"]}
            assert list(monitor.store.sessions) == ["sess-1"]
        finally:
            await monitor.stop()
        with Reader(db) as reader:
            assert [s.id for s in reader.sessions()] == ["sess-1"]


async def test_a_process_of_several_sessions_keeps_its_log_in_its_own() -> None:
    """A process whose spans name two sessions (a server) is no one session's: its log is its own."""
    store, _pipeline, server = await receiver()
    try:
        port = server.address[1]
        await asyncio.to_thread(_process_records, port, "agent-server", "i-2", ["started"])
        await asyncio.to_thread(_spans_naming, port, "agent-server", "i-2", ["sess-a"])
        assert await wait_for(lambda: _logs_of(store) == {"sess-a": ["started"]})
        await asyncio.to_thread(_spans_naming, port, "agent-server", "i-2", ["sess-b"])
        await asyncio.to_thread(_process_records, port, "agent-server", "i-2", ["idle"], T0 + S)
        assert await wait_for(lambda: _logs_of(store) == {"agent-server/i-2": ["started", "idle"]})
        # Another process of the service, which names one session, is not that one.
        await asyncio.to_thread(_process_records, port, "agent-server", "i-3", ["started"])
        await asyncio.to_thread(_spans_naming, port, "agent-server", "i-3", ["sess-c"])
        assert await wait_for(lambda: _logs_of(store).get("sess-c") == ["started"])
        assert set(store.sessions) == {"sess-a", "sess-b", "sess-c", "agent-server/i-2"}
    finally:
        await server.close()


async def test_log_record_with_an_invalid_id_is_a_partial_success() -> None:
    _store, pipeline, server = await receiver()
    try:
        body = jsonlib.loads(otlp_json_logs("svc", [{"t": T0, "attrs": {"k": "v"}}, {"t": T0 + 1, "attrs": {}}]))
        body["resourceLogs"][0]["scopeLogs"][0]["logRecords"][1]["traceId"] = "not-hex"
        status, _h, resp = await apost(server.address[1], "/v1/logs", jsonlib.dumps(body).encode(),
                                       {"Content-Type": "application/json"})
        assert status == 200 and jsonlib.loads(resp)["partialSuccess"]["rejectedLogRecords"] == "1"
        assert pipeline.stats.rejected["invalid_log_record"] == 1 and pipeline.stats.accepted["otlp"] == 1
    finally:
        await server.close()


async def test_a_coding_agents_first_prompt_names_its_session_until_it_has_a_name() -> None:
    """Claude Code and Codex name no session: every one would read as its service (``claude-code``).
    The first prompt whose text is logged names it; later prompts do not rename it; a name the
    session has (``run --name``, a sender's) stays; a session whose prompts are not logged reads as
    its service."""
    from agenttrace_tui.model import Session

    store, pipeline, server = await receiver()
    try:
        pipeline.apply([Session(id="sess-named", name="nightly fix")])  # as `run --name` announces it
        later = claude("user_prompt", T0 + 90 * S, 11, "p3", prompt="and now the   docs\ntoo")
        named = [{**r, "attrs": {**r["attrs"], "session.id": "sess-named"}} for r in CLAUDE_SESSION[:2]]
        unlogged = [{**r, "attrs": {**r["attrs"], "session.id": "sess-quiet"}} for r in CLAUDE_SESSION[7:9]]
        await asyncio.to_thread(send_logs, server.address[1], "claude-code", "2.0.14",
                                [*CLAUDE_SESSION, later, *named, *unlogged])
        await asyncio.to_thread(send_logs, server.address[1], "codex_exec", "0.46.0", CODEX_SESSION)
        assert await wait_for(lambda: {"sess-1", "sess-named", "sess-quiet", "conv-7"} <= set(store.sessions))
        assert await wait_for(lambda: store.sessions["conv-7"].session.label == "list the big files")
        labels = {sid: store.sessions[sid].session.label for sid in ("sess-1", "sess-named", "sess-quiet")}
        assert labels == {"sess-1": "fix the failing test please", "sess-named": "nightly fix",
                          "sess-quiet": "claude-code"}
        assert store.sessions["sess-1"].session.name is None  # a label, not a name the agent gave
        # A later prompt in another request (the next turn) does not rename it either.
        again = claude("user_prompt", T0 + 120 * S, 12, "p4", prompt="something else entirely")
        await asyncio.to_thread(send_logs, server.address[1], "claude-code", "2.0.14", [again])
        assert await wait_for(lambda: len(store.sessions["sess-1"].trace_ids) == 5)
        assert store.sessions["sess-1"].session.label == "fix the failing test please"
    finally:
        await server.close()



def _codex_turns(port: int, roots: list[str], ids: list[tuple[int, int]]) -> None:
    """One Codex-shaped turn per root name (the root, and in it the span Codex logs the prompt in,
    of the given trace and span ids) sent over the real OTel SDK to the receiver."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace import IdGenerator, TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    class Given(IdGenerator):
        def __init__(self) -> None:
            self.traces = [t for t, _s in ids]
            self.spans = [x for _t, s in ids for x in (s ^ 1, s)]  # each root's, then its prompt span's

        def generate_trace_id(self) -> int:
            return self.traces.pop(0)

        def generate_span_id(self) -> int:
            return self.spans.pop(0)

    tp = TracerProvider(resource=Resource.create({"service.name": "codex_exec"}), id_generator=Given())
    tp.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=f"http://127.0.0.1:{port}/v1/traces")))
    tracer = tp.get_tracer("codex_otel")
    for name, (trace_id, span_id) in zip(roots, ids, strict=True):
        with tracer.start_as_current_span(name), tracer.start_as_current_span("run_hooks_and_record_inputs") as inner:
            assert (inner.get_span_context().trace_id, inner.get_span_context().span_id) == (trace_id, span_id)
    tp.shutdown()


@pytest.mark.parametrize("spans_first", [True, False])
async def test_a_codex_turn_is_named_by_the_first_line_of_its_prompt(spans_first: bool) -> None:
    """Codex names the root span of every turn ``turn/start``: each turn's trace is named by the
    first line of its prompt (its ``codex.user_prompt`` record, logged inside the turn's tree), cut as
    a session's name is, whichever of the root and the record arrives first; a turn whose prompt is
    not logged, and a trace whose root names something of its own, keep their root's name."""
    from opentelemetry.sdk.trace import RandomIdGenerator

    store, _pipeline, server = await receiver()
    port = server.address[1]
    first = "  Refactor   the parser " + "so that it reads every field of the header " * 3
    prompt = "\n   \n" + first + "\nthen run the tests\n"
    roots = ["turn/start", "turn/start", "my_own_turn"]
    gen = RandomIdGenerator()
    ids = [(gen.generate_trace_id(), gen.generate_span_id()) for _ in roots]
    records = [
        {**codex("user_prompt", T0 + 1 * S, prompt=prompt), "trace_id": ids[0][0], "span_id": ids[0][1]},
        {**codex("user_prompt", T0 + 2 * S, prompt_length="9", prompt="[REDACTED]"),
         "trace_id": ids[1][0], "span_id": ids[1][1]},
        {**codex("user_prompt", T0 + 3 * S, prompt="what is in here"), "trace_id": ids[2][0], "span_id": ids[2][1]},
    ]
    try:
        if spans_first:
            await asyncio.to_thread(_codex_turns, port, roots, ids)
        await asyncio.to_thread(send_logs, port, "codex_exec", "0.46.0", records)
        if not spans_first:
            await asyncio.to_thread(_codex_turns, port, roots, ids)
        tids = [format(t, "032x") for t, _s in ids]
        assert await wait_for(lambda: all(
            (t := store.traces.get(tid)) is not None and t.root_id in t.spans and len(t.spans) == 2 for tid in tids)
            and "conv-7" in store.sessions)
        words = " ".join(first.split())
        assert [store.traces[tid].name for tid in tids] == [words[:79] + "…", "turn/start", "my_own_turn"]
        assert store.sessions["conv-7"].session.label == " ".join(prompt.split())[:79] + "…"  # the whole prompt's
    finally:
        await server.close()
