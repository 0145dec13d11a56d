"""Record the openai SDK's Responses API on a reasoning model, traced by OpenLLMetry's OpenAI instrumentation.

Run: ``python tests/clients/record_openai_responses_openllmetry.py`` (creates its own venv).
The script of ``record_openai_responses_openinference.py`` (call 1 asks for the tool, call 2
streamed answers; the fake LLM answering as an OpenAI reasoning model), traced by the
instrumentation OpenLLMetry's ``traceloop-sdk`` installs for OpenAI (pinned as in
``record_openllmetry.py``), on the plain OpenTelemetry SDK. It records prompts and answers
on its spans by default (``TRACELOOP_TRACE_CONTENT``, on unless set false).
"""

from __future__ import annotations

from pathlib import Path

from record_openai_responses_openinference import NOTES, OPENAI, record_responses_turns, responses_agent
from record_openllmetry import PACKAGES as OPENLLMETRY_PACKAGES
from recording import recorder_main

NAME = "openai_responses_openllmetry"
PACKAGES = [OPENAI if p == "openai" else p for p in OPENLLMETRY_PACKAGES]
assert OPENAI in PACKAGES

AGENT = responses_agent("from opentelemetry.instrumentation.openai import OpenAIInstrumentor")


def record(python: Path) -> None:
    record_responses_turns(NAME, python, AGENT, notes=[*NOTES, "Content traced (OpenLLMetry's default)."], versions=[
        "opentelemetry-instrumentation-openai", "opentelemetry-semantic-conventions-ai", "openai", "opentelemetry-sdk"])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
