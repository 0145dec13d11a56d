"""An agent and the MCP server it starts, both traced: one session, one call of each tool.

An agent that runs its tools on an MCP server over stdio (the OpenAI Agents SDK's
``MCPServerStdio``) starts the server as a child process with its own environment, so the server
exports under the agent's service name with its own ``service.instance.id``; OpenInference's MCP
instrumentation carries the trace context into it, so its spans join the agent's trace. One tool
call is then reported three times, each inside the one before: the agent's span of the call
(OpenInference's ``get_weather``), the MCP client's ``MCP send tools/call get_weather`` (which names
the tool only in its span name) and the server's ``tools/call get_weather``. The server's spans
are exported first (its process ends its requests first), the client span last in the agent's
batch. Before, the session counted three ``get_weather`` calls (or one named after the client's
span and two others), and a trace was filed in the session of the process whose spans came first:
the server's, so the agent's work was split between two sessions. Spans from the real
OpenTelemetry SDK (two providers, two processes) to the real OTLP receiver and store.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import pytest
from opentelemetry.trace import SpanKind as OtelKind
from opentelemetry.trace import set_span_in_context

from agenttrace_tui.config import Config
from agenttrace_tui.model import SpanKind
from agenttrace_tui.runtime.monitor import Monitor
from agenttrace_tui.store.calls import FOLDED_INTO, MERGED_BY, NESTED_TOOL_RULE
from agenttrace_tui.store.reader import Reader
from test_otlp_support import provider, receiver, wait_for

T0 = 1_796_500_349_000_000_000
MS = 1_000_000
SERVICE = "weather-agent"


def _start(agent, server) -> list:
    """The spans of a connection's handshake and of one tool call, started in both processes."""
    oi = agent.get_tracer("openinference.instrumentation.openai_agents")
    mcp_client, mcp_server = agent.get_tracer("mcp-python-sdk"), server.get_tracer("mcp-python-sdk")
    # The connection's handshake: a trace of its own, rooted in the agent's process.
    discover = mcp_client.start_span("MCP send server/discover", kind=OtelKind.CLIENT, start_time=T0,
                                     attributes={"mcp.method.name": "server/discover", "jsonrpc.request.id": 1})
    served = mcp_server.start_span("server/discover", context=set_span_in_context(discover), kind=OtelKind.SERVER,
                                   start_time=T0 + 1 * MS, attributes={"mcp.method.name": "server/discover"})
    root = oi.start_span("Agent workflow", start_time=T0 + 10 * MS, attributes={"openinference.span.kind": "AGENT"})
    tool = oi.start_span("get_weather", context=set_span_in_context(root), start_time=T0 + 20 * MS,
                         attributes={"openinference.span.kind": "TOOL", "tool.name": "get_weather",
                                     "input.value": '{"city": "Paris"}', "output.value": "Sunny, 22 C in Paris"})
    send = mcp_client.start_span("MCP send tools/call get_weather", context=set_span_in_context(tool),
                                 kind=OtelKind.CLIENT, start_time=T0 + 21 * MS,
                                 attributes={"mcp.method.name": "tools/call", "jsonrpc.request.id": 3})
    call = mcp_server.start_span("tools/call get_weather", context=set_span_in_context(send), kind=OtelKind.SERVER,
                                 start_time=T0 + 22 * MS,
                                 attributes={"mcp.method.name": "tools/call", "jsonrpc.request.id": 3,
                                             "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_weather"})
    return [discover, served, root, tool, send, call]


def _end_server(server, spans: list) -> None:
    _discover, served, _root, _tool, _send, call = spans
    served.end(end_time=T0 + 2 * MS)
    call.end(end_time=T0 + 25 * MS)
    server.force_flush()


