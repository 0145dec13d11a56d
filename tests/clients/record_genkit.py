"""Record Firebase Genkit for Node.js (npm ``genkit``) exported by its own OpenTelemetry set-up.

Run: ``python tests/clients/record_genkit.py`` (installs the pinned npm packages into a cached
prefix, then records in a loopback-only network namespace where it can make one). One flow,
``weatherFlow`` (``ai.defineFlow``), whose body is one ``ai.generate`` with one tool ``get_weather``
(``ai.defineTool``, zod input schema) and a system prompt, on the OpenAI plugin of
``@genkit-ai/compat-oai`` (``openAI({ baseURL })`` from ``@genkit-ai/compat-oai/openai``, the
``openai`` npm package underneath: Chat Completions), pointed at the fake LLM. ``ai.generate`` runs
the tool itself and asks the model again: two model calls. Two recordings:

* ``genkit``: ``ai.generate`` (not streamed);
* ``genkit_stream``: ``ai.generateStream``, its chunks read as they come (the plugin streams with
  ``stream_options.include_usage`` and keeps the stream's final completion as ``raw``).

Telemetry is set up as Genkit documents it for any OpenTelemetry back end: ``enableTelemetry`` from
``genkit/tracing`` with the span processor of the user's own exporter (``spanProcessors``:
``BatchSpanProcessor`` of ``@opentelemetry/exporter-trace-otlp-http``, OTLP/HTTP JSON, reading
``OTEL_EXPORTER_OTLP_ENDPOINT``); Genkit starts an OTel ``NodeSDK`` of its own with it (the OTel JS
SDK 1.25 / 0.52 line its core depends on, so the exporter is pinned to that line). Genkit's spans
carry its own attributes (``genkit:type``, ``genkit:name``, ``genkit:path``, ``genkit:input`` /
``genkit:output`` as JSON, the usage inside the model action's output); it names no GenAI
convention attribute. The script flushes (``flushTracing``) before it exits.

Two runs, each a fresh process: ``ok`` (call 1 asks for ``get_weather``, Genkit runs it, call 2
answers) and ``error`` (the fake LLM answers HTTP 400; the flow throws, exit 3). The script prints
the usage Genkit reports for the turn (``RESULT_JSON``, kept as ``sdk_results``). Each run runs under
``strace``, which lists any address it tried off loopback.
"""

from __future__ import annotations

import sys
from pathlib import Path

from cli_support import ensure_npm, isolate_network, node_version, npm_version, traced_turns
from record_claude_agent_sdk import result_of
from recording import Recording, chosen_variants, js_guarded, openai_env, otel_env

NAME = "genkit"
#: Genkit, its OpenAI-compatible model plugin and the OTel packages the script imports, on the OTel JS
#: line @genkit-ai/core depends on (sdk-trace-base ~1.25.0, sdk-node ^0.52.0).
PACKAGES = ["genkit@1.42.0", "@genkit-ai/compat-oai@1.42.0", "@opentelemetry/sdk-trace-base@1.25.1",
            "@opentelemetry/exporter-trace-otlp-http@0.52.1"]

#: Variant -> (the generate call, what the notes say of it).
VARIANTS: dict[str, tuple[str, str]] = {
    "genkit": ("""const response = await ai.generate(REQUEST);""", "ai.generate (Chat Completions, not streamed)"),
    "genkit_stream": ("""const { stream, response: done } = ai.generateStream(REQUEST);
    for await (const chunk of stream) { chunks += 1; }
    const response = await done;""", "ai.generateStream, its chunks read (Chat Completions streamed with "
                                     "stream_options.include_usage)"),
}

