"""Record Google ADK (LiteLLM model at the fake OpenAI-compatible API) calling its tool on an MCP
server it starts over stdio.

Run: ``python tests/clients/record_google_adk_mcp.py`` (creates its own venv).
The agent is ``record_google_adk.py``'s (``LiteLlm("openai/gpt-4o-mini")``, ADK's own telemetry on
the global OTel providers, OTLP/HTTP protobuf: traces, logs, metrics) with no function tool: it
gets ``get_weather`` from ``cli_support.MCP_WEATHER_SERVER`` (the MCP SDK's high-level server, no
telemetry of its own), which ADK's ``McpToolset`` starts as a child process
(``StdioConnectionParams``). ``Runner.close()`` closes the toolset (the server) before the
exporters are flushed. The content switch is ``SPAN_AND_EVENT``, one of the OTel GenAI modes ADK
reads: the messages on each ``generate_content`` span as well as in its log record, and the tool's
arguments and result on ``execute_tool`` (with ``true``, ADK's ``EVENT_ONLY``, as the other ADK
recordings have it, the tool span carries neither). The MCP SDK (2.x) traces each request it
sends on the global provider: ``initialize`` and ``tools/list`` (the toolset's handshake) and the
``tools/call`` inside ADK's ``execute_tool`` span, all in the agent's trace.
"""

from __future__ import annotations

from pathlib import Path

from cli_support import MCP_SERVER_PACKAGES, MCP_WEATHER_SERVER
from recording import FAKE_KEY, OTEL_SDK_SETUP, Recording, installed_versions, otel_env, recorder_main

NAME = "google_adk_mcp"
# ADK pins its own OpenTelemetry range: the SDK and exporter are pinned to what it resolves to
# (as google_adk_gemini's); the MCP SDK is the CLI recordings' server's.
PACKAGES = ["google-adk[mcp]==2.15.0", "litellm==1.110.2", *MCP_SERVER_PACKAGES, "opentelemetry-sdk==1.44.0",
            "opentelemetry-exporter-otlp-proto-http==1.44.0"]

AGENT = OTEL_SDK_SETUP + f'''
import asyncio, sys
from pathlib import Path

from google.adk.agents import Agent
from google.adk.models.lite_llm import LiteLlm
from google.adk.runners import Runner
from google.adk.sessions import InMemorySessionService
from google.adk.tools.mcp_tool import McpToolset, StdioConnectionParams
from google.genai import types
from mcp import StdioServerParameters

Path("weather_server.py").write_text({MCP_WEATHER_SERVER!r})
weather = McpToolset(connection_params=StdioConnectionParams(
    server_params=StdioServerParameters(command=sys.executable, args=["weather_server.py"]), timeout=30))

agent = Agent(
    name="weather_agent",
    model=LiteLlm(model="openai/gpt-4o-mini", api_base=os.environ["OPENAI_BASE_URL"],
                  api_key=os.environ["OPENAI_API_KEY"]),
    instruction="Answer weather questions with the get_weather tool.",
    tools=[weather],
)
''' + '''

async def main():
    sessions = InMemorySessionService()
    runner = Runner(agent=agent, app_name="weather_app", session_service=sessions)
    try:
        session = await sessions.create_session(app_name="weather_app", user_id="user-1")
        msg = types.Content(role="user", parts=[types.Part(text="What is the weather in Paris?")])
        final = None
        async for event in runner.run_async(user_id="user-1", session_id=session.id, new_message=msg):
            if event.is_final_response() and event.content and event.content.parts:
                final = event.content.parts[0].text
            if getattr(event, "error_code", None):
                raise RuntimeError(f"{event.error_code}: {event.error_message}")
        return final
    finally:
        await runner.close()


code = 0
try:
    print("FINAL:", asyncio.run(main()))
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
finally:
    otel_shutdown()
sys.exit(code)
'''


def record(python: Path) -> None:
    with Recording(NAME) as rec:
        env = otel_env(rec.cap.url, service_name="google-adk-mcp-recording")
        env |= {
            "OPENAI_BASE_URL": rec.llm.openai_base_url,
            "OPENAI_API_KEY": FAKE_KEY,
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            # The text on the spans too (the tool span's arguments and result), not only in the log records.
            "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "SPAN_AND_EVENT",
        }
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error")
        rec.save(
            packages=installed_versions(python, ["google-adk", "litellm", "mcp", "google-genai", "openai",
                                                 "opentelemetry-sdk"]),
            env=env,
            recorder=Path(__file__).name,
            notes=[
                "LiteLlm('openai/gpt-4o-mini') against the fake chat completions endpoint.",
                "get_weather comes from an MCP server (MCPServer, no telemetry of its own) that ADK's McpToolset "
                "starts over stdio (StdioConnectionParams); the MCP SDK's client spans are the agent's.",
                "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=SPAN_AND_EVENT: the messages on each "
                "generate_content span and in its log record, the tool's arguments and result on execute_tool "
                "(with `true`, ADK's EVENT_ONLY, the tool span carries neither).",
                "error: the model call gets HTTP 400 with an OpenAI error body.",
            ],
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
