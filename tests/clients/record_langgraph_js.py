"""Record a LangGraph.js ReAct agent (npm ``@langchain/langgraph``) traced by OpenInference.

Run: ``python tests/clients/record_langgraph_js.py`` (installs the pinned npm
packages into a cached prefix, then records). The JavaScript counterpart of
``record_langchain.py``: ``createReactAgent`` from ``@langchain/langgraph/prebuilt``
with one tool on ``@langchain/openai``'s ``ChatOpenAI`` (Chat Completions,
``streamUsage: true``), traced by ``@arizeai/openinference-instrumentation-langchain``
set up as its documentation says (``manuallyInstrument`` on
``@langchain/core/callbacks/manager``), the OpenTelemetry Node SDK exporting
spans over OTLP/HTTP protobuf.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cli_support import ensure_npm, npm_version
from fakellm import Usage
from recording import Recording, js_guarded, openai_env, otel_env

NAME = "langgraph_js"
PACKAGES = ["@langchain/langgraph@1.7.5", "@langchain/openai@1.6.0", "@langchain/core@1.5.0",
            "@arizeai/openinference-instrumentation-langchain@4.1.1", "@opentelemetry/sdk-node@0.301.0",
            "@opentelemetry/exporter-trace-otlp-proto@0.301.1", "zod@4"]

def agent_script(model_import: str, model: str) -> str:
    """The agent as an ES module: the OTel Node SDK and OpenInference's LangChain instrumentation
    set up first, then ``createReactAgent`` with the ``get_weather`` tool on the chat model that
    JavaScript ``model`` makes (after ``model_import``, an ``await import`` of its class), one
    ``invoke`` of the weather question."""
    return """
import { NodeSDK } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { LangChainInstrumentation } from '@arizeai/openinference-instrumentation-langchain';
import * as CallbackManagerModule from '@langchain/core/callbacks/manager';

const sdk = new NodeSDK({ traceExporter: new OTLPTraceExporter() });
sdk.start();
// LangChain.js is instrumented by hand (its docs' set-up), before any LangChain object is made.
new LangChainInstrumentation().manuallyInstrument(CallbackManagerModule);

const { createReactAgent } = await import('@langchain/langgraph/prebuilt');
""" + model_import.strip() + """
const { tool } = await import('@langchain/core/tools');
const { z } = await import('zod');

const getWeather = tool(async ({ city }) => 'Sunny, 22 C in ' + city, {
  name: 'get_weather',
  description: 'Get the current weather for a city.',
  schema: z.object({ city: z.string() }),
});
const llm = """ + model.strip() + """;
const agent = createReactAgent({ llm, tools: [getWeather], prompt: 'Answer weather questions with the get_weather tool.' });
""" + js_guarded("""
const out = await agent.invoke({ messages: [{ role: 'user', content: 'What is the weather in Paris?' }] });
console.log('FINAL:', out.messages[out.messages.length - 1].content);
""", """
await sdk.shutdown();
""")


AGENT = agent_script("const { ChatOpenAI } = await import('@langchain/openai');", """
new ChatOpenAI({
  model: 'gpt-4o-mini',
  configuration: { baseURL: process.env.OPENAI_BASE_URL },
  streamUsage: true,
})""")


def record(name: str, packages: list[str], versions: list[str], client_env: Callable[[Recording], dict[str, str]],
           agent: str, notes: list[str], recorder: str, usage: dict[str, Usage] | None = None) -> None:
    """Install ``packages`` and record ``agent`` (an ``agent_script``) as ``fixtures/<name>/``: the
    ``ok`` and ``error`` runs, with the OTel variables for traces and ``client_env(rec)`` set, the
    fake LLM answering with ``usage`` (its default table when None); the manifest names the
    installed versions of the packages ``versions`` names."""
    prefix = ensure_npm(name, packages)
    script = prefix / "agent.mjs"  # in the prefix, so that its node_modules resolve the imports
    script.write_text(agent)
    with Recording(name, usage=usage) as rec:
        env = otel_env(rec.cap.url, service_name=f"{name.replace('_', '-')}-recording", signals=("traces",))
        env |= client_env(rec)
        for label, mode in (("ok", "ok"), ("error", "error")):
            rec.run(label, ["node", str(script)], env, mode=mode)
        rec.save(packages={p: npm_version(prefix, p) for p in versions}, env=env, recorder=recorder, notes=notes)

def main() -> None:
    record(NAME, PACKAGES, ["@langchain/langgraph", "@langchain/openai", "@langchain/core",
                            "@arizeai/openinference-instrumentation-langchain", "openai", "@opentelemetry/sdk-node"],
           openai_env, AGENT,
           ["createReactAgent with one tool on ChatOpenAI(streamUsage: true; key from "
            "OPENAI_API_KEY), one invoke; LangChainInstrumentation().manuallyInstrument(@langchain/core/callbacks/manager); "
            "OTel Node SDK, OTLP/HTTP protobuf."], Path(__file__).name)

if __name__ == "__main__":
    main()
