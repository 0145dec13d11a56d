"""Record IBM's BeeAI Framework for TypeScript (npm ``beeai-framework``) traced by OpenInference.

Run: ``python tests/clients/record_beeai_ts.py`` (installs the pinned npm packages into a
cached prefix, then records in a loopback-only network namespace where it can make one).
The TypeScript twin of ``record_beeai.py``: one ``ToolCallingAgent`` (the framework's agent
that calls tools natively; its ``ReActAgent`` asks for its tools in text) with one
``DynamicTool`` ``get_weather`` (zod input schema) on ``OpenAIChatModel("gpt-4o-mini")``
(its OpenAI provider: the AI SDK's ``@ai-sdk/openai`` underneath, Chat Completions) with
``baseURL`` at the fake LLM, one ``run()``.

The framework has no telemetry of its own any more (its ``instrumentation`` module, in
0.1.2, is gone from 0.1.10 on); OpenInference's ``@arizeai/openinference-instrumentation-beeai``
wraps ``BaseAgent.run``, ``Tool.run`` and ``ChatModel.create``, collects the framework's
emitter events of the run and, when the run finishes, builds one span per event under a
``beeai-framework-main`` span, through the tracer provider that ``NodeSDK`` registers, exported
over OTLP/HTTP protobuf. It is set up as its README shows under ESM:
``new BeeAIInstrumentation().manuallyInstrument(beeaiFramework)`` on the module namespace.
It patches only ``beeai-framework`` ``>=0.1.9 <0.1.14`` (its ``INSTRUMENTS``): on a newer
framework, 0.1.30 the newest, it logs a ``DependencyConflict`` warning (through OpenTelemetry's
diagnostics, silent by default) and patches nothing: ``--probe`` runs the turn on 0.1.30 (with the
AI SDK's 3.x line its OpenAI provider takes) and prints what was exported, nothing; 0.1.13 is the
newest it traces.

The ``ToolCallingAgent`` offers its own ``final_answer`` tool beside the user's, with
``tool_choice`` ``required``; after a text answer (the fake LLM's answer to a tool result)
it offers ``final_answer`` alone and asks again: three model calls (``get_weather``, the
text, ``final_answer``) and two tool runs.

Two runs, each a fresh process: ``ok`` and ``error`` (the fake LLM answers HTTP 400; the run
throws, exit 3). Each run runs under ``strace``, which lists any address it tried off
loopback.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from cli_support import ensure_npm, foreign_addresses, isolate_network, node_version, npm_version, traced, traced_turns
from recording import FAKE_KEY, Recording, js_guarded, otel_env

NAME = "beeai_ts"
FRAMEWORK = "beeai-framework@0.1.13"
PACKAGES = [FRAMEWORK, "@arizeai/openinference-instrumentation-beeai@1.5.30", "@ai-sdk/openai@1.3.24",
            "@opentelemetry/sdk-node@0.301.0", "@opentelemetry/exporter-trace-otlp-proto@0.301.1", "zod@3.25.76"]

#: The newest framework, which ``--probe`` runs the turn on, and what it runs with (its OpenAI provider
#: takes the AI SDK's 3.x line).
PROBE_FRAMEWORK = "beeai-framework@0.1.30"
PROBE_PACKAGES = ["@arizeai/openinference-instrumentation-beeai@1.5.30", "@ai-sdk/openai@3.0.141",
                  "@opentelemetry/sdk-node@0.301.0", "@opentelemetry/exporter-trace-otlp-proto@0.301.1", "zod@3.25.76"]

AGENT = """
import { NodeSDK } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BeeAIInstrumentation } from '@arizeai/openinference-instrumentation-beeai';
import * as beeaiFramework from 'beeai-framework';

// Exporter, endpoint and resource from the OTEL_* variables.
const sdk = new NodeSDK({ traceExporter: new OTLPTraceExporter() });
sdk.start();
// ESM: the module namespace handed to the instrumentation (its README's manuallyInstrument).
new BeeAIInstrumentation().manuallyInstrument(beeaiFramework);

const { ToolCallingAgent } = await import('beeai-framework/agents/toolCalling/agent');
const { UnconstrainedMemory } = await import('beeai-framework/memory/unconstrainedMemory');
const { OpenAIChatModel } = await import('beeai-framework/adapters/openai/backend/chat');
const { DynamicTool, StringToolOutput } = await import('beeai-framework/tools/base');
const { z } = await import('zod');

const getWeather = new DynamicTool({
  name: 'get_weather',
  description: 'Get the current weather for a city.',
  inputSchema: z.object({ city: z.string() }),
  handler: async ({ city }) => new StringToolOutput('Sunny, 22 C in ' + city),
});
const llm = new OpenAIChatModel('gpt-4o-mini', {}, {
  baseURL: process.env.OPENAI_BASE_URL, apiKey: process.env.OPENAI_API_KEY });
