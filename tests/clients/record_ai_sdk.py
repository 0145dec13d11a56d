"""Record the Vercel AI SDK (npm ``ai`` 7) traced by its OpenTelemetry integration (``@ai-sdk/otel``).

Run: ``python tests/clients/record_ai_sdk.py`` (installs the pinned npm packages
into a cached prefix, then records). A TypeScript-world agent: ``generateText``
with one tool and ``stopWhen: stepCountIs(3)`` on ``@ai-sdk/openai``'s default
model API (OpenAI Responses), the OpenTelemetry Node SDK exporting spans over
OTLP/HTTP protobuf. Two fixture folders come out, one per integration the
package offers:

* ``fixtures/ai_sdk/``: ``registerTelemetry(new OpenTelemetry())``, spans in the
  OpenTelemetry GenAI conventions (``gen_ai.*``);
* ``fixtures/ai_sdk_legacy/``: ``new LegacyOpenTelemetry()``, the ``ai.*``
  attributes AI SDK 4-6 apps send (``ai.generateText``, ``.doGenerate``,
  ``ai.toolCall``).
"""

from __future__ import annotations

from pathlib import Path

from cli_support import ensure_npm, npm_version
from recording import FAKE_KEY, Recording, js_guarded, otel_env

NAME = "ai-sdk"
PACKAGES = ["ai@7.0.185", "@ai-sdk/otel@1.0.185", "@ai-sdk/openai@4.0.118", "@opentelemetry/sdk-node@0.301.0",
            "@opentelemetry/exporter-trace-otlp-proto@0.301.1", "zod@4"]

AGENT = """
import { NodeSDK } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { generateText, tool, stepCountIs, registerTelemetry } from 'ai';
import { INTEGRATION } from '@ai-sdk/otel';
import { createOpenAI } from '@ai-sdk/openai';
import { z } from 'zod';

const sdk = new NodeSDK({ traceExporter: new OTLPTraceExporter() });
sdk.start();
registerTelemetry(new INTEGRATION());
const openai = createOpenAI({ baseURL: process.env.OPENAI_BASE_URL, apiKey: process.env.OPENAI_API_KEY });
""" + js_guarded("""
const result = await generateText({
  model: openai('gpt-4o-mini'),
  system: 'Answer weather questions with the get_weather tool.',
  prompt: 'What is the weather in Paris?',
  tools: {
    get_weather: tool({
      description: 'Get the current weather for a city.',
      inputSchema: z.object({ city: z.string() }),
      execute: async ({ city }) => 'Sunny, 22 C in ' + city,
    }),
  },
  stopWhen: stepCountIs(3),
  maxRetries: 0,
  experimental_telemetry: { functionId: 'weather-agent' },
});
console.log('FINAL:', result.text);
""", """
await sdk.shutdown();
""")

#: fixture -> the integration class @ai-sdk/otel exports
MODES = {"ai_sdk": "OpenTelemetry", "ai_sdk_legacy": "LegacyOpenTelemetry"}


def main() -> None:
    prefix = ensure_npm(NAME, PACKAGES)
    versions = {p: npm_version(prefix, p) for p in ("ai", "@ai-sdk/otel", "@ai-sdk/openai", "@opentelemetry/sdk-node")}
    for fixture, integration in MODES.items():
        # In the prefix, so that its node_modules resolve the imports (ESM has no NODE_PATH).
        script = prefix / f"agent-{fixture}.mjs"
        script.write_text(AGENT.replace("INTEGRATION", integration))
        with Recording(fixture) as rec:
            env = otel_env(rec.cap.url, service_name="ai-sdk-recording", signals=("traces",))
            env |= {"OPENAI_BASE_URL": rec.llm.openai_base_url, "OPENAI_API_KEY": FAKE_KEY}
            for label, mode in (("ok", "ok"), ("error", "error")):
                rec.run(label, ["node", str(script)], env, mode=mode)
            rec.save(
                packages=versions,
                env=env,
                recorder=Path(__file__).name,
                notes=[f"generateText with one tool, stepCountIs(3), @ai-sdk/openai's default (Responses API), "
                       f"maxRetries 0; registerTelemetry(new {integration}()) from @ai-sdk/otel; OTel Node SDK, "
                       "OTLP/HTTP protobuf."],
            )


if __name__ == "__main__":
    main()
