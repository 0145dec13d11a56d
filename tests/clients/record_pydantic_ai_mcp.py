"""Record a Pydantic AI agent calling its tool on an MCP server over stdio, traced by logfire,
exported as OTLP/HTTP protobuf.

Run: ``python tests/clients/record_pydantic_ai_mcp.py`` (creates its own venv).
The agent (Chat Completions, ``openai-chat:gpt-4o-mini`` at the fake LLM) has no function tool:
it gets ``get_weather`` from the weather MCP server the agent CLIs' recordings start
(``cli_support.MCP_WEATHER_SERVER``, no telemetry of its own), which Pydantic AI starts as a
child process through ``MCPToolset`` (FastMCP's client over stdio: Pydantic AI 2 replaced
``MCPServerStdio`` with it). ``logfire.configure(send_to_logfire=False)`` with the standard
``OTEL_EXPORTER_OTLP_*`` variables exports to the capture server and ``instrument_pydantic_ai()``
traces the agent; the MCP SDK (2.x) makes spans of each request on the global tracer provider
logfire sets up.
"""

from __future__ import annotations

from pathlib import Path

from cli_support import MCP_WEATHER_SERVER
from recording import FAKE_KEY, Recording, installed_versions, otel_env, recorder_main

NAME = "pydantic_ai_mcp"
PACKAGES = ["pydantic-ai-slim[openai,mcp]==2.78.0", "logfire==5.4.0", "mcp==2.3.0"]

AGENT = f'''
import asyncio, sys
from pathlib import Path

import logfire
from pydantic_ai import Agent
from pydantic_ai.mcp import MCPToolset

logfire.configure(send_to_logfire=False, console=False, service_name="pydantic-ai-mcp-recording")
logfire.instrument_pydantic_ai()

Path("weather_server.py").write_text({MCP_WEATHER_SERVER!r})
weather = MCPToolset(Path("weather_server.py"), id="weather")
agent = Agent("openai-chat:gpt-4o-mini", instructions="Answer weather questions with the get_weather tool.",
              toolsets=[weather])


async def main():
    async with agent:
        return await agent.run("What is the weather in Paris?")


code = 0
try:
    result = asyncio.run(main())
    print("FINAL:", result.output)
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
finally:
    logfire.shutdown()
sys.exit(code)
'''


def record(python: Path) -> None:
    with Recording(NAME) as rec:
        env = otel_env(rec.cap.url, service_name="pydantic-ai-mcp-recording")
        env |= {"OPENAI_BASE_URL": rec.llm.openai_base_url, "OPENAI_API_KEY": FAKE_KEY}
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error")
        rec.save(
            packages=installed_versions(python, ["pydantic-ai-slim", "logfire", "mcp", "fastmcp-slim", "openai",
                                                 "opentelemetry-sdk", "opentelemetry-api"]),
            env=env,
            recorder=Path(__file__).name,
            notes=["Model string 'openai-chat:gpt-4o-mini' (chat completions); logfire.configure(send_to_logfire=False)"
                   " + instrument_pydantic_ai().",
                   "get_weather is served by the weather MCP server (cli_support.MCP_WEATHER_SERVER, no telemetry"
                   " of its own) the agent starts over stdio with MCPToolset (FastMCP's client)."],
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
