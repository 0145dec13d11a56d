"""Record the OpenAI Agents SDK for TypeScript (npm ``@openai/agents``) traced by OpenInference.

Run: ``python tests/clients/record_openai_agents_js.py`` (installs the pinned npm packages
into a cached prefix, then records in a loopback-only network namespace where it can make
one). The JavaScript twin of ``record_openai_agents.py``: one ``Agent`` (``gpt-4.1-mini``,
the SDK's default model API, Responses) with one function tool ``get_weather`` (zod
parameters), one ``run()``; the SDK's default OpenAI client replaced by one whose base URL
is the fake LLM's (``setDefaultOpenAIClient(new OpenAI({ baseURL }))``).

OpenInference's ``@arizeai/openinference-instrumentation-openai-agents`` patches nothing: it
is a ``TracingProcessor`` of the SDK's own trace provider, registered through the SDK's
``setTraceProcessors`` (its default, "exclusive" mode) or ``addTraceProcessor``. Under ESM
the module namespace is handed to it, as its README shows
(``new OpenAIAgentsInstrumentation().manuallyInstrument(agents)``); it maps each SDK span to
an OpenTelemetry span of the tracer provider ``NodeSDK`` registers, exported over OTLP/HTTP
protobuf. The exclusive mode is also how the SDK's default export of its traces to OpenAI's
platform (a ``BatchTraceProcessor`` of ``OpenAITracingExporter`` that ``import
'@openai/agents'`` registers) is switched off: ``setTraceProcessors`` replaces it, as the SDK
documents for sending traces elsewhere only. ``OPENAI_AGENTS_DISABLE_TRACING=1`` (or
``setTracingDisabled(true)``) would switch off the SDK's trace provider itself, which feeds
every processor, OpenInference's too: nothing would be exported (see ``PROBES``).

Two runs, each a fresh process: ``ok`` (call 1 asks for ``get_weather``, the SDK runs it,
call 2 answers) and ``error`` (the fake LLM answers HTTP 400; the run throws, exit 3). The
script prints the SDK's own usage totals (``RESULT_JSON``, kept as ``sdk_results``). Each run
runs under ``strace``, which lists any address it tried off loopback.

``--probe`` instead runs the ``ok`` turn once per entry of ``PROBES`` (other ways to switch the
SDK's exporter off, or not) into a throw-away folder and prints what each exported and which
addresses it tried, writing no fixture.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from cli_support import ensure_npm, foreign_addresses, isolate_network, node_version, npm_version, traced, traced_turns
from record_claude_agent_sdk import result_of
from recording import Recording, js_guarded, openai_env, otel_env

NAME = "openai_agents_js"
PACKAGES = ["@openai/agents@0.20.0", "@arizeai/openinference-instrumentation-openai-agents@0.2.15",
            "openai@7.60.0", "@opentelemetry/sdk-node@0.301.0", "@opentelemetry/exporter-trace-otlp-proto@0.301.1",
            "zod@4.6.7"]

#: How the instrumentation is registered; ``INSTRUMENT`` in the script.
REGISTER = """// ESM: OpenInference's processor registered with the SDK's trace provider through the
// module namespace (its README's manuallyInstrument). Its default "exclusive" mode calls
// setTraceProcessors([processor]): the SDK's default exporter to OpenAI's platform is replaced.
new OpenAIAgentsInstrumentation().manuallyInstrument(agents);"""

#: ``--probe``: name -> (what replaces ``INSTRUMENT``, extra environment).
PROBES: dict[str, tuple[str, dict[str, str]]] = {
    "exclusive (recorded)": (REGISTER, {}),
    "exclusive + OPENAI_AGENTS_DISABLE_TRACING=1": (REGISTER, {"OPENAI_AGENTS_DISABLE_TRACING": "1"}),
    "additive (the SDK's exporter kept)": (
        "new OpenAIAgentsInstrumentation().manuallyInstrument(agents, { exclusiveProcessor: false });", {}),
    "additive + setTracingExportApiKey('')": (
        "agents.setTracingExportApiKey('');\n"
        "new OpenAIAgentsInstrumentation().manuallyInstrument(agents, { exclusiveProcessor: false });", {}),
}

AGENT = """
import { NodeSDK } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import * as agents from '@openai/agents';
import { OpenAIAgentsInstrumentation } from '@arizeai/openinference-instrumentation-openai-agents';
import OpenAI from 'openai';
import { z } from 'zod';

// Exporter, endpoint and resource from the OTEL_* variables.
const sdk = new NodeSDK({ traceExporter: new OTLPTraceExporter() });
sdk.start();
INSTRUMENT

// The SDK's OpenAI client, pointed at the fake LLM; no retry of the refused request.
agents.setDefaultOpenAIClient(new OpenAI({ baseURL: process.env.OPENAI_BASE_URL, maxRetries: 0 }));

