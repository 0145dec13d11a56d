"""Record what the real Qwen Code CLI sends for a turn that calls a tool on an MCP server.

Run: ``python tests/clients/record_qwen_code_mcp.py [--only qwen-code-mcp|qwen-code-mcp-results]`` (installs the same pinned npm package as
``record_qwen_code.py`` and a venv with the MCP SDK for the server; needs node and npm).

The server: the weather server the other CLI recordings start (``cli_support.MCP_WEATHER_SERVER``:
``get_weather(city)`` on the MCP SDK's ``MCPServer``), a script in the recording's temp dir that the
CLI starts over stdio from its settings file's ``mcpServers`` (``trust``: its calls need no
confirmation, so no ``--yolo``). Qwen Code defers an MCP server's tools by default: the model is
offered ``tool_search`` and ``tool_call`` (its bridge) instead, and the system prompt lists the
deferred tools, to be reviewed with ``tool_search`` (``select:<name>``) and called through
``tool_call``; the fake LLM is scripted to do just that (``TOOL_ANSWERS``). Telemetry as ``qwen-code``: traces, logs and metrics over
OTLP/HTTP with the documented ``QWEN_TELEMETRY_*`` switches, prompts logged; usage statistics to
the vendor and update checks off. ``qwen-code-mcp-results`` adds the switch ``agenttrace-tui run``
sets for it, ``QWEN_TELEMETRY_INCLUDE_SENSITIVE_SPAN_ATTRIBUTES=true``: the tool's arguments and
result on its span. The model: ``gpt-4o-mini`` at the fake server as an
OpenAI-compatible provider (streamed chat completions).

Two runs:

* ``ok``: call 1 asks ``tool_search`` for the server's tool's schema (by the name the CLI gives it,
  ``mcp__<server>__<tool>``), call 2 calls it through ``tool_call``, the CLI calls the server's
  ``get_weather``, call 3 answers;
* ``error``: every model call gets HTTP 400 with an OpenAI error body.
"""

from __future__ import annotations

import json
from pathlib import Path

from cli_support import MCP_WEATHER_SERVER, mcp_recorder_main, run_with_summary, telemetry_switches, turns
from record_qwen_code import MODEL, PACKAGE, SETTINGS, VERSION
from recording import FAKE_KEY, Recording, installed_versions

NAME = "qwen-code-mcp"
#: The recordings: without, and with, Qwen Code's sensitive span attributes (a tool's arguments and result).
VARIANTS = (NAME, "qwen-code-mcp-results")
SENSITIVE = {"QWEN_TELEMETRY_INCLUDE_SENSITIVE_SPAN_ATTRIBUTES": "true"}
PROMPT = "What is the weather in Paris? Use the get_weather tool."
MCP_TOOL = "mcp__weather__get_weather"  # the name Qwen Code gives the server's tool
#: What a model does with a deferred tool, as Qwen Code's system prompt tells it: review its schema
#: with tool_search, then call it through the tool_call bridge.
TOOL_ANSWERS = {
    "tool_search": [{"query": f"select:{MCP_TOOL}"}],
    "tool_call": [{"name": MCP_TOOL, "arguments": {"city": "Paris"}}],
}


def settings(python: str, server: str) -> dict:
    """The CLI's settings file: ``qwen-code``'s, and the weather server, trusted."""
    return SETTINGS | {"mcpServers": {"weather": {"command": python, "args": [server], "trust": True}}}


def record(qwen: Path, version: str | None, python: Path, name: str = NAME) -> Path:
    with Recording(name, tool_answers=TOOL_ANSWERS) as rec:
        server = rec.tmp / "weather_server.py"
        server.write_text(MCP_WEATHER_SERVER)
        content = json.dumps(settings(str(python), str(server)))
        base_env = telemetry_switches("QWEN", rec.cap.url) | {
            "OPENAI_BASE_URL": rec.llm.openai_base_url,
            "OPENAI_API_KEY": FAKE_KEY,
            "OPENAI_MODEL": MODEL,
        } | (SENSITIVE if name != NAME else {})
        argv = [str(qwen), "-p", PROMPT, "--auth-type", "openai", "--output-format", "json"]
        cli_results: dict[str, object] = {}
        for label, mode, env in turns(rec, ".qwen/settings.json", content, base_env):
            _, cli_results[label] = run_with_summary(rec, label, argv, env, mode=mode, quiet=2.0, timeout=240)
        shown = settings("python", "{TMP}/weather_server.py")
        return rec.save(
            packages={PACKAGE: version} | installed_versions(python, ["mcp"]),
            env=base_env | {"HOME": "{TMP}/home-<run>"},
            recorder=Path(__file__).name,
            notes=[
                f"Qwen Code {version} run as `qwen -p ... --auth-type openai --output-format json` with {MODEL} "
                "(streamed chat completions) and the telemetry of qwen-code; the settings file (settings in the "
                "manifest) adds the weather MCP server, trusted (no confirmation, no --yolo).",
                "The MCP server: get_weather(city) on the MCP SDK's MCPServer (FastMCP), started by the CLI over "
                "stdio with the venv's python; it sends no telemetry.",
                f"Qwen Code defers MCP tools (its default toolSearch): the model is offered tool_search and tool_call "
                f"(the bridge), the system prompt naming {MCP_TOOL}; the fake LLM is scripted "
                "(fakellm_tool_answers) to review its schema, then call it through the bridge.",
                f"ok: call 1 asks tool_search for select:{MCP_TOOL}, call 2 asks tool_call for {MCP_TOOL} with "
                "{\"city\": \"Paris\"}, the CLI calls the server's get_weather, call 3 answers with text.",
                "error: every model call gets HTTP 400 with an OpenAI error body.",
                "cli_results holds the CLI's own --output-format json output per run.",
                *(["QWEN_TELEMETRY_INCLUDE_SENSITIVE_SPAN_ATTRIBUTES=true (what agenttrace-tui run sets): a tool's "
                   "arguments and result on its qwen-code.tool span (gen_ai.tool.call.arguments / .result)."]
                  if name != NAME else []),
            ],
            extra={"cli_results": cli_results, "settings": shown},
            gzip_files=True,  # its prompts and tool definitions repeat in every export
        )


def main() -> None:
    mcp_recorder_main(NAME, "qwen-code", PACKAGE, VERSION, "qwen", record, VARIANTS)


if __name__ == "__main__":
    main()
