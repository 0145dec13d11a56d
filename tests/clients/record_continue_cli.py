"""Record the telemetry the real Continue CLI (``cn``) sends, run headless against the fake LLM.

Run: ``.venv/bin/python tests/clients/record_continue_cli.py [--only continue-cli|continue-cli-run]``
(installs the pinned npm package itself; needs node and npm; the ``run``
variant imports the project).

The Continue CLI exports OpenTelemetry metrics, and only metrics, once
``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`` or
``OTEL_METRICS_EXPORTER``) is set: counters named after Claude Code's
(``continue_cli_token_usage`` by ``type`` and ``model``,
``continue_cli_cost_usage``, ``continue_cli_session_count`` ...) from one
``MeterProvider`` (service ``continue-cli``), OTLP/HTTP JSON, flushed at exit.
``OTEL_METRICS_EXPORTER=otlp`` is needed too: its default exporter is the
console. Its API request, tool result and user prompt events are written to
its own log file only (no OTLP logs or spans in this version).

Two fixture directories, ``continue-cli/`` (the variables set by hand) and
``continue-cli-run/`` (the environment ``agenttrace-tui run`` gives the
command instead: ``commands.run.child_env``, whose Claude Code group's
``OTEL_METRICS_EXPORTER=otlp`` turns its export on, each run with its own run
session id in ``OTEL_RESOURCE_ATTRIBUTES``, which it does not read), each with
one run that reads a file
(``ok``: the model asks for the ``Read`` tool on ``notes.txt``, the CLI reads
it, the second call answers) and one run whose model call gets HTTP 400
(``error``). The CLI runs as ``cn -p "<prompt>" --config <file> --auto``
with a configuration file in the run's HOME naming one ``openai`` model whose
``apiBase`` is the fake server (streamed chat completions); it is never logged
in to Continue's hub. Everything runs in a loopback-only network namespace
when the machine allows it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlsplit

from cli_support import foreign_addresses, npm_recorder_main, traced, turns
from recording import FAKE_KEY, Recording

PACKAGE = "@continuedev/cli"
VERSION = "1.5.47"
MODEL = "gpt-4o-mini"
FILE = "notes.txt"
FILE_TEXT = "The meeting moved to Thursday at 10:00.\n"
PROMPT = f"Read the file {FILE} with your Read tool and tell me what it says."
VARIANTS = ("continue-cli", "continue-cli-run")
CONFIG_PATH = ".continue/config.yaml"
#: Why no model call of a run is in its telemetry as a call (the manifest's usage_not_reported).
NO_MODEL_CALLS = ("the Continue CLI exports metrics alone: each call's tokens and cost are added into its "
                  "continue_cli_token_usage and continue_cli_cost_usage counters (by token type and model, no "
                  "session), never sent as a call")
#: Why the refused call leaves no error in its telemetry (the manifest's error_not_reported).
ERROR_NOT_REPORTED = ("its api_request event (success false, the error) goes to its own log file only; no metric "
                      "counts failed requests")
#: The model asks for Continue's own file reading tool on the file the run's working dir holds.
TOOL_ANSWERS = {"Read": [{"filepath": FILE}]}


def config(base_url: str) -> str:
    return "\n".join([
        "name: fakellm",
        "version: 0.0.1",
        "schema: v1",
        "models:",
        f"  - name: {MODEL}",
        "    provider: openai",
        f"    model: {MODEL}",
        f"    apiBase: {base_url}",
        f"    apiKey: {FAKE_KEY}",
        "    roles: [chat]",
        "",
    ])


def run_env(otlp_url: str, label: str) -> dict[str, str]:
    """What ``agenttrace-tui run -- cn`` sets (every group ``run`` adds), with this run's session id."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
    from agenttrace_tui.commands.run import child_env

    port = urlsplit(otlp_url).port
    assert port is not None
    return child_env({}, ["cn"], f"run-cn-{label}", otlp_port=port, udp_port=None, tcp_port=None,
                     traces_beta=False, name="cn", codex_home=None)