def _end_agent(agent, spans: list) -> None:
    # The agent's spans as its exports held them (as recorded): the handshake's, then the turn's,
    # OpenInference's spans first and the MCP client's span of the request after them (the
    # exporter groups a batch's spans by instrumentation scope, in the order each first came).
    discover, _served, root, tool, send, _call = spans
    discover.end(end_time=T0 + 3 * MS)
    agent.force_flush()
    tool.end(end_time=T0 + 30 * MS)
    root.end(end_time=T0 + 40 * MS)
    send.end(end_time=T0 + 26 * MS)
    agent.force_flush()


def _names(store) -> set[str]:
    return {s.name for t in store.traces.values() for s in t.spans.values()}


async def _received(order: str):
    """The store after both processes exported, each export stored before the next is sent."""
    store, _pipeline, receiver_server = await receiver()
    try:
        port = receiver_server.address[1]
        agent = provider(port, service=SERVICE, **{"service.instance.id": "agent-process"})
        server = provider(port, service=SERVICE, **{"service.instance.id": "mcp-server-process"})
        spans = await asyncio.to_thread(_start, agent, server)
        first, then = (server, agent) if order == "server first" else (agent, server)
        for sender in (first, then):
            if sender is server:
                await asyncio.to_thread(_end_server, server, spans)
                # (One export: the tools/call span may be folded away when stored.)
                assert await wait_for(lambda: "server/discover" in _names(store))
            else:
                await asyncio.to_thread(_end_agent, agent, spans)
                assert await wait_for(lambda: {"Agent workflow", "MCP send server/discover"} <= _names(store))
        await asyncio.to_thread(agent.shutdown)
        await asyncio.to_thread(server.shutdown)
        await asyncio.sleep(0.3)  # anything else sent is stored by now
    finally:
        await receiver_server.close()
    return store


ORDERS = ["server first", "agent first"]


@pytest.mark.parametrize("order", ORDERS)
async def test_the_mcp_servers_spans_are_in_the_agents_session(order: str) -> None:
    """Both traces (the handshake's and the turn's), rooted in the agent's process, are in the
    agent's session, whichever process's spans came first; the server's process has none."""
    store = await _received(order)
    sid = f"{SERVICE}/agent-process"
    assert list(store.sessions) == [sid]
    assert len(store.traces_of(sid)) == 2


@pytest.mark.parametrize("order", ORDERS)
async def test_a_tool_run_on_an_mcp_server_is_one_call(order: str) -> None:
    """The three reports of the call are one tool call, named as the agent's span names it."""
    store = await _received(order)
    spans = [s for t in store.traces.values() for s in t.spans.values()]
    (tool,) = [s for s in spans if s.kind is SpanKind.TOOL_EXECUTION]
    assert tool.name == "get_weather" and tool.tool is not None and tool.tool.name == "get_weather"
    assert tool.tool.input_preview == '{"city": "Paris"}' and tool.attributes[MERGED_BY] == NESTED_TOOL_RULE
    assert [(r.name, r.calls) for r in store.tool_costs(tool.session_id)] == [("get_weather", 1)]
    # The other reports are merged into it, or stay in the tree as plain spans naming it.
    for span in spans:
        if span.name.endswith("tools/call get_weather"):
            assert span.kind is SpanKind.CUSTOM and span.attributes[FOLDED_INTO] == tool.span_id


