"""Record the AWS SDK for JavaScript's Bedrock Runtime client traced by OpenInference's instrumentation for it.

Run: ``python tests/clients/record_bedrock_node_openinference.py [NAME ...]`` (names
from :data:`VARIANTS`; installs the pinned npm packages into a cached prefix, then
records in a loopback-only network namespace where it can make one). npm
``@aws-sdk/client-bedrock-runtime`` with ``@arizeai/openinference-instrumentation-bedrock``,
the ES module patched with the instrumentation's ``manuallyInstrument`` (as the
other OpenInference Node.js recorders do; its README's ``registerInstrumentations``
only patches ``require``), the instrumentation handed to
``new NodeSDK({ instrumentations })``, which reads the ``OTEL_*`` variables and
exports OTLP/HTTP protobuf. A hand-written tool loop on Bedrock's Converse API as
``record_bedrock_botocore.py`` writes it (its model id, or a cross-region inference
profile's; its system prompt and ``get_weather`` tool): call 1 ``ConverseCommand``,
call 2 ``ConverseStreamCommand`` with the tool result (the answer's event stream
read by the script; the instrumentation splits it and reads its own copy); the
tool runs in the script, untraced. The client's ``endpoint`` is the fake LLM,
signed with dummy credentials, through ``@smithy/node-http-handler``'s HTTP/1.1
``NodeHttpHandler`` (the client's default handler is its HTTP/2 one, which the
fake LLM does not speak).

One ``bedrock.converse`` span (INTERNAL) per call in the OpenInference conventions:
``llm.provider`` ``aws``, ``llm.system`` from the model id (``anthropic``),
``llm.model_name`` the id's second dotted part cut before its version (for a
cross-region profile's id, the vendor: ``anthropic``), the messages and tools as
flattened attributes, and ``inputTokens``/``outputTokens``/``totalTokens`` as the
prompt, completion and total counts; Bedrock's ``cacheReadInputTokens`` and
``cacheWriteInputTokens`` are not read, so the cache counts are not reported.
"""

from __future__ import annotations

from pathlib import Path

from cli_support import ensure_npm, isolate_network, node_version, npm_version, traced_turns
from record_bedrock_botocore import MODEL
from record_strands_bedrock import bedrock_env
from recording import Recording, chosen_variants, js_guarded, otel_env

NAME = "bedrock_node_openinference"
PACKAGES = ["@aws-sdk/client-bedrock-runtime@3.1178.0", "@arizeai/openinference-instrumentation-bedrock@0.5.1",
            "@opentelemetry/sdk-node@0.301.0", "@smithy/node-http-handler@4.14.2"]

