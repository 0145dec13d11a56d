"""Record what the real Codex CLI sends for a turn that calls a tool on an MCP server.

Run: ``python tests/clients/record_codex_mcp.py`` (installs the same pinned npm package as
``record_codex.py`` and a venv with the MCP SDK for the server; needs node and npm).

The server: one tool, ``get_weather(city)``, on the MCP SDK's high-level server (FastMCP, named
``MCPServer`` since mcp 2.0), a script in the recording's temp dir that Codex starts over stdio
from its ``config.toml``'s ``[mcp_servers.weather]``. Everything else as the ``codex`` recording:
the fake Responses API as a custom model provider, ``[otel]`` sending logs, traces and metrics
(``protocol = "binary"``) to the capture server, bodies stored gzip-compressed.

Two runs:

* ``ok``: Codex offers the server's tools only through its own ``tool_search`` (it runs the search
  itself): call 1 searches for ``get_weather`` (the fake LLM's ``search_for``), Codex loads the
  ``mcp__weather`` namespace, call 2 calls ``get_weather`` in it, Codex calls the server's tool,
  call 3 answers;
* ``error``: the model call gets HTTP 400: ``codex exec`` exits 1 without shutting its OTel
  providers down, as in the ``codex`` recording's ``error`` run.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from cli_support import MCP_WEATHER_SERVER, foreign_addresses, mcp_recorder_main, traced
from record_codex import CONFIG, KEY_ENV, MODEL, PACKAGE, VERSION, _node_version
from recording import FAKE_KEY, Recording, installed_versions

NAME = "codex-mcp"
PROMPT = "What is the weather in Paris? Use the get_weather tool."
RUNS = (("ok", "ok"), ("error", "error"))
TOOL = "mcp__weather__get_weather"  # get_weather in Codex's mcp__weather namespace, as the fake logs it

# required: Codex waits for the server to start before the turn (else its tool search may run
# before the server listed its tools, and find nothing).
MCP_SERVER = """
[mcp_servers.weather]
command = "{python}"
args = ["{server}"]
required = true
"""


def asked_tools(calls: list[dict]) -> list[str]:
    """The tools the model asked for, in order (the tool search, then the MCP tool by the name the fake
    logs a namespaced call under)."""
    return [c["tool_name"] for c in calls if c.get("kind") == "tool_call"]


def record(codex: Path, version: str | None, python: Path) -> Path:
    # AGENTTRACE_RECORD_LOG_BODIES=1 keeps each request's body in fakellm_log (to read what Codex offers).
    with Recording(NAME, log_bodies=os.environ.get("AGENTTRACE_RECORD_LOG_BODIES") == "1", search_for="get_weather") as rec:
        server = rec.tmp / "weather_server.py"
        server.write_text(MCP_WEATHER_SERVER)
        config = CONFIG.format(model=MODEL, base_url=rec.llm.openai_base_url, key_env=KEY_ENV, otlp=rec.cap.url,
                               protocol="binary").replace("{retries}", "")
        config += MCP_SERVER.format(python=python, server=server)
        argv = [str(codex), "exec", "--skip-git-repo-check", "--json", PROMPT]
        events: dict[str, list | None] = {}
        runs: dict[str, dict] = {}
        for label, mode in RUNS:
            codex_home = rec.tmp / f"home-{label}" / ".codex"
            codex_home.mkdir(parents=True, exist_ok=True)
            (codex_home / "config.toml").write_text(config)
            env = {"CODEX_HOME": str(codex_home), KEY_ENV: FAKE_KEY, "RUST_LOG": "warn"}
            netlog = rec.tmp / f"strace-{label}.log"
            result = rec.tmp / f"events-{label}.jsonl"
            keep_stdout = ["sh", "-c", 'exec "$@" > "$0"', str(result)]
            run = rec.run(label, traced([*keep_stdout, *argv], netlog), env, mode=mode, quiet=1.5, timeout=180,
                          stdin="")
            run["argv"] = ["codex", *argv[1:]]
            if label == "error":
                run["error_not_reported"] = (
                    "codex exec exits 1 right after the 400 without shutting its OTel providers down; "
                    "telemetry not yet sent by a periodic export (the error events among it) is lost"
                )
            run["network_attempts_off_loopback"] = foreign_addresses(netlog) if netlog.exists() else None
            try:
                events[label] = [json.loads(line) for line in result.read_text().splitlines() if line.strip()]
                run["stdout_tail"] = "(see cli_events)"
            except (OSError, ValueError):
                events[label] = None
            runs[label] = run
        asked = asked_tools(runs["ok"]["fake_calls"])
        if asked != ["tool_search", TOOL]:
            raise SystemExit(f"[{NAME}] the ok run asked for {asked}, not a search then {TOOL}: not saved")
        shown = config.replace(str(python), "python").replace(str(rec.tmp), "{TMP}")
        return rec.save(
            packages={PACKAGE: version, "node": _node_version()} | installed_versions(python, ["mcp"]),
            env={"CODEX_HOME": "{TMP}/home-<run>/.codex", KEY_ENV: FAKE_KEY, "RUST_LOG": "warn",
                 "HOME": "{TMP}/home-<run>"},
            recorder=Path(__file__).name,
            notes=[
                f"Codex {version} run as `codex exec --skip-git-repo-check --json <prompt>` via the npm launcher, "
                "with the codex recording's config.toml (protocol = \"binary\") and an [mcp_servers.weather] "
                "entry (config_toml in the manifest).",
                "The MCP server: get_weather(city) on the MCP SDK's MCPServer (FastMCP), started by Codex over "
                "stdio with the venv's python; it sends no telemetry.",
                "ok: Codex offers MCP tools only through its tool_search (execution: client), so call 1 answers "
                "with a tool_search_call for get_weather; Codex sends back the mcp__weather namespace it found, call 2 "
                f"calls get_weather in it ({TOOL} in fakellm_log), Codex calls the server's get_weather, call 3 "
                "answers with text. Calls 1 and 2 report the same usage.",
                "required = true: Codex waits for the server before the turn (without it, the search once ran "
                "before the server had listed its tools and found nothing).",
                "error: the model call gets HTTP 400 with an OpenAI error body (not retried); Codex exits 1 "
                "without shutting its OTel providers down (as in the codex recording).",
                "cli_events is the --json event stream per run (its turn.completed carries the CLI's usage totals).",
                "Bodies are stored gzip-compressed; the size of each as received is in files[].bytes.",
            ],
            gzip_files=True,
            extra={"config_toml": shown, "cli_events": events, "variant": {"protocol": "binary"}},
        )


def main() -> None:
    mcp_recorder_main(NAME, "codex", PACKAGE, VERSION, "codex", record)


if __name__ == "__main__":
    main()
