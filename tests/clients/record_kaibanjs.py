"""Record a KaibanJS team (npm ``kaibanjs``) traced by OpenInference's LangChain.js instrumentation.

Run: ``python tests/clients/record_kaibanjs.py`` (installs the pinned npm packages into a
cached prefix, then records). A ``Team`` of one ``Agent`` (KaibanJS's ReAct agent) with one
``Task`` and one LangChain tool, ``team.start()`` once, against the fake LLM.

KaibanJS's own OpenTelemetry integration (``@kaibanjs/opentelemetry``, maps its workflow logs
to ``task.execute`` / ``kaiban.agent.thinking`` spans) is not on the npm registry (404), and
KaibanJS bundles its LangChain.js (``@langchain/core`` inside ``dist/bundle.mjs``), so an
instrumentation of the installed ``@langchain/core`` sees none of the models KaibanJS makes
itself. The agent is therefore given its model as KaibanJS documents for a custom LangChain
model (``llmInstance``): ``@langchain/openai``'s ``ChatOpenAI`` from node_modules (Chat
Completions), and its tool is made with that ``@langchain/core``'s ``tool()``; OpenInference's
``LangChainInstrumentation().manuallyInstrument`` on ``@langchain/core/callbacks/manager`` then
traces each model call and the tool run (the OTel Node SDK, OTLP/HTTP protobuf).

KaibanJS's agent offers its model no tool on the wire: its system prompt lists the tools and
asks for JSON objects (``{"thought", "action", "actionInput"}`` or ``{"finalAnswer"}``), and it
hands a tool's result back as a user message; the fake LLM answers that format
(``fakellm._kaiban_request``). KaibanJS's anonymous usage telemetry is off
(``KAIBAN_TELEMETRY_OPT_OUT``), and each run is in a loopback-only network namespace.
"""

from __future__ import annotations

import sys
from pathlib import Path

from cli_support import ensure_npm, isolate_network, node_version, npm_version, traced_turns
from recording import Recording, js_guarded, openai_env, otel_env

NAME = "kaibanjs"
PACKAGES = ["kaibanjs@0.23.1", "@langchain/openai@0.5.18", "@langchain/core@0.3.80",
            "@arizeai/openinference-instrumentation-langchain@4.1.1", "@opentelemetry/sdk-node@0.301.0",
            "@opentelemetry/exporter-trace-otlp-proto@0.301.1", "zod@3.25.76"]

AGENT = """
import { NodeSDK } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { LangChainInstrumentation } from '@arizeai/openinference-instrumentation-langchain';
import * as CallbackManagerModule from '@langchain/core/callbacks/manager';

const sdk = new NodeSDK({ traceExporter: new OTLPTraceExporter() });
sdk.start();
// LangChain.js is instrumented by hand (OpenInference's set-up), before any LangChain object is made.
new LangChainInstrumentation().manuallyInstrument(CallbackManagerModule);

const { Agent, Task, Team } = await import('kaibanjs');
const { ChatOpenAI } = await import('@langchain/openai');
const { tool } = await import('@langchain/core/tools');
const { z } = await import('zod');
const { awaitAllCallbacks } = await import('@langchain/core/callbacks/promises');

const getWeather = tool(async ({ city }) => 'Sunny, 22 C in ' + city, {
  name: 'get_weather',
  description: 'Get the current weather for a city.',
  schema: z.object({ city: z.string() }),
});
// KaibanJS makes its models with the LangChain.js it bundles (not traced); a model of the
// installed @langchain/openai, passed as llmInstance (KaibanJS's custom-model option), is.
const llm = new ChatOpenAI({ model: 'gpt-4o-mini', configuration: { baseURL: process.env.OPENAI_BASE_URL } });
const agent = new Agent({
  name: 'Weather Agent',
  role: 'Weather reporter',
  goal: 'Answer weather questions with the get_weather tool.',
  background: 'Knows where to look up the weather.',
  tools: [getWeather],
  llmInstance: llm,
  maxIterations: 4,
});
const task = new Task({
  title: 'Weather report',
  description: 'What is the weather in Paris?',
  expectedOutput: 'One sentence on the weather in Paris.',
  agent,
});
const team = new Team({ name: 'Weather Team', agents: [agent], tasks: [task], logLevel: 'error' });
""" + js_guarded("""
const out = await team.start();
console.log('STATUS:', out.status);
console.log('FINAL:', typeof out.result === 'string' ? out.result : JSON.stringify(out.result));
console.log('STATS:', JSON.stringify(out.stats?.llmUsageStats ?? null));
if (out.status !== 'FINISHED') { code = 3; }
""", """
// LangChain.js runs callbacks in the background: the last call's span ends after team.start() resolves.
await awaitAllCallbacks();
await sdk.shutdown();
""")


def main() -> None:
    prefix = ensure_npm(NAME, PACKAGES)  # before the namespace, which has no way to the registry
    if "--install-only" in sys.argv:
        print(f"[{NAME}] npm packages ready: {prefix}")
        return
    isolated = isolate_network()
    versions = {p: npm_version(prefix, p) for p in (
        "kaibanjs", "@langchain/openai", "@langchain/core", "openai",
        "@arizeai/openinference-instrumentation-langchain", "@opentelemetry/sdk-node",
        "@opentelemetry/exporter-trace-otlp-proto")}
    script = prefix / "agent.mjs"  # in the prefix, so that its node_modules resolve the imports
    script.write_text(AGENT)
    node = node_version()
    with Recording(NAME) as rec:
        env = otel_env(rec.cap.url, service_name="kaibanjs-recording", signals=("traces",))
        env |= openai_env(rec) | {"KAIBAN_TELEMETRY_OPT_OUT": "1"}
        traced_turns(rec, ["node", str(script)], ["node", "agent.mjs"], env)
        rec.save(
            packages=versions, env=env, recorder=Path(__file__).name,
            notes=[
                "A Team ('Weather Team') of one Agent ('Weather Agent', KaibanJS's ReAct agent, maxIterations 4) "
                "with one Task and one tool get_weather (@langchain/core tool(), zod schema); team.start() once.",
                "The agent's model is llmInstance: new ChatOpenAI({ model: 'gpt-4o-mini', configuration: "
                "{ baseURL: OPENAI_BASE_URL } }) of the installed @langchain/openai (Chat Completions, not "
                "streamed); KaibanJS bundles its own @langchain/core, whose models and chains no instrumentation "
                "of node_modules reaches.",
                "new LangChainInstrumentation().manuallyInstrument(@langchain/core/callbacks/manager); OTel Node SDK "
                "(NodeSDK), OTLP/HTTP protobuf span exporter; awaitAllCallbacks() before sdk.shutdown() (LangChain.js runs "
                "callbacks in the background: without it the last call's span is not ended yet).",
                "@kaibanjs/opentelemetry (KaibanJS's own OpenTelemetry integration) is not on the npm registry: 404.",
                "KaibanJS's agent offers no tool on the wire: the tools and a JSON answer format are in its system "
                "prompt; the fake LLM answers {thought, action, actionInput} (tool_call), then {finalAnswer} after "
                "'You got this result from the tool: ...' (final).",
                "ok: call 1 names get_weather, KaibanJS runs it, call 2 answers. error: the fake LLM answers HTTP 400, "
                "the task errors, team.start() resolves with status ERRORED (exit 3).",
                "KAIBAN_TELEMETRY_OPT_OUT=1: KaibanJS's anonymous usage telemetry (TelemetryDeck) off.",
                f"Node.js {node}; {'loopback-only network namespace' if isolated else 'no network namespace'}.",
            ],
        )


if __name__ == "__main__":
    main()
