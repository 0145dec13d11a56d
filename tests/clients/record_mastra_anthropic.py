"""Record a Mastra agent on ``@ai-sdk/anthropic``, exported by Mastra's OpenTelemetry exporter.

Run: ``python tests/clients/record_mastra_anthropic.py`` (installs the pinned npm
packages into a cached prefix, then records). The agent, tool and
observability set-up are ``record_mastra.py``'s, with
``anthropic('claude-sonnet-4-5')`` as the model: ``createAnthropic({ baseURL })``
pointed at the fake LLM's Anthropic Messages API, whose usage has cache reads
and cache writes beside ``input_tokens``.
"""

from __future__ import annotations

from pathlib import Path

from cli_support import ensure_npm, npm_version
from record_mastra import agent_script
from recording import FAKE_KEY, Recording, otel_env

NAME = "mastra_anthropic"
# The Mastra of record_mastra.py; @ai-sdk/anthropic 4 is the AI SDK 7 provider line (its
# LanguageModelV4 is one of the specifications @mastra/core 1.71 accepts), the release
# record_ai_sdk_anthropic.py records.
PACKAGES = ["@mastra/core@1.71.0", "@mastra/observability@1.17.9", "@mastra/otel-exporter@1.4.0",
            "@opentelemetry/exporter-trace-otlp-proto@0.221.0", "@ai-sdk/anthropic@4.0.112", "zod@4"]

ANTHROPIC_SETUP = """import { createAnthropic } from '@ai-sdk/anthropic';
const anthropic = createAnthropic({ baseURL: process.env.ANTHROPIC_BASE_URL, apiKey: process.env.ANTHROPIC_API_KEY });
const model = anthropic('claude-sonnet-4-5');"""


def main() -> None:
    prefix = ensure_npm(NAME, PACKAGES)
    versions = {p: npm_version(prefix, p) for p in ("@mastra/core", "@mastra/observability", "@mastra/otel-exporter",
                                                     "@ai-sdk/anthropic")}
    script = prefix / "agent.mjs"  # in the prefix, so that its node_modules resolve the imports
    script.write_text(agent_script(ANTHROPIC_SETUP))
    with Recording(NAME) as rec:
        env = otel_env(rec.cap.url, service_name="mastra-anthropic-recording", signals=("traces",))
        # The provider appends /messages to its base URL (https://api.anthropic.com/v1 by default).
        env |= {"ANTHROPIC_BASE_URL": rec.llm.url + "/v1", "ANTHROPIC_API_KEY": FAKE_KEY,
                "MASTRA_TELEMETRY_DISABLED": "1"}
        for label, mode in (("ok", "ok"), ("error", "error")):
            rec.run(label, ["node", str(script)], env, mode=mode)
        rec.save(packages=versions, env=env, recorder=Path(__file__).name,
                 notes=["One agent with one tool on @ai-sdk/anthropic (Messages API, claude-sonnet-4-5), maxSteps 3; "
                        "Mastra's observability with @mastra/otel-exporter (custom OTLP endpoint, http/protobuf)."])


if __name__ == "__main__":
    main()