AGENT = """
import { randomUUID } from 'node:crypto';
import { genkit, z } from 'genkit';
import { enableTelemetry, flushTracing } from 'genkit/tracing';
import { openAI } from '@genkit-ai/compat-oai/openai';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';

// Genkit's own OpenTelemetry set-up (a NodeSDK) with the user's OTLP exporter beside its own.
await enableTelemetry({ spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())] });

const ai = genkit({
  plugins: [openAI({ apiKey: process.env.OPENAI_API_KEY, baseURL: process.env.OPENAI_BASE_URL, maxRetries: 0 })],
});
const getWeather = ai.defineTool(
  { name: 'get_weather', description: 'Get the current weather for a city.',
    inputSchema: z.object({ city: z.string().describe('The city name.') }), outputSchema: z.string() },
  async ({ city }) => 'Sunny, 22 C in ' + city,
);
const weatherFlow = ai.defineFlow(
  { name: 'weatherFlow', inputSchema: z.string(), outputSchema: z.string() },
  async (question) => {
    let chunks = 0;
    GENERATE
    console.log('RESULT_JSON:', JSON.stringify({ usage: response.usage, chunks }));
    return response.text;
  },
);
""" + js_guarded("""
const answer = await weatherFlow('What is the weather in Paris?');
console.log('FINAL:', answer);
""", """
await flushTracing();
""")


def main() -> None:
    prefix = ensure_npm(NAME, PACKAGES)  # before the namespace, which has no way to the registry
    if "--install-only" in sys.argv:
        print(f"[{NAME}] npm packages ready: {prefix}")
        return
    isolated = isolate_network()
    versions = {p: npm_version(prefix, p) for p in (
        "genkit", "@genkit-ai/core", "@genkit-ai/ai", "@genkit-ai/compat-oai", "openai", "@opentelemetry/sdk-node",
        "@opentelemetry/sdk-trace-base", "@opentelemetry/exporter-trace-otlp-http")}
    node = node_version()
    for name in chosen_variants(VARIANTS):
        record(name, prefix, versions, node, isolated)


#: The request both variants make.
REQUEST = """{
      model: openAI.model('gpt-4o-mini'),
      system: 'Answer weather questions with the get_weather tool.',
      prompt: question,
      tools: [getWeather],
    }"""


def record(name: str, prefix: Path, versions: dict[str, str | None], node: str, isolated: bool) -> None:
    """Record variant ``name`` (``VARIANTS``) into ``fixtures/<name>/``."""
    generate, said = VARIANTS[name]
    script = prefix / f"{name}.mjs"  # in the prefix, so that its node_modules resolve the imports
    script.write_text(AGENT.replace("GENERATE", generate.replace("REQUEST", REQUEST)))
    with Recording(name) as rec:
        env = otel_env(rec.cap.url, protocol="http/json", service_name="weather-app", signals=("traces",))
        env |= openai_env(rec)
        runs = traced_turns(rec, ["node", str(script)], ["node", script.name], env)
        results: dict[str, object] = {label: result_of(run["stdout_tail"]) for label, run in runs.items()}
        rec.save(
            packages=versions, env=env, recorder=Path(__file__).name,
            notes=[
                "One flow (ai.defineFlow 'weatherFlow') whose body is one generate call with a system prompt and "
                f"one tool get_weather (ai.defineTool, zod input schema): {said}; on openAI({{ baseURL }}) of "
                "@genkit-ai/compat-oai/openai (maxRetries 0).",
                "enableTelemetry({ spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())] }) from "
                "genkit/tracing: Genkit's own NodeSDK with the user's OTLP/HTTP JSON exporter (endpoint from "
                "OTEL_EXPORTER_OTLP_ENDPOINT); flushTracing() before exit.",
                "ok: call 1 asks for get_weather, Genkit runs it, call 2 answers. error: the fake LLM answers "
                "HTTP 400, the flow throws (exit 3).",
                "sdk_results holds the usage Genkit's GenerateResponse reports for the turn (response.usage) and "
                "the chunks the script read.",
                f"Node.js {node}; {'loopback-only network namespace' if isolated else 'no network namespace'}.",
            ],
            extra={"sdk_results": results},
        )


if __name__ == "__main__":
    main()
