"""Record the telemetry the real Claude Code CLI sends when it runs on Amazon Bedrock.

Run: ``python tests/clients/record_claude_code_bedrock.py`` (installs the same
pinned npm package as ``record_claude_code.py``; needs node and npm).

``CLAUDE_CODE_USE_BEDROCK=1`` makes the CLI call Bedrock's InvokeModel API
(``/model/<id>/invoke-with-response-stream``: the Anthropic Messages body, the
answer's SSE events inside AWS event-stream frames), here at the fake LLM through
``ANTHROPIC_BEDROCK_BASE_URL`` with dummy AWS credentials, for cross-region
inference profile ids as users set them (``ANTHROPIC_MODEL``). Telemetry as in the
``claude-code-traces`` recording: logs, metrics and the enhanced telemetry beta's
spans, ``http/protobuf``. One fixture, ``claude-code-bedrock/``, with the ``ok``
run (the model asks for the Bash tool, the CLI runs ``echo``, the second call
answers) and the ``error`` run (the only model call gets HTTP 400).
"""

from __future__ import annotations

from pathlib import Path

from cli_support import npm_recorder_main, run_with_summary
from record_claude_code import PACKAGE, PROMPT, VERSION, telemetry_env
from recording import Recording

MODEL = "us.anthropic.claude-sonnet-4-20250514-v1:0"
SMALL_MODEL = "us.anthropic.claude-haiku-4-5-20251001-v1:0"


def bedrock_env(url: str) -> dict[str, str]:
    """Claude Code's documented Bedrock switches, the endpoint the fake LLM, credentials dummies."""
    return {
        "CLAUDE_CODE_USE_BEDROCK": "1",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "fakellm-not-a-real-key-id",
        "AWS_SECRET_ACCESS_KEY": "fakellm-not-a-real-secret",
        "AWS_EC2_METADATA_DISABLED": "true",
        "ANTHROPIC_BEDROCK_BASE_URL": url,
        "ANTHROPIC_MODEL": MODEL,
        "ANTHROPIC_SMALL_FAST_MODEL": SMALL_MODEL,
        "ANTHROPIC_DEFAULT_HAIKU_MODEL": SMALL_MODEL,
    }


def record(name: str, claude: Path, version: str | None) -> Path:
    with Recording("claude-code-bedrock") as rec:
        base_env = telemetry_env(rec.cap.url, "http/protobuf", traces=True) | bedrock_env(rec.llm.url) | {
            # No update checks, error reports, feature-flag or metrics uploads to the vendor.
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "DISABLE_AUTOUPDATER": "1",
        }
        cli_results: dict[str, object] = {}
        not_reported: dict[str, str] = {}
        argv = [str(claude), "-p", PROMPT, "--allowedTools", "Bash", "--output-format", "json"]
        for label, mode in (("ok", "ok"), ("error", "error")):
            env = base_env | {"CLAUDE_CONFIG_DIR": str(rec.tmp / f"home-{label}" / ".claude")}
            run, cli_results[label] = run_with_summary(rec, label, argv, env, mode=mode, quiet=1.5, timeout=180)
            # Before the turn the CLI probes which of the newest Opus inference profiles the account may
            # call (max_tokens 1, prompt "."): no event, span or metric reports those calls.
            not_reported |= {str(c["seq"]): "model availability probe (max_tokens 1) before the turn; "
                             "the CLI reports no event, span or cost for it"
                             for c in run["fake_calls"] if c["status"] == 200 and c["model"] not in (MODEL, SMALL_MODEL)}
        return rec.save(
            packages={PACKAGE: version},
            env=base_env | {"CLAUDE_CONFIG_DIR": "{TMP}/home-<run>/.claude", "HOME": "{TMP}/home-<run>"},
            recorder=Path(__file__).name,
            notes=[
                f"Claude Code {version} on Amazon Bedrock (CLAUDE_CODE_USE_BEDROCK=1), run as "
                "`claude -p ... --allowedTools Bash --output-format json`.",
                f"Models: ANTHROPIC_MODEL={MODEL}, the small fast model {SMALL_MODEL} (inference profile ids).",
                "Its model calls are Bedrock InvokeModel calls (fake_calls api `invoke`): the Anthropic "
                "Messages body and answer, streamed in AWS event-stream chunks.",
                "ok: call 1 answers with a Bash tool_use (echo), the CLI runs it, call 2 answers with text.",
                "Before the turn the CLI lists inference profiles (GET /inference-profiles, 404 here) and probes the "
                "newest Opus profiles with max_tokens 1, newest first until one answers: unreported calls "
                "(usage_not_reported); in the error run every probe fails, so it tries them all.",
                "error: every model call gets HTTP 400 with Bedrock's error body (ValidationException).",
                "cli_results holds the CLI's own --output-format json summary per run (its usage and cost totals).",
            ],
            extra={"cli_results": cli_results,
                   "variant": {"protocol": "http/protobuf", "traces": True, "provider": "bedrock"},
                   "usage_not_reported": not_reported},
        )


def main() -> None:
    npm_recorder_main("claude-code", PACKAGE, VERSION, "claude", ["bedrock"], record)


if __name__ == "__main__":
    main()
