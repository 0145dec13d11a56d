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

import pytest
from opentelemetry.trace import SpanKind as OtelKind
from opentelemetry.trace import set_span_in_context

from agenttrace_tui.model import SpanKind
from agenttrace_tui.store.calls import FOLDED_INTO, MERGED_BY, NESTED_TOOL_RULE
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
