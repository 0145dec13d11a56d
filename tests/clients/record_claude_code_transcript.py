"""Record the session transcripts the real Claude Code CLI writes, with its telemetry of the same calls.

Run: ``python tests/clients/record_claude_code_transcript.py`` (installs the same
pinned npm package as ``record_claude_code.py``; needs node and npm).

Claude Code appends every session to
``$CLAUDE_CONFIG_DIR/projects/<encoded cwd>/<sessionId>.jsonl`` (a sub-agent to
``<sessionId>/subagents/agent-<id>.jsonl``); ``agenttrace-tui import-claude``
reads those files. This recorder runs the CLI with the telemetry of the
``claude-code-traces`` recording (logs, metrics and the enhanced telemetry
beta's spans, ``http/protobuf``), so every model call exists twice: as OTLP in
``NNN-*`` files and as records in ``transcripts/<run>/`` (the project folder
of the run's config dir, copied whole, paths scrubbed as the manifest is, each
file gzip-compressed).
Three runs:

* ``ok``: the model asks for the Bash tool, the CLI runs ``echo``, the second
  call answers;
* ``error``: every model call gets HTTP 400;
* ``blocks``: as ``ok``, the first answer in three content blocks (thinking,
  text, tool_use: fakellm's ``/blocks`` route), which the CLI logs as one
  record per block;
* ``agent``: only the ``Agent`` tool is offered (``--tools Agent``); the model
  asks for a sub-agent defined with ``--agents`` (in the foreground), which runs
  Bash itself and answers, and the main conversation's second call answers.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import fakellm
from cli_support import npm_recorder_main, run_with_summary
from record_claude_code import PACKAGE, PROMPT, VERSION, telemetry_env
from recording import FAKE_KEY, Recording

NAME = "claude-code-transcript"
AGENT_PROMPT = "Use the Agent tool to ask the greeter sub-agent to say hi, then tell me what it said."
# What the model passes to the Agent tool. Schema-made arguments would leave run_in_background at
# its default (true): the main turn would end at once and the sub-agent's completion notice would
# start a new turn that asks for another sub-agent, without end.
AGENT_ARGS = {"description": "Say hi", "prompt": "Say hi.", "subagent_type": "greeter", "run_in_background": False}
# The sub-agent: one of its own with only Bash, so it runs a tool itself and cannot start sub-agents
# (the built-in general-purpose one has the Agent tool: the fake LLM would nest agents to the depth limit).
AGENTS = {"greeter": {"description": "Says hi", "prompt": "You greet people.", "tools": ["Read"]}}

# label -> (fake LLM mode, path after the fake LLM's URL in ANTHROPIC_BASE_URL, argv after the command)
RUNS = {
    "ok": ("ok", "", ["-p", PROMPT, "--allowedTools", "Bash", "--output-format", "json"]),
    "error": ("error", "", ["-p", PROMPT, "--allowedTools", "Bash", "--output-format", "json"]),
    # The tool call answered in three content blocks (thinking, text, tool_use): fakellm's /blocks route.
    "blocks": ("ok", "/blocks", ["-p", PROMPT, "--allowedTools", "Bash", "--output-format", "json"]),
    "agent": ("ok", "", ["-p", AGENT_PROMPT, "--tools", "Agent", "Read", "--agents", json.dumps(AGENTS),
                         "--allowedTools", "Agent", "Read", "--output-format", "json"]),
}


def keep_transcripts(rec: Recording, label: str, out: Path) -> list[str]:
    """Copy the run's ``projects/<encoded cwd>/`` tree to ``out/<label>/``, scrubbed and
    gzip-compressed (``*.jsonl.gz``: the CLI writes the whole request shape and the attachments it
    sends into the transcript, 150 KB for one turn); the files kept."""
    projects = rec.tmp / f"home-{label}" / ".claude" / "projects"
    dest = out / label
    kept = []
    for project in sorted(p for p in projects.iterdir() if p.is_dir()) if projects.is_dir() else []:
        for src in sorted(project.rglob("*.jsonl")):
            rel = src.relative_to(project)
            target = dest / f"{rel}.gz"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(gzip.compress(rec.scrub(src.read_text()).encode(), compresslevel=9, mtime=0))
            kept.append(str(Path(label) / rel))
    return kept


def record(name: str, claude: Path, version: str | None) -> Path:
    fakellm.KNOWN_ARGS["Agent"] = AGENT_ARGS  # the fake LLM runs in this process
    with Recording(NAME) as rec:
        base_env = telemetry_env(rec.cap.url, "http/protobuf", traces=True) | {
            "ANTHROPIC_BASE_URL": rec.llm.url,
            "ANTHROPIC_API_KEY": FAKE_KEY,
            # No update checks, error reports, feature-flag or metrics uploads to the vendor.
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "DISABLE_AUTOUPDATER": "1",
        }
        out = rec.out_dir / "transcripts"
        shutil.rmtree(out, ignore_errors=True)
        cli_results: dict[str, object] = {}
        transcripts: dict[str, list[str]] = {}
        for label, (mode, route, args) in RUNS.items():
            env = base_env | {"CLAUDE_CONFIG_DIR": str(rec.tmp / f"home-{label}" / ".claude"),
                              "ANTHROPIC_BASE_URL": rec.llm.url + route}
            _, cli_results[label] = run_with_summary(rec, label, [str(claude), *args], env, mode=mode,
                                                     quiet=1.5, timeout=180)
            # Recording.run gives each run its own working dir, so each run is its own project folder.
            transcripts[label] = keep_transcripts(rec, label, out)
        return rec.save(
            packages={PACKAGE: version},
            env=base_env | {"CLAUDE_CONFIG_DIR": "{TMP}/home-<run>/.claude", "HOME": "{TMP}/home-<run>"},
            recorder=Path(__file__).name,
            notes=[
                f"Claude Code {version} run as `claude -p ...` with the telemetry of claude-code-traces "
                "(logs, metrics, the enhanced telemetry beta's spans; http/protobuf).",
                "transcripts/<run>/ is the run's $CLAUDE_CONFIG_DIR/projects/<encoded cwd>/ folder as the CLI "
                "left it (<sessionId>.jsonl, <sessionId>/subagents/agent-<id>.jsonl), paths scrubbed to {TMP}, "
                "each file gzip-compressed (.jsonl.gz); `transcripts` lists them per run.",
                "ok: call 1 answers with a Bash tool_use (echo), the CLI runs it, call 2 answers with text.",
                "error: every model call gets HTTP 400 with an Anthropic error body.",
                "blocks: as ok, with ANTHROPIC_BASE_URL={FAKELLM_URL}/blocks: call 1's answer is three content "
                "blocks (thinking, text, tool_use), as Claude with extended thinking answers.",
                "agent: --tools Agent; call 1 asks for the Agent tool with "
                f"{json.dumps(AGENT_ARGS)} (a sub-agent defined by --agents {json.dumps(AGENTS)}), "
                "the sub-agent's calls run Bash and answer, the main conversation's last call answers.",
                "cli_results holds the CLI's own --output-format json summary per run (its usage and cost totals).",
            ],
            extra={"cli_results": cli_results, "transcripts": transcripts,
                   "variant": {"protocol": "http/protobuf", "traces": True}},
        )


def main() -> None:
    npm_recorder_main("claude-code", PACKAGE, VERSION, "claude", ["transcript"], record)


if __name__ == "__main__":
    main()
