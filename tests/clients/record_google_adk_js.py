"""Record Google's Agent Development Kit for TypeScript/JavaScript (npm ``@google/adk``) calling Gemini.

Run: ``python tests/clients/record_google_adk_js.py`` (installs the pinned npm
packages into a cached prefix, then records). The JavaScript counterpart of
``record_google_adk_gemini.py``: one ``LlmAgent`` on ``gemini-2.5-flash`` (ADK's
own ``Gemini`` model class, through ``@google/genai``) with one ``FunctionTool``
``get_weather``, one turn through an ``InMemoryRunner``. ``@google/genai`` is
pointed at the fake LLM's Gemini API by ``GOOGLE_GEMINI_BASE_URL`` with a fake
``GOOGLE_API_KEY``; the fake answers as a thinking model with cached prompt
tokens. Telemetry is set up as ADK documents it: ``maybeSetOtelProviders()``
registers global providers with OTLP/HTTP exporters (JSON) for every signal whose
``OTEL_EXPORTER_OTLP_*ENDPOINT`` is set; ADK itself writes spans only.
"""

from __future__ import annotations

from pathlib import Path

from cli_support import ensure_npm, npm_version
from fakellm import THINKING_USAGE
from recording import FAKE_KEY, Recording, js_guarded, otel_env

NAME = "google_adk_js"
# @google/genai and @opentelemetry/api pinned to what @google/adk 2.0.0 resolves to
# (it pins the API at 1.9.0); the script imports both.
PACKAGES = ["@google/adk@2.0.0", "@google/genai@2.32.0", "@opentelemetry/api@1.9.0", "zod@4"]

AGENT = """
import { FunctionTool, InMemoryRunner, LlmAgent, maybeSetOtelProviders } from '@google/adk';
import { metrics, trace } from '@opentelemetry/api';
import { z } from 'zod';

// ADK's own set-up: global providers with OTLP/HTTP exporters for each signal whose
// OTEL_EXPORTER_OTLP_*ENDPOINT is set.
maybeSetOtelProviders();

const getWeather = new FunctionTool({
  name: 'get_weather',
  description: 'Get the current weather for a city.',
  parameters: z.object({ city: z.string() }),
  execute: ({ city }) => 'Sunny, 22 C in ' + city,
});
const agent = new LlmAgent({
  name: 'weather_agent',
  model: 'gemini-2.5-flash',
  instruction: 'Answer weather questions with the get_weather tool.',
  tools: [getWeather],
});
const runner = new InMemoryRunner({ agent, appName: 'weather_app' });
""" + js_guarded("""
const session = await runner.sessionService.createSession({ appName: 'weather_app', userId: 'user-1' });
let final, failed;
// Every event is read: a refused model call comes as an event with an errorCode, and leaving the
// loop early would leave ADK's call_llm span unended (it ends it after its generator, not in a finally).
for await (const event of runner.runAsync({
  userId: 'user-1', sessionId: session.id,
  newMessage: { role: 'user', parts: [{ text: 'What is the weather in Paris?' }] },
})) {
  if (event.errorCode) { failed = event; }
  const text = event.content?.parts?.find((p) => p.text)?.text;
  if (text) { final = text; }
}
if (failed) { throw new Error(failed.errorCode + ': ' + failed.errorMessage); }
console.log('FINAL:', final);
""", """
// maybeSetOtelProviders keeps no handle: the global providers are shut down (flushed) here.
await trace.getTracerProvider().getDelegate?.().shutdown?.();
await metrics.getMeterProvider().shutdown?.();
""")

#: Why the refused call leaves no error in the telemetry (the manifest's ``error_not_reported``).
ERROR_NOT_REPORTED = (
    "ADK turns the refused call into an event with an errorCode and sets no span status, records no "
    "exception and no error attribute: its call_llm span ends bare (no model, no usage: ADK writes them "
    "only from an answer), its invoke_agent and invocation spans end UNSET"
)


def main() -> None:
    prefix = ensure_npm(NAME, PACKAGES)
    versions = {p: npm_version(prefix, p) for p in ("@google/adk", "@google/genai", "@opentelemetry/api",
                                                     "@opentelemetry/sdk-trace-node",
                                                     "@opentelemetry/exporter-trace-otlp-http")}
    script = prefix / "agent.mjs"  # in the prefix, so that its node_modules resolve the imports
    script.write_text(AGENT)
    with Recording(NAME, usage=THINKING_USAGE) as rec:
        # ADK's exporters are OTLP/HTTP JSON whatever OTEL_EXPORTER_OTLP_PROTOCOL says.
        env = otel_env(rec.cap.url, protocol="http/json", service_name="google-adk-js-recording")
        env |= {"GOOGLE_GEMINI_BASE_URL": rec.llm.url, "GOOGLE_API_KEY": FAKE_KEY}
        for label, mode in (("ok", "ok"), ("error", "error")):
            run = rec.run(label, ["node", str(script)], env, mode=mode)
            if mode == "error":
                run["error_not_reported"] = ERROR_NOT_REPORTED
        rec.save(packages=versions, env=env, recorder=Path(__file__).name,
                 notes=["LlmAgent(model: 'gemini-2.5-flash') with one FunctionTool, InMemoryRunner, one runAsync; "
                        "ADK's Gemini model class through @google/genai, pointed at the fake LLM by "
                        "GOOGLE_GEMINI_BASE_URL; maybeSetOtelProviders() (OTLP/HTTP JSON).",
                        "maybeSetOtelProviders() detects no resource: the spans have none (OTEL_SERVICE_NAME "
                        "is set but not read); ADK makes no metrics or logs, so its metric and log exporters "
                        "send nothing.",
                        "Each answer's output includes thinking tokens (thoughtsTokenCount on the wire); the prompt "
                        "count includes the cached tokens (cachedContentTokenCount).",
                        "error: the model call gets HTTP 400 with a Gemini error body; ADK yields it as an "
                        "event with an errorCode, which the script reads after the loop (error_not_reported)."])


if __name__ == "__main__":
    main()
