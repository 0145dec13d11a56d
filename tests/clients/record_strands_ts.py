"""Record the Strands Agents SDK for TypeScript (npm ``@strands-agents/sdk``) on the OpenAI provider.

Run: ``python tests/clients/record_strands_ts.py [VARIANT ...]`` (installs the pinned npm packages
into a cached prefix, then records in a loopback-only network namespace where it can make one).
The TypeScript twin of ``record_strands.py``: one ``Agent`` with one ``tool`` ``get_weather`` (zod
input schema), one ``invoke()``, on ``OpenAIModel`` (the ``openai`` npm package, pointed at the fake
LLM by ``OPENAI_BASE_URL`` / ``OPENAI_API_KEY``, which it reads itself). Both of the provider's APIs
stream, always (``stream: true``; Chat Completions also asks for the usage chunk):

* ``strands_ts``: ``api: 'chat'``, Chat Completions (what any OpenAI-compatible provider serves, and
  what the Python ``strands`` recording uses);
* ``strands_ts_responses``: the provider's default, the Responses API;
* ``strands_ts_latest``: Chat Completions with ``OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental``
  (the newer GenAI conventions' names and message events), as ``record_strands.py``'s ``strands_latest``.

Telemetry is set up as the SDK documents it: ``setupTracer({ exporters: { otlp: true } })`` and
``setupMeter({ exporters: { otlp: true } })`` from ``@strands-agents/sdk/telemetry`` (its optional
peer dependencies, the OTel JS SDK's ``NodeTracerProvider``, ``MeterProvider`` and OTLP/HTTP JSON
exporters, installed beside it), reading the standard ``OTEL_*`` variables. The SDK names its
tracer, its meter and every span's ``gen_ai.system`` after ``OTEL_SERVICE_NAME``; the recording
sets an application's own name there (``weather-app``), as a user or ``agenttrace-tui run`` does.
``traceAttributes`` puts a ``session.id`` (one per run) on the agent span, as Strands documents for
sessions.

Two runs, each a fresh process: ``ok`` (call 1 asks for ``get_weather``, the SDK runs it, call 2
answers) and ``error`` (the fake LLM answers HTTP 400; ``invoke()`` throws, exit 3). The script prints
the SDK's own usage totals (``RESULT_JSON``, kept as ``sdk_results``). Each run runs under
``strace``, which lists any address it tried off loopback.
"""

from __future__ import annotations

import sys
from pathlib import Path

from cli_support import ensure_npm, isolate_network, node_version, npm_version, traced_turns
from record_claude_agent_sdk import result_of
from recording import Recording, chosen_variants, js_guarded, openai_env, otel_env

NAME = "strands_ts"
#: The SDK and the optional peer dependencies its telemetry helpers import (the newest each of its
#: ranges allows: exporters ^0.219.0, SDK packages ^2.6.1, openai ^6.45.0, zod ^4.1.12).
PACKAGES = ["@strands-agents/sdk@1.19.0", "openai@6.49.0", "zod@4.6.7", "@opentelemetry/api@1.9.0",
            "@opentelemetry/sdk-trace-node@2.12.1", "@opentelemetry/sdk-trace-base@2.12.1",
            "@opentelemetry/sdk-metrics@2.12.1", "@opentelemetry/resources@2.12.1",
            "@opentelemetry/exporter-trace-otlp-http@0.219.0", "@opentelemetry/exporter-metrics-otlp-http@0.219.0"]

CHAT = ("api: 'chat', ", "OpenAIModel({ api: 'chat', modelId: 'gpt-4o-mini' }): Chat Completions, streamed with "
                        "stream_options.include_usage (the provider always streams).")
#: Variant -> the OpenAIModel option choosing the API ('' for the provider's default), its note, and the
#: variables added to the recording's.
VARIANTS: dict[str, tuple[str, str, dict[str, str]]] = {
    "strands_ts": (*CHAT, {}),
    "strands_ts_responses": ("", "OpenAIModel({ modelId: 'gpt-4o-mini' }): the provider's default, the Responses "
                                 "API, streamed (the provider always streams).", {}),
    "strands_ts_latest": (CHAT[0], CHAT[1] + " OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental: "
                          "gen_ai.provider.name, the messages as gen_ai.client.inference.operation.details events.",
                          {"OTEL_SEMCONV_STABILITY_OPT_IN": "gen_ai_latest_experimental"}),
}

