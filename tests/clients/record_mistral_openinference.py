"""Record Mistral's Python SDK (``mistralai``, the newest) traced by OpenInference's ``openinference-instrumentation-mistralai``.

Run: ``python tests/clients/record_mistral_openinference.py`` (creates its own venv).
The tool loop of ``record_mistral.py`` (call 1 ``client.chat.complete`` asking
for ``get_weather``, the tool run in the script, call 2 ``client.chat.stream``)
against the fake LLM's Mistral route, instrumented by OpenInference's
``MistralAIInstrumentor`` (which wraps ``mistralai.client``: mistralai 2.0 and
later). The SDK's own telemetry is opt-in since mistralai 2 and left off.
"""

from __future__ import annotations

from pathlib import Path

from record_mistral import agent, mistral_env
from recording import OTEL_SDK_PACKAGES, record_turns, recorder_main

NAME = "mistral_openinference"
PACKAGES = ["mistralai==3.8.0", "openinference-instrumentation-mistralai==2.2.2", *OTEL_SDK_PACKAGES]

INSTRUMENT = '''
from openinference.instrumentation.mistralai import MistralAIInstrumentor

MistralAIInstrumentor().instrument(tracer_provider=tracer_provider)
'''


def record(python: Path) -> None:
    record_turns(NAME, python, agent(INSTRUMENT), recorder=Path(__file__).name, client_env=mistral_env,
                 versions=["mistralai", "openinference-instrumentation-mistralai", "opentelemetry-sdk"],
                 notes=["Call 1 client.chat.complete (asks for get_weather), call 2 client.chat.stream; the "
                        "SDK's own telemetry (MISTRAL_SDK_TELEMETRY, opt-in) left off."])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
