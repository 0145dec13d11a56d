"""Record the telemetry the real Kilo Code CLI sends, run headless against the fake LLM.

Run: ``python3 tests/clients/record_kilo_code.py`` (installs the pinned npm
package itself; needs npm).

Kilo Code (``kilo run "<prompt>"``) is a fork of OpenCode and keeps its
runtime's OpenTelemetry export: with ``OTEL_EXPORTER_OTLP_ENDPOINT`` set it
sends the spans (Effect's tracing: every service call, SQL statement and HTTP
request) and log records of its runtime, under OpenCode's names (service and
scope ``opencode``, its own version, 7.x). Unlike OpenCode it sends nothing of
its model calls: it starts the AI SDK's ``streamText`` with
``experimental_telemetry: {isEnabled: false}`` written in, and its configuration's
``experimental.openTelemetry`` (OpenCode's switch for the AI SDK's spans) is its
opt-out of its own product analytics (PostHog, on by default), not an OTLP switch.

One fixture directory, ``kilo-code/``: one tool-calling run (``ok``: the model
asks for the ``bash`` tool, Kilo runs ``echo``, the second call answers) and
one run whose model call gets HTTP 400 (``error``: the failure is on the span of
Kilo's attempt at the step, ``SessionProcessor.incompleteAttempt``). The configuration file in
the run's HOME points the ``openai`` provider at the fake server (the Responses
API, as OpenCode calls OpenAI models) and lets ``bash`` run unasked; updates,
sharing, the models catalog fetch and its product analytics are off. Everything
runs in a loopback-only network namespace when the machine allows it.
"""

from __future__ import annotations

import json
from pathlib import Path

from cli_support import foreign_addresses, npm_recorder_main, traced, turns
from recording import FAKE_KEY, Recording

PACKAGE = "@kilocode/cli"
# The newest version whose Linux x64 binary package (@kilocode/cli-linux-x64, installed by the
# CLI's postinstall) is published beside it: 7.8.1's is not.
VERSION = "7.7.7"
MODEL = "openai/gpt-4o-mini"
PROMPT = "Run the shell command `echo hi` with your bash tool and tell me what it printed."
VARIANTS = ("kilo-code",)
#: Why no model call of a run is in its telemetry (the manifest's usage_not_reported).
NO_MODEL_CALLS = ("Kilo Code turns the AI SDK's telemetry off (experimental_telemetry isEnabled false, written in): "
                  "its OTLP export is its runtime's spans alone, no model call or usage among them")


def config(base_url: str) -> dict:
    return {
        "provider": {"openai": {"options": {"baseURL": base_url, "apiKey": FAKE_KEY}}},
        "model": MODEL,
        "autoupdate": False,
        "share": "disabled",
        "permission": {"bash": "allow", "edit": "allow"},
    }


def record(name: str, kilo: Path, version: str | None) -> Path:
    with Recording(name) as rec:
        env = {
            "KILO_DISABLE_AUTOUPDATE": "1",
            "KILO_DISABLE_MODELS_FETCH": "1",
            "KILO_DISABLE_LSP_DOWNLOAD": "1",
            "KILO_DISABLE_SHARE": "1",
            # Its product analytics (PostHog): anything but "all" turns them off.
            "KILO_TELEMETRY_LEVEL": "off",
            "OTEL_EXPORTER_OTLP_ENDPOINT": rec.cap.url,
            # It does not flush its spans at exit (as OpenCode): the delay docs/clients.md and `run` set.
            "OTEL_BSP_SCHEDULE_DELAY": "200",
        }
        cfg = json.dumps(config(rec.llm.openai_base_url))
        for label, mode, run_env in turns(rec, ".config/kilo/kilo.json", cfg, env):
            netlog = rec.tmp / f"strace-{label}.log"
            run = rec.run(label, traced([str(kilo), "run", PROMPT], netlog), run_env, mode=mode, quiet=2.0,
                          timeout=180)
            run["argv"] = ["kilo", "run", PROMPT]
            run["network_attempts_off_loopback"] = foreign_addresses(netlog) if netlog.exists() else None
        not_reported = {str(c["seq"]): NO_MODEL_CALLS for r in rec.runs for c in r["fake_calls"]
                        if c["status"] == 200 and c.get("usage")}
        notes = [
            f"Kilo Code {version} run as `kilo run \"<prompt>\"` with {MODEL} (the Responses API).",
            "ok: call 1 answers with a bash function_call (echo), Kilo runs it, call 2 answers with text "
            "(no title call to a small model, unlike OpenCode).",
            "error: the model call gets HTTP 400 with an OpenAI error body; Kilo prints it and exits 1. The failure is "
            "on the step's SessionProcessor.incompleteAttempt span (ERROR, an AI_APICallError exception event), among "
            "the last it ends before it exits: it does not flush its spans at exit, so a run may lose it.",
            "What it sends: OpenCode's runtime telemetry (service.name and scope `opencode`, service.version its own "
            "7.x, Kilo's own services among the span names: KilocodeBootstrap.init, KiloSessions.*, "
            "KiloSessionPrompt.*). " + NO_MODEL_CALLS + ".",
            "The configuration file (~/.config/kilo/kilo.json in the run's HOME) is `config` below.",
        ]
        return rec.save(
            packages={PACKAGE: version},
            env=env | {"HOME": "{TMP}/home-<run>"},
            recorder=Path(__file__).name,
            notes=notes,
            extra={"config": config("{FAKELLM_URL}/v1"), "usage_not_reported": not_reported},
            gzip_files=True,  # hundreds of runtime spans a run
        )


def main() -> None:
    npm_recorder_main("kilo-code", PACKAGE, VERSION, "kilo", VARIANTS, record)


if __name__ == "__main__":
    main()
