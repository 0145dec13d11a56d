"""Record a Mastra agent (npm ``@mastra/core``) exported by its OpenTelemetry exporter.

Run: ``python tests/clients/record_mastra.py`` (installs the pinned npm packages
into a cached prefix, then records). One agent with one tool on the AI SDK's
OpenAI provider (``@ai-sdk/openai``: the Responses API), against the fake LLM;
Mastra's observability sends its AI tracing through ``@mastra/otel-exporter``
over OTLP/HTTP protobuf, as its documentation sets it up for any OTLP backend.
The agent takes its model as a parameter (``agent_script``):
``record_mastra_anthropic.py`` records it on ``@ai-sdk/anthropic``.
"""

from __future__ import annotations

from pathlib import Path

from cli_support import ensure_npm, npm_version
from recording import FAKE_KEY, Recording, js_guarded, otel_env

NAME = "mastra"
PACKAGES = ["@mastra/core@1.71.0", "@mastra/observability@1.17.9", "@mastra/otel-exporter@1.4.0",
            "@opentelemetry/exporter-trace-otlp-proto@0.221.0", "@ai-sdk/openai@4.0.126", "zod@4"]

#: The agent script; MODEL_SETUP imports a provider and sets ``model`` (``agent_script``).
AGENT_TEMPLATE = """
import { Mastra } from '@mastra/core/mastra';
import { Agent } from '@mastra/core/agent';
import { createTool } from '@mastra/core/tools';
import { Observability } from '@mastra/observability';
import { OtelExporter } from '@mastra/otel-exporter';
import { z } from 'zod';
import { randomUUID } from 'node:crypto';
MODEL_SETUP

const getWeather = createTool({
  id: 'get_weather',
  description: 'Get the current weather for a city.',
  inputSchema: z.object({ city: z.string() }),
  execute: async (input) => 'Sunny, 22 C in ' + (input.city ?? input.context?.city),
});
const agent = new Agent({
  name: 'weather-agent',
  instructions: 'Answer weather questions with the get_weather tool.',
  model,
  tools: { get_weather: getWeather },
});
const observability = new Observability({
  configs: {
    otel: {
      serviceName: process.env.OTEL_SERVICE_NAME,
      // Mastra's exporter names no process or host: without an instance id every process of the
      // service would be one session (the monitor's rule), so the run gives one, as a user would.
      exporters: [new OtelExporter({ provider: { custom: {
        endpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT + '/v1/traces', protocol: 'http/protobuf' } },
        resourceAttributes: { 'service.instance.id': randomUUID() } })],
    },
  },
});
const mastra = new Mastra({ agents: { weather: agent }, observability });
""" + js_guarded("""
const result = await mastra.getAgent('weather').generate('What is the weather in Paris?', { maxSteps: 3 });
console.log('FINAL:', result.text);
if (result.error) { code = 3; }
""", """
await observability.shutdown?.();
await mastra.shutdown?.();
""")

OPENAI_SETUP = """import { createOpenAI } from '@ai-sdk/openai';
const openai = createOpenAI({ baseURL: process.env.OPENAI_BASE_URL, apiKey: process.env.OPENAI_API_KEY });
const model = openai('gpt-4o-mini');"""


def agent_script(model_setup: str) -> str:
    """The agent with ``model_setup`` (JavaScript that imports a provider and sets ``model``)."""
    return AGENT_TEMPLATE.replace("MODEL_SETUP", model_setup)


AGENT = agent_script(OPENAI_SETUP)


def main() -> None:
    prefix = ensure_npm(NAME, PACKAGES)
    versions = {p: npm_version(prefix, p) for p in ("@mastra/core", "@mastra/observability", "@mastra/otel-exporter",
                                                     "@ai-sdk/openai")}
    script = prefix / "agent.mjs"  # in the prefix, so that its node_modules resolve the imports
    script.write_text(AGENT)
    with Recording(NAME) as rec:
        env = otel_env(rec.cap.url, service_name="mastra-recording", signals=("traces",))
        env |= {"OPENAI_BASE_URL": rec.llm.openai_base_url, "OPENAI_API_KEY": FAKE_KEY, "MASTRA_TELEMETRY_DISABLED": "1"}
        for label, mode in (("ok", "ok"), ("error", "error")):
            rec.run(label, ["node", str(script)], env, mode=mode)
        rec.save(packages=versions, env=env, recorder=Path(__file__).name,
                 notes=["One agent with one tool on @ai-sdk/openai (Responses API), maxSteps 3; Mastra's "
                        "observability with @mastra/otel-exporter (custom OTLP endpoint, http/protobuf)."])


if __name__ == "__main__":
    main()
