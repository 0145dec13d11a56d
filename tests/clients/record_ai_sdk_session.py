"""Record the Vercel AI SDK with the session and user an app names in its telemetry, over two turns.

Run: ``python tests/clients/record_ai_sdk_session.py [ai_sdk6_session|ai_sdk7_session]``
(installs the pinned npm packages into a cached prefix per recording, then
records in a loopback-only network namespace where it can make one). A chat of
two turns, each a ``generateText`` with one tool and ``stopWhen: stepCountIs(3)``
on ``@ai-sdk/openai``'s default model API (OpenAI Responses), the second sent
with the first's messages: two traces, one conversation. The session and user
are the app's (``WEATHER_SESSION_ID`` / ``WEATHER_USER_ID``, one session per
run), given to the AI SDK as each line documents it (:data:`VARIANTS`):

* ``ai_sdk6_session``: ``ai`` 6 (VoltAgent's pins), ``experimental_telemetry:
  { isEnabled: true, functionId, metadata: { sessionId, userId } }``: its own
  ``ai.*`` spans through the global tracer provider, each carrying
  ``ai.telemetry.metadata.sessionId`` / ``.userId`` (the metadata's keys as the
  app wrote them);
* ``ai_sdk7_session``: ``ai`` 7 (``record_ai_sdk.py``'s pins), which has no
  telemetry ``metadata`` any more: ``runtimeContext: { sessionId, userId }``
  with ``telemetry: { functionId, includeRuntimeContext: { sessionId: true,
  userId: true } }`` on the call and ``registerTelemetry(new OpenTelemetry({
  runtimeContext: true }))`` from ``@ai-sdk/otel`` (the GenAI conventions):
  each span carries ``ai.settings.context.sessionId`` / ``.userId``. A
  ``metadata`` object left in ``telemetry`` by an app written for AI SDK 6 is
  sent nowhere (neither integration of ``@ai-sdk/otel`` reads it).

Both on the OpenTelemetry Node SDK 0.301 exporting OTLP/HTTP protobuf
(``OTEL_EXPORTER_OTLP_ENDPOINT``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from cli_support import ensure_npm, foreign_addresses, isolate_network, node_version, npm_version, traced
from record_ai_sdk import COMMON_PACKAGES, OPENAI
from recording import Recording, chosen_variants, js_guarded, otel_env


@dataclass(frozen=True)
class AiSdk:
    """An AI SDK line and how an app gives it a session."""

    #: npm packages, pinned.
    packages: tuple[str, ...]
    #: JavaScript run once the NodeSDK is started (imports are hoisted in an ES module).
    setup: str
    #: Imports that ``setup`` needs.
    imports: str
    #: The options of each ``generateText`` call that carry the session and user.
    call_options: str
    #: What the manifest says about the set-up.
    note: str

    def versions(self) -> tuple[str, ...]:
        return tuple(p.rsplit("@", 1)[0] for p in self.packages if not p.startswith("zod@"))


NODE_SDK = ("@opentelemetry/sdk-node@0.301.0", "@opentelemetry/exporter-trace-otlp-proto@0.301.1")

#: AI SDK 6 (VoltAgent's and ``langfuse_js_ai6``'s pins): ``experimental_telemetry`` with ``metadata``.
AI6 = AiSdk(
    packages=("ai@6.0.333", "@ai-sdk/openai@3.0.141", *NODE_SDK, "zod@4"),
    imports="",
    setup="// AI SDK 6: experimental_telemetry on each call is all it takes.",
    call_options="""experimental_telemetry: {
      isEnabled: true,
      functionId: 'weather-chat',
      metadata: { sessionId: process.env.WEATHER_SESSION_ID, userId: process.env.WEATHER_USER_ID },
    },""",
    note="AI SDK 6: experimental_telemetry { isEnabled, functionId, metadata: { sessionId, userId } } (its own ai.* "
         "spans on the global tracer provider)",
)
#: AI SDK 7 (``record_ai_sdk.py``'s pins): the runtime context, let into telemetry, and @ai-sdk/otel told to send it.
AI7 = AiSdk(
    packages=(*COMMON_PACKAGES, OPENAI.package),
    imports="import { registerTelemetry } from 'ai';\nimport { OpenTelemetry } from '@ai-sdk/otel';",
    setup="registerTelemetry(new OpenTelemetry({ runtimeContext: true }));",
    call_options="""runtimeContext: { sessionId: process.env.WEATHER_SESSION_ID, userId: process.env.WEATHER_USER_ID },
    telemetry: { functionId: 'weather-chat', includeRuntimeContext: { sessionId: true, userId: true } },""",
    note="AI SDK 7: runtimeContext { sessionId, userId } with telemetry { functionId, includeRuntimeContext } and "
         "registerTelemetry(new OpenTelemetry({ runtimeContext: true })) from @ai-sdk/otel (GenAI conventions)",
)
#: fixture -> the AI SDK line it records
VARIANTS = {"ai_sdk6_session": AI6, "ai_sdk7_session": AI7}

#: The session each run's app names (``WEATHER_SESSION_ID``) and the user (``WEATHER_USER_ID``); the manifest
#: keeps them as ``app_sessions`` / ``app_user``.
SESSIONS = {"ok": "weather-chat-ok", "error": "weather-chat-error"}
USER = "recording-user"
#: The chat's questions, one turn (one ``generateText``, one trace) each.
QUESTIONS = ("What is the weather in Paris?", "Should I take an umbrella there?")

AGENT = """
import { NodeSDK } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { generateText, tool, stepCountIs } from 'ai';
import { z } from 'zod';
AI_SDK_IMPORTS
PROVIDER_SETUP

