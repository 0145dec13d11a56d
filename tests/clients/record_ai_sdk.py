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

The agent and the recording take the model provider as a parameter
(:class:`Provider`): ``record_ai_sdk_anthropic.py`` records the same agent on
``@ai-sdk/anthropic``, ``record_ai_sdk_google.py`` on ``@ai-sdk/google``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cli_support import ensure_npm, npm_version
from fakellm import Usage
from recording import FAKE_KEY, Recording, js_guarded, otel_env

NAME = "ai-sdk"
#: What every AI SDK recording installs beside its provider package.
COMMON_PACKAGES = ["ai@7.0.185", "@ai-sdk/otel@1.0.185", "@opentelemetry/sdk-node@0.301.0",
                   "@opentelemetry/exporter-trace-otlp-proto@0.301.1", "zod@4"]


@dataclass(frozen=True)
class Provider:
    """An AI SDK model provider package, pointed at the fake LLM."""

    #: npm package, pinned (``name@version``).
    package: str
    #: JavaScript that imports the provider and sets ``model`` (the base URL and key from ``env``).
    setup: str
    #: The environment that points the provider at the fake LLM.
    env: Callable[[Recording], dict[str, str]]
    #: What the manifest says about the model calls.
    note: str
    #: The fake LLM's counts per answer kind, if not its default (a thinking model's, say).
    usage: dict[str, Usage] | None = None

    @property
    def name(self) -> str:
        return self.package.rsplit("@", 1)[0]


OPENAI = Provider(
    package="@ai-sdk/openai@4.0.126",
    setup="""import { createOpenAI } from '@ai-sdk/openai';
const openai = createOpenAI({ baseURL: process.env.OPENAI_BASE_URL, apiKey: process.env.OPENAI_API_KEY });
const model = openai('gpt-4o-mini');""",
    env=lambda rec: {"OPENAI_BASE_URL": rec.llm.openai_base_url, "OPENAI_API_KEY": FAKE_KEY},
    note="@ai-sdk/openai's default (Responses API)",
)

AGENT = """
import { NodeSDK } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { generateText, tool, stepCountIs, registerTelemetry } from 'ai';
import { INTEGRATION_CLASS } from '@ai-sdk/otel';
import { z } from 'zod';
PROVIDER_SETUP

const sdk = new NodeSDK({ traceExporter: new OTLPTraceExporter() });
sdk.start();
registerTelemetry(new INTEGRATION_NEW);
""" + js_guarded("""
const result = await generateText({
  model,
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

#: fixture -> the integration class @ai-sdk/otel exports, or its construction with options
#: (``"OpenTelemetry({ usage: true })"``)
MODES = {"ai_sdk": "OpenTelemetry", "ai_sdk_legacy": "LegacyOpenTelemetry"}


def record(name: str, provider: Provider, modes: dict[str, str], recorder: str) -> None:
    """Install the AI SDK with ``provider`` under npm prefix ``name``; record one fixture per mode (by ``recorder``)."""
    prefix = ensure_npm(name, [*COMMON_PACKAGES, provider.package])
    versions = {p: npm_version(prefix, p) for p in ("ai", "@ai-sdk/otel", provider.name, "@opentelemetry/sdk-node")}
    for fixture, integration in modes.items():
        # In the prefix, so that its node_modules resolve the imports (ESM has no NODE_PATH).
        script = prefix / f"agent-{fixture}.mjs"
        construct = integration if "(" in integration else integration + "()"
        script.write_text(AGENT.replace("INTEGRATION_CLASS", integration.split("(")[0])
                          .replace("INTEGRATION_NEW", construct).replace("PROVIDER_SETUP", provider.setup))
        with Recording(fixture, usage=provider.usage) as rec:
            env = otel_env(rec.cap.url, service_name=f"{name}-recording", signals=("traces",))
            env |= provider.env(rec)
            for label, mode in (("ok", "ok"), ("error", "error")):
                rec.run(label, ["node", str(script)], env, mode=mode)
            rec.save(
                packages=versions,
                env=env,
                recorder=recorder,
                notes=[f"generateText with one tool, stepCountIs(3), {provider.note}, "
                       f"maxRetries 0; registerTelemetry(new {construct}) from @ai-sdk/otel; OTel Node SDK, "
                       "OTLP/HTTP protobuf."],
            )


if __name__ == "__main__":
    record(NAME, OPENAI, MODES, Path(__file__).name)
