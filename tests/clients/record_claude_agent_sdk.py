"""Record an agent built with the Claude Agent SDK for Python, started as ``agenttrace-tui run -- python agent.py``.

Run: ``.venv/bin/python tests/clients/record_claude_agent_sdk.py`` (the project's
virtualenv Python: it imports the project for ``run``'s environment).

The SDK (``claude-agent-sdk`` on PyPI) drives the Claude Code CLI: its wheel
bundles the native ``claude`` binary (``claude_agent_sdk/_bundled/claude``,
version in ``_cli_version.py``), which it prefers to any ``claude`` on PATH, and
starts it with its own environment plus ``CLAUDE_CODE_ENTRYPOINT=sdk-py``. So
what is recorded is that bundled CLI's own telemetry, switched on by what
``agenttrace-tui run`` sets for the Python process (``commands.run.child_env``:
the OTel and Claude Code groups, the run's session id pinned on the resource);
the SDK sends no telemetry of its own (with ``opentelemetry-api`` installed it
only hands the active trace context to the CLI).

The agent: ``query()`` with one custom tool, ``get_weather(city)``, served by
the SDK's in-process MCP server (``@tool`` + ``create_sdk_mcp_server``), the
CLI's built-in tools off (``tools=[]``: the fake LLM asks for a tool it knows,
``Bash``, when one is offered) and the MCP tool allowed without a prompt.

Two runs, each a fresh HOME and CLAUDE_CONFIG_DIR and its own run session id:
``ok`` (call 1 asks for ``mcp__weather__get_weather``, the SDK runs it in the
Python process, call 2 answers) and ``error`` (the fake LLM answers HTTP 400).
Everything runs in a loopback-only network namespace when the machine allows
it (``cli_support.isolate_network``); the script runs under ``strace`` to list
any address it tried off loopback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from cli_support import foreign_addresses, isolated_recorder_main, traced
from recording import FAKE_KEY, Recording, ensure_venv, installed_versions

NAME = "claude-agent-sdk"
PACKAGES = ["claude-agent-sdk==0.2.190"]
SESSION = "run-python-{label}"  # the run session id of each run (as `run` makes one: run-<command>-<hex>)

AGENT = '''
import json
from collections.abc import Callable
import sys
from collections.abc import Callable

import anyio
from claude_agent_sdk import ClaudeAgentOptions, ResultMessage, create_sdk_mcp_server, query, tool


@tool("get_weather", "Get the current weather for a city.", {"city": str})
async def get_weather(args):
    return {"content": [{"type": "text", "text": f"The weather in {args['city']} is sunny, 21 C."}]}


weather = create_sdk_mcp_server(name="weather", version="1.0.0", tools=[get_weather])
options = ClaudeAgentOptions(
    mcp_servers={"weather": weather},
    tools=[],  # no built-in tools: the weather tool alone
    allowed_tools=["mcp__weather__get_weather"],
    max_turns=4,
)


async def main():
    code = 0
    async for message in query(prompt="What is the weather in Paris? Use the get_weather tool.", options=options):
        if isinstance(message, ResultMessage):
            print("FINAL:", message.result)
            print("RESULT_JSON:", json.dumps({
                "subtype": message.subtype, "is_error": message.is_error, "num_turns": message.num_turns,
                "session_id": message.session_id, "total_cost_usd": message.total_cost_usd,
                "usage": message.usage, "model_usage": getattr(message, "model_usage", None),
            }, default=str))
            code = 3 if message.is_error else 0
    return code


try:
    sys.exit(anyio.run(main))
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    sys.exit(3)
'''


def run_env(otlp_url: str, label: str, command: tuple[str, ...] = ("python", "agent.py"),
            session: str = SESSION, traces_beta: bool = False) -> dict[str, str]:
    """What ``agenttrace-tui run [--traces-beta] -- <command>`` gives the command (``commands.run.child_env``),
    with this run's session id; no native receiver (the agent does not use the project's SDK)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
    from agenttrace_tui.commands.run import child_env

    port = urlsplit(otlp_url).port
    assert port is not None
    return child_env({}, list(command), session.format(label=label), otlp_port=port, udp_port=None,
                     tcp_port=None, traces_beta=traces_beta, name=command[0], codex_home=None)


