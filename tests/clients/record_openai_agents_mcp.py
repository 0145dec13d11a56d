"""Record the OpenAI Agents SDK calling its tool through an MCP server over stdio, traced by
OpenInference, exported as OTLP/HTTP protobuf.

Run: ``python tests/clients/record_openai_agents_mcp.py`` (creates its own venv).
The agent (``record_openai_agents.py``'s, Responses API at the fake LLM) has no function
tool: it gets ``get_weather`` from an MCP server written with the ``mcp`` Python SDK's
high-level server (FastMCP, ``MCPServer`` since mcp 2.0) that the script
starts as a child process (``MCPServerStdio``). Both processes set up a tracer provider that
exports to the capture server: the agent is traced by OpenInference's instrumentation of the
Agents SDK; OpenInference's MCP instrumentation, on in both, makes no spans of its own but carries
the trace context across the MCP transport, so the MCP SDK's own spans of each request (on each
process's global provider) join the agent's trace, the server's included.
"""

from __future__ import annotations

from pathlib import Path

from recording import (
    MCP_WEATHER_SERVER,
    OTEL_SDK_PACKAGES,
    OTEL_SDK_SETUP,
    guarded,
    record_turns,
    recorder_main,
)

NAME = "openai_agents_mcp"
PACKAGES = [
    "openai-agents==0.25.0",
    "mcp==2.3.0",
    "openinference-instrumentation-openai-agents==2.6.0",
    "openinference-instrumentation-mcp==2.0.13",
    *OTEL_SDK_PACKAGES,
]

#: The MCP server the agent starts (``MCP_WEATHER_SERVER``, its own tracer provider), with
#: OpenInference's MCP instrumentation carrying the trace context.
SERVER = OTEL_SDK_SETUP + '''
from openinference.instrumentation.mcp import MCPInstrumentor

MCPInstrumentor().instrument(tracer_provider=tracer_provider)
''' + MCP_WEATHER_SERVER

AGENT = OTEL_SDK_SETUP + f'''
import asyncio
import sys
from pathlib import Path

from agents import Agent, Runner, set_trace_processors
from agents.mcp import MCPServerStdio
from openinference.instrumentation.mcp import MCPInstrumentor
from openinference.instrumentation.openai_agents import OpenAIAgentsInstrumentor

# Drop the SDK's default processor (it uploads to the vendor); OpenInference adds its own.
set_trace_processors([])
OpenAIAgentsInstrumentor().instrument(tracer_provider=tracer_provider)
MCPInstrumentor().instrument(tracer_provider=tracer_provider)

SERVER = {SERVER!r}
Path("weather_server.py").write_text(SERVER)


async def main():
    # The MCP SDK gives a stdio server only a few variables by default: hand it the OTel ones.
    params = {{"command": sys.executable, "args": ["weather_server.py"], "env": dict(os.environ)}}
    async with MCPServerStdio(params=params, name="weather", cache_tools_list=True) as server:
        agent = Agent(
            name="weather-agent",
            instructions="Answer weather questions with the get_weather tool.",
            model="gpt-4.1-mini",
            mcp_servers=[server],
        )
        return await Runner.run(agent, "What is the weather in Paris?")


''' + guarded('result = asyncio.run(main())\nprint("FINAL:", result.final_output)')


def record(python: Path) -> None:
    record_turns(
        NAME, python, AGENT, recorder=Path(__file__).name,
        versions=[p.split("==")[0] for p in PACKAGES] + ["openai", "opentelemetry-api"],
        notes=["Responses API (the SDK default); the SDK's own trace upload is disabled.",
               "get_weather is served by a FastMCP server the agent starts over stdio (MCPServerStdio);"
               " the server process exports its own spans."],
    )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