def _send_turn(agent, server, order: str) -> None:
    """fast-agent's run over an MCP server it started. As recorded ("stray before root"): the server's
    spans of the turn's requests first, then the agent's spans inside its run, the run's root last;
    the server's own trace of the ``notifications/cancelled`` the agent sends as it closes the
    connection (no client span carries a trace into it) sent before the root, or after it ("stray
    after root"); or the agent's spans, root and all, before any of the server's ("root first")."""
    fa, mcp_client = agent.get_tracer("fast_agent.core.run_lifecycle"), agent.get_tracer("mcp-python-sdk")
    mcp_server = server.get_tracer("mcp-python-sdk")
    root = fa.start_span("weather-app", start_time=T0)
    send = mcp_client.start_span("MCP send tools/list", context=set_span_in_context(root), kind=OtelKind.CLIENT,
                                 start_time=T0 + 1 * MS, attributes={"mcp.method.name": "tools/list"})
    served = mcp_server.start_span("tools/list", context=set_span_in_context(send), kind=OtelKind.SERVER,
                                   start_time=T0 + 2 * MS, attributes={"mcp.method.name": "tools/list"})
    served.end(end_time=T0 + 3 * MS)
    if order != "root first":
        server.force_flush()
    send.end(end_time=T0 + 4 * MS)
    agent.force_flush()

    def cancelled() -> None:
        mcp_server.start_span("notifications/cancelled", kind=OtelKind.SERVER, start_time=T0 + 5 * MS,
                              attributes={"mcp.method.name": "notifications/cancelled"}).end(end_time=T0 + 6 * MS)
        server.force_flush()

    if order == "stray before root":
        cancelled()
    root.end(end_time=T0 + 10 * MS)
    agent.force_flush()
    if order != "stray before root":
        cancelled()


@pytest.mark.parametrize("order", ["stray before root", "stray after root", "root first"])
async def test_an_mcp_servers_own_trace_is_in_its_agents_session(order: str) -> None:
    """The server process's trace of its own (the agent's cancellation as it closes the connection)
    goes where the agent's run goes, once a trace it took part in is known to be the agent's (its
    root arrived): one session for the run. Before, that trace stayed in a session of the server's
    process (two sessions for one run, the second holding one span). The session names fast-agent,
    whose spans come after the MCP SDK's in the agent's exports (before, a session the first of them
    made stayed without a framework)."""
    store, _pipeline, receiver_server = await receiver()
    try:
        port = receiver_server.address[1]
        agent = provider(port, service=SERVICE, **{"service.instance.id": "agent-process"})
        server = provider(port, service=SERVICE, **{"service.instance.id": "mcp-server-process"})
        await asyncio.to_thread(_send_turn, agent, server, order)
        assert await wait_for(lambda: {"weather-app", "tools/list", "notifications/cancelled"} <= _names(store))
        await asyncio.to_thread(agent.shutdown)
        await asyncio.to_thread(server.shutdown)
    finally:
        await receiver_server.close()
    sid = f"{SERVICE}/agent-process"
    assert list(store.sessions) == [sid]
    assert len(store.traces_of(sid)) == 2
    assert store.sessions[sid].session.framework == "fast-agent"


async def test_another_services_own_trace_keeps_its_session() -> None:
    """A process of another service taking part in the agent's trace (a gateway serving many
    clients, traced under its own name) keeps its own traces in its own session."""
    store, _pipeline, receiver_server = await receiver()
    try:
        port = receiver_server.address[1]
        agent = provider(port, service=SERVICE, **{"service.instance.id": "agent-process"})
        gateway = provider(port, service="gateway", **{"service.instance.id": "gateway-process"})
        await asyncio.to_thread(_send_turn, agent, gateway, "stray before root")
        assert await wait_for(lambda: {"weather-app", "notifications/cancelled"} <= _names(store))
        await asyncio.to_thread(agent.shutdown)
        await asyncio.to_thread(gateway.shutdown)
    finally:
        await receiver_server.close()
    assert sorted(store.sessions) == ["gateway/gateway-process", f"{SERVICE}/agent-process"]
    assert len(store.traces_of(f"{SERVICE}/agent-process")) == 1


CONVERSATION = "01a24c62-a08a-77ad-8bf1-2acf37e1e326"


