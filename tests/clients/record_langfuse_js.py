"""Record Langfuse's TypeScript SDK (``@langfuse/otel``, ``@langfuse/tracing``) tracing the Vercel AI SDK.

Run: ``python tests/clients/record_langfuse_js.py`` (installs the pinned npm
packages into a cached prefix, then records in a loopback-only network
namespace where it can make one). The agent of ``record_ai_sdk.py`` (npm
``ai`` 7 ``generateText`` with one tool and ``stopWhen: stepCountIs(3)`` on
``@ai-sdk/openai``'s default model API, OpenAI Responses, the same pins), set
up as Langfuse's documentation sets up an AI SDK 7 app:

* ``new NodeSDK({ spanProcessors: [new LangfuseSpanProcessor()] })``: the
  processor runs its own OTLP/HTTP exporter (``@opentelemetry/exporter-trace-otlp-http``,
  OTLP JSON) to ``{LANGFUSE_BASE_URL}/api/public/otel/v1/traces`` with Basic auth
  from ``LANGFUSE_PUBLIC_KEY``/``LANGFUSE_SECRET_KEY``; no ``OTEL_*`` variable is set;
* ``registerTelemetry(new LangfuseVercelAiSdkIntegration())`` from
  ``@langfuse/vercel-ai-sdk``, the package Langfuse ships for AI SDK 7 (whose
  telemetry only reaches OpenTelemetry through a registered integration: with
  ``ai`` 7, ``experimental_telemetry: { isEnabled: true }`` alone makes no
  span). It hands every span to ``@ai-sdk/otel``'s ``OpenTelemetry`` (the
  GenAI conventions: ``invoke_agent``, ``step N``, ``chat``, ``execute_tool``);
  ``experimental_telemetry: { isEnabled: true, functionId }`` is passed too, as
  apps written for Langfuse's AI SDK 4-6 recipe do;
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

from pathlib import Path

from cli_support import ensure_npm, isolate_network, node_version, npm_version, traced_turns
from record_ai_sdk import COMMON_PACKAGES, OPENAI
from recording import Recording, js_guarded

NAME = "langfuse_js"
#: The AI SDK's pins (``ai``, ``@ai-sdk/otel``, zod) and its OpenAI provider, with Langfuse's packages and the
#: last OpenTelemetry Node SDK on the JS SDK 2.x line, which ``@langfuse/otel`` declares.
PACKAGES = [p for p in COMMON_PACKAGES if not p.startswith("@opentelemetry/")] + [
    OPENAI.package, "@langfuse/otel@5.11.1", "@langfuse/tracing@5.11.1", "@langfuse/vercel-ai-sdk@5.11.1",
    "@opentelemetry/sdk-node@0.223.0",
]
VERSIONS = ("ai", "@ai-sdk/otel", "@ai-sdk/openai", "@langfuse/otel", "@langfuse/tracing", "@langfuse/vercel-ai-sdk",
            "@langfuse/core", "@opentelemetry/sdk-node", "@opentelemetry/exporter-trace-otlp-http")

AGENT = """
import { NodeSDK } from '@opentelemetry/sdk-node';
import { LangfuseSpanProcessor } from '@langfuse/otel';
import { propagateAttributes, startActiveObservation } from '@langfuse/tracing';
import { LangfuseVercelAiSdkIntegration } from '@langfuse/vercel-ai-sdk';
import { generateText, tool, stepCountIs, registerTelemetry } from 'ai';
import { z } from 'zod';
PROVIDER_SETUP

// Keys and LANGFUSE_BASE_URL from the environment.
const langfuseSpanProcessor = new LangfuseSpanProcessor();
const sdk = new NodeSDK({ spanProcessors: [langfuseSpanProcessor] });
sdk.start();
registerTelemetry(new LangfuseVercelAiSdkIntegration());

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


def record(isolated: bool) -> None:
    prefix = ensure_npm(NAME, PACKAGES)
    versions = {p: npm_version(prefix, p) for p in VERSIONS}
    script = prefix / "agent.mjs"  # in the prefix, so that its node_modules resolve the imports
    script.write_text(AGENT.replace("PROVIDER_SETUP", OPENAI.setup))
    node = node_version()
    with Recording(NAME) as rec:
        env = langfuse_env(rec) | OPENAI.env(rec)
        traced_turns(rec, ["node", str(script)], ["node", "agent.mjs"], env)
        rec.save(packages=versions, env=env, recorder=Path(__file__).name,
                 notes=["generateText with one tool, stepCountIs(3), @ai-sdk/openai's default (Responses API), "
                        "maxRetries 0, experimental_telemetry { isEnabled, functionId }; "
                        "registerTelemetry(new LangfuseVercelAiSdkIntegration()); inside "
                        "startActiveObservation('weather-agent', { asType: 'agent' }) and propagateAttributes "
                        "(traceName, sessionId, userId); new NodeSDK({ spanProcessors: [new LangfuseSpanProcessor()] }) "
                        "exporting OTLP/HTTP JSON to {OTLP_URL}/api/public/otel/v1/traces with Basic auth; "
                        f"Node.js {node}; {'loopback-only network namespace' if isolated else 'no network namespace'}."])


def main() -> None:
    ensure_npm(NAME, PACKAGES)  # before the namespace, which has no way to the registry
    record(isolate_network())


if __name__ == "__main__":
    main()