const agent = new ToolCallingAgent({ llm, memory: new UnconstrainedMemory(), tools: [getWeather] });
""" + js_guarded("""
const out = await agent.run({ prompt: 'What is the weather in Paris?' });
console.log('FINAL:', out.result.text);
""", """
await sdk.shutdown();
""")


def probe(prefix: Path) -> None:
    """Run the ok turn on the newest framework (``PROBE_FRAMEWORK``) and print what it exported."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    script = prefix / "probe.mjs"
    script.write_text(AGENT)
    with tempfile.TemporaryDirectory() as out, Recording(NAME, out_dir=out) as rec:
        env = otel_env(rec.cap.url, service_name="beeai-ts-probe", signals=("traces",))
        env |= {"OPENAI_BASE_URL": rec.llm.openai_base_url, "OPENAI_API_KEY": FAKE_KEY}
        netlog = rec.tmp / "strace.log"
        run = rec.run("ok", traced(["node", str(script)], netlog), env)
        spans = 0
        for i in run["requests"]:
            req = ExportTraceServiceRequest.FromString(rec.cap.requests[i].body)
            spans += sum(len(ss.spans) for rs in req.resource_spans for ss in rs.scope_spans)
        print(f"beeai-framework {npm_version(prefix, 'beeai-framework')}: exit {run['exit_code']}, "
              f"{len(run['fake_calls'])} model calls, {len(run['requests'])} OTLP requests, {spans} spans, "
              f"tried off loopback: {foreign_addresses(netlog) if netlog.exists() else 'no strace'}")
        print(run["stdout_tail"][-800:])
        print(run["stderr_tail"][-800:])


def main() -> None:
    probing = "--probe" in sys.argv
    packages = [PROBE_FRAMEWORK, *PROBE_PACKAGES] if probing else PACKAGES
    if probing:
        # The newest framework's optional peers (LangChain's community package among them) conflict with
        # each other; npm installs the packages named here when it leaves optional peers unresolved.
        os.environ["NPM_CONFIG_LEGACY_PEER_DEPS"] = "true"
    prefix = ensure_npm(NAME + ("_probe" if probing else ""), packages)  # before the namespace: no registry there
    if "--install-only" in sys.argv:
        print(f"[{NAME}] npm packages ready: {prefix}")
        return
    isolated = isolate_network()
    if probing:
        probe(prefix)
        return
    versions = {p: npm_version(prefix, p) for p in (
        "beeai-framework", "@arizeai/openinference-instrumentation-beeai", "@arizeai/openinference-core",
        "@ai-sdk/openai", "ai", "@opentelemetry/sdk-node", "@opentelemetry/exporter-trace-otlp-proto")}
    script = prefix / "agent.mjs"  # in the prefix, so that its node_modules resolve the imports
    script.write_text(AGENT)
    node = node_version()
    with Recording(NAME) as rec:
        env = otel_env(rec.cap.url, service_name="beeai-ts-recording", signals=("traces",))
        env |= {"OPENAI_BASE_URL": rec.llm.openai_base_url, "OPENAI_API_KEY": FAKE_KEY}
        traced_turns(rec, ["node", str(script)], ["node", "agent.mjs"], env)
        rec.save(
            packages=versions, env=env, recorder=Path(__file__).name,
            notes=[
                "One ToolCallingAgent (UnconstrainedMemory) with one DynamicTool get_weather (zod input schema) on "
                "OpenAIChatModel('gpt-4o-mini', {}, { baseURL, apiKey }) (the AI SDK's @ai-sdk/openai, Chat "
                "Completions, not streamed), one run().",
                "new BeeAIInstrumentation().manuallyInstrument(beeaiFramework) on the module namespace (ESM); "
                "OTel Node SDK (NodeSDK), OTLP/HTTP protobuf span exporter.",
                "ok: call 1 (get_weather and the agent's own final_answer offered, tool_choice required) asks for "
                "get_weather, the agent runs it; call 2 answers in text; the agent then offers final_answer alone, "
                "call 3 calls it. error: the fake LLM answers HTTP 400, the run throws (exit 3).",
                f"The instrumentation patches beeai-framework >=0.1.9 <0.1.14 only: on {PROBE_FRAMEWORK} "
                "(record_beeai_ts.py --probe) it warns and patches nothing, no span is exported.",
                f"Node.js {node}; {'loopback-only network namespace' if isolated else 'no network namespace'}.",
            ],
        )


if __name__ == "__main__":
    main()
