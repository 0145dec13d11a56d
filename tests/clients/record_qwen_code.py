"""Record the telemetry the real Qwen Code CLI sends, run headless against the fake LLM.

Run: ``.venv/bin/python tests/clients/record_qwen_code.py [--only qwen-code|qwen-code-run]``
(installs the pinned npm package itself; needs node and npm; the ``run``
variant imports the project).

Writes ``fixtures/qwen-code/`` and ``fixtures/qwen-code-run/`` (the environment
``agenttrace-tui run`` gives the CLI: ``commands.agent_env``'s OTel and Qwen
groups, each run with its own run session id pinned on the resource), each with
one tool-calling run (``ok``: the model asks
for the shell tool, the CLI runs ``echo``, the second call answers) and one
run whose model calls get HTTP 400 (``error``). The CLI talks to the fake
server as an OpenAI-compatible provider (``--auth-type openai``,
``OPENAI_BASE_URL``, ``OPENAI_API_KEY``, ``OPENAI_MODEL``; streamed chat
completions) and exports its traces, logs and metrics over OTLP/HTTP with the
documented ``QWEN_TELEMETRY_*`` switches; usage statistics to the vendor and
update checks are off in its settings file.

Everything runs in a loopback-only network namespace when the machine allows
it (see ``cli_support.isolate_network``), with a fresh HOME per run.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from urllib.parse import urlsplit

from cli_support import npm_recorder_main, run_with_summary, telemetry_switches, turns
from recording import FAKE_KEY, Recording

PACKAGE = "@qwen-code/qwen-code"
VERSION = "0.24.4"
MODEL = "gpt-4o-mini"
PROMPT = "Run the shell command `echo hi` with your shell tool and tell me what it printed."
VARIANTS = ("qwen-code", "qwen-code-run")
SETTINGS = {
    "security": {"auth": {"selectedType": "openai"}},
    # No usage statistics to the vendor, no update checks.
    "privacy": {"usageStatisticsEnabled": False},
    "general": {"disableAutoUpdate": True},
}



def run_env(otlp_url: str, label: str) -> dict[str, str]:
    """What ``agenttrace-tui run -- qwen`` sets, with this run's session id."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
    from agenttrace_tui.commands.agent_env import gemini_env, otel_env

    port = urlsplit(otlp_url).port
    assert port is not None
    return otel_env(port, session_id=f"run-qwen-{label}") | gemini_env(port, "QWEN")


def record(name: str, qwen: Path, version: str | None) -> Path:
    with Recording(name) as rec:
        env = telemetry_switches("QWEN", rec.cap.url) | {
            "OPENAI_BASE_URL": rec.llm.openai_base_url,
            "OPENAI_API_KEY": FAKE_KEY,
            "OPENAI_MODEL": MODEL,
            "QWEN_CODE_SUPPRESS_YOLO_WARNING": "1",
        }
        cli_results: dict[str, object] = {}
        variant = name == "qwen-code-run"
        argv = [str(qwen), "-p", PROMPT, "--yolo", "--auth-type", "openai", "--output-format", "json"]
        pinned = (lambda label: run_env(rec.cap.url, label)) if variant else None
        for label, mode, with_run in turns(rec, ".qwen/settings.json", json.dumps(SETTINGS), env, pinned):
            _, cli_results[label] = run_with_summary(rec, label, argv, with_run, mode=mode, quiet=2.0, timeout=240)
        notes = [
            f"Qwen Code {version} run as `qwen -p ... --yolo --auth-type openai --output-format json` "
            f"with {MODEL} (streamed chat completions).",
            "ok: call 1 answers with a run_shell_command tool call (echo), the CLI runs it, call 2 answers with text.",
            "error: every model call gets HTTP 400 with an OpenAI error body.",
            "cli_results holds the CLI's own --output-format json output per run.",
        ]
        if name == "qwen-code-run":
            notes.append("The environment `agenttrace-tui run` sets on top (commands.agent_env: its otel and qwen "
                         "groups), each run's session id pinned on the resource as agenttrace.session.id "
                         "(variant.run_sessions).")
        return rec.save(
            packages={PACKAGE: version},
            env=env | (run_env(rec.cap.url, "<run>") if name == "qwen-code-run" else {}) | {"HOME": "{TMP}/home-<run>"},
            recorder=Path(__file__).name,
            notes=notes,
            extra={"cli_results": cli_results, "settings": SETTINGS, "variant": {"run_sessions": {label: f"run-qwen-{label}" for label in ("ok", "error")} if variant else {}}},
            gzip_files=True,
        )


def main() -> None:
    npm_recorder_main("qwen-code", PACKAGE, VERSION, "qwen", VARIANTS, record)


if __name__ == "__main__":
    main()
