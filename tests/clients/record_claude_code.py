"""Record the telemetry the real Claude Code CLI sends, run headless against the fake LLM.

Run: ``python tests/clients/record_claude_code.py [--only json|protobuf|traces|run]``
(installs the pinned npm package itself; needs node and npm; the ``run``
variant imports the project, so run it with the project's virtualenv Python).

Writes four fixture directories, each with one tool-calling run (``ok``: the
model asks for the Bash tool, the CLI runs ``echo``, the second call answers)
and one run whose only model call gets HTTP 400 (``error``):

* ``claude-code-json/``     logs + metrics, ``OTEL_EXPORTER_OTLP_PROTOCOL=http/json``
* ``claude-code-protobuf/`` logs + metrics, ``http/protobuf``
* ``claude-code-traces/``   the enhanced telemetry beta
  (``CLAUDE_CODE_ENHANCED_TELEMETRY_BETA=1``, ``OTEL_TRACES_EXPORTER=otlp``):
  spans as well as logs and metrics, ``http/protobuf``
* ``claude-code-run/``      the environment ``agenttrace-tui run --traces-beta``
  gives the CLI (``commands.agent_env``: its OTel and Claude groups, each run
  with its own run session id pinned on the resource), so the recording holds
  what the CLI really sends when the monitor starts it

Everything runs in a loopback-only network namespace when the machine allows
it (see ``cli_support.isolate_network``), with a fresh HOME and
CLAUDE_CONFIG_DIR per run and non-essential traffic switched off.
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlsplit

from cli_support import npm_recorder_main, run_with_summary
from recording import FAKE_KEY, Recording

PACKAGE = "@anthropic-ai/claude-code"
VERSION = "2.1.337"
PROMPT = "Run the shell command `echo hi` with the Bash tool and tell me what it printed."

# name -> (protocol, traces on)
VARIANTS = {
    "json": ("http/json", False),
    "protobuf": ("http/protobuf", False),
    "traces": ("http/protobuf", True),
    "run": ("http/protobuf", True),  # the environment of ``agenttrace-tui run --traces-beta``
}


def run_env(otlp_url: str, label: str) -> dict[str, str]:
    """What ``agenttrace-tui run --traces-beta -- claude`` sets, with this run's session id."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
    from agenttrace_tui.commands.agent_env import claude_env, otel_env

    port = urlsplit(otlp_url).port
    assert port is not None
    return otel_env(port, session_id=f"run-claude-{label}") | claude_env(traces_beta=True)


def telemetry_env(otlp_url: str, protocol: str, traces: bool) -> dict[str, str]:
    """The documented telemetry switches, every signal pointed at the capture server."""
    env = {
        "CLAUDE_CODE_ENABLE_TELEMETRY": "1",
        "OTEL_LOGS_EXPORTER": "otlp",
        "OTEL_METRICS_EXPORTER": "otlp",
        "OTEL_EXPORTER_OTLP_PROTOCOL": protocol,
        "OTEL_EXPORTER_OTLP_ENDPOINT": otlp_url,
        # Short intervals so a 2-second run exports while running, not only at exit.
        "OTEL_LOGS_EXPORT_INTERVAL": "500",
        "OTEL_METRIC_EXPORT_INTERVAL": "1000",
        "OTEL_LOG_USER_PROMPTS": "1",
    }
    if traces:
        env |= {
            "CLAUDE_CODE_ENHANCED_TELEMETRY_BETA": "1",
            "OTEL_TRACES_EXPORTER": "otlp",
            "OTEL_TRACES_EXPORT_INTERVAL": "500",
        }
    return env


def record_variant(name: str, claude: Path, version: str | None) -> Path:
    protocol, traces = VARIANTS[name]
    with Recording(f"claude-code-{name}") as rec:
        base_env = telemetry_env(rec.cap.url, protocol, traces) | {
            "ANTHROPIC_BASE_URL": rec.llm.url,
            "ANTHROPIC_API_KEY": FAKE_KEY,
            # No update checks, error reports, feature-flag or metrics uploads to the vendor.
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "DISABLE_AUTOUPDATER": "1",
        }
        cli_results: dict[str, object] = {}
        run_sessions: dict[str, str] = {}  # run label -> the session ``run`` pinned (the run variant)
        argv = [str(claude), "-p", PROMPT, "--allowedTools", "Bash", "--output-format", "json"]
        for label, mode in (("ok", "ok"), ("error", "error")):
            # Recording.run gives each run HOME=<tmp>/home-<label>; the config dir goes inside it.
            env = base_env | {"CLAUDE_CONFIG_DIR": str(rec.tmp / f"home-{label}" / ".claude")}
            if name == "run":
                env |= run_env(rec.cap.url, label)
                run_sessions[label] = f"run-claude-{label}"
            _, cli_results[label] = run_with_summary(rec, label, argv, env, mode=mode, quiet=1.5, timeout=180)
        notes = [
            f"Claude Code {version} run as `claude -p ... --allowedTools Bash --output-format json`.",
            "ok: call 1 answers with a Bash tool_use (echo), the CLI runs it, call 2 answers with text.",
            "error: the only model call gets HTTP 400 with an Anthropic error body (400 is not retried).",
            "cli_results holds the CLI's own --output-format json summary per run (its usage and cost totals).",
            "Attribute user.id in the exports is a hash the CLI derives and stores in CLAUDE_CONFIG_DIR; "
            "it differs per run because each run has a fresh config dir.",
        ]
        if not traces:
            notes.append("Traces are off: without the enhanced telemetry beta the CLI exports only logs and metrics.")
        if name == "run":
            notes.append("The environment `agenttrace-tui run --traces-beta` sets on top (commands.agent_env), "
                         "each run's session id pinned on the resource as agenttrace.session.id (variant.run_sessions).")
        return rec.save(
            packages={PACKAGE: version},
            env=base_env | (run_env(rec.cap.url, "<run>") if name == "run" else {})
            | {"CLAUDE_CONFIG_DIR": "{TMP}/home-<run>/.claude", "HOME": "{TMP}/home-<run>"},
            recorder=Path(__file__).name,
            notes=notes,
            extra={"cli_results": cli_results,
                   "variant": {"protocol": protocol, "traces": traces, "run_sessions": run_sessions}},
        )


def main() -> None:
    npm_recorder_main("claude-code", PACKAGE, VERSION, "claude", sorted(VARIANTS), record_variant)


if __name__ == "__main__":
    main()
