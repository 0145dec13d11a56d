"""Record the ``openai`` npm package traced by an OpenAI instrumentation for Node.js.

Run: ``python tests/clients/record_openai_node.py [openai_node_otel|openai_node_openinference]``
(installs the pinned npm packages into a cached prefix per instrumentation,
then records in a loopback-only network namespace where it can make one). The
hand-written tool loop of ``record_traceloop_node.py`` (``OPENAI_CHAT_TOOL``:
``openai.chat.completions.create`` on gpt-4o-mini with one ``get_weather``
tool, both calls non-streaming; the tool runs in the script, untraced) with
no agent framework, the OpenTelemetry Node SDK set up from the ``OTEL_*``
variables and exporting over OTLP/HTTP protobuf. One fixture folder per
instrumentation (:data:`VARIANTS`):

* ``openai_node_otel``: ``@opentelemetry/instrumentation-openai``, the
  OpenTelemetry GenAI instrumentation, as its README sets it up
  (``new NodeSDK({ instrumentations: [new OpenAIInstrumentation()] })``), the ES
  module patched through the loader hook its package documents
  (``@opentelemetry/instrumentation/hook.mjs``, registered with
  ``module.register`` in the script, openai imported once the SDK is on), with
  ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true``. A chat span
  (``chat gpt-4o-mini``) carries the request and usage (input and output
  tokens only: no cached count) and no text; the messages go as OTLP log
  records in the span's context, one per request message
  (``gen_ai.system.message``, ``gen_ai.user.message``,
  ``gen_ai.assistant.message`` with its tool calls, ``gen_ai.tool.message``)
  and one ``gen_ai.choice`` per answer, their text in the body. Logs and
  the GenAI metrics are exported too;
* ``openai_node_openinference``: ``@arizeai/openinference-instrumentation-openai``,
  the ES module patched as its docs say for one not loaded by ``require``
  (``manuallyInstrument(openai)``). An ``OpenAI Chat Completions`` span per
  call in the OpenInference conventions (``llm.*``, messages and tools as
  flattened attributes, usage with the cached count), traces only. A failed
  call's span is never ended (the instrumentation ends it only when the API
  promise resolves), so the ``error`` run exports nothing
  (``error_not_reported``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cli_support import ensure_npm, isolate_network, node_version, npm_version, traced_turns
from record_traceloop_node import OPENAI_CHAT_TOOL
from recording import Recording, chosen_variants, js_guarded, openai_env, otel_env

# The OTel instrumentation patches openai ">=4.19.0 <7": both take the newest 6.x.
COMMON_PACKAGES = ["openai@6.49.0", "@opentelemetry/sdk-node@0.301.0"]


@dataclass(frozen=True)
class Instrumentation:
    """One OpenAI instrumentation for Node.js and how its documentation sets it up."""

    #: npm package, pinned (``name@version``).
    package: str
    #: JavaScript that starts the SDK (as ``sdk``) with the instrumentation and has ``OpenAI`` in scope.
    setup: str
    #: OTel signals exported.
    signals: tuple[str, ...]
    #: The instrumentation's own switches.
    env: dict[str, str]
    #: What the manifest says about the set-up.
    note: str
    #: Why a failed call leaves nothing to export, when it does not (the manifest's ``error_not_reported``).
    failed_call_unexported: str | None = None

    @property
    def name(self) -> str:
        return self.package.rsplit("@", 1)[0]


OTEL = Instrumentation(
    package="@opentelemetry/instrumentation-openai@0.22.0",
    setup="""import { register } from 'node:module';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { OpenAIInstrumentation } from '@opentelemetry/instrumentation-openai';