def record(name: str, cn: Path, version: str | None) -> Path:
    with Recording(name, tool_answers=TOOL_ANSWERS) as rec:
        variant = name == "continue-cli-run"
        env = {"FORCE_NO_TTY": "1"} if variant else {
            "OTEL_EXPORTER_OTLP_ENDPOINT": rec.cap.url,
            "OTEL_METRICS_EXPORTER": "otlp",
            "OTEL_METRIC_EXPORT_INTERVAL": "1000",
            "FORCE_NO_TTY": "1",
        }
        pinned = (lambda label: run_env(rec.cap.url, label)) if variant else None
        for label, mode, run_env_ in turns(rec, CONFIG_PATH, config(rec.llm.openai_base_url), env, pinned):
            (rec.tmp / label).mkdir(parents=True, exist_ok=True)
            (rec.tmp / label / FILE).write_text(FILE_TEXT)
            cfg = str(rec.tmp / f"home-{label}" / CONFIG_PATH)
            argv = [str(cn), "-p", PROMPT, "--config", cfg, "--auto"]
            netlog = rec.tmp / f"strace-{label}.log"
            run = rec.run(label, traced(argv, netlog), run_env_, mode=mode, quiet=2.0, timeout=180)
            run["argv"] = ["cn", "-p", PROMPT, "--config", f"~/{CONFIG_PATH}", "--auto"]
            run["network_attempts_off_loopback"] = foreign_addresses(netlog) if netlog.exists() else None
            if mode == "error":
                run["error_not_reported"] = ERROR_NOT_REPORTED
        not_reported = {str(c["seq"]): NO_MODEL_CALLS for r in rec.runs for c in r["fake_calls"]
                        if c["status"] == 200 and c.get("usage")}
        notes = [
            f"Continue CLI {version} run as `cn -p \"<prompt>\" --config ~/{CONFIG_PATH} --auto` with {MODEL} "
            "(streamed chat completions, stream_options.include_usage).",
            f"ok: call 1 answers with a Read tool call ({FILE} in the run's working dir), the CLI reads it, call 2 "
            "answers with text quoting it.",
            "error: the model call gets HTTP 400 with an OpenAI error body; the CLI prints it as JSON on stderr and "
            "exits 1. " + ERROR_NOT_REPORTED + ".",
            "What it sends: OTLP/HTTP JSON metrics only, service.name and scope continue-cli, every "
            "OTEL_METRIC_EXPORT_INTERVAL (1 s here) and twice at exit (its exit handler flushes, then shuts the "
            "provider down: the same cumulative points again): "
            "continue_cli_session_count (is_headless), continue_cli_token_usage (type input/output, model), "
            "continue_cli_cost_usage (its own price, USD), continue_cli_active_time_total, continue_cli_startup_time "
            "and continue_cli_response_time histograms. The refused run sends the session, active time and startup "
            "metrics only.",
            "Its input count is prompt_tokens (cache reads in); it reads cache reads from "
            "prompt_tokens_details.cache_read_tokens, which OpenAI does not send (cached_tokens): no cacheRead "
            "series, and its cost prices every input token at the input rate.",
            "No label or resource attribute names the run or the process: two runs add into the same series.",
            "The run variant: the environment `agenttrace-tui run` sets (commands.run.child_env, every group; "
            "its Claude Code group's OTEL_METRICS_EXPORTER=otlp turns the export on), each run's session id in "
            "OTEL_RESOURCE_ATTRIBUTES (variant.run_sessions), which it does not read: its resource is its own "
            "five attributes, the same as without run." if variant else "The OTLP variables set by hand.",
            "One DNS lookup per run fails at connect (network unreachable in the namespace): no query left, "
            "so its name is not known.",
        ]
        return rec.save(
            packages={PACKAGE: version},
            env=env | (run_env(rec.cap.url, "<run>") if variant else {}) | {"HOME": "{TMP}/home-<run>"},
            recorder=Path(__file__).name,
            notes=notes,
            extra={"config": config("{FAKELLM_URL}/v1"), "file": {FILE: FILE_TEXT},
                   "usage_not_reported": not_reported,
                   "variant": {"run_sessions": {label: f"run-cn-{label}" for label in ("ok", "error")} if variant else {}}},
        )


def main() -> None:
    npm_recorder_main("continue-cli", PACKAGE, VERSION, "cn", VARIANTS, record)


if __name__ == "__main__":
    main()
