"""Record OpenInference's Codex instrumentation following a real ``codex exec`` turn.

Run: ``python tests/clients/record_codex_openinference.py [--only codex_openinference|codex_openinference_native]``
(installs the pinned Python package in its own venv and the pinned Codex CLI
from npm; needs node and npm).

``openinference-instrumentation-codex`` does not wrap an SDK: it ships two
programs that run beside Codex and turn what Codex already writes into
OpenInference ``codex.turn`` traces:

* ``codex-jsonl-forwarder`` follows the session files Codex keeps
  (``$CODEX_HOME/sessions/**/*.jsonl``) and exports one trace per turn over
  OTLP/HTTP protobuf, set up by the standard ``OTEL_TRACES_EXPORTER`` /
  ``OTEL_EXPORTER_OTLP_*`` variables;
* ``codex-otlp-interceptor`` receives Codex's own OTLP logs and traces and
  exports only its projection of them to its ``[sink]`` (it passes nothing of
  Codex's own telemetry on, so it cannot be combined with it).

Each run starts the program (the package's console script: the forwarder with
``--poll-interval 0.2`` and its state file in the run's temp dir, or the
interceptor with its ``--config``), runs ``codex exec`` (the CLI and config of
``record_codex.py``: the fake LLM's Responses API, ``exec_command`` running
``echo``), waits for the turn to be exported, then stops the program with
SIGTERM (it flushes what is left and shuts its provider down).

Variants:

* ``codex_openinference``: Codex's own telemetry off (no ``[otel]`` section):
  the forwarder's spans alone;
* ``codex_openinference_native``: Codex's own telemetry on as well (the
  ``codex`` fixture's ``[otel]`` section, protobuf), both to the same
  collector: what a user with both switched on sends;
* ``codex_openinference_interceptor``: Codex's own logs and traces to the
  interceptor (no metrics: it takes none), its projection to the collector.

Bodies are stored gzip-compressed (Codex's own exports are large).
Everything runs in a loopback-only network namespace when the machine allows
it (``cli_support.isolate_network``).
"""

from __future__ import annotations

import argparse
import json
import socket
from pathlib import Path

from cli_support import ensure_npm, foreign_addresses, isolate_network, node_version, npm_version, traced
from record_codex import CONFIG, KEY_ENV, MODEL, PROMPT
from record_codex import PACKAGE as CODEX_PACKAGE
from record_codex import VERSION as CODEX_VERSION
from recording import FAKE_KEY, Recording, ensure_venv, installed_versions

NAME = "codex_openinference"
PACKAGES = ["openinference-instrumentation-codex[otlp]==0.5.2"]
VERSIONS = ["openinference-instrumentation-codex", "openinference-semantic-conventions", "opentelemetry-sdk",
            "opentelemetry-exporter-otlp-proto-http"]
# name -> (the package's program run beside Codex, Codex's own telemetry on)
VARIANTS = {"codex_openinference": ("forwarder", False), "codex_openinference_native": ("forwarder", True),
            "codex_openinference_interceptor": ("interceptor", True)}
INTERCEPTOR_CONFIG = """\
# Written by record_codex_openinference.py for one recorded run.
[sink]
endpoint = "{otlp}/v1/traces"

[server]
host = "127.0.0.1"
port = {port}
completion_flush_delay_seconds = 0.5
"""

# The run: the package's program beside `codex exec`, stopped once the turn is exported.
DRIVER = r'''
import os, signal, subprocess, sys, time, urllib.request
from pathlib import Path

tmp = Path(os.environ["RECORD_TMP"])
bin_dir = Path(sys.executable).parent
if os.environ["RECORD_PROGRAM"] == "forwarder":
    forwarder = subprocess.Popen([
        str(bin_dir / "codex-jsonl-forwarder"),
        "--codex-home", os.environ["CODEX_HOME"],
        "--state-path", str(tmp / "forwarder-state.json"),
        "--poll-interval", "0.2",
    ])
    time.sleep(1.0)  # the forwarder's start-up backfill of an empty sessions folder
else:
    forwarder = subprocess.Popen([str(bin_dir / "codex-otlp-interceptor"), "--config", os.environ["INTERCEPTOR_CONFIG"]])
    for _ in range(100):  # until it listens (/healthz: no request to the sink, as /readyz would make)
        try:
            urllib.request.urlopen(os.environ["INTERCEPTOR_URL"] + "/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
events = open(tmp / "events.jsonl", "w")
codex = subprocess.run([os.environ["CODEX_BIN"], "exec", "--skip-git-repo-check", "--json", os.environ["PROMPT"]],
                       stdin=subprocess.DEVNULL, stdout=events)
events.close()
time.sleep(3.0)  # a few polls (the interceptor: its completion flush delay): the finished turn is exported
forwarder.send_signal(signal.SIGTERM)
print(os.environ["RECORD_PROGRAM"], "exit", forwarder.wait(timeout=30), flush=True)
sys.exit(codex.returncode)
'''


