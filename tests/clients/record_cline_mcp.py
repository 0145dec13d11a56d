"""Record what the Cline CLI sends for a turn that calls a tool on an MCP server.

Run: ``python tests/clients/record_cline_mcp.py`` (installs the same pinned npm package as
``record_cline.py`` and a venv with the MCP SDK for the server; needs node and npm).

The server: one tool, ``get_weather(city)``, on the MCP SDK's high-level server (FastMCP, named
``MCPServer`` since mcp 2.0; ``cli_support.MCP_WEATHER_SERVER``), a script in the recording's temp
dir that the CLI starts over stdio from its MCP settings, ``~/.cline/data/settings/cline_mcp_settings.json``
in the run's fresh HOME (what ``cline mcp add weather --yes -- <python> <script>`` writes), with a
``timeout`` of its own: the CLI waits 3 seconds by default for a server's ``initialize``, less than
the MCP SDK's start takes here, and then skips the server. Provider, settings and telemetry as ``cline``:
Cline's own provider (its gateway) at the fake LLM, Cline's telemetry off, its Langfuse export at the
capture server (each span exported as it ends, not flushed at exit: the recorder records again until
both runs sent every span, as ``record_cline.py`` does).

Two runs:

* ``ok``: call 1 asks for the server's tool by the name the CLI offers it under
  (``weather__get_weather``), the CLI calls the server's ``get_weather``, call 2 answers;
* ``error``: every model call gets HTTP 400; the CLI exits 1.
"""

from __future__ import annotations

import json
from pathlib import Path

from cli_support import MCP_WEATHER_SERVER, foreign_addresses, mcp_recorder_main, npm_version, traced, turns
from record_cline import MODEL, PACKAGE, PLATFORM_PACKAGE, SETTINGS, SETTINGS_PATH, SPANS, TRIES, VERSION
from recording import FAKE_KEY, Recording, installed_versions

NAME = "cline-mcp"
PROMPT = "What is the weather in Paris? Use the get_weather tool."
MCP_SETTINGS_PATH = ".cline/data/settings/cline_mcp_settings.json"
#: Seconds the CLI waits for the server's requests (its default, 3, is less than the MCP SDK's start here).
MCP_TIMEOUT = 30


def mcp_settings(python: str, server: str) -> dict:
    """The CLI's MCP settings with the weather server (``cline mcp add``'s form) and its ``timeout``."""
    return {"mcpServers": {"weather": {"transport": {"type": "stdio", "command": python, "args": [server]},
                                       "timeout": MCP_TIMEOUT}}}


def offered_tool(calls: list[dict]) -> str | None:
    """The name the model was asked to call the MCP tool by (the fake's first tool call)."""
    return next((c.get("tool_name") for c in calls if c.get("kind") == "tool_call"), None)


def record(cline: Path, version: str | None, python: Path) -> Path:
    """Record until both runs sent every span (``SPANS``), ``TRIES`` times at most (the last kept anyway)."""
    for attempt in range(1, TRIES + 1):
        saved = record_once(cline, version, python, last=attempt == TRIES)
        if saved is not None:
            return saved
        print(f"[{NAME}] attempt {attempt}: spans lost at exit, recording again", flush=True)
    raise AssertionError("unreachable")


def record_once(cline: Path, version: str | None, python: Path, last: bool) -> Path | None:
    with Recording(NAME) as rec:
        server = rec.tmp / "weather_server.py"
        server.write_text(MCP_WEATHER_SERVER)
        config = json.dumps(mcp_settings(str(python), str(server)), indent=2)
        env = {
            "CLINE_API_BASE_URL": rec.llm.url,
            "CLINE_API_KEY": FAKE_KEY,
            "LANGFUSE_BASE_URL": rec.cap.url,
            "LANGFUSE_PUBLIC_KEY": "pk-lf-fakellm",
            "LANGFUSE_SECRET_KEY": "sk-lf-fakellm",
            "LANGFUSE_FLUSH_AT": "1",
            "CLINE_SESSION_BACKEND_MODE": "local",
            "CLINE_NO_AUTO_UPDATE": "1",
        }
        argv_shown = ["cline", "--json", "-P", "cline", "-m", MODEL, PROMPT]
        for label, mode, run_env in turns(rec, SETTINGS_PATH, json.dumps(SETTINGS), env):
            (rec.tmp / f"home-{label}" / MCP_SETTINGS_PATH).write_text(config)
            (rec.tmp / label).mkdir(parents=True, exist_ok=True)
            netlog = rec.tmp / f"strace-{label}.log"
            run = rec.run(label, traced([str(cline), *argv_shown[1:]], netlog), run_env, mode=mode, quiet=2.0,
                          timeout=240)
            run["argv"] = argv_shown
            run["network_attempts_off_loopback"] = foreign_addresses(netlog) if netlog.exists() else None
        if not last and any(len(r["requests"]) != SPANS[r["label"]] for r in rec.runs):
            return None
        tool = offered_tool(rec.runs[0]["fake_calls"])
        prefix = cline.parents[2]
        return rec.save(
            packages={PACKAGE: version, PLATFORM_PACKAGE: npm_version(prefix, PLATFORM_PACKAGE)}
            | installed_versions(python, ["mcp"]),
            env=env | {"HOME": "{TMP}/home-<run>"},
            recorder=Path(__file__).name,
            notes=[
                f"Cline CLI {version} run as `cline --json -P cline -m {MODEL} \"<prompt>\"`: Cline's own provider at "
                "the fake server, Cline's telemetry off, its Langfuse export at the capture server (as cline).",
                "The MCP server: get_weather(city) on the MCP SDK's MCPServer (FastMCP), in the run's "
                f"~/{MCP_SETTINGS_PATH} (mcp_settings in the manifest, timeout {MCP_TIMEOUT} s: the CLI's default, "
                "3 s, is less than the server takes to start here, and the CLI then skips it), started by the CLI "
                "over stdio with the venv's python; it sends no telemetry.",
                f"ok: call 1 asks for {tool} with {{\"city\": \"Paris\"}} (the name the CLI offers the server's tool "
                "under), the CLI calls the server's get_weather, call 2 answers with text.",
                "error: every model call gets HTTP 400 with an OpenAI error body.",
                "What it sends: as cline, per model call a trace of its own, invoke_agent > step 1 > chat; no tool "
                "span: the tool call is in call 1's gen_ai.output.messages, its result in call 2's "
                "gen_ai.input.messages.",
                "Not flushed at exit (as cline): this recording is one where no span was lost.",
            ],
            extra={"settings": SETTINGS, "mcp_settings": mcp_settings("python", "{TMP}/weather_server.py")},
        )


def main() -> None:
    mcp_recorder_main(NAME, "cline", PACKAGE, VERSION, "cline", record)


if __name__ == "__main__":
    main()
