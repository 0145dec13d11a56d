"""Record the Vercel AI SDK (npm ``ai`` 7) calling a tool of an MCP server through its MCP client.

Run: ``python tests/clients/record_ai_sdk_mcp.py`` (installs the pinned npm packages into a
cached prefix and a venv with the MCP SDK for the server, then records in a loopback-only
network namespace where it can make one; ``--install-only`` stops after installing).

The agent is ``record_ai_sdk.py``'s (``generateText`` with ``stopWhen: stepCountIs(3)`` on
``@ai-sdk/openai``'s default model API, OpenAI Responses, ``registerTelemetry(new
OpenTelemetry())`` from ``@ai-sdk/otel``, ``experimental_telemetry: { isEnabled: true,
functionId }``, the OpenTelemetry Node SDK exporting OTLP/HTTP protobuf), with no tool of its
own: ``get_weather`` comes from the weather MCP server the CLI recordings use
(``cli_support.MCP_WEATHER_SERVER``, the MCP SDK's ``MCPServer``), which the AI SDK's MCP client
(``createMCPClient`` from ``@ai-sdk/mcp`` with its ``StdioMCPTransport``) starts over stdio and
whose tools it hands to ``generateText`` (``await client.tools()``). The server sends no
telemetry. The client's handshake is ``initialize`` (``protocolVersionDiscovery: false``): it
first asks ``server/discover`` and waits 1 s for the answer, the Python server takes longer to
start, and then refuses the ``initialize`` the client falls back to (it already serves the newer
protocol), so ``createMCPClient`` would fail.

Two runs:

* ``ok``: call 1 asks for ``get_weather`` with ``{"city": "Paris"}``, the AI SDK has the MCP
  client call the server's tool, call 2 answers with text;
* ``error``: every model call gets HTTP 400 (the MCP server is started and its tools listed all
  the same).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cli_support import (
    MCP_SERVER_PACKAGES,
    MCP_WEATHER_SERVER,
    ensure_npm,
    isolate_network,
    node_version,
    npm_version,
    traced_turns,
)
from record_ai_sdk import COMMON_PACKAGES, OPENAI
from recording import Recording, ensure_venv, installed_versions, js_guarded, otel_env

NAME = "ai_sdk_mcp"
#: The AI SDK's MCP client: the release on the same provider line (``@ai-sdk/provider`` 4) as ``ai`` 7.0.185.
MCP_PACKAGE = "@ai-sdk/mcp@2.0.102"
PACKAGES = [*COMMON_PACKAGES, OPENAI.package, MCP_PACKAGE]

AGENT = """
import { NodeSDK } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { generateText, stepCountIs, registerTelemetry } from 'ai';
import { OpenTelemetry } from '@ai-sdk/otel';
import { createMCPClient } from '@ai-sdk/mcp';
import { StdioMCPTransport } from '@ai-sdk/mcp/mcp-stdio';
PROVIDER_SETUP

const sdk = new NodeSDK({ traceExporter: new OTLPTraceExporter() });
sdk.start();
registerTelemetry(new OpenTelemetry());

// The Python server takes longer to start than the client's 1 s wait for its answer to
// server/discover: the handshake is the initialize one.
const client = await createMCPClient({
  protocolVersionDiscovery: false,
  transport: new StdioMCPTransport({
    command: process.env.WEATHER_SERVER_PYTHON,
    args: [process.env.WEATHER_SERVER_SCRIPT],
  }),
});
""" + js_guarded("""
const tools = await client.tools();
console.log('MCP TOOLS:', Object.keys(tools).join(','));
const result = await generateText({
  model,
  system: 'Answer weather questions with the get_weather tool.',
  prompt: 'What is the weather in Paris?',
  tools,
  stopWhen: stepCountIs(3),
  maxRetries: 0,
  experimental_telemetry: { isEnabled: true, functionId: 'weather-agent' },
});
console.log('FINAL:', result.text);
""", """
await client.close();
await sdk.shutdown();
""")


def install() -> tuple[Path, Path]:
    """The npm prefix of the agent and the python of the MCP server's venv."""
    return ensure_npm("ai-sdk-mcp", PACKAGES), ensure_venv("ai_sdk_mcp_server", MCP_SERVER_PACKAGES)


def record(prefix: Path, python: Path, isolated: bool) -> None:
    versions = {p: npm_version(prefix, p) for p in ("ai", "@ai-sdk/otel", OPENAI.name, "@ai-sdk/mcp",
                                                    "@opentelemetry/sdk-node")}
    agent = prefix / "agent.mjs"  # in the prefix, so that its node_modules resolve the imports
    agent.write_text(AGENT.replace("PROVIDER_SETUP", OPENAI.setup))
    node = node_version()
    with Recording(NAME) as rec:
        server = rec.tmp / "weather_server.py"
        server.write_text(MCP_WEATHER_SERVER)
        env = otel_env(rec.cap.url, service_name="ai-sdk-mcp-recording", signals=("traces",))
        env |= OPENAI.env(rec) | {"WEATHER_SERVER_PYTHON": str(python), "WEATHER_SERVER_SCRIPT": str(server)}
        traced_turns(rec, ["node", str(agent)], ["node", "agent.mjs"], env)
        rec.save(
            packages=versions | installed_versions(python, ["mcp"]),
            env=env | {"WEATHER_SERVER_PYTHON": "python", "WEATHER_SERVER_SCRIPT": "{TMP}/weather_server.py"},
            recorder=Path(__file__).name,
            notes=[
                "generateText with stopWhen stepCountIs(3), @ai-sdk/openai's default (Responses API), maxRetries 0, "
                "experimental_telemetry { isEnabled: true, functionId: 'weather-agent' }; registerTelemetry(new "
                "OpenTelemetry()) from @ai-sdk/otel; OTel Node SDK, OTLP/HTTP protobuf; "
                f"Node.js {node}; {'loopback-only network namespace' if isolated else 'no network namespace'}.",
                "The tools are the MCP server's: createMCPClient({ transport: new StdioMCPTransport({ command, args "
                "}), protocolVersionDiscovery: false }) from @ai-sdk/mcp starts get_weather(city) on the MCP SDK's MCPServer (FastMCP) over stdio, "
                "await client.tools() hands it to generateText; the server sends no telemetry. Discovery is off: the "
                "server's Python starts in more than the client's 1 s wait for server/discover, after which the "
                "client's initialize is refused by a server already serving the newer protocol.",
                "ok: call 1 asks for get_weather with {\"city\": \"Paris\"}, the MCP client calls the server's tool, "
                "call 2 answers with text.",
                "error: every model call gets HTTP 400 with an OpenAI error body (the server started and its tools "
                "listed all the same).",
            ],
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=f"Record the AI SDK's MCP client into fixtures/{NAME}/")
    parser.add_argument("--install-only", action="store_true", help="only install the pinned packages")
    args = parser.parse_args()
    prefix, python = install()  # before the namespace, which has no way to the registries
    if args.install_only:
        print(f"[{NAME}] installed under {prefix}; server venv {python}")
        return
    isolated = isolate_network()
    record(prefix, python, isolated)


if __name__ == "__main__":
    main()
