"""Record what the real Claude Code CLI sends for a conversation resumed in a second ``claude -p``.

Run: ``python tests/clients/record_claude_code_resume.py [--only traces|logs]`` (installs the same
pinned npm package as ``record_claude_code.py``; needs node and npm).

Each run is two processes of the CLI in one working dir and one config dir, one after the
other: ``claude -p <prompt 1> --allowedTools Bash --output-format json`` (a turn that runs
the Bash tool, as ``claude-code-traces``'), then ``claude -p <prompt 2> --resume <session id>``
with the session id the first printed in its JSON summary. Two fixture folders:

* ``claude-code-resume/``      the telemetry of ``claude-code-traces`` (logs, metrics, the
  enhanced telemetry beta's spans, ``http/protobuf``);
* ``claude-code-resume-logs/`` that of ``claude-code-protobuf``: logs and metrics only, the
  CLI's default (each turn rebuilt from its events).

The fake LLM answers the resumed turn's requests, whose conversation holds the first turn,
with ``fakellm.LATER_TURN_USAGE``: most of the prompt read from the cache the first turn
wrote (a cache read far above the uncached input), numbers distinct from the first turn's.

Two runs:

* ``ok``: turn 1 (Bash tool_use, the CLI runs ``echo``, the answer), turn 2 resumed (Bash
  again, the answer): 4 model calls, 2 tool calls;
* ``error``: turn 1 as in ``ok``; the fake LLM refuses only the resumed turn's requests
  (``refuse_later_turns``): the CLI re-sends the refused request and reports one error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from cli_support import foreign_addresses, npm_recorder_main, traced
from fakellm import LATER_TURN_USAGE
from record_claude_code import PACKAGE, PROMPT, VERSION, telemetry_env
from recording import FAKE_KEY, Recording

#: variant -> (fixture folder, traces on)
VARIANTS = {"traces": ("claude-code-resume", True), "logs": ("claude-code-resume-logs", False)}
RESUME_PROMPT = "Run the same command once more with the Bash tool and tell me what it printed this time."
ARGS = ["--allowedTools", "Bash", "--output-format", "json"]

#: Runs the two turns: the first ``claude -p``, then ``claude -p --resume <its session id>`` in the same
#: working dir and config dir; each turn's JSON summary kept in ``turn-N.json`` beside this script.
TWO_TURNS = '''
import json, subprocess, sys
from pathlib import Path

here, claude, first, second, args = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
code = subprocess.run([claude, "-p", first, *args], stdout=(here / "turn-1.json").open("w")).returncode
session = json.loads((here / "turn-1.json").read_text())["session_id"]
(here / "resumed-session").write_text(session)
code2 = subprocess.run([claude, "-p", second, "--resume", session, *args], stdout=(here / "turn-2.json").open("w")).returncode
sys.exit(code or code2)
'''


def _summaries(folder: Path) -> list[object]:
    """The two turns' JSON summaries (None for one that printed none)."""
    got: list[object] = []
    for n in (1, 2):
        try:
            got.append(json.loads((folder / f"turn-{n}.json").read_text()))
        except (OSError, ValueError):
            got.append(None)
    return got


def record(name: str, claude: Path, version: str | None) -> Path:
    folder_name, traces = VARIANTS[name]
    with Recording(folder_name, later_turn_usage=LATER_TURN_USAGE) as rec:
        base_env = telemetry_env(rec.cap.url, "http/protobuf", traces=traces) | {
            "ANTHROPIC_BASE_URL": rec.llm.url,
            "ANTHROPIC_API_KEY": FAKE_KEY,
            # No update checks, error reports, feature-flag or metrics uploads to the vendor.
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "DISABLE_AUTOUPDATER": "1",
        }
        cli_results: dict[str, object] = {}
        resumed: dict[str, str | None] = {}
        for label in ("ok", "error"):
            folder = rec.tmp / f"turns-{label}"
            folder.mkdir(parents=True, exist_ok=True)
            script = folder / "two_turns.py"
            script.write_text(TWO_TURNS)
            env = base_env | {"CLAUDE_CONFIG_DIR": str(rec.tmp / f"home-{label}" / ".claude")}
            netlog = rec.tmp / f"strace-{label}.log"
            argv = [sys.executable, str(script), str(folder), str(claude), PROMPT, RESUME_PROMPT, *ARGS]
            run = rec.run(label, traced(argv, netlog), env, mode=label, quiet=1.5, timeout=300,
                          refuse_later_turns=label == "error")
            run["argv"] = ["claude", "-p", PROMPT, *ARGS, "&&", "claude", "-p", RESUME_PROMPT, "--resume",
                           "<session_id of turn 1>", *ARGS]
            run["network_attempts_off_loopback"] = foreign_addresses(netlog) if netlog.exists() else None
            run["stdout_tail"] = "(see cli_results)"
            cli_results[label] = _summaries(folder)
            sid = folder / "resumed-session"
            resumed[label] = sid.read_text() if sid.exists() else None
        return rec.save(
            packages={PACKAGE: version},
            env=base_env | {"CLAUDE_CONFIG_DIR": "{TMP}/home-<run>/.claude", "HOME": "{TMP}/home-<run>"},
            recorder=Path(__file__).name,
            notes=[
                f"Claude Code {version}: each run is `claude -p <prompt> --allowedTools Bash --output-format json`, "
                "then `claude -p <prompt 2> --resume <session_id> ...` with the session id the first printed, in "
                "the same working dir and CLAUDE_CONFIG_DIR; the telemetry of "
                + ("claude-code-traces (logs, metrics, the enhanced telemetry beta's spans; http/protobuf)."
                   if traces else "claude-code-protobuf (logs and metrics, no spans; http/protobuf)."),
                "The fake LLM answers a request whose conversation holds an earlier turn (the resumed turn's) with "
                "fakellm_later_turn_usage: most of its prompt read from the cache; each call's fake_calls entry "
                "says its turn.",
                "ok: turn 1 Bash tool_use (echo), the CLI runs it, the answer; turn 2 (resumed) the same again.",
                "error: turn 1 as in ok; the fake LLM refuses (HTTP 400) only the resumed turn's requests "
                "(refuse_later_turns).",
                "cli_results holds each run's two --output-format json summaries (turn 1, turn 2); resumed_sessions "
                "the session id each run's second turn resumed; prompts the two turns' prompts.",
            ],
            extra={"cli_results": cli_results, "resumed_sessions": resumed, "prompts": [PROMPT, RESUME_PROMPT],
                   "variant": {"protocol": "http/protobuf", "traces": traces}},
        )


def main() -> None:
    npm_recorder_main("claude-code", PACKAGE, VERSION, "claude", sorted(VARIANTS), record)


if __name__ == "__main__":
    main()
