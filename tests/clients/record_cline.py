"""Record the telemetry the real Cline CLI sends, run headless against the fake LLM.

Run: ``python3 tests/clients/record_cline.py`` (installs the pinned npm package
itself; needs node and npm).

What a user can point at an endpoint of their own: the Cline CLI (npm
``cline``, a Bun-compiled executable in ``@cline/cli-linux-x64``) exports the
spans of its model calls over OTLP/HTTP JSON to a Langfuse server named by
``LANGFUSE_BASE_URL``, ``LANGFUSE_PUBLIC_KEY`` and ``LANGFUSE_SECRET_KEY``
(``{LANGFUSE_BASE_URL}/api/public/otel/v1/traces``, Langfuse's span processor
on a tracer provider of its own, scope ``cline-langfuse-direct``), when both:

* the provider is Cline's own (``cline``, its OpenAI-compatible gateway; no
  other provider gets any span), and
* Cline's own telemetry is off (``telemetryOptOut`` in
  ``~/.cline/data/settings/global-settings.json``): when it is on, the spans go
  to the tracer of Cline's own collector instead, whose endpoint and key are
  written into the build (its ``OTEL_*`` variables, which the npm library
  ``@cline/shared`` reads, are replaced by constants in the executable, all but
  ``OTEL_METRIC_EXPORT_INTERVAL``); its logs and metrics go there only, or to
  the collector an organisation's remote configuration on Cline's servers names.

The spans are the AI SDK's GenAI ones (``@ai-sdk/otel``): one trace per model
call, ``invoke_agent`` (the turn's agent, the call's usage again) > ``step 1`` >
``chat <model>`` (usage with cache reads, response id, messages, tool
definitions); no tool span. The gateway is pointed at the fake server with
``CLINE_API_BASE_URL`` (Cline's API base: ``/api/v1/chat/completions``,
streamed with ``include_usage``) and ``CLINE_API_KEY``; its account calls (the
recommended models) get 404 there. ``LANGFUSE_FLUSH_AT=1``: the span processor
batches and is not flushed at exit, so without it a short run sends nothing;
with it each span is sent as it ends, but the CLI exits without waiting for the
last ones: a run often loses its last spans (the last call's ``invoke_agent``,
sometimes its whole trace), and the recorder keeps a recording only when both
runs sent all (``TRIES`` attempts at most).

One fixture directory, ``cline/``: one run that reads a file (``ok``: the
model asks for ``read_files`` on ``notes.txt`` in the run's working dir, the CLI
reads it, the second call answers) and one run whose model call gets HTTP 400
(``error``). ``CLINE_SESSION_BACKEND_MODE=local``: the session runs in the
CLI's process, no hub daemon left running. Everything runs in a loopback-only
network namespace when the machine allows it, with a fresh HOME per run.
"""

from __future__ import annotations

import json
from pathlib import Path

from cli_support import foreign_addresses, npm_recorder_main, npm_version, traced, turns
from recording import FAKE_KEY, Recording

PACKAGE = "cline"
VERSION = "3.0.65"
#: The executable itself (Bun-compiled), the optional dependency npm installs for this platform.
PLATFORM_PACKAGE = "@cline/cli-linux-x64"
#: Spans a complete run sends: three per model call (invoke_agent > step > chat).
SPANS = {"ok": 6, "error": 3}
#: Recordings made at most to get one where no span was lost at exit.
TRIES = 8
#: A model of Cline's gateway, named as it names them (OpenRouter's ids).
MODEL = "openai/gpt-4o-mini"
FILE = "notes.txt"
FILE_TEXT = "The meeting moved to Thursday at 10:00.\n"
PROMPT = f"Read the file {FILE} with your read_files tool and tell me what it says."
VARIANTS = ("cline",)
SETTINGS_PATH = ".cline/data/settings/global-settings.json"
#: Cline's own telemetry off (else the spans go to its collector, not Langfuse's); no update check.
SETTINGS = {"telemetryOptOut": True, "autoUpdateEnabled": False}
#: The model asks for Cline's file reading tool on the file in the run's working dir.
TOOL_ANSWERS = {"read_files": [{"files": [{"path": FILE}]}]}


def record(name: str, cline: Path, version: str | None) -> Path:
    """Record until both runs sent every span (``SPANS``), ``TRIES`` times at most (the last kept anyway)."""
    for attempt in range(1, TRIES + 1):
        saved = record_once(name, cline, version, last=attempt == TRIES)
        if saved is not None:
            return saved
        print(f"[{name}] attempt {attempt}: spans lost at exit, recording again", flush=True)
    raise AssertionError("unreachable")


