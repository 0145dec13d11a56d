"""Record what the real Claude Code CLI sends for a turn that hands work to a sub-agent.

Run: ``python tests/clients/record_claude_code_subagent.py`` (installs the same pinned npm
package as ``record_claude_code.py``; needs node and npm).

The main conversation is offered only the ``Agent`` tool (Claude Code's Task tool) and
``Read``; the model asks for the ``greeter`` sub-agent (defined with ``--agents``, only
``Read`` of its own, run in the foreground). The sub-agent makes its own model calls: the
first asks for ``Read`` of a file in the run's working dir, the CLI reads it, the second
answers; its answer is the Agent tool's result, and the main conversation's second call
answers. Telemetry as ``claude-code-traces`` (logs, metrics, the enhanced telemetry beta's
spans, ``http/protobuf``) with ``OTEL_LOG_TOOL_DETAILS=1``, as ``agenttrace-tui run`` sets it.

Two runs:

* ``ok``: as above, 4 model calls (main, sub-agent x2, main), 2 tool calls (Agent, Read);
* ``error``: the fake LLM refuses only the sub-agent's requests (their system prompt holds
  the sub-agent's, ``refuse_system``): the CLI re-sends the refused request, the Agent tool
  fails, the main conversation's second call answers.
"""

from __future__ import annotations

import json
from pathlib import Path

import fakellm
from cli_support import npm_recorder_main, run_with_summary
from record_claude_code import PACKAGE, VERSION, telemetry_env
from recording import FAKE_KEY, Recording

NAME = "claude-code-subagent"
PROMPT = "Use the Agent tool to ask the greeter sub-agent to read greeting.txt, then tell me what it said."
#: The sub-agent's own system prompt: the text that tells its requests from the main conversation's.
SUBAGENT_PROMPT = "You greet people. Read the greeting file and say what it holds."
# What the model passes to the Agent tool. Schema-made arguments would leave run_in_background at its
# default (true): the main turn would end at once and the sub-agent's completion notice would start a new turn.
AGENT_ARGS = {"description": "Read the greeting", "prompt": "Read greeting.txt and tell me what it says.",
              "subagent_type": "greeter", "run_in_background": False}
# A sub-agent of its own with only Read, so it runs a tool itself and cannot start sub-agents (the built-in
# general-purpose one has the Agent tool: the fake LLM would nest agents to the depth limit).
AGENTS = {"greeter": {"description": "Reads the greeting file", "prompt": SUBAGENT_PROMPT, "tools": ["Read"]}}
GREETING = "hello from the greeting file"

ARGV = ["-p", PROMPT, "--tools", "Agent", "Read", "--agents", json.dumps(AGENTS),
        "--allowedTools", "Agent", "Read", "--output-format", "json"]


def record(name: str, claude: Path, version: str | None) -> Path:
    fakellm.KNOWN_ARGS["Agent"] = AGENT_ARGS  # the fake LLM runs in this process
    with Recording(NAME) as rec:
        base_env = telemetry_env(rec.cap.url, "http/protobuf", traces=True) | {
            "OTEL_LOG_TOOL_DETAILS": "1",
            "ANTHROPIC_BASE_URL": rec.llm.url,
            "ANTHROPIC_API_KEY": FAKE_KEY,
            # No update checks, error reports, feature-flag or metrics uploads to the vendor.
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "DISABLE_AUTOUPDATER": "1",
        }
        cli_results: dict[str, object] = {}
        for label in ("ok", "error"):
            workdir = rec.tmp / label  # Recording.run's working dir for this run
            workdir.mkdir(parents=True, exist_ok=True)
            (workdir / "greeting.txt").write_text(GREETING + "\n")
            fakellm.KNOWN_ARGS["Read"] = {"file_path": str(workdir / "greeting.txt")}
            env = base_env | {"CLAUDE_CONFIG_DIR": str(rec.tmp / f"home-{label}" / ".claude")}
            _, cli_results[label] = run_with_summary(
                rec, label, [str(claude), *ARGV], env, mode=label, quiet=1.5, timeout=180,
                refuse_system=SUBAGENT_PROMPT if label == "error" else None)
        return rec.save(
            packages={PACKAGE: version},
            env=base_env | {"CLAUDE_CONFIG_DIR": "{TMP}/home-<run>/.claude", "HOME": "{TMP}/home-<run>"},
            recorder=Path(__file__).name,
            notes=[
                f"Claude Code {version} run as `claude -p ... --tools Agent Read --agents <greeter>` with the "
                "telemetry of claude-code-traces (logs, metrics, the enhanced telemetry beta's spans; http/protobuf) "
                "and OTEL_LOG_TOOL_DETAILS=1.",
                f"The sub-agent: --agents {json.dumps(AGENTS)}; call 1 (main) asks for the Agent tool with "
                f"{json.dumps(AGENT_ARGS)}.",
                "ok: call 1 (main) Agent tool_use; the sub-agent's call 2 asks for Read of {TMP}/ok/greeting.txt, "
                "the CLI reads it, its call 3 answers; the main conversation's call 4 answers.",
                "error: the fake LLM refuses (HTTP 400) only the requests whose system prompt holds the sub-agent's "
                "(the run's refuse_system): the CLI re-sends the sub-agent's request, the Agent tool fails, the main "
                "conversation's last call answers.",
                "cli_results holds the CLI's own --output-format json summary per run (its usage and cost totals).",
            ],
            extra={"cli_results": cli_results, "variant": {"protocol": "http/protobuf", "traces": True}},
        )


def main() -> None:
    npm_recorder_main("claude-code", PACKAGE, VERSION, "claude", ["subagent"], record)


if __name__ == "__main__":
    main()
