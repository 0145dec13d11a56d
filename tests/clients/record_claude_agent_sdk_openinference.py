"""Record the Claude Agent SDK agent of ``record_claude_agent_sdk.py`` also traced by OpenInference, started as ``agenttrace-tui run -- python agent.py``.

Run: ``.venv/bin/python tests/clients/record_claude_agent_sdk_openinference.py`` (the
project's virtualenv Python: it imports the project for ``run``'s environment).

The same agent (``query()`` with ``get_weather`` served by the SDK's in-process
MCP server), instrumented as OpenInference's docs show
(``openinference-instrumentation-claude-agent-sdk``'s ``ClaudeAgentSDKInstrumentor``
on a TracerProvider exporting OTLP http/protobuf traces; the endpoint, service
name and resource attributes come from the environment), and started with the
environment ``agenttrace-tui run -- python agent.py`` gives it. So two reporters
describe one turn in one capture: OpenInference's spans from the Python process
(an AGENT span ``ClaudeAgentSDK.query`` with the turn's token totals and cost
from the SDK's messages, a TOOL span per tool call from the SDK's hooks) and
the bundled Claude Code CLI's own logs and metrics (``api_request`` events per
model call with their ``cost_usd``, ``tool_result`` events), which the run's
environment switches on. Both carry the run's session pin on their resource.

Two runs, each a fresh HOME and CLAUDE_CONFIG_DIR and its own run session id:
``ok`` (call 1 asks for ``mcp__weather__get_weather``, the SDK runs it in the
Python process, call 2 answers) and ``error`` (the fake LLM answers HTTP 400).
Everything runs in a loopback-only network namespace when the machine allows
it; the script runs under ``strace`` to list any address it tried off loopback.
"""

from __future__ import annotations

from pathlib import Path

from cli_support import isolate_network
from record_claude_agent_sdk import RUN_NOTES
from record_claude_agent_sdk import record as record_agent
from recording import OTEL_SDK_PACKAGES, ensure_venv

NAME = "claude_agent_sdk_openinference"
PACKAGES = ["claude-agent-sdk==0.2.190", "openinference-instrumentation-claude-agent-sdk==0.1.22",
            *OTEL_SDK_PACKAGES]

# OpenInference's set-up as its README shows it (a provider of its own, not the global one), run
# before the agent imports ``query`` (the instrumentor replaces ``claude_agent_sdk.query``); the
# provider flushes its spans when the process exits.
INSTRUMENT = '''
from openinference.instrumentation.claude_agent_sdk import ClaudeAgentSDKInstrumentor
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

tracer_provider = TracerProvider()
tracer_provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter()))
ClaudeAgentSDKInstrumentor().instrument(tracer_provider=tracer_provider)
'''


def _notes(versions: dict[str, str], cli: str) -> list[str]:
    return [
        f"claude-agent-sdk {versions['claude-agent-sdk']} with the Claude Code CLI {cli} its wheel bundles, "
        f"instrumented by openinference-instrumentation-claude-agent-sdk "
        f"{versions['openinference-instrumentation-claude-agent-sdk']} (its docs' set-up: a TracerProvider "
        "with an OTLP http/protobuf span exporter, the endpoint and resource from the environment).",
        "The agent of record_claude_agent_sdk.py: query() with get_weather served by the SDK's in-process MCP "
        "server (mcp__weather__get_weather), tools=[], allowed_tools=[the MCP tool].",
        "env: what `agenttrace-tui run -- python agent.py` sets (commands.run.child_env, no traces beta), "
        "each run's session id pinned on the resource as agenttrace.session.id (variant.run_sessions): "
        "OpenInference's traces and the CLI's logs and metrics go to the same capture.",
        *RUN_NOTES,
    ]


def record(python: Path) -> Path:
    return record_agent(python, NAME, INSTRUMENT, ("claude-agent-sdk", "openinference-instrumentation-claude-agent-sdk",
                                                   "opentelemetry-sdk", "mcp"), _notes)


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=f"Record the {NAME} client's telemetry into fixtures/{NAME}/")
    parser.add_argument("--install-only", action="store_true", help="only create the pinned venv")
    args = parser.parse_args()
    python = ensure_venv(NAME, PACKAGES)
    if args.install_only:
        print(f"[{NAME}] venv ready: {python}")
        return
    isolate_network()
    record(python)


if __name__ == "__main__":
    main()
