"""Record a Strands agent (OpenAI model provider) calling its tool through an MCP server over
stdio, traced by Strands' own OpenTelemetry, exported as OTLP/HTTP protobuf.

Run: ``python tests/clients/record_strands_mcp.py`` (creates its own venv).
The agent (``record_strands.py``'s, at the fake LLM) has no function tool: it gets
``get_weather`` from ``MCP_WEATHER_SERVER`` (the MCP SDK's high-level server), which it starts
as a child process with Strands' ``MCPClient`` over the SDK's ``stdio_client``, handing it its
environment. The agent is traced by ``StrandsTelemetry``'s OTLP exporter (its global tracer
provider); the server sets up ``OTEL_SDK_SETUP``'s. The MCP SDK (2.x) makes spans of each request
on each process's global provider and carries the trace context in the request's ``_meta``, so the
server's spans join the agent's trace.
"""

from __future__ import annotations

from pathlib import Path

from recording import MCP_WEATHER_SERVER, OTEL_SDK_SETUP, record_turns, recorder_main

NAME = "strands_mcp"
# mcp 2.1.1: the newest strands-agents 1.62.0 allowed (mcp<2.2); 1.65.0 allows mcp<2.4, the pin kept
# so that a re-recording changes Strands alone.
PACKAGES = ["strands-agents[openai,otel]==1.65.0", "mcp==2.1.1"]

SERVER = OTEL_SDK_SETUP + MCP_WEATHER_SERVER

AGENT = f'''
import os, sys
from pathlib import Path

from mcp import StdioServerParameters, stdio_client
from strands import Agent
from strands.models.openai import OpenAIModel
from strands.telemetry import StrandsTelemetry
from strands.tools.mcp import MCPClient

telemetry = StrandsTelemetry()
telemetry.setup_otlp_exporter()

SERVER = {SERVER!r}
Path("weather_server.py").write_text(SERVER)
# The MCP SDK gives a stdio server only a few variables by default: hand it the OTel ones.
params = StdioServerParameters(command=sys.executable, args=["weather_server.py"], env=dict(os.environ))
weather = MCPClient(lambda: stdio_client(params))

model = OpenAIModel(
    client_args={{"api_key": os.environ["OPENAI_API_KEY"], "base_url": os.environ["OPENAI_BASE_URL"]}},
    model_id="gpt-4o-mini",
)
code = 0
try:
    with weather:
        agent = Agent(model=model, tools=weather.list_tools_sync(),
                      system_prompt="Answer weather questions with the get_weather tool.", callback_handler=None)
        result = agent("What is the weather in Paris?")
    print("FINAL:", result)
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
finally:
    from opentelemetry import trace
    trace.get_tracer_provider().shutdown()
sys.exit(code)
'''


def record(python: Path) -> None:
    record_turns(
        NAME, python, AGENT, recorder=Path(__file__).name,
        versions=["strands-agents", "mcp", "openai", "opentelemetry-sdk", "opentelemetry-api"],
        notes=["OpenAI model provider (streaming chat completions) via StrandsTelemetry's OTLP exporter.",
               "get_weather is served by an MCP server (MCPServer) the agent starts over stdio (Strands' MCPClient"
               " with stdio_client); the server process exports its own spans."],
    )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
