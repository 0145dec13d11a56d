"""Record the telemetry the real Codex CLI sends, run as ``codex exec`` against the fake LLM.

Run: ``python tests/clients/record_codex.py [--only codex|codex-json|codex-run]``
(installs the pinned npm package itself; needs node and npm; the ``codex-run``
variant imports the project, so run it with the project's virtualenv Python).

Writes ``fixtures/codex/`` (OTLP protobuf, ``protocol = "binary"``),
``fixtures/codex-json/`` (``protocol = "json"``) and ``fixtures/codex-run/``
(protobuf, with the OpenTelemetry environment ``agenttrace-tui run`` sets,
each run's session id pinned on the resource), each with one tool-calling
run (``ok``: the model asks for ``exec_command``, Codex runs ``echo``, the
second call answers), one run whose model call gets HTTP 400 (``error``) and
one whose calls get HTTP 500 and are retried (``error-retry``).
Codex exports hundreds of internal spans per turn, so the bodies are stored
gzip-compressed (``NNN-signal.ext.gz``; ``recording.read_body`` reads them).

Codex is configured only through ``$CODEX_HOME/config.toml`` (written fresh
per run): a custom model provider on the fake server's Responses API and an
``[otel]`` section sending logs, traces and metrics to the capture server.
Everything runs in a loopback-only network namespace when the machine allows
it (see ``cli_support.isolate_network``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from cli_support import foreign_addresses, npm_recorder_main, traced
from recording import FAKE_KEY, Recording

PACKAGE = "@openai/codex"
VERSION = "0.171.0"
MODEL = "gpt-5.5"  # a slug the CLI knows (unknown ones work but warn and use fallback metadata)
PROMPT = "Run the shell command `echo hi` and tell me what it printed."
VARIANTS = {"codex": "binary", "codex-json": "json", "codex-run": "binary"}
KEY_ENV = "FAKELLM_OPENAI_KEY"
_SHORT_BATCHES = {"OTEL_BLRP_SCHEDULE_DELAY": "200", "OTEL_BSP_SCHEDULE_DELAY": "200", "OTEL_METRIC_EXPORT_INTERVAL": "500"}
# label, fakellm mode, HTTP status of errors, provider retry settings, extra env
RUNS = (
    ("ok", "ok", 400, "", {}),
    ("error", "error", 400, "", {}),
    ("error-retry", "error", 500, "request_max_retries = 1\nstream_max_retries = 1\n", _SHORT_BATCHES),
)

CONFIG = """\
# Written by record_codex.py for one recorded run.
model = "{model}"
model_provider = "fakellm"
approval_policy = "never"
# The recorder already isolates the run (temp dirs, loopback-only network).
sandbox_mode = "danger-full-access"

[model_providers.fakellm]
name = "fakellm"
base_url = "{base_url}"
env_key = "{key_env}"
wire_api = "responses"
{{retries}}
# No usage analytics, plugin/app catalogues or update checks: they would try to
# reach the vendor or GitHub (plugin sync runs `git ls-remote` on start-up).
[analytics]
enabled = false

[features]
plugins = false
remote_plugin = false
apps = false
in_app_updates = false

[otel]
environment = "recording"
log_user_prompt = true
exporter = {{ otlp-http = {{ endpoint = "{otlp}/v1/logs", protocol = "{protocol}" }} }}
trace_exporter = {{ otlp-http = {{ endpoint = "{otlp}/v1/traces", protocol = "{protocol}" }} }}
metrics_exporter = {{ otlp-http = {{ endpoint = "{otlp}/v1/metrics", protocol = "{protocol}" }} }}
"""


def run_env(otlp_url: str, label: str) -> dict[str, str]:
    """The OpenTelemetry settings ``agenttrace-tui run -- codex`` sets, with this run's session id
    (Codex takes its exporters from config.toml; its resource follows OTEL_RESOURCE_ATTRIBUTES)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
    from agenttrace_tui.commands.agent_env import otel_env

    port = urlsplit(otlp_url).port
    assert port is not None
    return otel_env(port, session_id=f"run-codex-{label}")