AGENT = """import { NodeSDK } from '@opentelemetry/sdk-node';
import { BedrockInstrumentation } from '@arizeai/openinference-instrumentation-bedrock';
import * as bedrock from '@aws-sdk/client-bedrock-runtime';
import { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';

const instrumentation = new BedrockInstrumentation();
// ES modules are not patched on import: the instrumentation's manual patching of the module.
instrumentation.manuallyInstrument(bedrock);
// Exporters from the OTEL_* variables.
const sdk = new NodeSDK({ instrumentations: [instrumentation] });
sdk.start();

// Region and credentials from AWS_REGION / AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. The client's default
// request handler speaks HTTP/2 only (h2c on a plain http endpoint); the fake LLM speaks HTTP/1.1.
const client = new BedrockRuntimeClient({ endpoint: process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME, maxAttempts: 1,
                                          requestHandler: new NodeHttpHandler() });
// `node agent.mjs <model id>`
const modelId = process.argv[2];
const system = [{ text: 'Answer weather questions with the get_weather tool.' }];
const toolConfig = { tools: [{ toolSpec: {
  name: 'get_weather',
  description: 'Get the current weather for a city.',
  inputSchema: { json: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
} }] };
const functions = { get_weather: async ({ city }) => 'Sunny, 22 C in ' + city };

// One model call; the assistant message it answered, its content blocks rebuilt from the events when streamed.
async function complete(params, stream) {
  if (!stream) {
    return (await client.send(new ConverseCommand(params))).output.message;
  }
  const response = await client.send(new ConverseStreamCommand(params));
  const content = [];
  const json = [];
  for await (const event of response.stream) {
    if (event.contentBlockStart?.start?.toolUse) {
      content[event.contentBlockStart.contentBlockIndex] = { toolUse: { ...event.contentBlockStart.start.toolUse } };
      json[event.contentBlockStart.contentBlockIndex] = '';
    } else if (event.contentBlockDelta) {
      const { contentBlockIndex: i, delta } = event.contentBlockDelta;
      if (delta.text !== undefined) {
        content[i] ??= { text: '' };
        content[i].text += delta.text;
      } else if (delta.toolUse) {
        json[i] += delta.toolUse.input ?? '';
      }
    } else if (event.contentBlockStop && content[event.contentBlockStop.contentBlockIndex]?.toolUse) {
      const i = event.contentBlockStop.contentBlockIndex;
      content[i].toolUse.input = JSON.parse(json[i] || '{}');
    }
  }
  return { role: 'assistant', content: content.filter(Boolean) };
}

// One agent turn, no framework: model calls until one answers without asking for a tool; call 2 on streamed.
async function weatherAgent(question) {
  const messages = [{ role: 'user', content: [{ text: question }] }];
  for (let step = 0; step < 3; step++) {
    const message = await complete({ modelId, system, messages, toolConfig, inferenceConfig: { maxTokens: 512 } },
                                   step >= 1);
    messages.push(message);
    const uses = message.content.filter((block) => block.toolUse).map((block) => block.toolUse);
    if (!uses.length) {
      return message.content.filter((block) => block.text !== undefined).map((block) => block.text).join('');
    }
    const results = [];
    for (const use of uses) {
      results.push({ toolResult: { toolUseId: use.toolUseId, content: [{ text: await functions[use.name](use.input) }] } });
    }
    messages.push({ role: 'user', content: results });
  }
  return null;
}

""" + js_guarded("""
console.log('FINAL:', await weatherAgent('What is the weather in Paris?'));
""", """
await sdk.shutdown();
""")


#: fixture -> the model id asked for: a model's own id, as ``bedrock_botocore``, or a cross-region
#: inference profile's (which newer Claude models on Bedrock are called through), as ``strands_bedrock``
VARIANTS = {NAME: MODEL, f"{NAME}_profile": "us.anthropic.claude-sonnet-4-20250514-v1:0"}


def install() -> Path:
    """The npm prefix holding the pinned AWS SDK client, instrumentation and OTel Node SDK."""
    return ensure_npm(NAME, PACKAGES)


def record(fixture: str, model: str, isolated: bool) -> None:
    """Record ``fixture`` asking for ``model``; ``isolated``: in a loopback-only network namespace."""
    prefix = install()
    versions = {p: npm_version(prefix, p) for p in ("@aws-sdk/client-bedrock-runtime",
                                                    "@arizeai/openinference-instrumentation-bedrock",
                                                    "@arizeai/openinference-core", "@opentelemetry/sdk-node",
                                                    "@smithy/node-http-handler",
                                                    "@opentelemetry/api")}
    script = prefix / "agent.mjs"  # in the prefix, so that its node_modules resolve the imports
    script.write_text(AGENT)
    argv = ["node", str(script), model]
    node = node_version()
    with Recording(fixture) as rec:
        env = otel_env(rec.cap.url, service_name=f"{fixture.replace('_', '-')}-recording", signals=("traces",))
        env |= bedrock_env(rec)
        traced_turns(rec, argv, ["node", "agent.mjs", model], env)
        rec.save(packages=versions, env=env, recorder=Path(__file__).name,
                 notes=[f"Hand-written tool loop on BedrockRuntimeClient.send ({model}, endpoint at the fake LLM, "
                        "dummy credentials, maxAttempts 1, requestHandler NodeHttpHandler (HTTP/1.1); call 1 ConverseCommand, call 2 ConverseStreamCommand; the "
                        "tool run untraced), no agent framework; new BedrockInstrumentation(), "
                        "manuallyInstrument(module) (the ES module is not patched on import), "
                        "new NodeSDK({ instrumentations: [instrumentation] }); OTel Node SDK, OTLP/HTTP protobuf, "
                        f"traces; Node.js {node}; "
                        f"{'loopback-only network namespace' if isolated else 'no network namespace'}."])


def main() -> None:
    names = chosen_variants(VARIANTS)
    install()  # before the namespace, which has no way to the registry
    isolated = isolate_network()
    for name in names:
        record(name, VARIANTS[name], isolated)


if __name__ == "__main__":
    main()
