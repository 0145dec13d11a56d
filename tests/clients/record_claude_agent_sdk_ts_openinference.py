"""Record the Claude Agent SDK for TypeScript traced by OpenInference, started as ``agenttrace-tui run -- node agent.mjs``.

Run: ``.venv/bin/python tests/clients/record_claude_agent_sdk_ts_openinference.py`` (the
project's virtualenv Python: it imports the project for ``run``'s environment; installs the
pinned npm packages into a cached prefix first).

The SDK (``@anthropic-ai/claude-agent-sdk`` on npm) drives the Claude Code CLI: its
platform package (``@anthropic-ai/claude-agent-sdk-linux-x64``) ships the native
``claude`` binary, which it starts with the Node.js process's environment. The agent:
``query()`` with the CLI's ``Bash`` tool alone (``tools: ['Bash']``, allowed without a
prompt), asked to run ``echo``; instrumented as OpenInference's README shows for ESM
(``ClaudeAgentSDKInstrumentation().manuallyInstrument(module)``, the patched ``query``
used), the OpenTelemetry Node SDK exporting its spans over OTLP/HTTP protobuf, and
started with the environment ``agenttrace-tui run -- node agent.mjs`` gives it. So two
reporters describe one turn in one capture: OpenInference's spans from the Node.js process
(an AGENT span ``ClaudeAgent.query`` with the turn's totals from the SDK's result message,
a TOOL span per tool call from the SDK's hooks) and the CLI's own logs and metrics, which
the run's environment switches on. Both carry the run's session pin on their resource.

Two runs, each a fresh HOME and CLAUDE_CONFIG_DIR and its own run session id: ``ok``
(call 1 asks for ``Bash``, the CLI runs it, call 2 answers) and ``error`` (the fake LLM
answers HTTP 400). Everything runs in a loopback-only network namespace when the machine
allows it; the script runs under ``strace`` to list any address it tried off loopback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from cli_support import ensure_npm, foreign_addresses, isolate_network, npm_version, traced
from record_claude_agent_sdk import result_of
from record_claude_agent_sdk import run_env as sdk_run_env
from recording import FAKE_KEY, Recording, js_guarded

NAME = "claude_agent_sdk_ts_openinference"
SESSION = "run-node-{label}"  # the run session id of each run (as `run` makes one: run-<command>-<hex>)
PACKAGES = ["@anthropic-ai/claude-agent-sdk@0.3.337", "@arizeai/openinference-instrumentation-claude-agent-sdk@0.3.1",
            "@opentelemetry/sdk-node@0.301.0", "@opentelemetry/exporter-trace-otlp-proto@0.301.1", "zod@4"]

AGENT = """
import { NodeSDK } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import * as ClaudeAgentSDK from '@anthropic-ai/claude-agent-sdk';
import { ClaudeAgentSDKInstrumentation } from '@arizeai/openinference-instrumentation-claude-agent-sdk';

const sdk = new NodeSDK({ traceExporter: new OTLPTraceExporter() });
sdk.start();
// The README's ESM set-up: an ES module namespace cannot be patched in place, so the
// instrumented copy's query() is the one the agent calls.
const { query } = new ClaudeAgentSDKInstrumentation().manuallyInstrument(ClaudeAgentSDK);
""" + js_guarded("""
for await (const message of query({
  prompt: 'Run `echo hi` with the Bash tool and tell me what it printed.',
  options: { tools: ['Bash'], allowedTools: ['Bash'], maxTurns: 4 },
})) {
  if (message.type === 'result') {
    console.log('FINAL:', message.result ?? '');
    console.log('RESULT_JSON:', JSON.stringify({
      subtype: message.subtype, is_error: message.is_error, num_turns: message.num_turns,
      session_id: message.session_id, total_cost_usd: message.total_cost_usd,
      usage: message.usage, model_usage: message.modelUsage,
    }));
    if (message.is_error) { code = 3; }
  }
}
""", """
await sdk.shutdown();
""")


def run_env(otlp_url: str, label: str) -> dict[str, str]:
    """What ``agenttrace-tui run -- node agent.mjs`` gives the command, with this run's session id."""
    return sdk_run_env(otlp_url, label, ("node", "agent.mjs"), SESSION)


