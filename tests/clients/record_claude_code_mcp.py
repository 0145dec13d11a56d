"""Record what the real Claude Code CLI sends for a turn that calls a tool on an MCP server.

Run: ``python tests/clients/record_claude_code_mcp.py`` (installs the same pinned npm package as
``record_claude_code.py`` and a venv with the MCP SDK for the server; needs node and npm).

The server: one tool, ``get_weather(city)``, on the MCP SDK's high-level server (FastMCP, named
``MCPServer`` since mcp 2.0), a script in the recording's temp dir that the CLI starts over stdio
from ``--mcp-config`` (``--strict-mcp-config``: no other server). The CLI's built-in tools are off
(``--tools ""``: the fake LLM asks for ``Bash`` whenever it is offered), the MCP tool is allowed
without a prompt (``--allowedTools mcp__weather__get_weather``). Telemetry as
``claude-code-subagent``: logs, metrics, the enhanced telemetry beta's spans (``http/protobuf``),
``OTEL_LOG_TOOL_DETAILS=1`` and ``OTEL_LOG_TOOL_CONTENT=1`` (the tool's result as a ``tool.output``
event on its span), as ``agenttrace-tui run --traces-beta`` sets them.

Two runs:

* ``ok``: call 1 asks for ``mcp__weather__get_weather`` (the name Claude Code offers the tool
  under), the CLI calls the server's ``get_weather``, call 2 answers;
* ``error``: every model call gets HTTP 400 (the CLI re-sends the request, reports one error).
"""

from __future__ import annotations

import json
from pathlib import Path

from cli_support import MCP_WEATHER_SERVER, mcp_recorder_main, run_with_summary
from record_claude_code import PACKAGE, VERSION, telemetry_env
from recording import FAKE_KEY, Recording, installed_versions

NAME = "claude-code-mcp"
PROMPT = "What is the weather in Paris? Use the get_weather tool."
TOOL = "mcp__weather__get_weather"  # mcp__<server>__<tool>: how Claude Code names an MCP server's tool


def record(claude: Path, version: str | None, python: Path) -> Path:
    with Recording(NAME) as rec:
        server = rec.tmp / "weather_server.py"
        server.write_text(MCP_WEATHER_SERVER)
        mcp_config = {"mcpServers": {"weather": {"type": "stdio", "command": str(python), "args": [str(server)]}}}
        argv = [str(claude), "-p", PROMPT, "--mcp-config", json.dumps(mcp_config), "--strict-mcp-config",
                "--tools", "", "--allowedTools", TOOL, "--output-format", "json"]
        base_env = telemetry_env(rec.cap.url, "http/protobuf", traces=True) | {
            "OTEL_LOG_TOOL_DETAILS": "1",
            # The MCP tool's result (a ``tool.output`` event on its ``claude_code.tool`` span, the traces beta's).
            "OTEL_LOG_TOOL_CONTENT": "1",
            "ANTHROPIC_BASE_URL": rec.llm.url,
            "ANTHROPIC_API_KEY": FAKE_KEY,
            # No update checks, error reports, feature-flag or metrics uploads to the vendor.
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "DISABLE_AUTOUPDATER": "1",
        }
        cli_results: dict[str, object] = {}
        for label in ("ok", "error"):
            env = base_env | {"CLAUDE_CONFIG_DIR": str(rec.tmp / f"home-{label}" / ".claude")}
            _, cli_results[label] = run_with_summary(rec, label, argv, env, mode=label, quiet=1.5, timeout=180)
        shown = {"mcpServers": {"weather": {"type": "stdio", "command": "python", "args": ["{TMP}/weather_server.py"]}}}
        return rec.save(
            packages={PACKAGE: version} | installed_versions(python, ["mcp"]),
            env=base_env | {"CLAUDE_CONFIG_DIR": "{TMP}/home-<run>/.claude", "HOME": "{TMP}/home-<run>"},
            recorder=Path(__file__).name,
            notes=[
                f"Claude Code {version} run as `claude -p ... --mcp-config {json.dumps(shown)} --strict-mcp-config "
                f"--tools '' --allowedTools {TOOL} --output-format json` with the telemetry of claude-code-traces "
                "(logs, metrics, the enhanced telemetry beta's spans; http/protobuf), OTEL_LOG_TOOL_DETAILS=1 and "
                "OTEL_LOG_TOOL_CONTENT=1.",
                "The MCP server: get_weather(city) on the MCP SDK's MCPServer (FastMCP), started by the CLI over "
                "stdio with the venv's python; it sends no telemetry.",
                f"ok: call 1 asks for {TOOL} with {{\"city\": \"Paris\"}}, the CLI calls the server's get_weather, "
                "call 2 answers with text.",
                "error: every model call gets HTTP 400 with an Anthropic error body.",
                "cli_results holds the CLI's own --output-format json summary per run (its usage and cost totals).",
            ],
            extra={"cli_results": cli_results, "variant": {"protocol": "http/protobuf", "traces": True}},
        )


def main() -> None:
    mcp_recorder_main(NAME, "claude-code", PACKAGE, VERSION, "claude", record)


if __name__ == "__main__":
    main()