const getWeather = agents.tool({
  name: 'get_weather',
  description: 'Get the current weather for a city.',
  parameters: z.object({ city: z.string() }),
  execute: async ({ city }) => 'Sunny, 22 C in ' + city,
});
const agent = new agents.Agent({
  name: 'weather-agent',
  instructions: 'Answer weather questions with the get_weather tool.',
  model: 'gpt-4.1-mini',
  tools: [getWeather],
});
""" + js_guarded("""
const result = await agents.run(agent, 'What is the weather in Paris?');
console.log('FINAL:', result.finalOutput);
const { requests, inputTokens, outputTokens, totalTokens, requestUsageEntries } = result.state.usage;
console.log('RESULT_JSON:', JSON.stringify({
  usage: { requests, inputTokens, outputTokens, totalTokens }, per_request: requestUsageEntries,
  last_response_id: result.lastResponseId,
}));
""", """
// The SDK's processors first (what its exit handler does; the default exporter's batch when
// it is kept), then the OTel SDK's.
await agents.getGlobalTraceProvider().forceFlush();
await sdk.shutdown();
""")


def script_for(register: str) -> str:
    return AGENT.replace("INSTRUMENT", register)


def probe(prefix: Path) -> None:
    """Run the ok turn with each of ``PROBES`` and print what it exported and where it connected."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    for name, (register, extra) in PROBES.items():
        script = prefix / "probe.mjs"
        script.write_text(script_for(register))
        with tempfile.TemporaryDirectory() as out, Recording(NAME, out_dir=out) as rec:
            env = otel_env(rec.cap.url, service_name="openai-agents-js-probe", signals=("traces",))
            env |= openai_env(rec) | extra
            netlog = rec.tmp / "strace.log"
            run = rec.run("ok", traced(["node", str(script)], netlog), env)
            spans = 0
            for i in run["requests"]:
                req = ExportTraceServiceRequest.FromString(rec.cap.requests[i].body)
                spans += sum(len(ss.spans) for rs in req.resource_spans for ss in rs.scope_spans)
            print(f"{name}: exit {run['exit_code']}, {len(run['requests'])} OTLP requests, {spans} spans, "
                  f"tried off loopback: {foreign_addresses(netlog) if netlog.exists() else 'no strace'}")


def main() -> None:
    prefix = ensure_npm(NAME, PACKAGES)  # before the namespace, which has no way to the registry
    if "--install-only" in sys.argv:
        print(f"[{NAME}] npm packages ready: {prefix}")
        return
    isolated = isolate_network()
    if "--probe" in sys.argv:
        probe(prefix)
        return
    versions = {p: npm_version(prefix, p) for p in (
        "@openai/agents", "@openai/agents-core", "@openai/agents-openai",
        "@arizeai/openinference-instrumentation-openai-agents", "@arizeai/openinference-core", "openai",
        "@opentelemetry/sdk-node", "@opentelemetry/exporter-trace-otlp-proto")}
    script = prefix / "agent.mjs"  # in the prefix, so that its node_modules resolve the imports
    script.write_text(script_for(REGISTER))
    node = node_version()
    with Recording(NAME) as rec:
        env = otel_env(rec.cap.url, service_name="openai-agents-js-recording", signals=("traces",))
        env |= openai_env(rec)
        runs = traced_turns(rec, ["node", str(script)], ["node", "agent.mjs"], env)
        results: dict[str, object] = {label: result_of(run["stdout_tail"]) for label, run in runs.items()}
        rec.save(
            packages=versions, env=env, recorder=Path(__file__).name,
            notes=[
                "One Agent (gpt-4.1-mini, Responses API: the SDK's default) with one function tool get_weather "
                "(zod parameters), one run(); setDefaultOpenAIClient(new OpenAI({ baseURL: OPENAI_BASE_URL, "
                "maxRetries: 0 })).",
                "new OpenAIAgentsInstrumentation().manuallyInstrument(agents) on the module namespace (ESM), "
                "its default exclusive mode: setTraceProcessors([its processor]) replaces the SDK's default "
                "exporter to OpenAI's platform; OTel Node SDK (NodeSDK), OTLP/HTTP protobuf span exporter.",
                "ok: call 1 asks for get_weather, the SDK runs it, call 2 answers. error: the fake LLM answers "
                "HTTP 400, the run throws (exit 3).",
                "The SDK's exporter switched off other ways (record_openai_agents_js.py --probe): "
                "OPENAI_AGENTS_DISABLE_TRACING=1 switches off the SDK's trace provider, which feeds every processor: "
                "OpenInference's spans are gone too (nothing exported); OpenInference's additive mode keeps the "
                "SDK's exporter, which looks api.openai.com up when the SDK flushes (a DNS query off loopback); "
                "additive with setTracingExportApiKey('') skips that export (no key) and keeps the 8 spans.",
                "sdk_results holds the SDK's own usage per run (result.state.usage: its totals and each request's).",
                f"Node.js {node}; {'loopback-only network namespace' if isolated else 'no network namespace'}.",
            ],
            extra={"sdk_results": results},
        )


if __name__ == "__main__":
    main()
