"""Record an INTERACTIVE Claude Code session: its transcript and its telemetry of the same calls.

Run: ``python tests/clients/record_claude_code_interactive.py`` (installs the same
pinned npm package as ``record_claude_code.py``; needs node, npm and tmux).

``claude -p`` (``record_claude_code_transcript.py``) never writes what most
users' transcripts hold: a session title the CLI asks the model for
(``ai-title``), a conversation compacted by ``/compact`` (a ``compact_boundary``
system record, an ``isCompactSummary`` user message, the slash command's own
records) and the CLI's running cost (``cost-state``). This recorder starts the
real CLI in a terminal (a tmux session of 120x36 in the run's working dir),
types into it as a user would and reads the screen, with the telemetry of the
``claude-code-traces`` recording (logs, metrics and the enhanced telemetry
beta's spans, ``http/protobuf``). Two runs, one session each; ``ok``:

1. the Bash prompt of the other Claude Code recordings: the model asks for the
   Bash tool (``echo``), the CLI runs it, the second call answers; the CLI also
   asks the model for the session's title (structured output, no tools);
2. a second prompt (tools are offered, so the model asks for Bash again);
3. ``/compact``: one model call summarises the conversation;
4. a third prompt (Bash again), ``/rename fakellm demo session`` (a ``custom-title``
   record, no model call), then ``/exit``;

``error``: every model call gets HTTP 400; the first prompt, then ``/exit``.

The CLI is started with ``--permission-mode default --allowedTools Bash`` (no
permission dialog; the default "auto" mode would add its own reminders to the
conversation) and a config dir whose ``.claude.json`` says onboarding is done,
the fake key approved and the working dir trusted, so no dialog blocks it.
Non-essential traffic is NOT switched off as the ``-p`` recorders do: the
title request is non-essential traffic; ``DISABLE_TELEMETRY`` and
``DISABLE_ERROR_REPORTING`` switch off the vendor's telemetry and error
reports instead, and the loopback-only network namespace keeps anything
else on the machine (strace lists what the CLI tried).

The run waits on the transcript, not on the screen's wording: a turn is done
when its ``turn_duration`` record is written, ``/compact`` when its
``compact_boundary`` and command output are. The screen after each step is
kept in the manifest (``screens``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from cli_support import foreign_addresses, npm_recorder_main, traced
from record_claude_code import PACKAGE, PROMPT, VERSION, telemetry_env
from record_claude_code_transcript import keep_transcripts
from recording import FAKE_KEY, Recording

NAME = "claude-code-interactive"
#: What is typed, in order; each step waits for the transcript record that says it is done.
STEPS = [
    ("prompt", PROMPT),
    ("prompt", "Now say hello."),
    ("compact", "/compact"),
    ("prompt", "What did the command print?"),
    ("rename", "/rename fakellm demo session"),
    ("exit", "/exit"),
]
#: label -> (fake LLM mode, steps)
RUNS = {"ok": ("ok", STEPS), "error": ("error", [STEPS[0], STEPS[-1]])}
ARGS = ["--permission-mode", "default", "--allowedTools", "Bash"]
STEP_TIMEOUT = 90.0


# -- the driver: runs as the recorded command, inside the run's environment -----------------------
def _records(config_dir: Path) -> list[dict]:
    out = []
    for f in sorted((config_dir / "projects").glob("*/*.jsonl")):
        for line in f.read_text(errors="replace").splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if isinstance(rec, dict):
                out.append(rec)
    return out


def _count(records: list[dict], subtype: str) -> int:
    return sum(1 for r in records if r.get("type") == "system" and r.get("subtype") == subtype)


def _turns_ended(records: list[dict]) -> int:
    """Turns that ended: answered (a ``turn_duration`` record) or refused (the error the CLI logs)."""
    return _count(records, "turn_duration") + sum(1 for r in records if r.get("isApiErrorMessage"))


def drive(claude: str, config_dir: Path, steps: list[tuple[str, str]]) -> int:
    """Start ``claude`` in a tmux session of its own, type ``steps`` and wait for each; print the
    screens. Exit status: 0 when every step finished and the CLI exited."""
    sock = Path.cwd() / ".tmux.sock"
    tmux = ["tmux", "-S", str(sock), "-f", "/dev/null"]
    argv = " ".join(f"'{a}'" for a in [claude, *ARGS])
    # The pane outlives the CLI for a moment, so its exit status can be read.
    subprocess.run([*tmux, "new-session", "-d", "-x", "120", "-y", "36", "-s", "claude",
                    f"{argv}; echo \"[claude exited $?]\"; sleep 20"], check=True)
    screens: list[dict] = []

    def screen() -> str:
        """The pane's text, its blank lines and the input box's rules left out (the fixture keeps every
        step's screen)."""
        res = subprocess.run([*tmux, "capture-pane", "-p", "-t", "claude"], capture_output=True, text=True)
        return "\n".join(line.rstrip() for line in res.stdout.splitlines() if line.strip().strip("\u2500"))

    def settle(seconds: float = 1.5, timeout: float = 20.0) -> str:
        """The screen once it has not changed for ``seconds``."""
        last, since, t0 = screen(), time.monotonic(), time.monotonic()
        while time.monotonic() - t0 < timeout:
            time.sleep(0.25)
            now = screen()
            if now != last:
                last, since = now, time.monotonic()
            elif time.monotonic() - since >= seconds:
                break
        return last

    def wait(done: Callable[[], bool], what: str) -> bool:
        t0 = time.monotonic()
        while time.monotonic() - t0 < STEP_TIMEOUT:
            if done():
                return True
            time.sleep(0.25)
        print(f"[driver] timed out waiting for {what}", flush=True)
        return False

    ok = True
    try:
        if not wait(lambda: "Claude Code v" in screen(), "the CLI to start"):
            return 2
        screens.append({"step": "start", "screen": settle()})
        for kind, text in steps:
            before = _records(config_dir)
            turns, compacts = _turns_ended(before), _count(before, "compact_boundary")
            subprocess.run([*tmux, "send-keys", "-t", "claude", "-l", text], check=True)
            time.sleep(0.5)  # the slash-command menu opens as "/" is typed; Enter picks what was typed
            subprocess.run([*tmux, "send-keys", "-t", "claude", "Enter"], check=True)
            if kind == "prompt":
                ok = wait(lambda n=turns: _turns_ended(_records(config_dir)) > n, f"the turn of {text!r}")
            elif kind == "rename":
                ok = wait(lambda: any(r.get("type") == "custom-title" for r in _records(config_dir)), "the new name")
            elif kind == "compact":
                ok = wait(lambda n=compacts: _count(_records(config_dir), "compact_boundary") > n and any(
                    "local-command-stdout" in json.dumps(r.get("message", {})) for r in _records(config_dir)
                    if r.get("type") == "user"), "the compaction")
            else:
                ok = wait(lambda: "[claude exited" in screen(), "the CLI to exit")
            screens.append({"step": text, "screen": settle()})
            print(f"[driver] {text!r}: {'done' if ok else 'NOT DONE'}", flush=True)
            if not ok:
                break
    finally:
        final = screen()
        subprocess.run([*tmux, "kill-server"], capture_output=True)
        Path("screens.json").write_text(json.dumps(screens, indent=1))
        print(final, flush=True)
    return 0 if ok and "[claude exited 0]" in final else 1


# -- the recorder ----------------------------------------------------------------------------------
def seed_config(config_dir: Path, workdir: Path) -> None:
    """The CLI's own config file as a user who has used it before leaves it: onboarding done (else it
    checks its connection to the vendor first), the fake key approved (its last 20 characters, as
    the CLI stores them), the working dir trusted."""
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / ".claude.json").write_text(json.dumps({
        "hasCompletedOnboarding": True,
        "lastOnboardingVersion": VERSION,
        "theme": "dark",
        "customApiKeyResponses": {"approved": [FAKE_KEY[-20:]], "rejected": []},
        "projects": {str(workdir): {"hasTrustDialogAccepted": True, "allowedTools": []}},
    }, indent=2))


