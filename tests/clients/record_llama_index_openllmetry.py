"""Record LlamaIndex traced by OpenLLMetry: its LlamaIndex and OpenAI instrumentations both, as ``traceloop-sdk`` sets them up.

Run: ``python tests/clients/record_llama_index_openllmetry.py`` (creates its own venv).
The agent of ``record_llama_index.py`` (a ``FunctionAgent`` with one tool on
``llama-index-llms-openai``, streamed by the agent with ``stream_options``)
against the fake LLM, with OpenLLMetry's ``LlamaIndexInstrumentor`` and
``OpenAIInstrumentor`` (what ``Traceloop.init()`` turns on for such an app) on
the plain OpenTelemetry SDK: each model call may be reported by LlamaIndex's
LLM span and by the OpenAI client's span inside it.
"""

from __future__ import annotations

from pathlib import Path

from record_llama_index import AGENT as OPENINFERENCE_AGENT
from record_llama_index import PACKAGES as OPENINFERENCE_PACKAGES
from recording import OTEL_SDK_PACKAGES, openai_env, record_turns, recorder_main

NAME = "llama_index_openllmetry"
OPENLLMETRY = "0.62.4"
PACKAGES = [
    *(p for p in OPENINFERENCE_PACKAGES if p.startswith("llama-index")),
    f"opentelemetry-instrumentation-llamaindex=={OPENLLMETRY}",
    f"opentelemetry-instrumentation-openai=={OPENLLMETRY}",
    *OTEL_SDK_PACKAGES,
]

OPENINFERENCE_SETUP = '''from openinference.instrumentation.llama_index import LlamaIndexInstrumentor

LlamaIndexInstrumentor().instrument(tracer_provider=tracer_provider)
'''
OPENLLMETRY_SETUP = '''from opentelemetry.instrumentation.llamaindex import LlamaIndexInstrumentor
from opentelemetry.instrumentation.openai import OpenAIInstrumentor

LlamaIndexInstrumentor().instrument(tracer_provider=tracer_provider)
OpenAIInstrumentor().instrument(tracer_provider=tracer_provider)
'''
AGENT = OPENINFERENCE_AGENT.replace(OPENINFERENCE_SETUP, OPENLLMETRY_SETUP)
assert AGENT != OPENINFERENCE_AGENT


def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name,
                 versions=[p.split("==")[0] for p in PACKAGES] + ["openai", "opentelemetry-semantic-conventions-ai"],
                 notes=["FunctionAgent with one tool, llama-index-llms-openai (chat completions, streamed by the "
                        "agent, stream_options.include_usage); OpenLLMetry's llamaindex and openai instrumentations "
                        "both on (as traceloop-sdk sets them up); content traced (OpenLLMetry's default)."],
                 client_env=lambda rec: openai_env(rec) | {"OPENAI_API_BASE": rec.llm.openai_base_url})


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
