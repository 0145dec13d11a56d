"""Spans of MCP requests (OTel's MCP conventions, as the MCP Python SDK sends them): only ``tools/call`` is a tool call.

The MCP Python SDK traces every request its server handles on the global tracer
provider: an app that sets one (the Claude Agent SDK's in-process MCP server under
OpenInference with a global provider) sends ``initialize``, ``notifications/initialized``
and ``tools/list`` beside ``tools/call get_weather``. Named after the method, "tools/list"
would be guessed a tool call by its name (one per session start, in a run where no tool ran).
"""

from __future__ import annotations

import pytest

from agenttrace_tui.ingest.otlp_decode import build_span
from agenttrace_tui.model import SpanKind
from agenttrace_tui.normalize import conventions as cv

#: The attributes of the MCP Python SDK 2.3.0's spans, as recorded (scope ``mcp-python-sdk``).
PROTOCOL = {"mcp.protocol.version": "2025-11-25"}


def span(name: str, attrs: dict):
    return build_span("ab" * 16, "cd" * 8, None, name, 1_000, 2_000, dict(attrs), [], (), 0, "", "s")


@pytest.mark.parametrize("method", ["initialize", "notifications/initialized", "tools/list", "resources/list", "ping"])
def test_an_mcp_protocol_request_is_no_tool_call(method: str) -> None:
    attrs = {cv.MCP_METHOD_KEY: method, **PROTOCOL, "jsonrpc.request.id": 1}
    # The general path, then the compiled one (a recipe is compiled after enough spans of a key set).
    for _ in range(300):
        got = span(method, attrs)
        assert got.kind is SpanKind.CUSTOM and got.tool is None


def test_an_mcp_tool_call_is_one() -> None:
    attrs = {cv.MCP_METHOD_KEY: "tools/call", **PROTOCOL, "jsonrpc.request.id": 2,
             "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_weather"}
    for sent in (attrs, {k: v for k, v in attrs.items() if k != "gen_ai.operation.name"}):
        for _ in range(300):
            got = span("tools/call get_weather", sent)
            assert got.kind is SpanKind.TOOL_EXECUTION and got.tool is not None and got.tool.name == "get_weather"


def test_an_mcp_clients_tool_call_is_named_after_its_tool() -> None:
    """The MCP Python SDK's client span of a request names the tool only in its span name
    (``MCP send tools/call get_weather``; ``gen_ai.tool.name`` is on the server's span alone): the
    tool call is that tool's, not one named after the span."""
    attrs = {cv.MCP_METHOD_KEY: "tools/call", "jsonrpc.request.id": 3}
    for _ in range(300):
        got = span("MCP send tools/call get_weather", attrs)
        assert got.kind is SpanKind.TOOL_EXECUTION and got.tool is not None and got.tool.name == "get_weather"
    # Another method's target is no tool; a tools/call span whose name names none stays unnamed.
    assert span("MCP send tools/list", {cv.MCP_METHOD_KEY: "tools/list"}).tool is None
    got = span("tools/call", attrs)
    assert got.kind is SpanKind.TOOL_EXECUTION and (got.tool is None or got.tool.name is None)
