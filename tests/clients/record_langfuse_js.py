"""Record Langfuse's TypeScript SDK (``@langfuse/otel``, ``@langfuse/tracing``) tracing the Vercel AI SDK.

Run: ``python tests/clients/record_langfuse_js.py [langfuse_js|langfuse_js_ai6]``
(installs the pinned npm packages into a cached prefix per recording, then
records in a loopback-only network namespace where it can make one). The agent
of ``record_ai_sdk.py`` (``generateText`` with one tool and ``stopWhen:
stepCountIs(3)`` on ``@ai-sdk/openai``'s default model API, OpenAI Responses),
set up as Langfuse's documentation sets up an AI SDK app, on two AI SDK lines
(:data:`VARIANTS`):

* ``langfuse_js``: ``ai`` 7 (``record_ai_sdk.py``'s pins) with
  ``registerTelemetry(new LangfuseVercelAiSdkIntegration())`` from
  ``@langfuse/vercel-ai-sdk``, the package Langfuse ships for AI SDK 7 (whose
  telemetry only reaches OpenTelemetry through a registered integration: with
  ``ai`` 7, ``experimental_telemetry: { isEnabled: true }`` alone makes no
  span). It hands every span to ``@ai-sdk/otel``'s ``OpenTelemetry`` (the
  GenAI conventions: ``invoke_agent``, ``step N``, ``chat``, ``execute_tool``);
* ``langfuse_js_ai6``: ``ai`` 6 (VoltAgent's pins), Langfuse's recipe for AI
  SDK 4-6: ``experimental_telemetry: { isEnabled: true }`` on the call, the AI
  SDK's own ``ai.*`` spans (``ai.generateText``, ``.doGenerate``, ``ai.toolCall``)
  through the global tracer provider.

Both pass ``experimental_telemetry: { isEnabled: true, functionId }``. Common to both:

* ``new NodeSDK({ spanProcessors: [new LangfuseSpanProcessor()] })``: the
  processor runs its own OTLP/HTTP exporter (``@opentelemetry/exporter-trace-otlp-http``,
  OTLP JSON) to ``{LANGFUSE_BASE_URL}/api/public/otel/v1/traces`` with Basic auth
  from ``LANGFUSE_PUBLIC_KEY``/``LANGFUSE_SECRET_KEY``; no ``OTEL_*`` variable is set;
* the turn inside ``startActiveObservation('weather-agent', fn, { asType:
  'agent' })`` (a Langfuse SDK span, scope ``langfuse-sdk``, with the question
  and the answer as its input and output) and ``propagateAttributes({
  traceName, sessionId, userId })`` from ``@langfuse/tracing``, which the
  processor copies onto every span started inside it.

``@langfuse/otel`` 5.11.1 wants OpenTelemetry JS SDK 2.x (``@opentelemetry/core``
``^2.0.1``, ``@opentelemetry/api`` ``<1.10``), so ``@opentelemetry/sdk-node`` is
0.223.0, the last on it (the AI SDK recorders' 0.301 is on SDK 3.x).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cli_support import ensure_npm, isolate_network, node_version, npm_version, traced_turns
from record_ai_sdk import COMMON_PACKAGES, OPENAI
from recording import Recording, chosen_variants, js_guarded

NAME = "langfuse_js"
#: Langfuse's packages, and the last OpenTelemetry Node SDK on the JS SDK 2.x line, which ``@langfuse/otel`` declares.
LANGFUSE_PACKAGES = ["@langfuse/otel@5.11.1", "@langfuse/tracing@5.11.1", "@opentelemetry/sdk-node@0.223.0"]
#: The installed versions a manifest names, beside each variant's own packages.
VERSIONS = ("@langfuse/otel", "@langfuse/tracing", "@langfuse/core", "@opentelemetry/sdk-node",
            "@opentelemetry/exporter-trace-otlp-http", "@opentelemetry/api")


@dataclass(frozen=True)
class AiSdk:
    """An AI SDK line and how Langfuse's documentation turns its telemetry on."""

    #: npm packages beside ``LANGFUSE_PACKAGES``, pinned.
    packages: tuple[str, ...]
    #: JavaScript run once the NodeSDK is started (imports are hoisted in an ES module).
    setup: str
    #: Imports that setup needs.
    imports: str
    #: What the manifest says about the set-up.
    note: str

    def versions(self) -> tuple[str, ...]:
        return tuple(p.rsplit("@", 1)[0] for p in self.packages if not p.startswith("zod@")) + VERSIONS


