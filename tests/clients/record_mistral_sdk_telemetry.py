"""Record the newest ``mistralai`` with its own telemetry on, under OpenInference's instrumentation too.

Run: ``python tests/clients/record_mistral_sdk_telemetry.py`` (creates its own venv).
The tool loop of ``record_mistral.py`` (call 1 ``client.chat.complete`` asking
for ``get_weather``, the tool run in the script, call 2 ``client.chat.stream``)
against the fake LLM's Mistral route, with both tracers an app may turn on at
once: the SDK's own (opt-in since mistralai 2; ``MISTRAL_SDK_TELEMETRY=global``
sends its spans to the global tracer provider the script sets up, instead of a
provider of its own exporting to Mistral) and OpenInference's
``MistralAIInstrumentor``. Each call is then reported twice in one trace: the
SDK's span of the request inside OpenInference's span of the call.
"""

from __future__ import annotations

from pathlib import Path

from record_mistral import agent, mistral_env
from record_mistral_openinference import INSTRUMENT
from recording import OTEL_SDK_PACKAGES, Recording, record_turns, recorder_main

NAME = "mistral_sdk_telemetry"
PACKAGES = ["mistralai==3.8.0", "openinference-instrumentation-mistralai==2.2.2", *OTEL_SDK_PACKAGES]


def telemetry_env(rec: Recording) -> dict[str, str]:
    """The fake LLM's Mistral route, and the SDK's own tracing on the global tracer provider."""
    return mistral_env(rec) | {"MISTRAL_SDK_TELEMETRY": "global"}


def record(python: Path) -> None:
    record_turns(NAME, python, agent(INSTRUMENT), recorder=Path(__file__).name, client_env=telemetry_env,
                 versions=["mistralai", "openinference-instrumentation-mistralai", "opentelemetry-sdk"],
                 notes=["Call 1 client.chat.complete (asks for get_weather), call 2 client.chat.stream; the "
                        "SDK's own telemetry on (MISTRAL_SDK_TELEMETRY=global: the global tracer provider) "
                        "beside OpenInference's MistralAIInstrumentor."])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
