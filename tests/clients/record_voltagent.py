"""Record a VoltAgent agent (npm ``@voltagent/core``) exported over OTLP by its own observability.

Run: ``python tests/clients/record_voltagent.py`` (installs the pinned npm packages
into a cached prefix, then records). One ``Agent`` with one ``createTool`` tool on
the AI SDK's OpenAI provider (``@ai-sdk/openai``: the Responses API), one
``generateText`` turn, against the fake LLM. VoltAgent's observability is an
OpenTelemetry tracer provider of its own; its ``spanProcessors`` option takes any
span processor, here a ``BatchSpanProcessor`` around the standard OTLP/HTTP protobuf
exporter, as VoltAgent's documentation sets it up for an OTLP backend (MLflow) —
no VoltOps account involved.

``record_voltagent.py voltagent_ai_sdk`` records the same agent with the AI SDK's
own spans too: VoltAgent's span filter widened to the AI SDK's tracer (scope
``ai``) and ``experimental_telemetry`` passed through ``generateText`` to the AI
SDK, which then traces each step's model call on VoltAgent's tracer provider.
"""

from __future__ import annotations

import sys
from pathlib import Path

from cli_support import ensure_npm, npm_version
from recording import FAKE_KEY, Recording, js_guarded, otel_env

NAME = "voltagent"
PACKAGES = ["@voltagent/core@2.10.0", "@voltagent/logger@2.0.2", "ai@6.0.333", "@ai-sdk/openai@3.0.141",
            "@ai-sdk/provider-utils@4.0.67", "@opentelemetry/sdk-trace-base@2.12.1",
            "@opentelemetry/exporter-trace-otlp-proto@0.223.1", "zod@4"]


def agent(ai_sdk_spans: bool) -> str:
    """The agent script; with ``ai_sdk_spans`` the AI SDK's own spans are exported too."""
    span_filter = ("\n  // VoltAgent keeps only its own tracer's spans unless told otherwise: the AI SDK's too.\n"
                   "  spanFilters: { instrumentationScopeNames: ['@voltagent/core', 'ai'] },") if ai_sdk_spans else ""
    telemetry = " experimental_telemetry: { isEnabled: true }," if ai_sdk_spans else ""
    return AGENT.replace("__SPAN_FILTER__", span_filter).replace("__TELEMETRY__", telemetry)


AGENT = """
import { Agent, VoltAgent, VoltAgentObservability, createTool } from '@voltagent/core';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { createOpenAI } from '@ai-sdk/openai';
import { z } from 'zod';
import { randomUUID } from 'node:crypto';

const observability = new VoltAgentObservability({
  serviceName: 'voltagent-recording',__SPAN_FILTER__
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({
    url: process.env.OTEL_EXPORTER_OTLP_ENDPOINT + '/v1/traces' }))],
});
const openai = createOpenAI({ baseURL: process.env.OPENAI_BASE_URL, apiKey: process.env.OPENAI_API_KEY });
const getWeather = createTool({
  name: 'get_weather',
  description: 'Get the current weather for a city.',
  parameters: z.object({ city: z.string() }),
  execute: async ({ city }) => 'Sunny, 22 C in ' + city,
});
const agent = new Agent({
  name: 'weather-agent',
  instructions: 'Answer weather questions with the get_weather tool.',
  model: openai('gpt-4o-mini'),
  tools: [getWeather],
});
// No server; no npm registry look-up of VoltAgent's own versions while recording.
new VoltAgent({ agents: { weather: agent }, observability, checkDependencies: false });
""" + js_guarded("""
// A conversation per run, as a chat app names one (VoltAgent puts it on the agent's span as conversation.id).
const result = await agent.generateText('What is the weather in Paris?',
  { maxSteps: 3, conversationId: randomUUID(), userId: 'recording-user',__TELEMETRY__ });
console.log('FINAL:', result.text);
""", """
await observability.forceFlush();
await observability.shutdown();
""")


#: recording name -> whether the AI SDK's own spans are exported too
VARIANTS: dict[str, bool] = {NAME: False, f"{NAME}_ai_sdk": True}


def record(name: str, ai_sdk_spans: bool) -> None:
    prefix = ensure_npm(NAME, PACKAGES)
    versions = {p: npm_version(prefix, p) for p in ("@voltagent/core", "ai", "@ai-sdk/openai",
                                                     "@opentelemetry/exporter-trace-otlp-proto")}
    script = prefix / f"{name}.mjs"  # in the prefix, so that its node_modules resolve the imports
    script.write_text(agent(ai_sdk_spans))
    with Recording(name) as rec:
        env = otel_env(rec.cap.url, service_name="voltagent-recording", signals=("traces",))
        env |= {"OPENAI_BASE_URL": rec.llm.openai_base_url, "OPENAI_API_KEY": FAKE_KEY}
        ok = rec.run("ok", ["node", str(script)], env)
        rec.run("error", ["node", str(script)], env, mode="error")
        # VoltAgent's llm span is one per generateText, around the AI SDK's loop over its steps, and
        # carries the result's usage: the last step's (the turn's total is on the agent's span).
        served = [c for c in ok["fake_calls"] if c["status"] == 200]
        not_reported = {str(c["seq"]): "made by an earlier step of the same generateText, whose one llm span "
                        "carries only the last step's usage" for c in served[:-1]}
        rec.save(packages=versions, env=env, recorder=Path(__file__).name,
                 notes=["One Agent with one createTool tool on @ai-sdk/openai (Responses API), one generateText; "
                        "VoltAgentObservability({spanProcessors: [BatchSpanProcessor(OTLPTraceExporter)]}), "
                        "OTLP/HTTP protobuf; conversationId and userId per generateText." + (
                            " The AI SDK's spans too: spanFilters.instrumentationScopeNames ['@voltagent/core', 'ai'], "
                            "experimental_telemetry { isEnabled: true } passed through generateText."
                            if ai_sdk_spans else " VoltAgent's default span filter: its own tracer's spans only."),
                        "One llm:generateText span around both model calls, with the last call's usage; the "
                        "agent span sums the turn (usage.*)." + (
                            " The AI SDK's ai.generateText (the sum) and one ai.generateText.doGenerate per call "
                            "(each call's usage) inside it." if ai_sdk_spans else
                            " usage_not_reported: the calls before the last.")],
                 extra={} if ai_sdk_spans else {"usage_not_reported": not_reported})


def main() -> None:
    names = sys.argv[1:] or [NAME]
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        raise SystemExit(f"unknown recording {unknown}; one of {sorted(VARIANTS)}")
    for name in names:
        record(name, VARIANTS[name])


if __name__ == "__main__":
    main()
