"""Record Google ADK calling Gemini, traced by ADK itself AND by OpenInference's ``openinference-instrumentation-google-adk``.

Run: ``python tests/clients/record_google_adk_openinference.py`` (creates its own venv).
The agent and model of ``record_google_adk_gemini.py`` (ADK's own ``Gemini``
model class through google-genai, pointed at the fake LLM), with OpenInference's
``GoogleADKInstrumentor`` instrumented on the global tracer provider as Arize's
and Phoenix's docs set it up. ADK traces the run, its model calls and its tools
through that same provider, so both reporters' spans of one agent run arrive in
one export: the case of a user who follows those docs.

OpenInference suppresses ADK's own ``generate_content`` span (so that its
attributes land on the ``call_llm`` span it traces), but ADK 2's telemetry
(schema 2, its default) opens no ``call_llm`` span any more: it records each
model call onto the span of its caller, ADK's ``invoke_agent``, and both
reporters write there. One span carries every model call of the agent run, each
overwriting the one before: the last call's usage is on a span, the earlier
ones only in ADK's ``gen_ai.client.inference.operation.details`` log records
(one per model call, each naming that span).
"""

from __future__ import annotations

from pathlib import Path

from fakellm import THINKING_USAGE
from record_google_adk import adk_agent
from record_google_adk_gemini import PACKAGES as ADK_GEMINI_PACKAGES
from record_google_adk_gemini import gemini_env
from recording import Recording, installed_versions, otel_env, recorder_main

NAME = "google_adk_openinference"
# ADK's own OpenTelemetry range, as the Gemini recording resolved it, plus the newest instrumentor.
PACKAGES = [*ADK_GEMINI_PACKAGES, "openinference-instrumentation-google-adk==1.0.5"]

INSTRUMENT = '''
from openinference.instrumentation.google_adk import GoogleADKInstrumentor

GoogleADKInstrumentor().instrument(tracer_provider=tracer_provider)
'''

AGENT = adk_agent('"gemini-2.5-flash"', INSTRUMENT)


def record(python: Path) -> None:
    with Recording(NAME, usage=THINKING_USAGE) as rec:
        env = otel_env(rec.cap.url, service_name="google-adk-openinference-recording")
        env |= gemini_env(rec)
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error")
        rec.save(
            packages=installed_versions(python, ["google-adk", "google-genai", "openinference-instrumentation-google-adk",
                                                 "opentelemetry-sdk"]),
            env=env,
            recorder=Path(__file__).name,
            notes=[
                "Agent(model='gemini-2.5-flash'): ADK's own Gemini model class through google-genai, pointed "
                "at the fake LLM by GOOGLE_GEMINI_BASE_URL; ADK's own tracing and OpenInference's "
                "GoogleADKInstrumentor both on the one global tracer provider.",
                "Each answer's output includes thinking tokens (thoughtsTokenCount on the wire); the prompt "
                "count includes the cached tokens (cachedContentTokenCount).",
                "error: the model call gets HTTP 400 with a Gemini error body.",
                "No generate_content or call_llm span: OpenInference suppresses ADK's generate_content span and "
                "ADK's schema 2 has no call_llm span, so each model call is written onto ADK's invoke_agent span "
                "(by both reporters), the next call overwriting it: only the last call's usage is on a span, "
                "each call's is in its gen_ai.client.inference.operation.details log record naming that span.",
            ],
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