def _connect_then_run(agent, order: str, conversations: tuple[str, ...] = (CONVERSATION,)) -> None:
    """Pydantic AI's run over an MCP server it started (``MCPToolset``, opened by ``async with agent``
    before the run): the MCP SDK's span of the connection's handshake, a trace of its own naming no
    session, and the agent's run, each of its spans naming the run's conversation
    (``gen_ai.conversation.id``) as pydantic-ai puts it on every span of the run. The handshake exported
    before the run ("handshake first"), with it in one export ("one export", as recorded), or after it
    ("handshake last"); one run per conversation in ``conversations``."""
    pai, mcp_client = agent.get_tracer("pydantic-ai"), agent.get_tracer("mcp-python-sdk")
    discover = mcp_client.start_span("MCP send server/discover", kind=OtelKind.CLIENT, start_time=T0,
                                     attributes={"mcp.method.name": "server/discover", "jsonrpc.request.id": 1})
    if order != "handshake last":
        discover.end(end_time=T0 + 1 * MS)
    if order == "handshake first":
        agent.force_flush()
    for n, conversation in enumerate(conversations):
        named = {"gen_ai.conversation.id": conversation, "gen_ai.agent.name": "agent"}
        start = T0 + (n + 1) * 100 * MS
        run = pai.start_span("invoke_agent agent", start_time=start,
                             attributes={"gen_ai.operation.name": "invoke_agent", **named})
        pai.start_span("execute_tool get_weather", context=set_span_in_context(run), start_time=start + 10 * MS,
                       attributes={"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_weather",
                                   **named}).end(end_time=start + 20 * MS)
        run.end(end_time=start + 30 * MS)
        agent.force_flush()
    if order == "handshake last":
        discover.end(end_time=T0 + 1 * MS)
        agent.force_flush()


@pytest.mark.parametrize("order", ["handshake first", "one export", "handshake last"])
async def test_an_mcp_connection_opened_before_the_run_is_in_the_session_the_agent_names(order: str) -> None:
    """The handshake's trace names no session; the agent's process names one, its run's conversation:
    the handshake is part of that session, whichever arrives first, and no session of the process's
    own is left, in memory or on file. Before, the run was two sessions: the conversation, and the
    process's own (``service/instance``) holding the one span of the handshake."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "t.db"
        monitor = Monitor(Config(persist=True, db=str(db), otlp_port=0, otlp_grpc_port=None, udp_port=None,
                                 tcp_port=None, socket=""))
        await monitor.start()
        try:
            agent = provider(monitor.otlp.address[1], service=SERVICE, **{"service.instance.id": "agent-process"})
            await asyncio.to_thread(_connect_then_run, agent, order)
            await asyncio.to_thread(agent.shutdown)
            assert await wait_for(lambda: {"invoke_agent agent", "MCP send server/discover"} <= _names(monitor.store))
            await asyncio.sleep(0.2)  # anything else sent is stored by now
            assert list(monitor.store.sessions) == [CONVERSATION]
            assert {t.name for t in monitor.store.traces_of(CONVERSATION)} == {
                "invoke_agent agent", "MCP send server/discover"}
        finally:
            await monitor.stop()
        with Reader(db) as reader:
            assert [s.id for s in reader.sessions()] == [CONVERSATION]


async def test_a_process_of_several_sessions_keeps_what_names_none_in_its_own() -> None:
    """A process whose spans name two sessions (two conversations) is no one session's: a trace naming
    none that it sends then (an MCP connection opened afterwards) is in its own session. The one it sent
    while it had named one session only stays in that session."""
    store, _pipeline, receiver_server = await receiver()
    try:
        agent = provider(receiver_server.address[1], service=SERVICE, **{"service.instance.id": "agent-process"})
        await asyncio.to_thread(_connect_then_run, agent, "handshake first", ("conv-a", "conv-b"))
        await asyncio.to_thread(_connect_then_run, agent, "handshake first", ())
        await asyncio.to_thread(agent.shutdown)
        assert await wait_for(lambda: len(store.sessions) == 3)
    finally:
        await receiver_server.close()
    assert {sid: sorted(t.name for t in store.traces_of(sid)) for sid in store.sessions} == {
        "conv-a": ["MCP send server/discover", "invoke_agent agent"], "conv-b": ["invoke_agent agent"],
        f"{SERVICE}/agent-process": ["MCP send server/discover"]}
