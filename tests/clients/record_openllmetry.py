"""Record OpenLLMetry's OpenAI instrumentation (Traceloop's ``opentelemetry-instrumentation-openai``).

Run: ``python tests/clients/record_openllmetry.py`` (creates its own venv).
The hand-written tool loop of ``record_openai_v2.py`` (call 1 plain, call 2
streaming with ``include_usage``, call 3 streaming without it: no usage on the
wire), traced by the instrumentation OpenLLMetry's ``traceloop-sdk`` installs
for OpenAI, on the plain OpenTelemetry SDK. It records prompts and answers on
its spans by default (``TRACELOOP_TRACE_CONTENT``, on unless set false).
"""

from __future__ import annotations

from pathlib import Path

from record_openai_v2 import AGENT as OPENAI_V2_AGENT
from recording import OTEL_SDK_PACKAGES, record_turns, recorder_main

NAME = "openllmetry"
PACKAGES = ["opentelemetry-instrumentation-openai==0.62.4", "openai", "httpx", *OTEL_SDK_PACKAGES]

# The same loop, instrumented by OpenLLMetry's OpenAIInstrumentor instead.
AGENT = OPENAI_V2_AGENT.replace("from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor",
                                "from opentelemetry.instrumentation.openai import OpenAIInstrumentor")
assert AGENT != OPENAI_V2_AGENT



def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name, signals=("traces", "logs", "metrics"),
                 versions=["opentelemetry-instrumentation-openai", "opentelemetry-semantic-conventions-ai", "openai",
                           "opentelemetry-sdk"],
                 notes=["Call 1 non-streaming, call 2 streaming with include_usage, call 3 streaming without it "
                        "(no usage on the wire); no agent framework; content traced (OpenLLMetry's default)."])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
