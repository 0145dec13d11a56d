"""Record the telemetry of a Codex CLI conversation resumed for a second turn: ``codex exec``, then
``codex exec resume --last`` in the same working directory and ``CODEX_HOME``.

Run: ``python tests/clients/record_codex_resume.py`` (installs the pinned npm package itself,
the same as ``record_codex.py``; needs node and npm).

Writes ``fixtures/codex-resume/`` (OTLP protobuf, ``protocol = "binary"``, bodies stored
gzip-compressed as ``record_codex.py`` stores them). Each run is the two turns, one ``codex``
process each, with ``record_codex.py``'s ``config.toml`` (its ``[otel]`` section):

* ``ok``: turn 1 (``codex exec <prompt>``) asks for ``exec_command``, Codex runs ``echo``, the
  second call answers; turn 2 (``codex exec resume --last <prompt 2>``) does the same again, its
  requests re-sending turn 1's whole conversation. The fake LLM answers as a reasoning model
  (``OPENAI_REASONING_USAGE``) and a resumed turn's calls with ``RESUMED_USAGE``: most of their
  input cached (turn 1 read again from the prompt cache).
* ``error``: both turns refused (HTTP 400): ``codex exec`` exits 1 without shutting its OTel
  providers down, as in ``record_codex.py``'s ``error`` run.

The manifest's ``cli_events`` holds each turn's ``--json`` event stream (``thread.started`` names
the conversation both turns belong to), ``turns`` each turn's command and exit code.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from cli_support import foreign_addresses, npm_recorder_main, traced
from fakellm import OPENAI_REASONING_USAGE, RESUMED_USAGE
from record_codex import CONFIG, KEY_ENV, MODEL, PACKAGE, PROMPT, VERSION, _node_version
from recording import FAKE_KEY, Recording

NAME = "codex-resume"
PROMPT_2 = "Run it once more and tell me what it printed this time."
RUNS = (("ok", "ok"), ("error", "error"))


def turn_commands(codex: Path) -> list[list[str]]:
    """The two turns: a new conversation, then the newest one of this directory resumed."""
    return [
        [str(codex), "exec", "--skip-git-repo-check", "--json", PROMPT],
        [str(codex), "exec", "resume", "--last", "--skip-git-repo-check", "--json", PROMPT_2],
    ]


def script(turns: list[list[str]], out: Path) -> str:
    """A shell running the turns one after the other in one directory, each turn's --json events
    and exit code kept in ``out`` (``events-N.jsonl``, ``rc-N``); exits with the last turn's code."""
    lines = []
    for n, argv in enumerate(turns, start=1):
        lines.append(f"{shlex.join(argv)} < /dev/null > {shlex.quote(str(out / f'events-{n}.jsonl'))}")
        lines.append(f"echo $? > {shlex.quote(str(out / f'rc-{n}'))}")
    lines.append(f"exit $(cat {shlex.quote(str(out / f'rc-{len(turns)}'))})")
    return "\n".join(lines)


def record_variant(name: str, codex: Path, version: str | None) -> Path:
    with Recording(name, usage=OPENAI_REASONING_USAGE, later_turn_usage=RESUMED_USAGE) as rec:
        config = CONFIG.format(model=MODEL, base_url=rec.llm.openai_base_url, key_env=KEY_ENV, otlp=rec.cap.url,
                               protocol="binary").replace("{retries}", "")
        events: dict[str, list[list | None]] = {}
        turns_of: dict[str, list[dict]] = {}
        for label, mode in RUNS:
            codex_home = rec.tmp / f"home-{label}" / ".codex"
            codex_home.mkdir(parents=True, exist_ok=True)
            (codex_home / "config.toml").write_text(config)
            out = rec.tmp / f"turns-{label}"
            out.mkdir()
            turns = turn_commands(codex)
            env = {"CODEX_HOME": str(codex_home), KEY_ENV: FAKE_KEY, "RUST_LOG": "warn"}
            netlog = rec.tmp / f"strace-{label}.log"
            run = rec.run(label, traced(["sh", "-c", script(turns, out)], netlog), env, mode=mode, quiet=1.5,
                          timeout=360, stdin="")
            run["argv"] = ["sh", "-c", "<the two turns>"]
            run["network_attempts_off_loopback"] = foreign_addresses(netlog) if netlog.exists() else None
            if label == "error":
                run["error_not_reported"] = (
                    "codex exec exits 1 right after the 400 without shutting its OTel providers down; "
                    "telemetry not yet sent by a periodic export (the error events among it) is lost"
                )
            events[label], turns_of[label] = [], []
            for n, argv in enumerate(turns, start=1):
                rc = (out / f"rc-{n}").read_text().strip() if (out / f"rc-{n}").exists() else None
                turns_of[label].append({"argv": ["codex", *argv[1:]], "exit_code": int(rc) if rc else None})
                try:
                    lines = (out / f"events-{n}.jsonl").read_text().splitlines()
                    events[label].append([json.loads(line) for line in lines if line.strip()])
                except (OSError, ValueError):
                    events[label].append(None)
        notes = [
            f"Codex {version}: two turns of one conversation, each a codex process in the same working directory "
            "and CODEX_HOME: `codex exec --skip-git-repo-check --json <prompt>`, then "
            "`codex exec resume --last --skip-git-repo-check --json <prompt 2>` (turns[]).",
            "ok: in each turn call 1 answers with a function_call of exec_command (echo), Codex runs it, call 2 "
            "answers with text. The fake LLM answers as a reasoning model (a reasoning item first, "
            "output_tokens_details.reasoning_tokens); the resumed turn's requests re-send turn 1's conversation "
            "and get fakellm_later_turn_usage (fake_calls[].resumed), most of their input cached.",
            "error: both turns' model calls get HTTP 400 (not retried); Codex exits 1 without shutting its OTel "
            "providers down, so little or nothing of either turn arrives.",
            "config_toml is the whole $CODEX_HOME/config.toml (record_codex.py's, protocol binary); cli_events is "
            "the --json event stream of each turn of each run (thread.started names the conversation).",
            "Bodies are stored gzip-compressed; the size of each as received is in files[].bytes.",
        ]
        return rec.save(
            packages={PACKAGE: version, "node": _node_version()},
            env={"CODEX_HOME": "{TMP}/home-<run>/.codex", KEY_ENV: FAKE_KEY, "RUST_LOG": "warn",
                 "HOME": "{TMP}/home-<run>"},
            recorder=Path(__file__).name,
            notes=notes,
            gzip_files=True,
            extra={"config_toml": config, "cli_events": events, "turns": turns_of,
                   "variant": {"protocol": "binary", "resumed": True}},
        )


def main() -> None:
    npm_recorder_main("codex", PACKAGE, VERSION, "codex", [NAME], record_variant)


if __name__ == "__main__":
    main()
