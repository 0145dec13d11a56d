"""Record what the real OpenCode CLI sends for a turn that hands work to a sub-agent.

Run: ``python tests/clients/record_opencode_subagent.py`` (installs the same pinned npm
package as ``record_opencode.py``; needs npm).

OpenCode's main agent (``build``) is offered only its ``task`` tool (OpenCode's way to run a
sub-agent); the configuration defines a ``greeter`` sub-agent (``mode: subagent``) with only
``read``. The model's first call asks ``task`` for the greeter; OpenCode runs the sub-agent in a
session of its own (a child of the main one): its first call asks for ``read`` of a file in the
run's working dir, OpenCode reads it, its second call answers; that answer is the ``task``
tool's result, and the main agent's second call answers. OpenCode also asks its small model
for the session's title. Telemetry as ``opencode/``: the configuration's
``experimental.openTelemetry`` (the AI SDK's spans, with the tokens), the OTLP endpoint and a
200 ms batch delay set by hand.

Two runs:

* ``ok``: as above: the title call, then main, sub-agent x2, main;
* ``error``: the fake LLM refuses only the sub-agent's requests (their system prompt holds the
  greeter's, ``refuse_system``): the ``task`` tool fails, the main agent's second call answers.
"""

from __future__ import annotations

import json
from pathlib import Path

import fakellm
from cli_support import foreign_addresses, npm_recorder_main, traced
from record_opencode import MODEL, PACKAGE, VERSION
from recording import FAKE_KEY, Recording

NAME = "opencode-subagent"
PROMPT = "Use the task tool to ask the greeter sub-agent to read greeting.txt, then tell me what it said."
#: The sub-agent's own system prompt: the text that tells its requests from the main agent's.
SUBAGENT_PROMPT = "You greet people. Read the greeting file and say what it holds."
TASK_ARGS = {"description": "Read the greeting", "prompt": "Read greeting.txt and tell me what it says.",
             "subagent_type": "greeter"}
GREETING = "hello from the greeting file"
#: Every built-in tool off but the one each agent needs (OpenCode offers the model only the tools left on).
BUILTIN_TOOLS = ("bash", "edit", "write", "read", "grep", "glob", "list", "patch", "todowrite", "todoread",
                 "webfetch", "websearch", "codesearch", "skill", "task", "question", "lsp", "multiedit",
                 "apply_patch", "invalid", "plan_enter", "plan_exit", "batch")


def only(*names: str) -> dict[str, bool]:
    return {tool: tool in names for tool in BUILTIN_TOOLS}


def config(base_url: str) -> dict:
    return {
        "provider": {"openai": {"options": {"baseURL": base_url, "apiKey": FAKE_KEY}}},
        "model": MODEL,
        "autoupdate": False,
        "share": "disabled",
        "permission": {"edit": "allow", "bash": "allow", "read": "allow", "task": "allow", "external_directory": "allow"},
        "agent": {
            "build": {"tools": only("task")},
            "greeter": {"description": "Reads the greeting file", "mode": "subagent", "prompt": SUBAGENT_PROMPT,
                        "tools": only("read")},
        },
        "experimental": {"openTelemetry": True},
    }


def record(name: str, opencode: Path, version: str | None) -> Path:
    with Recording(NAME, tool_answers={"task": [TASK_ARGS]}) as rec:
        base_env = {
            "OPENCODE_DISABLE_AUTOUPDATE": "1",
            "OPENCODE_DISABLE_MODELS_FETCH": "1",
            "OPENCODE_DISABLE_LSP_DOWNLOAD": "1",
            "OPENCODE_DISABLE_SHARE": "1",
            # OpenCode does not flush its spans at exit (record_opencode.py).
            "OTEL_EXPORTER_OTLP_ENDPOINT": rec.cap.url,
            "OTEL_BSP_SCHEDULE_DELAY": "200",
        }
        cfg = json.dumps(config(rec.llm.openai_base_url))
        for label in ("ok", "error"):
            workdir = rec.tmp / label  # Recording.run's working dir for this run
            workdir.mkdir(parents=True, exist_ok=True)
            (workdir / "greeting.txt").write_text(GREETING + "\n")
            fakellm.KNOWN_ARGS["read"] = {"filePath": str(workdir / "greeting.txt")}
            home_cfg = rec.tmp / f"home-{label}" / ".config/opencode/opencode.json"
            home_cfg.parent.mkdir(parents=True, exist_ok=True)
            home_cfg.write_text(cfg)
            netlog = rec.tmp / f"strace-{label}.log"
            run = rec.run(label, traced([str(opencode), "run", PROMPT], netlog), base_env, mode=label, quiet=2.0,
                          timeout=180, refuse_system=SUBAGENT_PROMPT if label == "error" else None)
            run["argv"] = ["opencode", "run", PROMPT]
            run["network_attempts_off_loopback"] = foreign_addresses(netlog) if netlog.exists() else None
        return rec.save(
            packages={PACKAGE: version},
            env=base_env | {"HOME": "{TMP}/home-<run>"},
            recorder=Path(__file__).name,
            notes=[
                f"OpenCode {version} run as `opencode run \"<prompt>\"` with {MODEL} (the Responses API), the "
                "telemetry of opencode/ (experimental.openTelemetry in the configuration, the OTLP endpoint and a "
                "200 ms batch delay by hand).",
                f"The main agent (build) is offered only task; the greeter sub-agent only read. Call 1 (main) asks "
                f"task for {json.dumps(TASK_ARGS)}.",
                "ok: OpenCode's title call (text); call 1 (main) task; the sub-agent's first call asks for read of "
                "{TMP}/ok/greeting.txt, OpenCode reads it, its second call answers; the main agent's last call "
                "answers.",
                "error: the fake LLM refuses (HTTP 400) only the requests whose system prompt holds the sub-agent's "
                "(the run's refuse_system): the task tool fails, the main agent's last call answers.",
                "The configuration file (opencode.json in the run's HOME) is `config` below.",
            ],
            extra={"config": config("{FAKELLM_URL}/v1")},
            gzip_files=True,  # hundreds of runtime spans a run
        )


def main() -> None:
    npm_recorder_main("opencode", PACKAGE, VERSION, "opencode", ["opencode-subagent"], record)


if __name__ == "__main__":
    main()
