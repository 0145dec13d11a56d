"""Record what the real GitHub Copilot CLI sends for a turn that calls a tool on an MCP server.

Run: ``python tests/clients/record_copilot_cli_mcp.py`` (installs the same pinned npm package as
``record_copilot_cli.py`` and a venv with the MCP SDK for the server; needs node and npm).

The server: one tool, ``get_weather(city)``, on the MCP SDK's high-level server (FastMCP, named
``MCPServer`` since mcp 2.0), a script in the recording's temp dir that the CLI starts over stdio
from its user MCP configuration, ``~/.copilot/mcp-config.json`` in the run's fresh HOME (what
``copilot mcp add weather -- <python> <script>`` writes). Provider, offline switches and telemetry
as ``copilot-cli``: its own model provider at the fake LLM (streamed chat completions), OTel on by
``OTEL_EXPORTER_OTLP_ENDPOINT`` (traces and metrics, http/json), message content captured.

Two runs:

* ``ok``: call 1 asks for the server's tool by the name the CLI offers it under, the CLI calls
  the server's ``get_weather``, call 2 answers;
* ``error``: every model call gets HTTP 400; the CLI exits 1.
"""

from __future__ import annotations

import json
from pathlib import Path

from cli_support import MCP_WEATHER_SERVER, foreign_addresses, mcp_recorder_main, traced, turns
from record_copilot_cli import MODEL, PACKAGE, VERSION, summary
from recording import FAKE_KEY, Recording, installed_versions

NAME = "copilot-cli-mcp"
PROMPT = "What is the weather in Paris? Use the get_weather tool."


def mcp_config(python: str, server: str) -> dict:
    """The CLI's user MCP configuration with the weather server, all its tools (``copilot mcp add``'s form)."""
    return {"mcpServers": {"weather": {"type": "local", "command": python, "args": [server], "tools": ["*"]}}}


def offered_tool(calls: list[dict]) -> str | None:
    """The name the model was asked to call the MCP tool by (the fake's first tool call)."""
    return next((c.get("tool_name") for c in calls if c.get("kind") == "tool_call"), None)


def record(copilot: Path, version: str | None, python: Path) -> Path:
    with Recording(NAME) as rec:
        server = rec.tmp / "weather_server.py"
        server.write_text(MCP_WEATHER_SERVER)
        content = json.dumps(mcp_config(str(python), str(server)))
        base_env = {
            "COPILOT_PROVIDER_BASE_URL": rec.llm.openai_base_url,
            "COPILOT_PROVIDER_API_KEY": FAKE_KEY,
            "COPILOT_MODEL": MODEL,
            "COPILOT_OFFLINE": "true",
            "COPILOT_AUTO_UPDATE": "false",
            # Its documented switches: the endpoint turns OTel on (its default protocol, http/json).
            "OTEL_EXPORTER_OTLP_ENDPOINT": rec.cap.url,
            "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "true",
        }
        cli_results: dict[str, object] = {}
        runs: dict[str, dict] = {}
        for label, mode, env in turns(rec, ".copilot/mcp-config.json", content, base_env):
            netlog = rec.tmp / f"strace-{label}.log"
            stdout = rec.tmp / f"stdout-{label}.jsonl"
            usage_file = rec.tmp / f"usage-{label}.json"
            argv = [str(copilot), "-p", PROMPT, "--allow-all-tools", "--no-auto-update", "--output-format", "json",
                    "--usage-output-file", str(usage_file)]
            keep_stdout = ["sh", "-c", 'exec "$@" > "$0"', str(stdout)]
            run = rec.run(label, traced([*keep_stdout, *argv], netlog), env, mode=mode, quiet=2.0, timeout=240)
            run["argv"] = ["copilot", *argv[1:-1], "{TMP}/usage-<run>.json"]
            run["network_attempts_off_loopback"] = foreign_addresses(netlog) if netlog.exists() else None
            run["stdout_tail"] = "(see cli_results)"
            cli_results[label] = summary(stdout, usage_file)
            runs[label] = run
        tool = offered_tool(runs["ok"]["fake_calls"])
        return rec.save(
            packages={PACKAGE: version} | installed_versions(python, ["mcp"]),
            env=base_env | {"HOME": "{TMP}/home-<run>"},
            recorder=Path(__file__).name,
            notes=[
                f"GitHub Copilot CLI {version} run as `copilot -p ... --allow-all-tools --output-format json` with "
                f"{MODEL} from its own provider (BYOK: COPILOT_PROVIDER_BASE_URL; streamed chat completions), offline "
                "(COPILOT_OFFLINE=true: no GitHub login, no vendor telemetry), telemetry as copilot-cli.",
                "The MCP server: get_weather(city) on the MCP SDK's MCPServer (FastMCP), in the run's "
                "~/.copilot/mcp-config.json (mcp_config in the manifest), started by the CLI over stdio with the "
                "venv's python; it sends no telemetry.",
                f"ok: call 1 asks for {tool} with {{\"city\": \"Paris\"}} (the name the CLI offers the server's "
                "tool under), the CLI calls the server's get_weather, call 2 answers with text.",
                "error: every model call gets HTTP 400 with an OpenAI error body.",
                "cli_results holds the `result` line of the CLI's JSONL output and its --usage-output-file per run.",
            ],
            extra={"cli_results": cli_results, "mcp_config": mcp_config("python", "{TMP}/weather_server.py")},
            gzip_files=True,  # its system prompt and tool definitions repeat on every model call span
        )


def main() -> None:
    mcp_recorder_main(NAME, "copilot-cli", PACKAGE, VERSION, "copilot", record)


if __name__ == "__main__":
    main()
