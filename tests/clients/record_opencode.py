"""Record the telemetry the real OpenCode CLI sends, run headless against the fake LLM.

Run: ``.venv/bin/python tests/clients/record_opencode.py [--only opencode|opencode-run]``
(installs the pinned npm package itself; needs npm; imports the project for
the ``run`` variant's environment, so run it with the project's virtualenv).

OpenCode (``opencode run "<prompt>"``) exports its runtime's spans (Effect's
tracing: every service call, SQL statement and HTTP request) to
``OTEL_EXPORTER_OTLP_ENDPOINT`` by itself; its model calls' tokens come only
from the AI SDK's telemetry (``ai.*`` spans), which its configuration's
``experimental.openTelemetry`` turns on. Two fixture directories, each with
one tool-calling run (``ok``: the model asks for the ``bash`` tool, OpenCode
runs ``echo``, the second call answers; OpenCode also asks its small model
for the session's title) and one run whose model calls get HTTP 400:

* ``opencode/``: the configuration file sets the flag, the OTLP endpoint is
  set by hand;
* ``opencode-run/``: the configuration file does not; the environment
  ``agenttrace-tui run`` gives the command (``commands.agent_env``: its otel
  group and ``OPENCODE_CONFIG_CONTENT`` with the flag) does, each run with its
  own run session id pinned on the resource.

The configuration points the ``openai`` provider at the fake server (the
Responses API, as OpenCode calls OpenAI models), lets the ``bash`` tool run
unasked, and turns sharing, updates and the models catalog fetch off.
Everything runs in a loopback-only network namespace when the machine allows it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from urllib.parse import urlsplit

from cli_support import foreign_addresses, npm_recorder_main, traced, turns
from recording import FAKE_KEY, Recording

PACKAGE = "opencode-ai"
VERSION = "1.18.33"
MODEL = "openai/gpt-4o-mini"
PROMPT = "Run the shell command `echo hi` with your bash tool and tell me what it printed."
VARIANTS = ("opencode", "opencode-run")


def config(base_url: str, telemetry: bool) -> dict:
    cfg: dict = {
        "provider": {"openai": {"options": {"baseURL": base_url, "apiKey": FAKE_KEY}}},
        "model": MODEL,
        "autoupdate": False,
        "share": "disabled",
        "permission": {"bash": "allow", "edit": "allow"},
    }
    if telemetry:
        cfg["experimental"] = {"openTelemetry": True}
    return cfg


def run_env(otlp_url: str, label: str) -> dict[str, str]:
    """What ``agenttrace-tui run -- opencode`` sets, with this run's session id."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
    from agenttrace_tui.commands.agent_env import opencode_env, otel_env

    port = urlsplit(otlp_url).port
    assert port is not None
    return otel_env(port, session_id=f"run-opencode-{label}") | opencode_env({})


def record(name: str, opencode: Path, version: str | None) -> Path:
    with Recording(name) as rec:
        base_env = {
            "OPENCODE_DISABLE_AUTOUPDATE": "1",
            "OPENCODE_DISABLE_MODELS_FETCH": "1",
            "OPENCODE_DISABLE_LSP_DOWNLOAD": "1",
            "OPENCODE_DISABLE_SHARE": "1",
        }
        if name == "opencode":
            # OpenCode does not flush its spans at exit: a batch delay shorter than its 5 s default
            # (what docs/clients.md says to set) gets a short run's last calls out before it ends.
            base_env |= {"OTEL_EXPORTER_OTLP_ENDPOINT": rec.cap.url, "OTEL_BSP_SCHEDULE_DELAY": "200"}
        variant = name == "opencode-run"
        pinned = (lambda label: run_env(rec.cap.url, label)) if variant else None
        cfg = json.dumps(config(rec.llm.openai_base_url, telemetry=not variant))
        for label, mode, env in turns(rec, ".config/opencode/opencode.json", cfg, base_env, pinned):
            netlog = rec.tmp / f"strace-{label}.log"
            run = rec.run(label, traced([str(opencode), "run", PROMPT], netlog), env, mode=mode, quiet=2.0,
                          timeout=180)
            run["argv"] = ["opencode", "run", PROMPT]
            run["network_attempts_off_loopback"] = foreign_addresses(netlog) if netlog.exists() else None
        notes = [
            f"OpenCode {version} run as `opencode run \"<prompt>\"` with {MODEL} (the Responses API).",
            "ok: OpenCode asks its small model for the session's title (a text answer), call 2 answers with a bash "
            "function_call (echo), OpenCode runs it, call 3 answers with text.",
            "error: every model call gets HTTP 400 with an OpenAI error body.",
            "The configuration file (settings.json-like opencode.json in the run's HOME) is `config` below.",
        ]
        if name == "opencode-run":
            notes.append("The environment `agenttrace-tui run` sets on top (commands.agent_env: its otel group and "
                         "OPENCODE_CONFIG_CONTENT with experimental.openTelemetry), each run's session id pinned "
                         "on the resource as agenttrace.session.id (variant.run_sessions).")
        return rec.save(
            packages={PACKAGE: version},
            env=base_env | (run_env(rec.cap.url, "<run>") if name == "opencode-run" else {})
            | {"HOME": "{TMP}/home-<run>"},
            recorder=Path(__file__).name,
            notes=notes,
            extra={"config": config("{FAKELLM_URL}/v1", telemetry=name == "opencode"),
                   "variant": {"run_sessions": {label: f"run-opencode-{label}" for label in ("ok", "error")} if variant else {}}},
            gzip_files=True,  # hundreds of runtime spans a run
        )


def main() -> None:
    npm_recorder_main("opencode", PACKAGE, VERSION, "opencode", VARIANTS, record)


if __name__ == "__main__":
    main()
