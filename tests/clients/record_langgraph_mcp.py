"""Record a LangGraph ReAct agent calling its tool on an MCP server over stdio, traced by OpenInference.

Run: ``python tests/clients/record_langgraph_mcp.py`` (creates its own venv).
The agent (``ChatOpenAI(model="gpt-4o-mini")`` at the fake LLM, Chat Completions) has no function
tool: ``langchain-mcp-adapters``' ``MultiServerMCPClient`` starts the weather MCP server the agent
CLIs' recordings use (``cli_support.MCP_WEATHER_SERVER``, no telemetry of its own) over stdio and
``await client.get_tools()`` turns its ``get_weather`` into a LangChain tool for
``create_react_agent(model, tools)``. OpenInference's LangChain instrumentation traces the run;
the OTel SDK exports OTLP/HTTP protobuf (traces only).
"""

from __future__ import annotations

from pathlib import Path

from cli_support import MCP_SERVER_PACKAGES, MCP_WEATHER_SERVER
from recording import (
    FAKE_KEY,
    OTEL_SDK_PACKAGES,
    OTEL_SDK_SETUP,
    Recording,
    ensure_venv,
    installed_versions,
    otel_env,
    recorder_main,
)

NAME = "langgraph_mcp"
PACKAGES = [
    "langgraph==1.2.24",
    "langchain-openai==1.8.1",
    "langchain-mcp-adapters==0.3.2",
    "openinference-instrumentation-langchain==0.1.80",
    *OTEL_SDK_PACKAGES,
]

AGENT = OTEL_SDK_SETUP + f'''
import asyncio, sys
from pathlib import Path
from openinference.instrumentation.langchain import LangChainInstrumentor

LangChainInstrumentor().instrument(tracer_provider=tracer_provider)

from langchain_mcp_adapters.client import MultiServerMCPClient
from langchain_openai import ChatOpenAI
from langgraph.prebuilt import create_react_agent

Path("weather_server.py").write_text({MCP_WEATHER_SERVER!r})


async def main():
    client = MultiServerMCPClient({{
        "weather": {{"command": os.environ["WEATHER_SERVER_PYTHON"], "args": [str(Path("weather_server.py").resolve())],
                    "transport": "stdio"}},
    }})
    tools = await client.get_tools()
    model = ChatOpenAI(model="gpt-4o-mini", base_url=os.environ["OPENAI_BASE_URL"],
                       api_key=os.environ["OPENAI_API_KEY"])
    agent = create_react_agent(model, tools, prompt="Answer weather questions with the get_weather tool.")
    return await agent.ainvoke({{"messages": [("user", "What is the weather in Paris?")]}})


code = 0
try:
    out = asyncio.run(main())
    print("FINAL:", out["messages"][-1].content)
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
finally:
    otel_shutdown()
sys.exit(code)
'''


def record(python: Path) -> None:
    server_python = ensure_venv(NAME + "_server", MCP_SERVER_PACKAGES)
    with Recording(NAME) as rec:
        env = otel_env(rec.cap.url, service_name="langgraph-mcp-recording", signals=("traces",))
        env |= {"OPENAI_BASE_URL": rec.llm.openai_base_url, "OPENAI_API_KEY": FAKE_KEY,
                "WEATHER_SERVER_PYTHON": str(server_python)}
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error")
        rec.save(
            packages=installed_versions(
                python, [p.split("==")[0] for p in PACKAGES] + ["langchain-core", "openai", "langgraph-prebuilt", "mcp"]
            ) | {"weather server's mcp": installed_versions(server_python, ["mcp"])["mcp"]},
            env=env,
            recorder=Path(__file__).name,
            notes=["create_react_agent(ChatOpenAI(model='gpt-4o-mini'), await MultiServerMCPClient(...).get_tools());"
                   " ChatOpenAI not streamed.",
                   "get_weather is served by the weather MCP server (cli_support.MCP_WEATHER_SERVER, no telemetry"
                   " of its own) that langchain-mcp-adapters starts over stdio (a new session per tool call)."],
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
