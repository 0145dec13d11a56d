"""Record an mcp-agent (LastMile AI) agent calling its tool on an MCP server over stdio, traced by
mcp-agent's own OpenTelemetry (``otel:`` in ``mcp_agent.config.yaml``), exported as OTLP/HTTP protobuf.

Run: ``python tests/clients/record_mcp_agent.py`` (creates its own venv).
The script writes ``mcp_agent.config.yaml`` as mcp-agent's docs show: the ``weather`` MCP server
(``MCP_WEATHER_SERVER`` on mcp 1.x's ``FastMCP``, started by mcp-agent over stdio), the OpenAI
provider at the fake LLM (``base_url``), and ``otel: enabled`` with one ``otlp`` exporter at the
capture server. ``MCPApp.run()`` sets up mcp-agent's tracer provider (the global one) and turns on
OpenLLMetry's OpenAI and Anthropic instrumentations itself (its dependencies); one ``Agent`` with
``server_names=["weather"]`` attaches ``OpenAIAugmentedLLM`` (Chat Completions, not streamed) and
runs ``generate_str`` once.
"""

from __future__ import annotations

from pathlib import Path

from recording import MCP_WEATHER_SERVER, record_turns, recorder_main

NAME = "mcp_agent"
# mcp-agent 0.2.6 imports mcp.server.fastmcp, which mcp 2.0 removed: the newest mcp 1.x.
PACKAGES = ["mcp-agent[openai]==0.2.6", "mcp==1.30.0"]

# The shared weather server on mcp 1.x (FastMCP, named MCPServer in 2.x). mcp 1.x makes no spans
# of its own, and no MCP instrumentation is installed: the server exports nothing.
SERVER = ("def otel_shutdown():\n    pass\n\n"
          + MCP_WEATHER_SERVER.replace("from mcp.server.mcpserver import MCPServer",
                                       "from mcp.server.fastmcp import FastMCP as MCPServer"))

AGENT = f'''
import asyncio, json, os, sys
from pathlib import Path

SERVER = {SERVER!r}
Path("weather_server.py").write_text(SERVER)
# mcp_agent.config.yaml, as a user writes it (JSON is YAML): the values of this run.
Path("mcp_agent.config.yaml").write_text(json.dumps({{
    "execution_engine": "asyncio",
    "logger": {{"transports": ["none"], "level": "warning"}},
    "mcp": {{"servers": {{"weather": {{"command": sys.executable, "args": ["weather_server.py"]}}}}}},
    "openai": {{"api_key": os.environ["OPENAI_API_KEY"], "base_url": os.environ["OPENAI_BASE_URL"],
                "default_model": "gpt-4o-mini"}},
    # No service_name: mcp-agent's default, "mcp-agent", also the name of its tracer (the span scope).
    "otel": {{"enabled": True,
              "exporters": [{{"otlp": {{"endpoint": os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] + "/v1/traces"}}}}]}},
}}, indent=2))

from mcp_agent.agents.agent import Agent
from mcp_agent.app import MCPApp
from mcp_agent.workflows.llm.augmented_llm_openai import OpenAIAugmentedLLM

app = MCPApp(name="weather_app")


async def main() -> str:
    async with app.run():
        agent = Agent(name="weather_agent", instruction="Answer weather questions with the get_weather tool.",
                      server_names=["weather"])
        async with agent:
            llm = await agent.attach_llm(OpenAIAugmentedLLM)
            return await llm.generate_str("What is the weather in Paris?")


# MCPApp.run() flushes and shuts its tracer provider down itself when it ends.
code = 0
try:
    print("FINAL:", asyncio.run(main()))
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
sys.exit(code)
'''


def record(python: Path) -> None:
    record_turns(
        NAME, python, AGENT, recorder=Path(__file__).name,
        versions=["mcp-agent", "mcp", "openai", "opentelemetry-instrumentation-openai", "opentelemetry-sdk",
                  "opentelemetry-exporter-otlp-proto-http"],
        notes=["mcp-agent's own tracing (otel: enabled, one otlp exporter) with the OpenLLMetry OpenAI instrumentation"
               " it turns on itself; OpenAIAugmentedLLM (Chat Completions, not streamed).",
               "get_weather is served by an MCP server (mcp 1.x FastMCP) mcp-agent starts over stdio; the server"
               " exports nothing."],
    )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