def _config(rec: Recording, own_telemetry: bool, otlp: str) -> str:
    """Codex's config.toml: the ``codex`` recording's, its ``[otel]`` section to ``otlp`` or none."""
    config = CONFIG.format(model=MODEL, base_url=rec.llm.openai_base_url, key_env=KEY_ENV, otlp=otlp,
                           protocol="binary").replace("{retries}", "")
    if not own_telemetry:
        config = config[: config.index("[otel]")].rstrip() + "\n"
    return config


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def record_variant(name: str, python: Path, codex: Path, codex_version: str | None) -> None:
    program, own_telemetry = VARIANTS[name]
    with Recording(name) as rec:
        interceptor = ""
        if program == "forwarder":
            config = _config(rec, own_telemetry, rec.cap.url)
            forwarder_env = {
                "OTEL_TRACES_EXPORTER": "otlp",
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": f"{rec.cap.url}/v1/traces",
                "OTEL_SERVICE_NAME": "codex-openinference-recording",
            }
        else:
            # Codex's logs and traces to the interceptor (it takes no metrics), its projection to the collector.
            port = _free_port()
            config = _config(rec, own_telemetry, f"http://127.0.0.1:{port}")
            config = config.replace(config[config.index("metrics_exporter"):].splitlines()[0] + "\n", "")
            interceptor = INTERCEPTOR_CONFIG.format(otlp=rec.cap.url, port=port)
            (rec.tmp / "interceptor.toml").write_text(interceptor)
            forwarder_env = {"INTERCEPTOR_CONFIG": str(rec.tmp / "interceptor.toml"),
                             "INTERCEPTOR_URL": f"http://127.0.0.1:{port}"}
        events: dict[str, list | None] = {}
        session_records: dict[str, list[str]] = {}
        for label in ("ok", "error"):
            run_tmp = rec.tmp / f"run-{label}"
            codex_home = rec.tmp / f"home-{label}" / ".codex"
            codex_home.mkdir(parents=True, exist_ok=True)
            run_tmp.mkdir(parents=True, exist_ok=True)
            (codex_home / "config.toml").write_text(config)
            env = {"CODEX_HOME": str(codex_home), KEY_ENV: FAKE_KEY, "RUST_LOG": "warn", "CODEX_BIN": str(codex),
                   "PROMPT": PROMPT, "RECORD_TMP": str(run_tmp), "RECORD_PROGRAM": program, **forwarder_env}
            netlog = rec.tmp / f"strace-{label}.log"
            script = rec.tmp / f"driver_{label}.py"
            script.write_text(DRIVER)
            run = rec.run(label, traced([str(python), str(script)], netlog), env, mode=label, quiet=1.5,
                          timeout=180)
            run["argv"] = ["codex", "exec", "--skip-git-repo-check", "--json", PROMPT]
            run["network_attempts_off_loopback"] = foreign_addresses(netlog) if netlog.exists() else None
            if label == "error":
                lost = ("codex exec exits 1 right after the 400 without shutting its OTel providers down: "
                        "what a periodic export had not sent yet (the error among it) is lost")
                run["error_not_reported"] = (
                    f"the interceptor gets only what Codex sent: {lost}" if program == "interceptor" else
                    "Codex's session file records the failed turn as task_complete with no error record, so the "
                    "forwarder exports it as a completed turn (status OK); "
                    + (f"Codex's own telemetry loses it too: {lost}" if own_telemetry else "Codex's own telemetry is off")
                )
            try:
                lines = (run_tmp / "events.jsonl").read_text().splitlines()
                events[label] = [json.loads(line) for line in lines if line.strip()]
            except (OSError, ValueError):
                events[label] = None
            session_records[label] = _session_records(codex_home)
        notes = [
            "openinference-instrumentation-codex's codex-jsonl-forwarder (its console script, --poll-interval 0.2) "
            "follows $CODEX_HOME/sessions/**/*.jsonl while `codex exec --skip-git-repo-check --json <prompt>` "
            f"(Codex {codex_version}, npm) runs, then gets SIGTERM (flush, provider shutdown).",
            "The forwarder exports one trace per turn over OTLP/HTTP protobuf (SimpleSpanProcessor) with the "
            "standard OTEL_TRACES_EXPORTER / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / OTEL_SERVICE_NAME variables; "
            "inputs, outputs and tool outputs are captured by default in the forwarder.",
        ] if program == "forwarder" else [
            "openinference-instrumentation-codex's codex-otlp-interceptor (its console script, --config "
            "interceptor_toml) receives Codex's own OTLP logs and traces (Codex's [otel] exporter and "
            "trace_exporter at it, protobuf; no metrics exporter: it takes none) while "
            f"`codex exec --skip-git-repo-check --json <prompt>` (Codex {codex_version}, npm) runs, then gets "
            "SIGTERM (every pending turn flushed, provider shut down).",
            "It exports only its projection of each turn to its [sink] endpoint (OTLP/HTTP protobuf): a codex.turn "
            "span with the turn's summed usage (Codex's codex.turn.token_usage.*), each call's codex.sse_event as "
            "a span event on it, each tool call a span; Codex's own telemetry is not passed on.",
        ]
        notes += [
            "ok: call 1 answers with a function_call of exec_command (echo), Codex runs it, call 2 answers.",
            "error: the model call gets HTTP 400 (not retried); Codex exits 1.",
            "config_toml is the whole $CODEX_HOME/config.toml; cli_events is Codex's --json event stream per run; "
            "session_records lists the records of the session file Codex wrote (type/payload type).",
        ]
        if program == "forwarder" and own_telemetry:
            notes.append("Codex's own telemetry is on as well (the codex fixture's [otel] section, protobuf): "
                         "logs, traces and metrics from Codex and the forwarder's traces reach the same collector.")
        elif program == "forwarder":
            notes.append("Codex's own telemetry is off (no [otel] section): only the forwarder's spans are sent.")
        rec.save(
            packages={**installed_versions(python, VERSIONS), CODEX_PACKAGE: codex_version, "node": node_version()},
            env={"CODEX_HOME": "{TMP}/home-<run>/.codex", KEY_ENV: FAKE_KEY, "RUST_LOG": "warn",
                 "HOME": "{TMP}/home-<run>", **rec.scrub(forwarder_env)},
            recorder=Path(__file__).name,
            notes=notes,
            gzip_files=True,
            extra={"config_toml": rec.scrub(config), "cli_events": events, "session_records": session_records,
                   "variant": {"program": program, "codex_own_telemetry": own_telemetry},
                   **({"interceptor_toml": rec.scrub(interceptor)} if interceptor else {})},
        )