def result_of(stdout: str) -> dict | None:
    for line in stdout.splitlines():
        if line.startswith("RESULT_JSON: "):
            return json.loads(line.removeprefix("RESULT_JSON: "))
    return None


def record(python: Path, name: str = NAME, prelude: str = "", packages: tuple[str, ...] = ("claude-agent-sdk", "mcp"),
           notes: Callable[[dict[str, str], str], list[str]] | None = None, traces_beta: bool = False) -> Path:
    """The agent's two runs as ``run`` starts it, recorded as fixture ``name``; ``prelude`` runs
    before the agent (an instrumentation), ``notes`` words what differs from this recording;
    ``traces_beta``: started as ``run --traces-beta`` starts it (the CLI's spans too)."""
    with Recording(name) as rec:
        base_env = {
            "ANTHROPIC_BASE_URL": rec.llm.url,
            "ANTHROPIC_API_KEY": FAKE_KEY,
            # No update checks, error reports, feature-flag or metrics uploads to the vendor.
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "DISABLE_AUTOUPDATER": "1",
        }
        script = rec.tmp / "agent.py"
        script.write_text(prelude + AGENT)
        results: dict[str, object] = {}
        run_sessions: dict[str, str] = {}
        for label, mode in (("ok", "ok"), ("error", "error")):
            env = base_env | run_env(rec.cap.url, label, traces_beta=traces_beta) | {
                "CLAUDE_CONFIG_DIR": str(rec.tmp / f"home-{label}" / ".claude")}
            run_sessions[label] = SESSION.format(label=label)
            netlog = rec.tmp / f"strace-{label}.log"
            run = rec.run(label, traced([str(python), str(script)], netlog), env, mode=mode, quiet=1.5, timeout=240)
            run["argv"] = ["python", "agent.py"]
            run["network_attempts_off_loopback"] = foreign_addresses(netlog) if netlog.exists() else None
            results[label] = result_of(run["stdout_tail"])
        versions = installed_versions(python, list(packages))
        cli = json.loads(subprocess_out(python, "from claude_agent_sdk._cli_version import __cli_version__ as v; "
                                                "import json; print(json.dumps(v))"))
        return rec.save(
            packages=versions | {"claude (bundled CLI)": cli},
            env=base_env | run_env(rec.cap.url, "<run>", traces_beta=traces_beta)
            | {"CLAUDE_CONFIG_DIR": "{TMP}/home-<run>/.claude", "HOME": "{TMP}/home-<run>"},
            recorder=Path(sys.argv[0]).name,
            notes=(notes or _notes)(versions, cli),
            extra={"sdk_results": results, "variant": {"run_sessions": run_sessions, "traces": traces_beta}},
        )


def _notes(versions: dict[str, str], cli: str) -> list[str]:
    return [
        f"claude-agent-sdk {versions['claude-agent-sdk']} with the Claude Code CLI {cli} its wheel bundles "
        "(claude_agent_sdk/_bundled/claude), started by the SDK with CLAUDE_CODE_ENTRYPOINT=sdk-py.",
        "The agent: query() with get_weather served by the SDK's in-process MCP server "
        "(mcp__weather__get_weather), tools=[] (no built-in tools), allowed_tools=[the MCP tool].",
        "env: what `agenttrace-tui run -- python agent.py` sets (commands.run.child_env, no traces beta), "
        "each run's session id pinned on the resource as agenttrace.session.id (variant.run_sessions).",
        *RUN_NOTES,
    ]


#: What the two runs do and what ``sdk_results`` holds: the same in every recording of this agent.
RUN_NOTES = [
    "ok: call 1 asks for mcp__weather__get_weather, the SDK runs it in the Python process, call 2 answers.",
    "error: the fake LLM answers every model call with HTTP 400.",
    "sdk_results holds the SDK's ResultMessage per run (the CLI's usage and cost totals).",
]


def subprocess_out(python: Path, code: str) -> str:
    import subprocess

    return subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True).stdout


def main() -> None:
    isolated_recorder_main(NAME, PACKAGES, lambda python, _isolated: record(python), ensure=lambda _name, packages:
                           ensure_venv("claude_agent_sdk", packages))


if __name__ == "__main__":
    main()