// ES modules are patched through the instrumentation package's loader hook (its README's
// --experimental-loader, registered here as Node's deprecation warning for that flag says).
register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
// Exporters from the OTEL_* variables; message content from OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT.
const sdk = new NodeSDK({ instrumentations: [new OpenAIInstrumentation()] });
sdk.start();
// Imported once the SDK is on, so that the loader hook hands the module to the instrumentation.
const { default: OpenAI } = await import('openai');""",
    signals=("traces", "logs", "metrics"),
    env={"OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "true"},
    note="new NodeSDK({ instrumentations: [new OpenAIInstrumentation()] }), module.register("
         "'@opentelemetry/instrumentation/hook.mjs'), openai imported after sdk.start(), "
         "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true; traces, logs and metrics",
)

OPENINFERENCE = Instrumentation(
    package="@arizeai/openinference-instrumentation-openai@4.2.7",
    setup="""import { NodeSDK } from '@opentelemetry/sdk-node';
import { OpenAIInstrumentation } from '@arizeai/openinference-instrumentation-openai';
import * as openai from 'openai';
import OpenAI from 'openai';

const instrumentation = new OpenAIInstrumentation();
// ES modules are not patched on import: the documented manual instrumentation.
instrumentation.manuallyInstrument(openai);
// Exporters from the OTEL_* variables.
const sdk = new NodeSDK({ instrumentations: [instrumentation] });
sdk.start();""",
    signals=("traces",),
    env={},
    note="new NodeSDK({ instrumentations: [instrumentation] }) with instrumentation.manuallyInstrument(openai); "
         "traces",
    failed_call_unexported=(
        "a failed call's span is never ended: the patched create ends it when the API promise resolves, "
        "or when create throws synchronously (safeExecuteInTheMiddle); the HTTP 400 rejects the promise "
        "later, and nothing handles that rejection, so nothing of the failing turn is exported"
    ),
)

#: fixture -> the instrumentation it records
VARIANTS = {"openai_node_otel": OTEL, "openai_node_openinference": OPENINFERENCE}

AGENT = """
SETUP

""" + OPENAI_CHAT_TOOL + """
// One agent turn, no framework: model calls until one answers without asking for a tool.
async function weatherAgent(question) {
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
      const result = await functions[call.function.name](JSON.parse(call.function.arguments));
      messages.push({ role: 'tool', tool_call_id: call.id, content: result });
    }
  }
  return null;
}

""" + js_guarded("""
console.log('FINAL:', await weatherAgent('What is the weather in Paris?'));
""", """
await sdk.shutdown();
""")


def install(fixture: str, inst: Instrumentation) -> Path:
    """The npm prefix (its own per fixture) holding ``inst`` and the openai package."""
    return ensure_npm(fixture, [*COMMON_PACKAGES, inst.package])


def record(fixture: str, inst: Instrumentation, isolated: bool) -> None:
    """Record ``fixture`` with ``inst`` (installed by ``install``); ``isolated``: in a loopback-only namespace."""
    prefix = install(fixture, inst)
    versions = {p: npm_version(prefix, p) for p in (inst.name, "openai", "@opentelemetry/sdk-node")}
    script = prefix / "agent.mjs"  # in the prefix, so that its node_modules resolve the imports
    script.write_text(AGENT.replace("SETUP", inst.setup))
    argv = ["node", str(script)]
    node = node_version()
    with Recording(fixture) as rec:
        env = otel_env(rec.cap.url, service_name=f"{fixture.replace('_', '-')}-recording", signals=inst.signals)
        env |= inst.env | openai_env(rec)
        error = traced_turns(rec, argv, ["node", "agent.mjs"], env)["error"]
        if not error["requests"] and inst.failed_call_unexported:
            error["error_not_reported"] = inst.failed_call_unexported
        rec.save(packages=versions, env=env, recorder=Path(__file__).name,
                 notes=["Hand-written tool loop on openai.chat.completions.create (both calls non-streaming, "
                        f"maxRetries 0, the tool run untraced), no agent framework; {inst.note}; OTel Node SDK, "
                        f"OTLP/HTTP protobuf; Node.js {node}; "
                        f"{'loopback-only network namespace' if isolated else 'no network namespace'}."])


def main() -> None:
    names = chosen_variants(VARIANTS)
    for name in names:  # before the namespace, which has no way to the registry
        install(name, VARIANTS[name])
    isolated = isolate_network()
    for name in names:
        record(name, VARIANTS[name], isolated)


if __name__ == "__main__":
    main()