def _session_records(codex_home: Path) -> list[str]:
    """The records of the run's session file(s) the forwarder reads, as ``type/payload type``."""
    out = []
    for path in sorted((codex_home / "sessions").rglob("*.jsonl")):
        for line in path.read_text().splitlines():
            record = json.loads(line) if line.strip() else {}
            payload = record.get("payload") if isinstance(record.get("payload"), dict) else {}
            out.append(f"{record.get('type')}/{payload.get('type', '')}".rstrip("/"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="Record OpenInference's Codex forwarder into fixtures/")
    parser.add_argument("--only", choices=list(VARIANTS), action="append", help="record only these variants")
    parser.add_argument("--install-only", action="store_true", help="only install the pinned packages")
    args = parser.parse_args()
    python = ensure_venv(NAME, PACKAGES)
    prefix = ensure_npm("codex", [f"{CODEX_PACKAGE}@{CODEX_VERSION}"])
    codex = prefix / "node_modules" / ".bin" / "codex"
    if args.install_only:
        print(f"[{NAME}] venv ready: {python}; codex: {codex}")
        return
    isolate_network()
    for name in args.only or list(VARIANTS):
        record_variant(name, python, codex, npm_version(prefix, CODEX_PACKAGE))


if __name__ == "__main__":
    main()
