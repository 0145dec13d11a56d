"""Record what the real Claude Code CLI sends for a turn whose sub-agent calls a tool on an MCP server.

Run: ``python tests/clients/record_claude_code_subagent_mcp.py`` (installs the same pinned npm package
as ``record_claude_code.py`` and a venv with the MCP SDK for the server; needs node and npm).

The main conversation is offered only the ``Agent`` tool (Claude Code's Task tool); the model asks for
the ``forecaster`` sub-agent, defined with ``--agents`` with an MCP server of its own (the agent's
``mcpServers``: the weather server, ``get_weather(city)`` on the MCP SDK's ``MCPServer``, started over
stdio) and only that server's tool (``tools``: ``mcp__weather__get_weather``), run in the foreground.
The sub-agent's first call asks for the tool, the CLI calls the server's ``get_weather``, its second
call answers; its answer is the Agent tool's result and the main conversation's second call answers.
Telemetry as ``claude-code-subagent``: logs, metrics, the enhanced telemetry beta's spans
(``http/protobuf``) and ``OTEL_LOG_TOOL_DETAILS=1``, as ``agenttrace-tui run`` sets it, and
``OTEL_LOG_TOOL_CONTENT=1``: the MCP tool's result as a ``tool.output`` event on its span.

Two runs:

* ``ok``: as above, 4 model calls (main, sub-agent x2, main), 2 tool calls (Agent, the MCP tool);
* ``error``: the fake LLM refuses only the sub-agent's requests (their system prompt holds the
  sub-agent's, ``refuse_system``): the CLI re-sends the refused request, the Agent tool fails, the
  main conversation's second call answers.
"""

from __future__ import annotations

import json
from pathlib import Path

import fakellm
from cli_support import MCP_WEATHER_SERVER, mcp_recorder_main, run_with_summary
from record_claude_code import PACKAGE, VERSION, telemetry_env
from recording import FAKE_KEY, Recording, installed_versions

NAME = "claude-code-subagent-mcp"
PROMPT = "Use the Agent tool to ask the forecaster sub-agent for the weather in Paris, then tell me what it said."
#: The sub-agent's own system prompt: the text that tells its requests from the main conversation's.
SUBAGENT_PROMPT = "You report the weather. Call the get_weather tool and say what it returned."
TOOL = "mcp__weather__get_weather"  # mcp__<server>__<tool>: how Claude Code names an MCP server's tool
# What the model passes to the Agent tool; run_in_background false, else the main turn ends at once (see
# record_claude_code_subagent.py).
AGENT_ARGS = {"description": "Get the weather", "prompt": "What is the weather in Paris? Use the get_weather tool.",
              "subagent_type": "forecaster", "run_in_background": False}


def agents(python: str, server: str) -> dict[str, object]:
    """The ``--agents`` definition: ``forecaster`` with the weather server of its own and only its tool
    (no Agent tool: the fake LLM would nest agents to the depth limit)."""
    return {"forecaster": {
        "description": "Reports the weather for a city",
        "prompt": SUBAGENT_PROMPT,
        "tools": [TOOL],
        "mcpServers": [{"weather": {"type": "stdio", "command": python, "args": [server]}}],
    }}


def record(claude: Path, version: str | None, python: Path) -> Path:
    fakellm.KNOWN_ARGS["Agent"] = AGENT_ARGS  # the fake LLM runs in this process
    with Recording(NAME) as rec:
        server = rec.tmp / "weather_server.py"
        server.write_text(MCP_WEATHER_SERVER)
        argv = [str(claude), "-p", PROMPT, "--tools", "Agent", "--agents", json.dumps(agents(str(python), str(server))),
                "--allowedTools", "Agent", TOOL, "--output-format", "json"]
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
            _, cli_results[label] = run_with_summary(
                rec, label, argv, env, mode=label, quiet=1.5, timeout=180,
                refuse_system=SUBAGENT_PROMPT if label == "error" else None)
        shown = json.dumps(agents("python", "{TMP}/weather_server.py"))
        return rec.save(
            packages={PACKAGE: version} | installed_versions(python, ["mcp"]),
            env=base_env | {"CLAUDE_CONFIG_DIR": "{TMP}/home-<run>/.claude", "HOME": "{TMP}/home-<run>"},
            recorder=Path(__file__).name,
            notes=[
                f"Claude Code {version} run as `claude -p ... --tools Agent --agents {shown} --allowedTools Agent "
                f"{TOOL} --output-format json` with the telemetry of claude-code-traces (logs, metrics, the enhanced "
                "telemetry beta's spans; http/protobuf), OTEL_LOG_TOOL_DETAILS=1 and OTEL_LOG_TOOL_CONTENT=1.",
                "The MCP server: get_weather(city) on the MCP SDK's MCPServer (FastMCP), the sub-agent's own "
                "(its mcpServers), started by the CLI over stdio with the venv's python; it sends no telemetry.",
                f"ok: call 1 (main) asks for the Agent tool with {json.dumps(AGENT_ARGS)}; the sub-agent's call 2 "
                f"asks for {TOOL} with {{\"city\": \"Paris\"}}, the CLI calls the server's get_weather, its call 3 "
                "answers; the main conversation's call 4 answers.",
                "error: the fake LLM refuses (HTTP 400) only the requests whose system prompt holds the sub-agent's "
                "(the run's refuse_system): the CLI re-sends the sub-agent's request, the Agent tool fails, the main "
                "conversation's last call answers.",
                "cli_results holds the CLI's own --output-format json summary per run (its usage and cost totals).",
            ],
            extra={"cli_results": cli_results, "variant": {"protocol": "http/protobuf", "traces": True}},
        )


def main() -> None:
    mcp_recorder_main(NAME, "claude-code", PACKAGE, VERSION, "claude", record)


if __name__ == "__main__":
    main()