def record(name: str, claude: Path, version: str | None) -> Path:
    if not shutil.which("tmux"):
        raise SystemExit("tmux is needed to drive the interactive CLI (apt-get install tmux)")
    with Recording(NAME) as rec:
        base_env = telemetry_env(rec.cap.url, "http/protobuf", traces=True) | {
            "ANTHROPIC_BASE_URL": rec.llm.url,
            "ANTHROPIC_API_KEY": FAKE_KEY,
            # The vendor's own telemetry, error reports and updates off; non-essential traffic stays on,
            # since the session title is asked for as such (the network namespace keeps it all local).
            "DISABLE_TELEMETRY": "1",
            "DISABLE_ERROR_REPORTING": "1",
            "DISABLE_AUTOUPDATER": "1",
            "TERM": "xterm-256color",
        }
        out = rec.out_dir / "transcripts"
        shutil.rmtree(out, ignore_errors=True)
        transcripts: dict[str, list[str]] = {}
        sessions: dict[str, list[str]] = {}
        screens: dict[str, list[dict]] = {}
        for label, (mode, steps) in RUNS.items():
            config_dir = rec.tmp / f"home-{label}" / ".claude"
            seed_config(config_dir, rec.tmp / label)
            env = base_env | {"CLAUDE_CONFIG_DIR": str(config_dir)}
            netlog = rec.tmp / f"strace-{label}.log"
            argv = traced([sys.executable, str(Path(__file__).resolve()), "--drive", str(claude), str(config_dir),
                           json.dumps(steps)], netlog)
            run = rec.run(label, argv, env, mode=mode, quiet=2.0, timeout=STEP_TIMEOUT * (len(steps) + 1))
            run["argv"] = [Path(claude).name, *ARGS]
            run["typed"] = [text for _, text in steps]
            run["network_attempts_off_loopback"] = foreign_addresses(netlog) if netlog.exists() else None
            screens_file = rec.tmp / label / "screens.json"
            screens[label] = rec.scrub(json.loads(screens_file.read_text())) if screens_file.exists() else []
            transcripts[label] = keep_transcripts(rec, label, out)
            sessions[label] = sorted({Path(p).name.removesuffix(".jsonl") for p in transcripts[label]
                                      if p.count("/") == 1})
        return rec.save(
            packages={PACKAGE: version},
            env=base_env | {"CLAUDE_CONFIG_DIR": "{TMP}/home-<run>/.claude", "HOME": "{TMP}/home-<run>"},
            recorder=Path(__file__).name,
            notes=[
                f"Claude Code {version} run interactively (`claude {' '.join(ARGS)}` in a tmux terminal of "
                "120x36), with the telemetry of claude-code-traces (logs, metrics, the enhanced telemetry "
                "beta's spans; http/protobuf).",
                "ok: typed one after the other, each once the transcript said the last was done: "
                + "; ".join(f"{text!r}" for _, text in STEPS) + ".",
                "The CLI asks the model for the session's title (output_config.format json_schema, no tools; "
                "fakellm answers JSON made from the schema) and writes it as ai-title records.",
                "/compact: one model call (fakellm answers a request for a <summary> block with one) whose "
                "answer becomes the isCompactSummary user message after a compact_boundary system record.",
                "The second and third prompts are answered with a Bash call too (tools are offered); /rename "
                "writes custom-title and agent-name records, no model call.",
                "error: every model call gets HTTP 400 (the title's too); typed: the first prompt, then /exit.",
                "transcripts/<run>/ is the run's $CLAUDE_CONFIG_DIR/projects/<encoded cwd>/ folder as the CLI "
                "left it, paths scrubbed to {TMP}, each file gzip-compressed (.jsonl.gz); `transcripts` lists "
                "them, `sessions` the CLI's session ids, `screens` the terminal after each step.",
            ],
            extra={"transcripts": transcripts, "sessions": sessions, "screens": screens,
                   "variant": {"protocol": "http/protobuf", "traces": True, "interactive": True}},
        )


def main() -> None:
    if sys.argv[1:2] == ["--drive"]:
        sys.exit(drive(sys.argv[2], Path(sys.argv[3]), [tuple(step) for step in json.loads(sys.argv[4])]))
    npm_recorder_main("claude-code", PACKAGE, VERSION, "claude", ["interactive"], record)


if __name__ == "__main__":
    main()
