"""Record what the real Gemini CLI sends for a turn that calls a tool on an MCP server.

Run: ``python tests/clients/record_gemini_cli_mcp.py`` (installs the same pinned npm package as
``record_gemini_cli.py`` and a venv with the MCP SDK for the server; needs node and npm).

The server: one tool, ``get_weather(city)``, on the MCP SDK's high-level server (FastMCP, named
``MCPServer`` since mcp 2.0), a script in the recording's temp dir that the CLI starts over stdio
from its settings file's ``mcpServers`` (``trust``: its calls need no confirmation, so no
``--yolo``). Telemetry as ``gemini-cli``: traces, logs and metrics over OTLP/HTTP with the
documented ``GEMINI_TELEMETRY_*`` switches, prompts logged; usage statistics to the vendor off.

Two runs:

* ``ok``: the router call picks the model, call 1 asks for the server's tool (by the name the CLI
  offers it under), the CLI calls the server's ``get_weather``, call 2 answers;
* ``error``: every model call gets HTTP 400; the CLI exits (code 144) before exporting anything.
"""

from __future__ import annotations

import json
from pathlib import Path

from cli_support import MCP_WEATHER_SERVER, mcp_recorder_main, run_with_summary, telemetry_switches, turns
from fakellm import THINKING_USAGE
from record_gemini_cli import PACKAGE, SETTINGS, VERSION
from recording import FAKE_KEY, Recording, installed_versions

NAME = "gemini-cli-mcp"
PROMPT = "What is the weather in Paris? Use the get_weather tool."


ERROR_NOT_REPORTED = (
    "gemini exits (code 144) right after the 400 without shutting its OTel providers down: nothing of the "
    "failing turn was exported (as gemini-cli; with the 200 ms batch delays `agenttrace-tui run` sets, "
    "tried while recording, still nothing; with 50 ms the router's llm_call span and the refused call's (ERROR) "
    "were sent once: a race with the exit)"
)


def settings(python: str, server: str) -> dict:
    """The CLI's settings file: ``gemini-cli``'s, and the weather server, trusted."""
    return SETTINGS | {"mcpServers": {"weather": {"command": python, "args": [server], "trust": True}}}


def offered_tool(calls: list[dict]) -> str | None:
    """The name the model was asked to call the MCP tool by (the fake's first tool call)."""
    return next((c.get("tool_name") for c in calls if c.get("kind") == "tool_call"), None)


def record(gemini: Path, version: str | None, python: Path) -> Path:
    # Thinking tokens in each answer's output, as Gemini 2.5 and later send them (as gemini-cli).
    with Recording(NAME, usage=THINKING_USAGE) as rec:
        server = rec.tmp / "weather_server.py"
        server.write_text(MCP_WEATHER_SERVER)
        content = json.dumps(settings(str(python), str(server)))
        base_env = telemetry_switches("GEMINI", rec.cap.url, traces=True) | {
            "GOOGLE_GEMINI_BASE_URL": rec.llm.url,
            "GEMINI_API_KEY": FAKE_KEY,
            "NO_BROWSER": "1",
            "GEMINI_CLI_TRUST_WORKSPACE": "true",  # headless in a fresh directory: trusted, as its docs say
        }
        argv = [str(gemini), "-p", PROMPT, "--output-format", "json"]
        cli_results: dict[str, object] = {}
        runs: dict[str, dict] = {}
        for label, mode, env in turns(rec, ".gemini/settings.json", content, base_env):
            runs[label], cli_results[label] = run_with_summary(rec, label, argv, env, mode=mode, quiet=2.0, timeout=240)
            if mode == "error" and not runs[label]["requests"]:
                runs[label]["error_not_reported"] = ERROR_NOT_REPORTED
        tool = offered_tool(runs["ok"]["fake_calls"])
        shown = settings("python", "{TMP}/weather_server.py")
        return rec.save(
            packages={PACKAGE: version} | installed_versions(python, ["mcp"]),
            env=base_env | {"HOME": "{TMP}/home-<run>"},
            recorder=Path(__file__).name,
            notes=[
                f"Gemini CLI {version} run as `gemini -p ... --output-format json` with its default models "
                "(a router call picks the turn's model) and the telemetry of gemini-cli; the settings file "
                "(settings in the manifest) adds the weather MCP server, trusted (no confirmation, no --yolo).",
                "The MCP server: get_weather(city) on the MCP SDK's MCPServer (FastMCP), started by the CLI over "
                "stdio with the venv's python; it sends no telemetry.",
                f"ok: call 1 asks for {tool} with {{\"city\": \"Paris\"}} (the name the CLI offers the server's "
                "tool under), the CLI calls the server's get_weather, call 2 answers with text.",
                "error: every model call gets HTTP 400 with a Gemini error body.",
                "cli_results holds the CLI's own --output-format json summary per run (its token stats).",
            ],
            extra={"cli_results": cli_results, "settings": shown},
            gzip_files=True,  # its prompts (system instructions, tool definitions) repeat in every export
        )


def main() -> None:
    mcp_recorder_main(NAME, "gemini-cli", PACKAGE, VERSION, "gemini", record)


if __name__ == "__main__":
    main()