def main() -> None:
    prefix = ensure_npm(NAME, PACKAGES)
    if "--install-only" in sys.argv:
        print(f"[{NAME}] npm packages ready: {prefix}")
        return
    isolate_network()
    versions = {p: npm_version(prefix, p) for p in (
        "@anthropic-ai/claude-agent-sdk", "@anthropic-ai/claude-agent-sdk-linux-x64",
        "@arizeai/openinference-instrumentation-claude-agent-sdk", "@arizeai/openinference-core",
        "@opentelemetry/sdk-node", "@opentelemetry/exporter-trace-otlp-proto")}
    sdk_pkg = json.loads((prefix / "node_modules/@anthropic-ai/claude-agent-sdk/package.json").read_text())
    cli = sdk_pkg.get("claudeCodeVersion")
    script = prefix / "agent.mjs"  # in the prefix, so that its node_modules resolve the imports
    script.write_text(AGENT)
    with Recording(NAME) as rec:
        base_env = {
            "ANTHROPIC_BASE_URL": rec.llm.url,
            "ANTHROPIC_API_KEY": FAKE_KEY,
            # No update checks, error reports, feature-flag or metrics uploads to the vendor.
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "DISABLE_AUTOUPDATER": "1",
        }
        results: dict[str, object] = {}
        run_sessions: dict[str, str] = {}
        for label, mode in (("ok", "ok"), ("error", "error")):
            env = base_env | run_env(rec.cap.url, label) | {
                "CLAUDE_CONFIG_DIR": str(rec.tmp / f"home-{label}" / ".claude")}
            run_sessions[label] = SESSION.format(label=label)
            netlog = rec.tmp / f"strace-{label}.log"
            run = rec.run(label, traced(["node", str(script)], netlog), env, mode=mode, quiet=1.5, timeout=240)
            run["argv"] = ["node", "agent.mjs"]
            run["network_attempts_off_loopback"] = foreign_addresses(netlog) if netlog.exists() else None
            results[label] = result_of(run["stdout_tail"])
        rec.save(
            packages=versions | {"claude (the platform package's CLI)": cli},
            env=base_env | run_env(rec.cap.url, "<run>")
            | {"CLAUDE_CONFIG_DIR": "{TMP}/home-<run>/.claude", "HOME": "{TMP}/home-<run>"},
            recorder=Path(__file__).name,
            notes=[
                f"@anthropic-ai/claude-agent-sdk {versions['@anthropic-ai/claude-agent-sdk']} with the Claude Code "
                f"CLI {cli} its platform package ships, instrumented by "
                "@arizeai/openinference-instrumentation-claude-agent-sdk "
                f"{versions['@arizeai/openinference-instrumentation-claude-agent-sdk']} as its README's ESM set-up "
                "shows (manuallyInstrument on the module namespace, the patched query() used); the OTel Node SDK "
                "(NodeSDK, OTLP/HTTP protobuf span exporter, endpoint and resource from the environment).",
                "The agent: query() with tools=['Bash'], allowedTools=['Bash'], asked to run `echo hi`.",
                "env: what `agenttrace-tui run -- node agent.mjs` sets (commands.run.child_env, no traces beta), "
                "each run's session id pinned on the resource as agenttrace.session.id (variant.run_sessions): "
                "OpenInference's traces and the CLI's logs and metrics go to the same capture.",
                "ok: call 1 asks for Bash, the CLI runs it, call 2 answers.",
                "error: the fake LLM answers every model call with HTTP 400.",
                "sdk_results holds the SDK's result message per run (the CLI's usage and cost totals).",
            ],
            extra={"sdk_results": results, "variant": {"run_sessions": run_sessions}},
        )


if __name__ == "__main__":
    main()
