"""Record OpenLLMetry for Node.js (npm ``@traceloop/node-server-sdk``) tracing the ``openai`` npm package.

Run: ``python tests/clients/record_traceloop_node.py`` (installs the pinned npm
packages into a cached prefix, then records in a loopback-only network
namespace where it can make one). A hand-written tool loop on
``openai.chat.completions.create`` (gpt-4o-mini, one ``get_weather`` tool),
set up as Traceloop's documentation shows for ES modules:
``traceloop.initialize({ baseUrl, apiKey, disableBatch: true,
instrumentModules: { openAI: OpenAI } })``, the loop inside ``withWorkflow`` >
``withAgent`` and each tool run inside ``withTool``.

What the set-up does, read in the installed package:

* spans go over OTLP/HTTP protobuf to ``{baseUrl}/v1/traces`` (here the
  capture server), with ``Authorization: Bearer <apiKey>``;
* nothing else is fetched: the prompt registry sync only starts for a
  ``baseUrl`` naming traceloop, and the Node SDK has no usage telemetry of its
  own (``TRACELOOP_TELEMETRY=false`` is set anyway, as for the Python SDK); each
  run goes under strace, and the manifest lists any address off loopback it tried;
* both model calls are non-streaming: the instrumentation ignores the usage
  chunk of a stream (``stream_options.include_usage``) and, with
  ``TRACELOOP_ENRICH_TOKENS`` on (its default), puts a js-tiktoken estimate
  on the span instead, so a streamed call would carry no reported tokens;
* a failed call leaves nothing: neither the chat span nor the ``with*``
  spans around it handle a rejection, so they never end and never export
  (the ``error`` run is listed as ``error_not_reported``).
"""

from __future__ import annotations

from pathlib import Path

from cli_support import ensure_npm, foreign_addresses, isolate_network, npm_version, traced
from recording import FAKE_KEY, Recording

NAME = "traceloop_node"
# The instrumentation patches openai ">=4 <7": the newest 6.x.
PACKAGES = ["@traceloop/node-server-sdk@0.27.0", "openai@6.49.0"]

AGENT = """
import * as traceloop from '@traceloop/node-server-sdk';
import OpenAI from 'openai';

traceloop.initialize({
  appName: 'traceloop-node-recording',
  baseUrl: process.env.TRACELOOP_BASE_URL,
  apiKey: process.env.TRACELOOP_API_KEY,
  disableBatch: true,
  // ES modules are not patched on import: the documented manual instrumentation.
  instrumentModules: { openAI: OpenAI },
});

const client = new OpenAI({ baseURL: process.env.OPENAI_BASE_URL, apiKey: process.env.OPENAI_API_KEY, maxRetries: 0 });
const tools = [{
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Get the current weather for a city.',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
}];
const functions = { get_weather: async ({ city }) => 'Sunny, 22 C in ' + city };

function weatherAgent(question) {
  return traceloop.withAgent({ name: 'weather-agent' }, async (question) => {
    const messages = [
      { role: 'system', content: 'Answer weather questions with the get_weather tool.' },
      { role: 'user', content: question },
    ];
    for (let step = 0; step < 3; step++) {
      const response = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, tools });
      const message = response.choices[0].message;
      messages.push(message);
      if (!message.tool_calls?.length) {
        return message.content;
      }
      for (const call of message.tool_calls) {
        const args = JSON.parse(call.function.arguments);
        const result = await traceloop.withTool({ name: call.function.name }, functions[call.function.name], args);
        messages.push({ role: 'tool', tool_call_id: call.id, content: result });
      }
    }
    return null;
  }, question);
}

let code = 0;
try {
  const answer = await traceloop.withWorkflow({ name: 'weather-workflow' }, weatherAgent, 'What is the weather in Paris?');
  console.log('FINAL:', answer);
} catch (e) {
  console.log('ERROR:', e.name, e.message);
  code = 3;
} finally {
  await traceloop.forceFlush();
}
process.exit(code);
"""


def main() -> None:
    prefix = ensure_npm(NAME, PACKAGES)
    versions = {p: npm_version(prefix, p) for p in ("@traceloop/node-server-sdk", "@traceloop/instrumentation-openai",
                                                     "openai", "@opentelemetry/sdk-node")}
    isolated = isolate_network()
    script = prefix / "agent.mjs"  # in the prefix, so that its node_modules resolve the imports
    script.write_text(AGENT)
    with Recording(NAME) as rec:
        env = {"TRACELOOP_BASE_URL": rec.cap.url, "TRACELOOP_API_KEY": "x", "TRACELOOP_TELEMETRY": "false",
               "OPENAI_BASE_URL": rec.llm.openai_base_url, "OPENAI_API_KEY": FAKE_KEY}
        for label, mode in (("ok", "ok"), ("error", "error")):
            netlog = rec.tmp / f"strace-{label}.log"
            run = rec.run(label, traced(["node", str(script)], netlog), env, mode=mode)
            run["argv"] = ["node", "agent.mjs"]
            run["network_attempts_off_loopback"] = foreign_addresses(netlog) if netlog.exists() else None
            if mode == "error" and not run["requests"]:
                run["error_not_reported"] = (
                    "a failed call's span is never ended: the OpenAI instrumentation ends it only when the "
                    "response resolves, and withWorkflow/withAgent end theirs only when the function resolves, "
                    "so nothing of the failing turn is exported"
                )
        rec.save(packages=versions, env=env, recorder=Path(__file__).name,
                 notes=["Hand-written tool loop on openai.chat.completions.create (both calls non-streaming), "
                        "maxRetries 0; traceloop.initialize with baseUrl = the capture server, disableBatch, "
                        "instrumentModules.openAI; withWorkflow > withAgent > chat calls and withTool; "
                        f"{'loopback-only network namespace' if isolated else 'no network namespace'}."])


if __name__ == "__main__":
    main()