#: AI SDK 7 (``record_ai_sdk.py``'s pins) with Langfuse's integration for it.
AI7 = AiSdk(
    packages=(*(p for p in COMMON_PACKAGES if not p.startswith("@opentelemetry/")), OPENAI.package,
              "@langfuse/vercel-ai-sdk@5.11.1"),
    imports="import { LangfuseVercelAiSdkIntegration } from '@langfuse/vercel-ai-sdk';\n"
            "import { registerTelemetry } from 'ai';",
    setup="registerTelemetry(new LangfuseVercelAiSdkIntegration());",
    note="AI SDK 7: registerTelemetry(new LangfuseVercelAiSdkIntegration()) (@ai-sdk/otel's OpenTelemetry, GenAI "
         "conventions)",
)
#: AI SDK 6 (VoltAgent's pins, ``record_voltagent.py``): ``experimental_telemetry`` alone, its own ``ai.*`` spans
#: through the global tracer provider.
AI6 = AiSdk(
    packages=("ai@6.0.333", "@ai-sdk/openai@3.0.141", "zod@4"),
    imports="",
    setup="// AI SDK 6: experimental_telemetry on each call is all it takes.",
    note="AI SDK 6: experimental_telemetry alone (its own ai.* spans)",
)
#: fixture -> the AI SDK line it records
VARIANTS = {NAME: AI7, f"{NAME}_ai6": AI6}

AGENT = """
import { NodeSDK } from '@opentelemetry/sdk-node';
import { LangfuseSpanProcessor } from '@langfuse/otel';
import { propagateAttributes, startActiveObservation } from '@langfuse/tracing';
import { generateText, tool, stepCountIs } from 'ai';
import { z } from 'zod';
AI_SDK_IMPORTS
PROVIDER_SETUP

// Keys and LANGFUSE_BASE_URL from the environment.
const langfuseSpanProcessor = new LangfuseSpanProcessor();
const sdk = new NodeSDK({ spanProcessors: [langfuseSpanProcessor] });
sdk.start();
AI_SDK_SETUP

const question = 'What is the weather in Paris?';
""" + js_guarded("""
const text = await startActiveObservation('weather-agent', async (agent) => {
  agent.update({ input: question });
  const result = await propagateAttributes(
    { traceName: 'weather-question', sessionId: 'weather-' + process.env.RUN_LABEL, userId: 'recording-user' },
    () => generateText({
      model,
      system: 'Answer weather questions with the get_weather tool.',
      prompt: question,
      tools: {
        get_weather: tool({
          description: 'Get the current weather for a city.',
          inputSchema: z.object({ city: z.string() }),
          execute: async ({ city }) => 'Sunny, 22 C in ' + city,
        }),
      },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
      experimental_telemetry: { isEnabled: true, functionId: 'weather-agent' },
    }),
  );
  agent.update({ output: result.text });
  return result.text;
}, { asType: 'agent' });
console.log('FINAL:', text);
""", """
await langfuseSpanProcessor.forceFlush();
await sdk.shutdown();
""")


def langfuse_env(rec: Recording) -> dict[str, str]:
    """What a Langfuse user sets: keys (any: the receiver ignores them) and the base URL, at the capture server."""
    return {"LANGFUSE_PUBLIC_KEY": "pk-lf-recording", "LANGFUSE_SECRET_KEY": "sk-lf-recording",
            "LANGFUSE_BASE_URL": rec.cap.url}


def install(ai: AiSdk, fixture: str) -> Path:
    """The npm prefix (its own per fixture) holding ``ai``'s packages and Langfuse's."""
    return ensure_npm(fixture, [*ai.packages, *LANGFUSE_PACKAGES])


def record(fixture: str, ai: AiSdk, isolated: bool) -> None:
    prefix = install(ai, fixture)
    versions = {p: npm_version(prefix, p) for p in ai.versions()}
    script = prefix / "agent.mjs"  # in the prefix, so that its node_modules resolve the imports
    script.write_text(AGENT.replace("AI_SDK_IMPORTS", ai.imports).replace("AI_SDK_SETUP", ai.setup)
                      .replace("PROVIDER_SETUP", OPENAI.setup))
    node = node_version()
    with Recording(fixture) as rec:
        env = langfuse_env(rec) | OPENAI.env(rec)
        traced_turns(rec, ["node", str(script)], ["node", "agent.mjs"], env)
        rec.save(packages=versions, env=env, recorder=Path(__file__).name,
                 notes=["generateText with one tool, stepCountIs(3), @ai-sdk/openai's default (Responses API), "
                        f"maxRetries 0, experimental_telemetry {{ isEnabled, functionId }}; {ai.note}; inside "
                        "startActiveObservation('weather-agent', { asType: 'agent' }) and propagateAttributes "
                        "(traceName, sessionId, userId); new NodeSDK({ spanProcessors: [new LangfuseSpanProcessor()] }) "
                        "exporting OTLP/HTTP JSON to {OTLP_URL}/api/public/otel/v1/traces with Basic auth; "
                        f"Node.js {node}; {'loopback-only network namespace' if isolated else 'no network namespace'}."])


def main() -> None:
    names = chosen_variants(VARIANTS)
    for name in names:  # before the namespace, which has no way to the registry
        install(VARIANTS[name], name)
    isolated = isolate_network()
    for name in names:
        record(name, VARIANTS[name], isolated)


if __name__ == "__main__":
    main()
