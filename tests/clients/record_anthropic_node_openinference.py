"""Record the Anthropic SDK for TypeScript traced by OpenInference's instrumentation for it.

Run: ``python tests/clients/record_anthropic_node_openinference.py`` (installs the
pinned npm packages into a cached prefix, then records in a loopback-only network
namespace where it can make one). npm ``@anthropic-ai/sdk`` with
``@arizeai/openinference-instrumentation-anthropic``, set up as its README does
for an ES module (``manuallyInstrument(Anthropic)``, the instrumentation handed
to ``new NodeSDK({ instrumentations })``, which reads the ``OTEL_*`` variables and
exports OTLP/HTTP protobuf). A hand-written tool loop with no agent framework, as
``record_anthropic.py`` (the Python SDK under OpenInference's instrumentor) writes
it: ``client.messages.create`` on claude-sonnet-4-5 with one ``get_weather``
tool, call 1 plain, call 2 streamed (``stream: true``, the events read by the
script; the instrumentation tees the stream and reads its own copy); the tool
runs in the script, untraced. The client's ``baseURL`` is the fake LLM.

The SDK traces itself too (1.x: a CLIENT span ``messages.create`` per API call,
scope ``com.anthropic.sdk.typescript``, through the global tracer provider, which
``NodeSDK`` registers), inside OpenInference's ``Anthropic Messages`` span, which
is current while the SDK's method runs: two spans a call, both exported.
"""

from __future__ import annotations

from pathlib import Path

from cli_support import ensure_npm, isolate_network, node_version, npm_version, traced_turns
from record_langchain_anthropic_openinference import anthropic_env
from recording import Recording, chosen_variants, js_guarded, otel_env

NAME = "anthropic_node_openinference"
PACKAGES = ["@anthropic-ai/sdk@1.17.0", "@arizeai/openinference-instrumentation-anthropic@0.2.8",
            "@opentelemetry/sdk-node@0.301.0"]
MODEL = "claude-sonnet-4-5"

AGENT = """import { NodeSDK } from '@opentelemetry/sdk-node';
import { AnthropicInstrumentation } from '@arizeai/openinference-instrumentation-anthropic';
import Anthropic from '@anthropic-ai/sdk';

const instrumentation = new AnthropicInstrumentation();
// ES modules are not patched on import: the README's manual instrumentation for ESM.
instrumentation.manuallyInstrument(Anthropic);
// Exporters from the OTEL_* variables.
const sdk = new NodeSDK({ instrumentations: [instrumentation] });
sdk.start();

const client = new Anthropic({ baseURL: process.env.ANTHROPIC_BASE_URL, apiKey: process.env.ANTHROPIC_API_KEY, maxRetries: 0 });
const system = 'Answer weather questions with the get_weather tool.';
const tools = [{
  name: 'get_weather',
  description: 'Get the current weather for a city.',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
}];
const functions = { get_weather: async ({ city }) => 'Sunny, 22 C in ' + city };

// `node agent.mjs stream N`: model calls from the N-th on (0-based) are streamed.
const streamFrom = process.argv[2] === 'stream' ? Number(process.argv[3]) : null;

// One model call; the assistant message it answered, its content blocks rebuilt from the events when streamed.
async function complete(params, stream) {
  if (!stream) {
    return { role: 'assistant', content: (await client.messages.create(params)).content };
  }
  const events = await client.messages.create({ ...params, stream: true });
  const content = [];
  const json = [];
  for await (const event of events) {
    if (event.type === 'content_block_start') {
      content[event.index] = { ...event.content_block };
      json[event.index] = '';
    } else if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
      content[event.index].text += event.delta.text;
    } else if (event.type === 'content_block_delta' && event.delta.type === 'input_json_delta') {
      json[event.index] += event.delta.partial_json;
    } else if (event.type === 'content_block_stop' && content[event.index].type === 'tool_use') {
      content[event.index].input = JSON.parse(json[event.index] || '{}');
    }
  }
  return { role: 'assistant', content };
}

// One agent turn, no framework: model calls until one answers without asking for a tool.
async function weatherAgent(question) {
  const messages = [{ role: 'user', content: question }];
  for (let step = 0; step < 3; step++) {
    const message = await complete({ model: 'MODEL', max_tokens: 512, system, tools, messages },
                                   streamFrom !== null && step >= streamFrom);
    messages.push(message);
    const uses = message.content.filter((block) => block.type === 'tool_use');
    if (!uses.length) {
      return message.content.filter((block) => block.type === 'text').map((block) => block.text).join('');
    }
    const results = [];
    for (const use of uses) {
      results.push({ type: 'tool_result', tool_use_id: use.id, content: await functions[use.name](use.input) });
    }
    messages.push({ role: 'user', content: results });
  }
  return null;
}

""".replace("'MODEL'", f"'{MODEL}'") + js_guarded("""
console.log('FINAL:', await weatherAgent('What is the weather in Paris?'));
""", """
await sdk.shutdown();
""")

#: fixture -> the first model call (0-based) that is streamed: call 2 (the answer), or both (the tool call too)
VARIANTS = {NAME: 1, f"{NAME}_stream": 0}


def install() -> Path:
    """The npm prefix holding the pinned SDK, instrumentation and OTel Node SDK."""
    return ensure_npm(NAME, PACKAGES)


def record(fixture: str, stream_from: int, isolated: bool) -> None:
    """Record ``fixture``, model calls from ``stream_from`` on streamed; ``isolated``: in a loopback-only namespace."""
    prefix = install()
    versions = {p: npm_version(prefix, p) for p in ("@anthropic-ai/sdk", "@arizeai/openinference-instrumentation-anthropic",
                                                    "@arizeai/openinference-core", "@opentelemetry/sdk-node",
                                                    "@opentelemetry/api")}
    script = prefix / "agent.mjs"  # in the prefix, so that its node_modules resolve the imports
    script.write_text(AGENT)
    argv = ["node", str(script), "stream", str(stream_from)]
    node = node_version()
    with Recording(fixture) as rec:
        env = otel_env(rec.cap.url, service_name=f"{fixture.replace('_', '-')}-recording", signals=("traces",))
        env |= anthropic_env(rec)
        traced_turns(rec, argv, ["node", "agent.mjs", "stream", str(stream_from)], env)
        rec.save(packages=versions, env=env, recorder=Path(__file__).name,
                 notes=[f"Hand-written tool loop on client.messages.create ({MODEL}, baseURL at the fake LLM, maxRetries 0; "
                        f"calls from #{stream_from + 1} on streamed with stream: true; the tool run untraced), no agent "
                        "framework; new AnthropicInstrumentation(), manuallyInstrument(Anthropic) (the README's ES module "
                        "set-up), new NodeSDK({ instrumentations: [instrumentation] }); the SDK's own tracing left on "
                        "(its default): its messages.create span inside OpenInference's Anthropic Messages span; OTel "
                        f"Node SDK, OTLP/HTTP protobuf, traces; Node.js {node}; "
                        f"{'loopback-only network namespace' if isolated else 'no network namespace'}."])


def main() -> None:
    names = chosen_variants(VARIANTS)
    install()  # before the namespace, which has no way to the registry
    isolated = isolate_network()
    for name in names:
        record(name, VARIANTS[name], isolated)


if __name__ == "__main__":
    main()
