"""Record the telemetry Factory's Droid CLI sends, run headless against the fake LLM.

Run: ``python3 tests/clients/record_droid.py`` (installs the pinned npm package
itself; needs npm).

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

One fixture directory, ``droid/``: one tool-calling run (``ok``: the model asks
for its ``Execute`` tool, Droid runs ``echo``, the second call answers) and one
run whose model call gets HTTP 400 (``error``). Everything runs in a
loopback-only network namespace when the machine allows it; Droid still tries
Factory's API (feature flags) and its own metrics collector, which fail there
(listed per run).
"""

from __future__ import annotations

import json
from pathlib import Path

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


def settings(base_url: str) -> dict:
    return {"customModels": [{"model": MODEL, "displayName": MODEL, "baseUrl": base_url, "apiKey": FAKE_KEY,
                              "provider": "generic-chat-completion-api", "maxOutputTokens": 4096}]}


def record(droid: Path, version: str | None) -> Path:
    with Recording("droid") as rec:
        env = {
            "OTEL_TELEMETRY_ENDPOINT": rec.cap.url,
            "OTEL_TELEMETRY_FORMAT": "genai",
            "OTEL_LOG_MESSAGE_CONTENT": "true",
        }
        content = json.dumps(settings(rec.llm.openai_base_url))
        argv = [str(droid), "exec", "--auto", "low", "-m", MODEL_ID, PROMPT]
        for label, mode, run_env in turns(rec, ".factory/settings.json", content, env):
            netlog = rec.tmp / f"strace-{label}.log"
            run = rec.run(label, traced(argv, netlog), run_env, mode=mode, quiet=2.0, timeout=180)
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
        return rec.save(
            packages={PACKAGE: version},
            env=env | {"HOME": "{TMP}/home-<run>"},
            recorder=Path(__file__).name,
            notes=notes,
            extra={"settings": settings("{FAKELLM_URL}/v1"), "usage_not_reported": not_reported},
        )


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Record Droid telemetry into fixtures/droid/")
    parser.add_argument("--install-only", action="store_true", help="only install the pinned CLI")
    args = parser.parse_args()
    prefix = ensure_npm("droid", [f"{PACKAGE}@{VERSION}"])
    exe = prefix / "node_modules" / PACKAGE / "bin" / "droid"
    installed = npm_version(prefix, PACKAGE)
    if args.install_only:
        print(f"[droid] installed {installed}: {exe}")
        return
    isolate_network()
    record(exe, installed)


if __name__ == "__main__":
    main()
