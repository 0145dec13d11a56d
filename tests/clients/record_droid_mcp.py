"""Record what Factory's Droid CLI sends for a turn that calls a tool on an MCP server.

Run: ``python tests/clients/record_droid_mcp.py`` (installs the same pinned platform package as
``record_droid.py`` and a venv with the MCP SDK for the server; needs npm).

The server: one tool, ``get_weather(city)``, on the MCP SDK's high-level server (FastMCP, named
``MCPServer`` since mcp 2.0; ``cli_support.MCP_WEATHER_SERVER``), a script in the recording's temp
dir that Droid starts over stdio from its user MCP configuration, ``~/.factory/mcp.json`` in the
run's fresh HOME (what ``droid mcp add weather <python> <script>`` writes). Model and telemetry as
``droid``: a custom model (``customModels`` in ``~/.factory/settings.json``, streamed chat
completions at the fake LLM), no Factory login, ``OTEL_TELEMETRY_ENDPOINT``,
``OTEL_TELEMETRY_FORMAT=genai`` and ``OTEL_LOG_MESSAGE_CONTENT=true``.

Two runs:

* ``ok``: call 1 asks for the server's tool by the name Droid offers it under, Droid calls the
  server's ``get_weather``, call 2 answers;
* ``error``: every model call gets HTTP 400; Droid exits 1.
"""

from __future__ import annotations

import json
from pathlib import Path

from cli_support import MCP_WEATHER_SERVER, foreign_addresses, mcp_recorder_main, traced, turns
from record_droid import MODEL_ID, NO_USAGE, PACKAGE, VERSION, settings
from recording import Recording, installed_versions

NAME = "droid-mcp"
PROMPT = "What is the weather in Paris? Use the get_weather tool."
MCP_CONFIG_PATH = ".factory/mcp.json"
MCP_TOOL = "weather___get_weather"  # the name Droid gives the server's tool (<server>___<tool>)
#: What a model does with a deferred tool, as Droid's system prompt tells it: load its schema with
#: ToolSearch (``select:<name>``), then call it.
TOOL_ANSWERS = {
    "ToolSearch": [{"query": f"select:{MCP_TOOL}"}],
    MCP_TOOL: [{"city": "Paris"}],
}
#: The autonomy a stdio MCP server's tool needs in ``droid exec``: Droid rates a tool ``high`` impact unless
#: the server marks it read-only (``readOnlyHint``); at ``--auto low`` its call is rejected and the run ends.
AUTONOMY = "high"


def droid_settings(base_url: str) -> dict:
    """Droid's settings file: ``droid``'s custom model, and its switch that makes a turn wait for the MCP
    servers to load (``blockOnMcpLoad``; without it ``droid exec`` sends its first model call before the
    server's tools are listed, and the model is never offered them)."""
    return settings(base_url) | {"blockOnMcpLoad": True}


def mcp_config(python: str, server: str) -> dict:
    """Droid's user MCP configuration with the weather server (``droid mcp add``'s form)."""
    return {"mcpServers": {"weather": {"type": "stdio", "command": python, "args": [server], "disabled": False}}}


def offered_tool(calls: list[dict]) -> str | None:
    """The name the model was asked to call the MCP tool by (the fake's first tool call)."""
    return next((c.get("tool_name") for c in calls if c.get("kind") == "tool_call"), None)


def record(droid: Path, version: str | None, python: Path) -> Path:
    with Recording(NAME, tool_answers=TOOL_ANSWERS) as rec:
        server = rec.tmp / "weather_server.py"
        server.write_text(MCP_WEATHER_SERVER)
        config = json.dumps(mcp_config(str(python), str(server)), indent=2)
        env = {
            "OTEL_TELEMETRY_ENDPOINT": rec.cap.url,
            "OTEL_TELEMETRY_FORMAT": "genai",
            "OTEL_LOG_MESSAGE_CONTENT": "true",
        }
        argv = [str(droid), "exec", "--auto", AUTONOMY, "-m", MODEL_ID, PROMPT]
        content = json.dumps(droid_settings(rec.llm.openai_base_url))
        for label, mode, child in turns(rec, ".factory/settings.json", content, env):
            (rec.tmp / f"home-{label}" / MCP_CONFIG_PATH).write_text(config)
            netlog = rec.tmp / f"strace-{label}.log"
            run = rec.run(label, traced(argv, netlog), child, mode=mode, quiet=2.0, timeout=240)
            run["argv"] = ["droid", *argv[1:]]
            run["network_attempts_off_loopback"] = foreign_addresses(netlog) if netlog.exists() else None
        not_reported = {str(c["seq"]): NO_USAGE for r in rec.runs for c in r["fake_calls"]
                        if c["status"] == 200 and c.get("usage")}
        tool = offered_tool(rec.runs[0]["fake_calls"])
        return rec.save(
            packages={PACKAGE: version} | installed_versions(python, ["mcp"]),
            env=env | {"HOME": "{TMP}/home-<run>"},
            recorder=Path(__file__).name,
            notes=[
                f"Droid {version} run as `droid exec --auto {AUTONOMY} -m {MODEL_ID} \"<prompt>\"` on a custom model, no "
                "Factory login, telemetry as droid (OTEL_TELEMETRY_FORMAT=genai, message content on).",
                "The MCP server: get_weather(city) on the MCP SDK's MCPServer (FastMCP), in the run's "
                f"~/{MCP_CONFIG_PATH} (mcp_config in the manifest), started by Droid over stdio with the venv's "
                "python; it sends no telemetry.",
                f"ok: call 1 asks for {tool} with {{\"city\": \"Paris\"}} (the name Droid offers the server's tool "
                "under), Droid calls the server's get_weather, call 2 answers with text.",
                "error: every model call gets HTTP 400 with an OpenAI error body.",
                NO_USAGE + ".",
            ],
            extra={"settings": droid_settings("{FAKELLM_URL}/v1"), "usage_not_reported": not_reported,
                   "mcp_config": mcp_config("python", "{TMP}/weather_server.py")},
        )


def main() -> None:
    mcp_recorder_main(NAME, "droid", PACKAGE, VERSION, "droid", record,
                      executable=f"node_modules/{PACKAGE}/bin/droid")


if __name__ == "__main__":
    main()
