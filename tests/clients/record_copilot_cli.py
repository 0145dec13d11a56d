"""Record the telemetry the real GitHub Copilot CLI sends, run headless against the fake LLM.

Run: ``.venv/bin/python tests/clients/record_copilot_cli.py [--only copilot-cli|copilot-cli-run|copilot-cli-anthropic]``
(installs the pinned npm package itself, whose platform package ships the CLI
as one native executable; needs npm; the ``run`` variant imports the project).

Writes ``fixtures/copilot-cli/``, ``fixtures/copilot-cli-run/`` (the
environment ``agenttrace-tui run`` gives the CLI: ``commands.agent_env``'s OTel
and Copilot groups, each run with its own run session id pinned on the
resource) and ``fixtures/copilot-cli-anthropic/`` (its Anthropic provider type:
Anthropic messages, with cache reads and writes), each with one tool-calling
run (``ok``: the model asks for the ``bash`` tool, the CLI runs ``echo``, the
second call answers) and one run whose model calls get HTTP 400 (``error``).

No GitHub login: the CLI talks to the fake server as its own model provider
("bring your own key": ``COPILOT_PROVIDER_BASE_URL``, ``COPILOT_PROVIDER_API_KEY``,
``COPILOT_MODEL``; streamed chat completions, or streamed Anthropic messages
with ``COPILOT_PROVIDER_TYPE=anthropic``), with ``COPILOT_OFFLINE=true``
(no GitHub authentication, vendor telemetry or update check) and automatic
updates off. Setting ``OTEL_EXPORTER_OTLP_ENDPOINT`` turns its OpenTelemetry
on (traces and metrics; OTLP/HTTP, JSON by default, protobuf in the ``run``
variant); ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`` adds the
prompts, answers and tool arguments.

Everything runs in a loopback-only network namespace when the machine allows
it (see ``cli_support.isolate_network``), with a fresh HOME per run.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from urllib.parse import urlsplit

from cli_support import foreign_addresses, npm_recorder_main, traced, turns
from recording import FAKE_KEY, Recording

PACKAGE = "@github/copilot"
VERSION = "1.0.102"
MODEL = "gpt-4o-mini"
ANTHROPIC_MODEL = "claude-sonnet-4-5"
PROMPT = "Run the shell command `echo hi` with your shell tool and tell me what it printed."
VARIANTS = ("copilot-cli", "copilot-cli-run", "copilot-cli-anthropic")


def run_env(otlp_url: str, label: str) -> dict[str, str]:
    """What ``agenttrace-tui run -- copilot`` sets, with this run's session id."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
    from agenttrace_tui.commands.agent_env import copilot_env, otel_env

    port = urlsplit(otlp_url).port
    assert port is not None
    return otel_env(port, session_id=f"run-copilot-{label}") | copilot_env()


def summary(stdout: Path, usage_file: Path) -> dict:
    """The CLI's own account of a run: the ``result`` line of its JSONL output and the
    usage file it writes at exit (``--usage-output-file``)."""
    out: dict = {}
    try:
        lines = [json.loads(line) for line in stdout.read_text().splitlines() if line.strip().startswith("{")]
        out["result"] = next((e for e in reversed(lines) if e.get("type") == "result"), None)
        out["event_types"] = sorted({e.get("type") for e in lines if e.get("type")})
    except (OSError, ValueError):
        pass
    try:
        out["usage_file"] = json.loads(usage_file.read_text())
    except (OSError, ValueError):
        out["usage_file"] = None
    return out


def record(name: str, copilot: Path, version: str | None) -> Path:
    anthropic = name == "copilot-cli-anthropic"
    model = ANTHROPIC_MODEL if anthropic else MODEL
    with Recording(name) as rec:
        provider = ({"COPILOT_PROVIDER_TYPE": "anthropic", "COPILOT_PROVIDER_BASE_URL": rec.llm.url} if anthropic
                    else {"COPILOT_PROVIDER_BASE_URL": rec.llm.openai_base_url})
        base_env = provider | {
            "COPILOT_PROVIDER_API_KEY": FAKE_KEY,
            "COPILOT_MODEL": model,
            "COPILOT_OFFLINE": "true",
            "COPILOT_AUTO_UPDATE": "false",
        }
        variant = name == "copilot-cli-run"
        if not variant:
            # Its documented switches: the endpoint turns OTel on (its default protocol, http/json).
            base_env |= {"OTEL_EXPORTER_OTLP_ENDPOINT": rec.cap.url,
                         "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "true"}
        pinned = (lambda label: run_env(rec.cap.url, label)) if variant else None
        cli_results: dict[str, object] = {}
        argv_shown: list[str] = []
        # No settings file: the environment carries everything (an empty config keeps HOME fresh).
        for label, mode, env in turns(rec, ".copilot/config.json", "{}", base_env, pinned):
            netlog = rec.tmp / f"strace-{label}.log"
            stdout = rec.tmp / f"stdout-{label}.jsonl"
            usage_file = rec.tmp / f"usage-{label}.json"
            argv = [str(copilot), "-p", PROMPT, "--allow-all-tools", "--no-auto-update", "--output-format", "json",
                    "--usage-output-file", str(usage_file)]
            keep_stdout = ["sh", "-c", 'exec "$@" > "$0"', str(stdout)]
            run = rec.run(label, traced([*keep_stdout, *argv], netlog), env, mode=mode, quiet=2.0, timeout=240)
            argv_shown = ["copilot", *argv[1:-1], "{TMP}/usage-<run>.json"]
            run["argv"] = argv_shown
            run["network_attempts_off_loopback"] = foreign_addresses(netlog) if netlog.exists() else None
            run["stdout_tail"] = "(see cli_results)"
            cli_results[label] = summary(stdout, usage_file)
        notes = [
            f"GitHub Copilot CLI {version} run as `copilot -p ... --allow-all-tools --output-format json` with "
            f"{model} from its own provider (BYOK: COPILOT_PROVIDER_BASE_URL; "
            + ("COPILOT_PROVIDER_TYPE=anthropic: streamed Anthropic messages" if anthropic else "streamed chat completions")
            + "), offline "
            "(COPILOT_OFFLINE=true: no GitHub login, no vendor telemetry).",
            "ok: call 1 answers with a bash tool call (echo), the CLI runs it, call 2 answers with text.",
            f"error: every model call gets HTTP 400 with {'an Anthropic' if anthropic else 'an OpenAI'} error body.",
            "cli_results holds the `result` line of the CLI's JSONL output and its --usage-output-file per run.",
        ]
        if variant:
            notes.append("The environment `agenttrace-tui run` sets on top (commands.agent_env: its otel and copilot "
                         "groups), each run's session id pinned on the resource as agenttrace.session.id "
                         "(variant.run_sessions).")
        return rec.save(
            packages={PACKAGE: version},
            env=base_env | (run_env(rec.cap.url, "<run>") if variant else {}) | {"HOME": "{TMP}/home-<run>"},
            recorder=Path(__file__).name,
            notes=notes,
            extra={"cli_results": cli_results,
                   "variant": {"run_sessions": {label: f"run-copilot-{label}" for label in ("ok", "error")}
                               if variant else {}}},
            gzip_files=True,  # its system prompt and tool definitions repeat on every model call span
        )


def main() -> None:
    npm_recorder_main("copilot-cli", PACKAGE, VERSION, "copilot", VARIANTS, record)


if __name__ == "__main__":
    main()
