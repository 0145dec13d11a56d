"""Record OpenLLMetry for Node.js (npm ``@traceloop/node-server-sdk``) tracing the ``openai`` npm package.

Run: ``python tests/clients/record_traceloop_node.py [traceloop_node|traceloop_node_stream]``
(installs the pinned npm packages into a cached prefix, then records in a
loopback-only network namespace where it can make one). A hand-written tool
loop on ``openai.chat.completions.create`` (gpt-4o-mini, one ``get_weather``
tool), set up as Traceloop's documentation shows for ES modules:
``traceloop.initialize({ baseUrl, apiKey, disableBatch: true,
instrumentModules: { openAI: OpenAI } })``, the loop inside ``withWorkflow`` >
``withAgent`` and each tool run inside ``withTool``. ``traceloop_node`` makes
both model calls non-streaming; ``traceloop_node_stream`` streams call 2 with
``stream_options: { include_usage: true }`` (the same agent, told by its
arguments).

What the set-up does, read in the installed package:

* spans go over OTLP/HTTP protobuf to ``{baseUrl}/v1/traces`` (here the
  capture server), with ``Authorization: Bearer <apiKey>``;
* nothing else is fetched: the prompt registry sync only starts for a
  ``baseUrl`` naming traceloop, and the Node SDK has no usage telemetry of its
  own (``TRACELOOP_TELEMETRY=false`` is set anyway, as for the Python SDK); each
  run goes under strace, and the manifest lists any address off loopback it tried;
* a non-streamed call's span carries the API's usage (input, output, total;
  no cached tokens); a streamed call's does not: the instrumentation
  (``_streamingWrapPromise``) never reads a chunk's ``usage`` and, with
  ``TRACELOOP_ENRICH_TOKENS`` on (its default), sets ``gen_ai.usage.*`` from
  js-tiktoken counts of the messages' string contents and of the answer's
  text (only when that text is not empty), unmarked. Nothing on the span
  says the call streamed (no ``gen_ai.request.stream``, no
  ``llm.is_streaming``: its attribute keys are those of a non-streamed
  call's), so that count cannot be told from reported usage; the recorder
  lists the streamed call in the manifest's ``usage_not_reported``. With
  ``TRACELOOP_ENRICH_TOKENS=false`` a streamed call's span has no usage at
  all (a non-streamed call's is unchanged);
* a failed call leaves nothing: neither the chat span nor the ``with*``
  spans around it handle a rejection, so they never end and never export
  (the ``error`` run is listed as ``error_not_reported``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from cli_support import ensure_npm, foreign_addresses, isolate_network, npm_version, traced
from recording import FAKE_KEY, Recording, js_guarded

NAME = "traceloop_node"
# The instrumentation patches openai ">=4 <7": the newest 6.x.
PACKAGES = ["@traceloop/node-server-sdk@0.27.0", "openai@6.49.0"]

#: The openai client (at OPENAI_BASE_URL, no retries), the get_weather tool and
#: ``complete(params, stream)`` (one chat.completions call, streamed or not, usage asked for when
#: streamed): what the hand-written tool loops on the openai npm package share
#: (``record_openai_node.py`` too). ``OpenAI`` must be in scope; ``node agent.mjs stream N``
#: streams the model calls from the N-th on (0-based).
OPENAI_CHAT_TOOL = """const client = new OpenAI({ baseURL: process.env.OPENAI_BASE_URL, apiKey: process.env.OPENAI_API_KEY, maxRetries: 0 });
const tools = [{
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Get the current weather for a city.',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
}];
const functions = { get_weather: async ({ city }) => 'Sunny, 22 C in ' + city };

// `node agent.mjs stream N`: model calls from the N-th on (0-based) are streamed, usage asked for.
const streamFrom = process.argv[2] === 'stream' ? Number(process.argv[3]) : null;

