"""Record Groq's Python SDK (``groq``) traced by OpenInference's ``openinference-instrumentation-groq``.

Run: ``python tests/clients/record_groq_openinference.py`` (creates its own venv).
The tool loop of ``record_groq_openllmetry.py`` against the fake LLM's Groq
route, instrumented by OpenInference's ``GroqInstrumentor``, with call 2 not
streamed: the instrumentation ends a call's span when ``create`` returns, so a
stream's span would have neither its text nor its usage (it reads only
``ChatCompletion.usage``).
"""

from __future__ import annotations

from pathlib import Path

from record_groq_openllmetry import MODEL, agent, groq_env
from recording import OTEL_SDK_PACKAGES, record_turns, recorder_main

NAME = "groq_openinference"
PACKAGES = ["groq==1.7.0", "openinference-instrumentation-groq==0.1.33", *OTEL_SDK_PACKAGES]

INSTRUMENT = '''
from openinference.instrumentation.groq import GroqInstrumentor

GroqInstrumentor().instrument(tracer_provider=tracer_provider)
'''


def record(python: Path) -> None:
    record_turns(NAME, python, agent(INSTRUMENT, stream=False), recorder=Path(__file__).name, client_env=groq_env,
                 versions=["groq", "openinference-instrumentation-groq", "openinference-instrumentation",
                           "opentelemetry-sdk"],
                 notes=[f"Model {MODEL}. Call 1 client.chat.completions.create (asks for get_weather), call 2 the "
                        "same, not streamed (the instrumentation's span of a stream ends before its chunks are read)."])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
