"""Record the telemetry the real Gemini CLI sends, run headless against the fake LLM.

Run: ``python tests/clients/record_gemini_cli.py [--only gemini-cli|gemini-cli-run]``
(installs the pinned npm package itself; needs node and npm; the ``run``
variant imports the project, so run it with the project's virtualenv Python).

Writes ``fixtures/gemini-cli/`` and ``fixtures/gemini-cli-run/`` (the
environment ``agenttrace-tui run`` gives the CLI: ``commands.agent_env``'s
OTel and Gemini groups, each run with its own run session id pinned on the
resource), each with one tool-calling run (``ok``: the model asks
for the shell tool, the CLI runs ``echo``, the second call answers) and one
run whose model calls get HTTP 400 (``error``). The CLI is pointed at the
fake server with ``GOOGLE_GEMINI_BASE_URL`` and an API key, and exports its
traces, logs and metrics over OTLP/HTTP (protobuf) with the documented
``GEMINI_TELEMETRY_*`` switches; usage statistics to the vendor are off in
its settings file.

Everything runs in a loopback-only network namespace when the machine allows
it (see ``cli_support.isolate_network``), with a fresh HOME per run.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from urllib.parse import urlsplit

from cli_support import npm_recorder_main, run_with_summary, telemetry_switches, turns
from fakellm import THINKING_USAGE
from recording import FAKE_KEY, Recording

PACKAGE = "@google/gemini-cli"
VERSION = "0.61.0"
PROMPT = "Run the shell command `echo hi` with your shell tool and tell me what it printed."


VARIANTS = ("gemini-cli", "gemini-cli-run")


def run_env(otlp_url: str, label: str) -> dict[str, str]:
    """What ``agenttrace-tui run -- gemini`` sets, with this run's session id."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
    from agenttrace_tui.commands.agent_env import gemini_env, otel_env

    port = urlsplit(otlp_url).port
    assert port is not None
    return otel_env(port, session_id=f"run-gemini-{label}") | gemini_env(port)


SETTINGS = {
    # No usage statistics to the vendor, no update checks.
    "privacy": {"usageStatisticsEnabled": False},
    "general": {"disableAutoUpdate": True, "disableUpdateNag": True},
    "security": {"auth": {"selectedType": "gemini-api-key"}},
}


def record(name: str, gemini: Path, version: str | None) -> Path:
    # Thinking tokens in each answer's output: the CLI's spans leave them out, and bill them as output.
    with Recording(name, usage=THINKING_USAGE) as rec:
        base_env = telemetry_switches("GEMINI", rec.cap.url, traces=True) | {
            "GOOGLE_GEMINI_BASE_URL": rec.llm.url,
            "GEMINI_API_KEY": FAKE_KEY,
            "NO_BROWSER": "1",
            "GEMINI_CLI_TRUST_WORKSPACE": "true",  # headless in a fresh directory: trusted, as its docs say
        }
        cli_results: dict[str, object] = {}
        variant = name == "gemini-cli-run"
        # No --model: the CLI's defaults, as most people run it (a router call picks the model).
        argv = [str(gemini), "-p", PROMPT, "--yolo", "--output-format", "json"]
        pinned = (lambda label: run_env(rec.cap.url, label)) if variant else None
        for label, mode, env in turns(rec, ".gemini/settings.json", json.dumps(SETTINGS), base_env, pinned):
            run, cli_results[label] = run_with_summary(rec, label, argv, env, mode=mode, quiet=2.0, timeout=240)
            if mode == "error" and not run["requests"]:
                run["error_not_reported"] = (
                    "gemini exits (code 144) right after the 400 without shutting its OTel providers down: "
                    "nothing of the failing turn was exported"
                )
        notes = [
            f"Gemini CLI {version} run as `gemini -p ... --yolo --output-format json` with its default models: "
            "a router call (role utility_router, a JSON answer) picks the model of the turn's calls (role main).",
            "ok: call 1 answers with a functionCall of the shell tool (echo), the CLI runs it, call 2 answers with text.",
            "error: every model call gets HTTP 400 with a Gemini error body.",
            "Each answer's output includes thinking tokens (usage.reasoning: thoughtsTokenCount on the wire), "
            "which the CLI's llm_call spans leave out of gen_ai.usage.output_tokens; its gemini_cli.api_response "
            "events count them, and the cached tokens the spans do not report either.",
            "Calls that ask for JSON (generationConfig.responseMimeType) are the CLI's side questions; "
            "the fake LLM answers them with JSON made from their schema (kind json).",
            "cli_results holds the CLI's own --output-format json summary per run (its token stats).",
        ]
        if name == "gemini-cli-run":
            notes.append("The environment `agenttrace-tui run` sets on top (commands.agent_env: its otel and gemini "
                         "groups), each run's session id pinned on the resource as agenttrace.session.id "
                         "(variant.run_sessions).")
        return rec.save(
            packages={PACKAGE: version},
            env=base_env | (run_env(rec.cap.url, "<run>") if name == "gemini-cli-run" else {})
            | {"HOME": "{TMP}/home-<run>"},
            recorder=Path(__file__).name,
            notes=notes,
            extra={"cli_results": cli_results, "settings": SETTINGS, "variant": {"run_sessions": {label: f"run-gemini-{label}" for label in ("ok", "error")} if variant else {}}},
            gzip_files=True,  # its prompts (system instructions, tool definitions) repeat in every export
        )


def main() -> None:
    npm_recorder_main("gemini-cli", PACKAGE, VERSION, "gemini", VARIANTS, record)


if __name__ == "__main__":
    main()
