"""Record the Claude Agent SDK agent of ``record_claude_agent_sdk.py`` started as ``agenttrace-tui run --traces-beta -- python agent.py``.

Run: ``.venv/bin/python tests/clients/record_claude_agent_sdk_traces.py`` (the project's
virtualenv Python: it imports the project for ``run``'s environment).

The same agent and pins (``query()`` with one custom tool, ``get_weather(city)``, a ``@tool``
served by the SDK's in-process MCP server ``create_sdk_mcp_server(name="weather")``, offered to
the model as ``mcp__weather__get_weather``; ``tools=[]``, ``allowed_tools=[the tool]``), with
the environment ``run --traces-beta`` gives it: besides the logs, metrics, prompts and tool
details (``OTEL_LOG_TOOL_DETAILS=1``) of ``claude-agent-sdk``, the bundled CLI's enhanced
telemetry beta (``CLAUDE_CODE_ENHANCED_TELEMETRY_BETA=1``, ``OTEL_TRACES_EXPORTER=otlp``): its
``interaction``, ``llm_request`` and ``tool`` spans, and its tool calls' results
(``OTEL_LOG_TOOL_CONTENT=1``: a ``tool.output`` event on the tool's span). The SDK passes the whole environment on
to the CLI it starts, so that is what switches the CLI's exporters on.

Two runs, each a fresh HOME and CLAUDE_CONFIG_DIR and its own run session id: ``ok`` (call 1
asks for ``mcp__weather__get_weather``, the SDK runs it in the Python process, call 2 answers)
and ``error`` (the fake LLM answers HTTP 400). Loopback-only network namespace and ``strace``
as ``record_claude_agent_sdk.py``.
"""

from __future__ import annotations

from pathlib import Path

from cli_support import isolated_recorder_main
from record_claude_agent_sdk import PACKAGES, RUN_NOTES
from record_claude_agent_sdk import record as record_agent
from recording import ensure_venv

NAME = "claude-agent-sdk-traces"


def _notes(versions: dict[str, str], cli: str) -> list[str]:
    return [
        f"claude-agent-sdk {versions['claude-agent-sdk']} with the Claude Code CLI {cli} its wheel bundles "
        "(claude_agent_sdk/_bundled/claude), started by the SDK with CLAUDE_CODE_ENTRYPOINT=sdk-py.",
        "The agent of record_claude_agent_sdk.py: query() with get_weather served by the SDK's in-process MCP "
        "server (mcp__weather__get_weather), tools=[] (no built-in tools), allowed_tools=[the MCP tool].",
        "env: what `agenttrace-tui run --traces-beta -- python agent.py` sets (commands.run.child_env: logs, "
        "metrics, OTEL_LOG_TOOL_DETAILS=1, the enhanced telemetry beta's spans, OTEL_LOG_TOOL_CONTENT=1), each run's session id pinned "
        "on the resource as agenttrace.session.id (variant.run_sessions).",
        *RUN_NOTES,
    ]


def record(python: Path) -> Path:
    return record_agent(python, NAME, notes=_notes, traces_beta=True)


def main() -> None:
    isolated_recorder_main(NAME, PACKAGES, lambda python, _isolated: record(python), ensure=lambda _name, packages:
                           ensure_venv("claude_agent_sdk", packages))


if __name__ == "__main__":
    main()
