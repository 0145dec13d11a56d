"""Record what the real OpenCode CLI sends for a turn that calls a tool on an MCP server.

Run: ``python tests/clients/record_opencode_mcp.py`` (installs the same pinned npm package as
``record_opencode.py`` and a venv with the MCP SDK for the server; needs npm).

The server: one tool, ``get_weather(city)``, on the MCP SDK's high-level server (FastMCP, named
``MCPServer`` since mcp 2.0), a script in the recording's temp dir that OpenCode starts over stdio
from its configuration's ``mcp`` entry (``type: local``, its ``command`` the venv's python and the
script). OpenCode offers the model an MCP server's tools as ``<server>_<tool>`` beside its own
(``weather_get_weather``): the fake LLM is scripted (``fakellm_tool_answers``) to call that one, not
``bash``. Telemetry as ``opencode/``: the configuration's ``experimental.openTelemetry`` (the AI SDK's
spans, with the tokens), the OTLP endpoint and a 200 ms batch delay set by hand.

Two runs:

* ``ok``: OpenCode's title call (text), call 2 asks for ``weather_get_weather``, OpenCode calls the
  server's ``get_weather``, call 3 answers;
* ``error``: every model call gets HTTP 400.
"""

from __future__ import annotations

import json
from pathlib import Path

from cli_support import MCP_WEATHER_SERVER, foreign_addresses, mcp_recorder_main, traced, turns
from record_opencode import MODEL, PACKAGE, VERSION
from recording import FAKE_KEY, Recording, installed_versions

NAME = "opencode-mcp"
PROMPT = "What is the weather in Paris? Use the get_weather tool."
#: The name OpenCode offers the server's tool under: ``<server>_<tool>``, read from its request.
TOOL = "weather_get_weather"
ARGS = {"city": "Paris"}


def config(base_url: str, command: list[str]) -> dict:
    return {
        "provider": {"openai": {"options": {"baseURL": base_url, "apiKey": FAKE_KEY}}},
        "model": MODEL,
        "autoupdate": False,
        "share": "disabled",
        "permission": {"bash": "allow", "edit": "allow"},
        "mcp": {"weather": {"type": "local", "command": command, "enabled": True}},
        "experimental": {"openTelemetry": True},
    }


def record(opencode: Path, version: str | None, python: Path) -> Path:
    with Recording(NAME, tool_answers={TOOL: [ARGS]}) as rec:
        server = rec.tmp / "weather_server.py"
        server.write_text(MCP_WEATHER_SERVER)
        base_env = {
            "OPENCODE_DISABLE_AUTOUPDATE": "1",
            "OPENCODE_DISABLE_MODELS_FETCH": "1",
            "OPENCODE_DISABLE_LSP_DOWNLOAD": "1",
            "OPENCODE_DISABLE_SHARE": "1",
            # OpenCode does not flush its spans at exit (record_opencode.py).
            "OTEL_EXPORTER_OTLP_ENDPOINT": rec.cap.url,
            "OTEL_BSP_SCHEDULE_DELAY": "200",
        }
        cfg = json.dumps(config(rec.llm.openai_base_url, [str(python), str(server)]))
        for label, mode, env in turns(rec, ".config/opencode/opencode.json", cfg, base_env):
            netlog = rec.tmp / f"strace-{label}.log"
            run = rec.run(label, traced([str(opencode), "run", PROMPT], netlog), env, mode=mode, quiet=2.0,
                          timeout=180)
            run["argv"] = ["opencode", "run", PROMPT]
            run["network_attempts_off_loopback"] = foreign_addresses(netlog) if netlog.exists() else None
        return rec.save(
            packages={PACKAGE: version} | installed_versions(python, ["mcp"]),
            env=base_env | {"HOME": "{TMP}/home-<run>"},
            recorder=Path(__file__).name,
            notes=[
                f"OpenCode {version} run as `opencode run \"<prompt>\"` with {MODEL} (the Responses API), the "
                "telemetry of opencode/ (experimental.openTelemetry in the configuration, the OTLP endpoint and a "
                "200 ms batch delay by hand); the configuration's mcp entry starts the weather MCP server.",
                "The MCP server: get_weather(city) on the MCP SDK's MCPServer (FastMCP), started by OpenCode over "
                "stdio with the venv's python; it sends no telemetry.",
                f"ok: OpenCode's title call (text); call 2 asks for {TOOL} with {json.dumps(ARGS)} (the name "
                "OpenCode offers the server's tool under, beside its own tools: scripted, fakellm_tool_answers), "
                "OpenCode calls the server's get_weather, call 3 answers with text.",
                "error: every model call gets HTTP 400 with an OpenAI error body.",
                "The configuration file (opencode.json in the run's HOME) is `config` below.",
            ],
            extra={"config": config("{FAKELLM_URL}/v1", ["python", "{TMP}/weather_server.py"])},
            gzip_files=True,  # hundreds of runtime spans a run
        )


def main() -> None:
    mcp_recorder_main(NAME, "opencode", PACKAGE, VERSION, "opencode", record)


if __name__ == "__main__":
    main()