def record_once(name: str, cline: Path, version: str | None, last: bool) -> Path | None:
    with Recording(name, tool_answers=TOOL_ANSWERS) as rec:
        env = {
            # Cline's gateway (the `cline` provider) at the fake server.
            "CLINE_API_BASE_URL": rec.llm.url,
            "CLINE_API_KEY": FAKE_KEY,
            # Its Langfuse export, at the capture server.
            "LANGFUSE_BASE_URL": rec.cap.url,
            "LANGFUSE_PUBLIC_KEY": "pk-lf-fakellm",
            "LANGFUSE_SECRET_KEY": "sk-lf-fakellm",
            "LANGFUSE_FLUSH_AT": "1",
            "CLINE_SESSION_BACKEND_MODE": "local",
            "CLINE_NO_AUTO_UPDATE": "1",
        }
        argv_shown = ["cline", "--json", "-P", "cline", "-m", MODEL, PROMPT]
        for label, mode, run_env in turns(rec, SETTINGS_PATH, json.dumps(SETTINGS), env):
            (rec.tmp / label).mkdir(parents=True, exist_ok=True)
            (rec.tmp / label / FILE).write_text(FILE_TEXT)
            netlog = rec.tmp / f"strace-{label}.log"
            run = rec.run(label, traced([str(cline), *argv_shown[1:]], netlog), run_env, mode=mode, quiet=2.0,
                          timeout=180)
            run["argv"] = argv_shown
            run["network_attempts_off_loopback"] = foreign_addresses(netlog) if netlog.exists() else None
        if not last and any(len(r["requests"]) != SPANS[r["label"]] for r in rec.runs):
            return None
        notes = [
            f"Cline CLI {version} run as `cline --json -P cline -m {MODEL} \"<prompt>\"`: Cline's own provider "
            "(its OpenAI-compatible gateway, streamed chat completions with include_usage) at the fake server by "
            "CLINE_API_BASE_URL; Cline's telemetry off in ~/" + SETTINGS_PATH + " (`settings` below).",
            f"ok: call 1 answers with a read_files tool call ({FILE} in the run's working dir), the CLI reads it, "
            "call 2 answers with text quoting it.",
            "error: the model call gets HTTP 400 with an OpenAI error body.",
            "What it sends: OTLP/HTTP JSON traces to LANGFUSE_BASE_URL's /api/public/otel/v1/traces (Langfuse's span "
            "processor, one export per span with LANGFUSE_FLUSH_AT=1), scope cline-langfuse-direct, resource "
            "service.name unknown_service:<executable>: per model call a trace of its own, invoke_agent "
            "(gen_ai.agent.name cline-agent-turn, the call's usage again, system instructions) > `step 1` "
            "(agent_step) > `chat <model>` (gen_ai.usage.* with cache reads, response id, finish reasons, "
            "gen_ai.input/output.messages, tool definitions); session.id the CLI's session id on every span; "
            "gen_ai.provider.name cline.chat. No tool span.",
            "Only for the cline provider, and only with Cline's own telemetry off: on, the spans go to the tracer "
            "of Cline's collector, whose endpoint and key are constants of the build (the OTEL_* variables are not "
            "read by the executable, but OTEL_METRIC_EXPORT_INTERVAL).",
            "Not flushed at exit: each span is sent as it ends (LANGFUSE_FLUSH_AT=1), but the CLI exits without "
            "waiting for the last exports, so a run often loses its last spans (in 6 recordings the ok run lost 0 to "
            "3 of its 6, the error run 0 or 1 of its 3); this recording is one where none was lost.",
            "Each run tries DNS lookups, which fail at connect in the namespace (its names are not seen).",
        ]
        prefix = cline.parents[2]
        return rec.save(
            packages={PACKAGE: version, PLATFORM_PACKAGE: npm_version(prefix, PLATFORM_PACKAGE)},
            env=env | {"HOME": "{TMP}/home-<run>"},
            recorder=Path(__file__).name,
            notes=notes,
            extra={"settings": SETTINGS, "file": {FILE: FILE_TEXT}},
        )


def main() -> None:
    npm_recorder_main("cline", PACKAGE, VERSION, "cline", VARIANTS, record)


if __name__ == "__main__":
    main()