async function complete(params, stream) {
  if (!stream) {
    return (await client.chat.completions.create(params)).choices[0].message;
  }
  const chunks = await client.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
  const message = { role: 'assistant', content: '' };
  for await (const chunk of chunks) {
    const delta = chunk.choices[0]?.delta;
    message.content += delta?.content ?? '';
    for (const part of delta?.tool_calls ?? []) {
      message.tool_calls ??= [];
      const call = message.tool_calls[part.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } };
      call.id += part.id ?? '';
      call.function.name += part.function?.name ?? '';
      call.function.arguments += part.function?.arguments ?? '';
    }
  }
  return message;
}
"""

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
""" + "\n" + OPENAI_CHAT_TOOL + """
function weatherAgent(question) {
  return traceloop.withAgent({ name: 'weather-agent' }, async (question) => {
    const messages = [
      { role: 'system', content: 'Answer weather questions with the get_weather tool.' },
      { role: 'user', content: question },
    ];
    for (let step = 0; step < 3; step++) {
      const message = await complete({ model: 'gpt-4o-mini', messages, tools }, streamFrom !== null && step >= streamFrom);
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

""" + js_guarded("""
const answer = await traceloop.withWorkflow({ name: 'weather-workflow' }, weatherAgent, 'What is the weather in Paris?');
console.log('FINAL:', answer);
""", """
await traceloop.forceFlush();
""")


#: Why a streamed call's usage (the API's usage chunk) is not on its span.
STREAM_USAGE_DROPPED = (
    "streamed: the instrumentation ignores the usage chunk and, with TRACELOOP_ENRICH_TOKENS on (its "
    "default), puts its js-tiktoken count of the messages' and the answer's text there instead, unmarked"
)
#: Fixture name -> the 0-based model call from which calls are streamed (None: none is).
VARIANTS: dict[str, int | None] = {NAME: None, f"{NAME}_stream": 1}


def record(name: str, stream_from: int | None) -> None:
    prefix = ensure_npm(NAME, PACKAGES)
    versions = {p: npm_version(prefix, p) for p in ("@traceloop/node-server-sdk", "@traceloop/instrumentation-openai",
                                                     "openai", "@opentelemetry/sdk-node")}
    isolated = isolate_network()
    script = prefix / "agent.mjs"  # in the prefix, so that its node_modules resolve the imports
    script.write_text(AGENT)
    argv = ["node", str(script)] + (["stream", str(stream_from)] if stream_from is not None else [])
    with Recording(name) as rec:
        env = {"TRACELOOP_BASE_URL": rec.cap.url, "TRACELOOP_API_KEY": "x", "TRACELOOP_TELEMETRY": "false",
               "OPENAI_BASE_URL": rec.llm.openai_base_url, "OPENAI_API_KEY": FAKE_KEY}
        not_reported: dict[str, str] = {}
        for label, mode in (("ok", "ok"), ("error", "error")):
            netlog = rec.tmp / f"strace-{label}.log"
            run = rec.run(label, traced(argv, netlog), env, mode=mode)
            run["argv"] = ["node", "agent.mjs", *argv[2:]]
            run["network_attempts_off_loopback"] = foreign_addresses(netlog) if netlog.exists() else None
            not_reported |= {str(c["seq"]): STREAM_USAGE_DROPPED for c in run["fake_calls"]
                             if c["stream"] and c["status"] == 200}
            if mode == "error" and not run["requests"]:
                run["error_not_reported"] = (
                    "a failed call's span is never ended: the OpenAI instrumentation ends it only when the "
                    "response resolves, and withWorkflow/withAgent end theirs only when the function resolves, "
                    "so nothing of the failing turn is exported"
                )
        calls = ("both calls non-streaming" if stream_from is None else
                 f"calls from #{stream_from + 1} on streamed with stream_options.include_usage")
        rec.save(packages=versions, env=env, recorder=Path(__file__).name,
                 notes=[f"Hand-written tool loop on openai.chat.completions.create ({calls}), "
                        "maxRetries 0; traceloop.initialize with baseUrl = the capture server, disableBatch, "
                        "instrumentModules.openAI; withWorkflow > withAgent > chat calls and withTool; "
                        f"{'loopback-only network namespace' if isolated else 'no network namespace'}."],
                 extra={"variant": {"streamed_from_call": None if stream_from is None else stream_from + 1},
                        "usage_not_reported": not_reported})


def main() -> None:
    names = sys.argv[1:] or [NAME]
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        raise SystemExit(f"unknown recording {unknown}; one of {sorted(VARIANTS)}")
    for name in names:
        record(name, VARIANTS[name])


if __name__ == "__main__":
    main()
