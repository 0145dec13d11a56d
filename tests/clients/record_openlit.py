"""Record OpenLIT (``openlit``): its own OpenTelemetry set-up and its OpenAI instrumentation.

Run: ``python tests/clients/record_openlit.py`` (creates its own venv).
The hand-written tool loop of ``record_openai_v2.py`` (call 1 plain, call 2
streaming with ``include_usage``, call 3 streaming without it: no usage on the
wire), with ``openlit.init(...)`` as its documentation sets it up: OpenLIT
builds the tracer and meter providers and exports over OTLP/HTTP itself (no
OTel SDK set-up of ours), and records prompts and answers by default.
"""

from __future__ import annotations

from pathlib import Path

from record_openai_v2 import AGENT as OPENAI_V2_AGENT
from recording import OTEL_SDK_SETUP, record_turns, recorder_main

NAME = "openlit"
# OpenLIT pulls in a score of contrib instrumentations; pinned to one contrib release (0.66b1, with
# its SDK 1.45.1), the resolver finds a set (unpinned, it backtracks into a conflict).
PACKAGES = ["openlit==1.45.0", "openai", "httpx", "opentelemetry-api==1.45.1", "opentelemetry-sdk==1.45.1",
            "opentelemetry-semantic-conventions==0.66b1", "opentelemetry-instrumentation==0.66b1"]

SETUP = '''
import os
import openlit
from opentelemetry import metrics, trace

openlit.init(otlp_endpoint=os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"], application_name="weather-agent",
             environment="recording", disable_batch=True)


def otel_shutdown():
    for provider in (trace.get_tracer_provider(), metrics.get_meter_provider()):
        getattr(provider, "shutdown", lambda: None)()
'''

# The same loop, set up by OpenLIT instead of the OTel SDK lines and openai-v2's instrumentor.
AGENT = (OPENAI_V2_AGENT.replace(OTEL_SDK_SETUP, SETUP)
         .replace("from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor\n", "")
         .replace("OpenAIInstrumentor().instrument()\n", ""))
assert "OpenAIInstrumentor" not in AGENT and "openlit.init" in AGENT



def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name, signals=("traces", "logs", "metrics"),
                 versions=["openlit", "openai", "opentelemetry-sdk"],
                 notes=["Call 1 non-streaming, call 2 streaming with include_usage, call 3 streaming without it "
                        "(no usage on the wire); no agent framework; openlit.init(disable_batch=True) exports itself."])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
