"""Record the telemetry of a Gemini CLI conversation resumed in a second process: ``gemini -p``,
then ``gemini -p ... --resume latest`` in the same HOME and working directory.

Run: ``python tests/clients/record_gemini_cli_resume.py`` (installs the same pinned npm package
as ``record_gemini_cli.py``; needs node and npm).

Writes ``fixtures/gemini-cli-resume/`` with ``record_gemini_cli.py``'s telemetry switches and
settings file (traces, logs and metrics over OTLP/HTTP, stored gzip-compressed). Each run is two
processes of the CLI, one after the other:

* turn 1: ``gemini -p <prompt> --yolo --output-format json`` (the router call, the shell tool
  asked for, the CLI runs ``echo``, the answer), as ``gemini-cli``'s ``ok`` run;
* turn 2: ``gemini -p <prompt 2> --resume latest --yolo --output-format json``: the newest
  session of this project resumed; its requests re-send turn 1's conversation, and the fake LLM
  answers them with ``fakellm.RESUMED_USAGE`` (most of the input cached, thinking in the output).

Two runs: ``ok`` (both turns answered) and ``error`` (turn 1 answered; the fake LLM refuses
only the resumed turn's requests, ``refuse_later_turns``).

The manifest's ``cli_results`` holds each run's two JSON summaries (their ``session_id``),
``turns`` each turn's command and exit code, ``prompts`` the two prompts.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from cli_support import foreign_addresses, npm_recorder_main, telemetry_switches, traced
from fakellm import RESUMED_USAGE, THINKING_USAGE
from record_gemini_cli import PACKAGE, PROMPT, VERSION
from record_gemini_cli import SETTINGS as BASE_SETTINGS
from recording import FAKE_KEY, Recording

NAME = "gemini-cli-resume"
PROMPT_2 = "Run the same command once more with your shell tool and tell me what it printed this time."
ARGS = ["--yolo", "--output-format", "json"]
#: ``record_gemini_cli.py``'s settings with only the shell among the built-in tools (``tools.core``): the
#: CLI's system prompt, sent whole in every call's operation-details record, shrinks with its tool list,
#: which keeps the fixture folder of two processes per run under 300 KB.
SETTINGS = BASE_SETTINGS | {"tools": {"core": ["run_shell_command"]}}


def turn_commands(gemini: Path) -> list[list[str]]:
    """The two turns: a new session, then the newest session of this project resumed."""
    return [
        [str(gemini), "-p", PROMPT, *ARGS],
        [str(gemini), "-p", PROMPT_2, "--resume", "latest", *ARGS],
    ]


def script(turns: list[list[str]], out: Path) -> str:
    """A shell running the turns one after the other in one directory, each turn's JSON summary and
    exit code kept in ``out`` (``turn-N.json``, ``rc-N``); exits with the first failing turn's code."""
    lines = []
    for n, argv in enumerate(turns, start=1):
        lines.append(f"{shlex.join(argv)} < /dev/null > {shlex.quote(str(out / f'turn-{n}.json'))}")
        lines.append(f"echo $? > {shlex.quote(str(out / f'rc-{n}'))}")
    codes = " ".join(f"$(cat {shlex.quote(str(out / f'rc-{n}'))})" for n in range(1, len(turns) + 1))
    lines.append(f"for c in {codes}; do [ \"$c\" != 0 ] && exit \"$c\"; done; exit 0")
    return "\n".join(lines)


def record(name: str, gemini: Path, version: str | None) -> Path:
    with Recording(NAME, usage=THINKING_USAGE, later_turn_usage=RESUMED_USAGE) as rec:
        base_env = telemetry_switches("GEMINI", rec.cap.url, traces=True) | {
            "GOOGLE_GEMINI_BASE_URL": rec.llm.url,
            "GEMINI_API_KEY": FAKE_KEY,
            "NO_BROWSER": "1",
            "GEMINI_CLI_TRUST_WORKSPACE": "true",
        }
        cli_results: dict[str, list[object]] = {}
        turns_of: dict[str, list[dict]] = {}
        for label in ("ok", "error"):
            settings = rec.tmp / f"home-{label}" / ".gemini" / "settings.json"
            settings.parent.mkdir(parents=True, exist_ok=True)
            settings.write_text(json.dumps(SETTINGS))
            out = rec.tmp / f"turns-{label}"
            out.mkdir()
            turns = turn_commands(gemini)
            netlog = rec.tmp / f"strace-{label}.log"
            run = rec.run(label, traced(["sh", "-c", script(turns, out)], netlog), base_env, mode=label, quiet=2.0,
                          timeout=360, stdin="", refuse_later_turns=label == "error")
            run["argv"] = ["gemini", "-p", PROMPT, *ARGS, "&&", "gemini", "-p", PROMPT_2, "--resume", "latest", *ARGS]
            run["network_attempts_off_loopback"] = foreign_addresses(netlog) if netlog.exists() else None
            run["stdout_tail"] = "(see cli_results)"
            if label == "error":
                run["error_not_reported"] = (
                    "the resumed gemini exits (code 144) right after the 400 without shutting its OTel providers "
                    "down: nothing of the refused turn was exported, only turn 1's telemetry arrived"
                )
            cli_results[label], turns_of[label] = [], []
            for n, argv in enumerate(turns, start=1):
                rc = (out / f"rc-{n}").read_text().strip() if (out / f"rc-{n}").exists() else None
                turns_of[label].append({"argv": ["gemini", *argv[1:]], "exit_code": int(rc) if rc else None})
                try:
                    cli_results[label].append(json.loads((out / f"turn-{n}.json").read_text()))
                except (OSError, ValueError):
                    cli_results[label].append(None)
        notes = [
            f"Gemini CLI {version}: two turns of one session, each a gemini process in the same HOME and working "
            "directory: `gemini -p <prompt> --yolo --output-format json`, then "
            "`gemini -p <prompt 2> --resume latest --yolo --output-format json` (turns[]).",
            "ok: in each turn a router call (role utility_router, a JSON answer), call 1 answers with a functionCall "
            "of the shell tool (echo), the CLI runs it, call 2 answers with text. Each answer thinks "
            "(thoughtsTokenCount). The resumed turn's requests re-send turn 1's conversation and get "
            "fakellm_later_turn_usage (fake_calls[].resumed, turn 2), most of their input cached.",
            "error: turn 1 as in ok; the fake LLM refuses (HTTP 400) only the requests whose conversation holds "
            "an earlier turn (refuse_later_turns).",
            "cli_results holds each run's two --output-format json summaries (turn 1, turn 2); settings the "
            "settings file: record_gemini_cli.py's with tools.core limited to the shell tool.",
            "Bodies are stored gzip-compressed; the size of each as received is in files[].bytes.",
        ]
        return rec.save(
            packages={PACKAGE: version},
            env=base_env | {"HOME": "{TMP}/home-<run>"},
            recorder=Path(__file__).name,
            notes=notes,
            gzip_files=True,
            extra={"cli_results": cli_results, "turns": turns_of, "prompts": [PROMPT, PROMPT_2],
                   "settings": SETTINGS, "variant": {"resumed": True}},
        )


def main() -> None:
    npm_recorder_main("gemini-cli", PACKAGE, VERSION, "gemini", [NAME], record)


if __name__ == "__main__":
    main()