AGENT = """
import { randomUUID } from 'node:crypto';
import { Agent, tool } from '@strands-agents/sdk';
import { OpenAIModel } from '@strands-agents/sdk/models/openai';
import { setupMeter, setupTracer } from '@strands-agents/sdk/telemetry';
import { z } from 'zod';

// The SDK's own set-up: a NodeTracerProvider and a MeterProvider with OTLP/HTTP exporters, both
// reading the OTEL_* variables, registered as the global providers.
const tracerProvider = setupTracer({ exporters: { otlp: true } });
const meterProvider = setupMeter({ exporters: { otlp: true } });

const getWeather = tool({
  name: 'get_weather',
  description: 'Get the current weather for a city.',
  inputSchema: z.object({ city: z.string().describe('The city name.') }),
  callback: ({ city }) => 'Sunny, 22 C in ' + city,
});
// The openai client reads OPENAI_BASE_URL and OPENAI_API_KEY itself.
const model = new OpenAIModel({ API_OPTIONmodelId: 'gpt-4o-mini' });
const agent = new Agent({
  name: 'weather_agent',
  model,
  tools: [getWeather],
  systemPrompt: 'Answer weather questions with the get_weather tool.',
  printer: false,
  traceAttributes: { 'session.id': 'weather-' + randomUUID() },
});
""" + js_guarded("""
const result = await agent.invoke('What is the weather in Paris?');
console.log('FINAL:', String(result));
console.log('RESULT_JSON:', JSON.stringify({ stop_reason: result.stopReason, usage: result.metrics?.accumulatedUsage }));
""", """
await tracerProvider.shutdown();
await meterProvider.shutdown();
""")


def main() -> None:
    prefix = ensure_npm(NAME, PACKAGES)  # before the namespace, which has no way to the registry
    if "--install-only" in sys.argv:
        print(f"[{NAME}] npm packages ready: {prefix}")
        return
    isolated = isolate_network()
    versions = {p: npm_version(prefix, p) for p in (
        "@strands-agents/sdk", "openai", "@opentelemetry/api", "@opentelemetry/sdk-trace-node",
        "@opentelemetry/sdk-metrics", "@opentelemetry/exporter-trace-otlp-http",
        "@opentelemetry/exporter-metrics-otlp-http")}
    node = node_version()
    for name in chosen_variants(VARIANTS):
        api_option, note, extra = VARIANTS[name]
        script = prefix / f"{name}.mjs"  # in the prefix, so that its node_modules resolve the imports
        script.write_text(AGENT.replace("API_OPTION", api_option))
        with Recording(name) as rec:
            env = otel_env(rec.cap.url, service_name="weather-app", signals=("traces", "metrics"))
            env |= openai_env(rec) | extra
            runs = traced_turns(rec, ["node", str(script)], ["node", script.name], env)
            results: dict[str, object] = {label: result_of(run["stdout_tail"]) for label, run in runs.items()}
            rec.save(
                packages=versions, env=env, recorder=Path(__file__).name,
                notes=[
                    "One Agent (name weather_agent, a system prompt) with one tool get_weather (zod input schema), "
                    "one invoke(); " + note,
                    "setupTracer({ exporters: { otlp: true } }) and setupMeter({ exporters: { otlp: true } }) from "
                    "@strands-agents/sdk/telemetry: NodeTracerProvider + BatchSpanProcessor, MeterProvider + "
                    "PeriodicExportingMetricReader, OTLP/HTTP JSON exporters; both providers shut down (flushed) "
                    "at the end.",
                    "OTEL_SERVICE_NAME=weather-app: the SDK names its tracer and meter (the instrumentation "
                    "scopes) and every span's gen_ai.system after the service.",
                    "traceAttributes { 'session.id': 'weather-<uuid>' } (one per run): on the invoke_agent span.",
                    "ok: call 1 asks for get_weather, the SDK runs it, call 2 answers. error: the fake LLM answers "
                    "HTTP 400, invoke() throws (exit 3).",
                    "sdk_results holds the SDK's own usage per run (result.metrics.accumulatedUsage).",
                    f"Node.js {node} (the SDK declares engines.node >=22; npm does not enforce it); "
                    f"{'loopback-only network namespace' if isolated else 'no network namespace'}.",
                ],
                extra={"sdk_results": results},
            )


if __name__ == "__main__":
    main()
