"""Record the telemetry Factory's Droid CLI sends, run headless against the fake LLM.

Run: ``.venv/bin/python tests/clients/record_droid.py [--only droid|droid-run]``
(installs the pinned npm package itself; needs npm; the ``run`` variant imports
the project).

Droid (``droid exec "<prompt>"``) runs without a Factory login on a model of
your own ("bring your own key": a ``customModels`` entry in
``~/.factory/settings.json`` with its ``baseUrl``, ``apiKey`` and ``provider``;
here ``generic-chat-completion-api``, streamed Chat Completions, picked as
``-m custom:gpt-4o-mini-0``). Its OpenTelemetry export to your own collector is
set by environment, as Factory's telemetry pages document it:
``OTEL_TELEMETRY_ENDPOINT`` (OTLP/HTTP, JSON), ``OTEL_TELEMETRY_FORMAT=genai``
(GenAI spans ``invoke_agent droid``, ``chat <model>``, ``execute_tool <tool>``
and ``gen_ai.*`` metrics; the default, ``legacy``, sends ``droid.*`` metrics
alone) and ``OTEL_LOG_MESSAGE_CONTENT=true`` (the prompt and answers on the
spans). Its spans carry no token count: Droid writes the usage on them only
when Factory's ``sensitive_customer_otel`` feature flag is on, a flag it reads
from Factory's server for a logged-in organisation and keeps off otherwise (and
even then on the ``invoke_agent`` span alone, the turn's sum).

The npm package ``@factory/cli`` holds a Node.js installer whose platform
packages are published under other versions than its own (0.225.1's
``@factory/cli-linux-x64`` does not exist; its postinstall then downloads the
binary from Factory's bucket), so the recorder pins the platform package that
holds the Linux x64 executable itself.

Two fixture directories, ``droid/`` (the variables above) and ``droid-run/``
(the environment ``agenttrace-tui run`` gives the CLI: ``commands.agent_env``'s
OTel and Droid groups, each run with its own run session id pinned on the
resource), each with one tool-calling run (``ok``: the model asks for its
``Execute`` tool, Droid runs ``echo``, the second call answers) and one run
whose model call gets HTTP 400 (``error``). Everything runs in a
loopback-only network namespace when the machine allows it; Droid still tries
Factory's API (feature flags) and its own metrics collector, which fail there
(listed per run).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from urllib.parse import urlsplit

from cli_support import ensure_npm, foreign_addresses, isolate_network, npm_version, traced, turns
from recording import FAKE_KEY, Recording

PACKAGE = "@factory/cli-linux-x64"
VERSION = "0.225.2"
MODEL = "gpt-4o-mini"
#: The id Droid gives the first custom model of the settings file (its display name, its index).
MODEL_ID = f"custom:{MODEL}-0"
PROMPT = "Run the shell command `echo hi` with your Execute tool and tell me what it printed."
#: Why a served call's usage is in no span (the manifest's usage_not_reported).
NO_USAGE = ("Droid writes token counts on its spans only when Factory's sensitive_customer_otel feature flag is on "
            "(read from Factory's server for a logged-in organisation, off without a login): its chat spans carry "
            "no usage")


VARIANTS = ("droid", "droid-run")


def run_env(otlp_url: str, label: str) -> dict[str, str]:
    """What ``agenttrace-tui run -- droid`` sets, with this run's session id."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
    from agenttrace_tui.commands.agent_env import droid_env, otel_env

    port = urlsplit(otlp_url).port
    assert port is not None
    return otel_env(port, session_id=f"run-droid-{label}") | droid_env(port)


def settings(base_url: str) -> dict:
    return {"customModels": [{"model": MODEL, "displayName": MODEL, "baseUrl": base_url, "apiKey": FAKE_KEY,
                              "provider": "generic-chat-completion-api", "maxOutputTokens": 4096}]}


def record(name: str, droid: Path, version: str | None) -> Path:
    variant = name == "droid-run"
    with Recording(name) as rec:
        # Factory's documented switches; the run variant has what `agenttrace-tui run` sets instead.
        env = {} if variant else {
            "OTEL_TELEMETRY_ENDPOINT": rec.cap.url,
            "OTEL_TELEMETRY_FORMAT": "genai",
            "OTEL_LOG_MESSAGE_CONTENT": "true",
        }
        pinned = (lambda label: run_env(rec.cap.url, label)) if variant else None
        content = json.dumps(settings(rec.llm.openai_base_url))
        argv = [str(droid), "exec", "--auto", "low", "-m", MODEL_ID, PROMPT]
        for label, mode, child in turns(rec, ".factory/settings.json", content, env, pinned):
            netlog = rec.tmp / f"strace-{label}.log"
            run = rec.run(label, traced(argv, netlog), child, mode=mode, quiet=2.0, timeout=180)
            run["argv"] = ["droid", *argv[1:]]
            run["network_attempts_off_loopback"] = foreign_addresses(netlog) if netlog.exists() else None
        not_reported = {str(c["seq"]): NO_USAGE for r in rec.runs for c in r["fake_calls"]
                        if c["status"] == 200 and c.get("usage")}
        notes = [
            f"Droid {version} run as `droid exec --auto low -m {MODEL_ID} \"<prompt>\"` with {MODEL} as a custom "
            "model (generic-chat-completion-api: streamed chat completions with include_usage), no Factory login.",
            "ok: call 1 answers with an Execute tool call (echo), Droid runs it, call 2 answers with text.",
            "error: the model call gets HTTP 400 with an OpenAI error body.",
            "What it sends (OTEL_TELEMETRY_FORMAT=genai): one trace a turn, `invoke_agent droid` (the prompt as "
            "gen_ai.input.messages, session.id and gen_ai.conversation.id the session's id) over a `chat "
            f"{MODEL_ID}` span per model call (the custom model's id, not the model; server.address Factory's API "
            "host, not the base URL called; the answer's text, no usage) and an `execute_tool Execute` span (call id, "
            "arguments, result); gen_ai.* duration metrics. " + NO_USAGE + ".",
            "The settings file (~/.factory/settings.json in the run's HOME) is `settings` below.",
        ]
        if variant:
            notes.append("The environment `agenttrace-tui run` sets (commands.agent_env: its otel and droid groups), "
                         "each run's session id pinned on the resource as agenttrace.session.id "
                         "(variant.run_sessions).")
        return rec.save(
            packages={PACKAGE: version},
            env=env | (run_env(rec.cap.url, "<run>") if variant else {}) | {"HOME": "{TMP}/home-<run>"},
            recorder=Path(__file__).name,
            notes=notes,
            extra={"settings": settings("{FAKELLM_URL}/v1"), "usage_not_reported": not_reported,
                   "variant": {"run_sessions": {label: f"run-droid-{label}" for label in ("ok", "error")}
                               if variant else {}}},
        )


def main() -> None:
    # Not cli_support.npm_recorder_main: the platform package has no command in node_modules/.bin.
    parser = argparse.ArgumentParser(description="Record Droid telemetry into fixtures/")
    parser.add_argument("--only", choices=list(VARIANTS), action="append", help="record only these variants")
    parser.add_argument("--install-only", action="store_true", help="only install the pinned CLI")
    args = parser.parse_args()
    prefix = ensure_npm("droid", [f"{PACKAGE}@{VERSION}"])
    exe = prefix / "node_modules" / PACKAGE / "bin" / "droid"
    installed = npm_version(prefix, PACKAGE)
    if args.install_only:
        print(f"[droid] installed {installed}: {exe}")
        return
    isolate_network()
    for name in args.only or list(VARIANTS):
        record(name, exe, installed)


if __name__ == "__main__":
    main()