def record_variant(name: str, codex: Path, version: str | None) -> Path:
    protocol = VARIANTS[name]
    with Recording(name) as rec:
        config = CONFIG.format(
            model=MODEL, base_url=rec.llm.openai_base_url, key_env=KEY_ENV, otlp=rec.cap.url, protocol=protocol
        )
        argv = [str(codex), "exec", "--skip-git-repo-check", "--json", PROMPT]
        events: dict[str, list | None] = {}
        configs: dict[str, str] = {}
        run_sessions: dict[str, str] = {}  # run label -> the session ``run`` pinned (codex-run)
        for label, mode, status, retries, otel_env in RUNS:
            codex_home = rec.tmp / f"home-{label}" / ".codex"
            codex_home.mkdir(parents=True, exist_ok=True)
            configs[label] = config.replace("{retries}", retries)
            (codex_home / "config.toml").write_text(configs[label])
            env = {"CODEX_HOME": str(codex_home), KEY_ENV: FAKE_KEY, "RUST_LOG": "warn", **otel_env}
            if name == "codex-run":
                env = run_env(rec.cap.url, label) | env
                run_sessions[label] = f"run-codex-{label}"
            netlog = rec.tmp / f"strace-{label}.log"
            result = rec.tmp / f"events-{label}.jsonl"
            keep_stdout = ["sh", "-c", 'exec "$@" > "$0"', str(result)]
            run = rec.run(
                label,
                traced([*keep_stdout, *argv], netlog),
                env,
                mode=mode,
                error_status=status,
                quiet=1.5,
                timeout=180,
                stdin="",
            )
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
        notes = [
            f"Codex {version} run as `codex exec --skip-git-repo-check --json <prompt>` via the npm launcher.",
            "ok: call 1 answers with a function_call of exec_command (echo), Codex runs it, "
            "call 2 answers with text.",
            "error: the model call gets HTTP 400 with an OpenAI error body (not retried). Codex exits 1 "
            "without shutting its OTel providers down: only what a periodic export had already sent "
            "arrives (often nothing, at most the start-up log events); no error event, span or metric.",
            "error-retry: HTTP 500, retried (request_max_retries = 1, stream_max_retries = 1: 4 calls), with "
            "OTEL_BLRP_SCHEDULE_DELAY/OTEL_BSP_SCHEDULE_DELAY=200 ms and OTEL_METRIC_EXPORT_INTERVAL=500 ms "
            "(the Rust OTel SDK reads them) so that the periodic exports during the back-off carry "
            "codex.api_request events with http.response.status_code=500; what comes after the last "
            "periodic export is lost as in 'error', so the exact set of files varies between recordings.",
            "config_toml is the whole $CODEX_HOME/config.toml of each run; cli_events is the --json event stream per run "
            "(its turn.completed carries the CLI's own usage totals).",
            "Codex also POSTs {base_url}/analytics/codex/turn-costs after a turn even with analytics disabled; "
            "the fake server answers 404 (api 'other' in fakellm_log).",
            "Bodies are stored gzip-compressed; the size of each as received is in files[].bytes.",
        ]
        if name == "codex-run":
            notes.append("The OpenTelemetry environment `agenttrace-tui run` sets on top (commands.agent_env.otel_env), "
                         "each run's session id pinned on the resource as agenttrace.session.id (variant.run_sessions).")
        return rec.save(
            packages={PACKAGE: version, "node": _node_version()},
            env=(run_env(rec.cap.url, "<run>") if name == "codex-run" else {})
            | {"CODEX_HOME": "{TMP}/home-<run>/.codex", KEY_ENV: FAKE_KEY, "RUST_LOG": "warn", "HOME": "{TMP}/home-<run>"},
            recorder=Path(__file__).name,
            notes=notes,
            gzip_files=True,
            extra={"config_toml": configs, "cli_events": events,
                   "variant": {"protocol": protocol, "run_sessions": run_sessions}},
        )


def _node_version() -> str | None:
    node = shutil.which("node")
    return subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip() if node else None


def main() -> None:
    npm_recorder_main("codex", PACKAGE, VERSION, "codex", sorted(VARIANTS), record_variant)


if __name__ == "__main__":
    main()