const sdk = new NodeSDK({ traceExporter: new OTLPTraceExporter() });
sdk.start();
AI_SDK_SETUP

const tools = {
  get_weather: tool({
    description: 'Get the current weather for a city.',
    inputSchema: z.object({ city: z.string() }),
    execute: async ({ city }) => 'Sunny, 22 C in ' + city,
  }),
};
const messages = [];
""" + js_guarded("""
for (const question of QUESTIONS) {
  messages.push({ role: 'user', content: question });
  const result = await generateText({
    model,
    system: 'Answer weather questions with the get_weather tool.',
    messages,
    tools,
    stopWhen: stepCountIs(3),
    maxRetries: 0,
    CALL_OPTIONS
  });
  messages.push(...result.response.messages);
  console.log('FINAL:', result.text);
}
""", """
await sdk.shutdown();
""")


def script(ai: AiSdk) -> str:
    """The chat's script for ``ai``."""
    return (AGENT.replace("AI_SDK_IMPORTS", ai.imports).replace("AI_SDK_SETUP", ai.setup)
            .replace("PROVIDER_SETUP", OPENAI.setup).replace("CALL_OPTIONS", ai.call_options)
            .replace("QUESTIONS", json.dumps(list(QUESTIONS))))


def install(ai: AiSdk, fixture: str) -> Path:
    return ensure_npm(fixture, list(ai.packages))


def record(fixture: str, ai: AiSdk, isolated: bool) -> None:
    prefix = install(ai, fixture)
    versions = {p: npm_version(prefix, p) for p in ai.versions()}
    agent = prefix / "agent.mjs"  # in the prefix, so that its node_modules resolve the imports
    agent.write_text(script(ai))
    node = node_version()
    with Recording(fixture) as rec:
        env = otel_env(rec.cap.url, service_name=f"{fixture.replace('_', '-')}-recording", signals=("traces",))
        env |= OPENAI.env(rec) | {"WEATHER_USER_ID": USER}
        for label in ("ok", "error"):
            netlog = rec.tmp / f"strace-{label}.log"
            run = rec.run(label, traced(["node", str(agent)], netlog), env | {"WEATHER_SESSION_ID": SESSIONS[label]},
                          mode=label)
            run["argv"] = ["node", "agent.mjs"]
            run["network_attempts_off_loopback"] = foreign_addresses(netlog) if netlog.exists() else None
        rec.save(packages=versions, env=env, recorder=Path(__file__).name,
                 notes=[f"A chat of {len(QUESTIONS)} turns, each generateText with one tool, stepCountIs(3), "
                        "@ai-sdk/openai's default (Responses API), maxRetries 0, the next turn sent with the "
                        f"messages so far; {ai.note}; the session per run from WEATHER_SESSION_ID, the user from "
                        "WEATHER_USER_ID; OTel Node SDK, OTLP/HTTP protobuf; "
                        f"Node.js {node}; {'loopback-only network namespace' if isolated else 'no network namespace'}."],
                 extra={"app_sessions": SESSIONS, "app_user": USER})


def main() -> None:
    names = chosen_variants(VARIANTS)
    for name in names:  # before the namespace, which has no way to the registry
        install(VARIANTS[name], name)
    isolated = isolate_network()
    for name in names:
        record(name, VARIANTS[name], isolated)


if __name__ == "__main__":
    main()
