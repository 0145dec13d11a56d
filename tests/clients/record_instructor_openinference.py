"""Record instructor's structured output over the openai SDK, traced by OpenInference's Instructor and OpenAI instrumentations.

Run: ``python tests/clients/record_instructor_openinference.py`` (creates its own venv).
One extraction, as instructor's and OpenInference's READMEs write it: ``instructor.from_openai(OpenAI())``
(tools mode, instructor's default for OpenAI), then ``client.chat.completions.create(model=...,
response_model=WeatherReport, messages=...)`` with ``InstructorInstrumentor`` and
``OpenAIInstrumentor`` both on. The fake LLM answers the forced ``WeatherReport`` tool call with
scripted arguments (``TOOL_ANSWERS``): first a temperature the model's field constraint refuses
(``le=60``), so instructor sends the validation error back as the tool's result and asks again,
then a valid one. So one instructor call wraps two model calls, each with the known
``tool_call`` usage. The error run: the fake LLM refuses the first request (HTTP 400), which
instructor does not retry (it retries failed validations only).
"""

from __future__ import annotations

from pathlib import Path

from recording import (
    OTEL_SDK_PACKAGES,
    OTEL_SDK_SETUP,
    Recording,
    guarded,
    installed_versions,
    openai_env,
    otel_env,
    recorder_main,
)

NAME = "instructor_openinference"
#: openai as resolved: instructor 1.17.0 wants jiter<0.15, openai 3.4 and later jiter>=0.16 (3.3.0 is the newest it takes).
PACKAGES = ["instructor==1.17.0", "openinference-instrumentation-instructor==0.1.29",
            "openinference-instrumentation-openai==0.1.66", "openai==3.3.0", *OTEL_SDK_PACKAGES]
MODEL = "gpt-4o-mini"
#: The fake LLM's answers to the forced tool call, in turn: a temperature the field refuses, then the right one.
TOOL_ANSWERS = {"WeatherReport": [{"city": "Paris", "temperature_c": 220}, {"city": "Paris", "temperature_c": 22}]}

AGENT = OTEL_SDK_SETUP + '''
import sys
import instructor
from openai import OpenAI
from pydantic import BaseModel, Field
from openinference.instrumentation.instructor import InstructorInstrumentor
from openinference.instrumentation.openai import OpenAIInstrumentor

InstructorInstrumentor().instrument(tracer_provider=tracer_provider)
OpenAIInstrumentor().instrument(tracer_provider=tracer_provider)


class WeatherReport(BaseModel):
    """The weather a text reports for a city."""

    city: str
    temperature_c: int = Field(ge=-60, le=60, description="Air temperature in degrees Celsius")


client = instructor.from_openai(OpenAI())
''' + guarded(f'''
report = client.chat.completions.create(
    model="{MODEL}",
    response_model=WeatherReport,
    max_retries=2,
    messages=[{{"role": "system", "content": "Extract the weather report from the user's text."}},
              {{"role": "user", "content": "Paris this afternoon: sunny, 22 C."}}],
)
print("FINAL:", report.model_dump_json())
''')

NOTES = [
    f"instructor.from_openai(OpenAI()) (tools mode), client.chat.completions.create(model={MODEL!r}, "
    "response_model=WeatherReport, max_retries=2); InstructorInstrumentor and OpenAIInstrumentor instrumented "
    "with the script's tracer provider, as OpenInference's README sets them up.",
    "The fake LLM's scripted tool answers (fakellm_tool_answers): call 1 temperature_c 220 (refused by the "
    "field's le=60), instructor sends the validation error back as the tool's result; call 2 temperature_c 22.",
    "error: every model call gets HTTP 400 with OpenAI's error body; instructor retries failed validations only.",
]


def record(python: Path) -> None:
    with Recording(NAME, tool_answers=TOOL_ANSWERS) as rec:
        env = otel_env(rec.cap.url, service_name=f"{NAME.replace('_', '-')}-recording", signals=("traces",))
        env |= openai_env(rec)
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error")
        rec.save(packages=installed_versions(python, [
            "instructor", "openinference-instrumentation-instructor", "openinference-instrumentation-openai",
            "openinference-instrumentation", "openinference-semantic-conventions", "openai", "pydantic",
            "opentelemetry-sdk"]), env=env, recorder=Path(__file__).name, notes=NOTES)


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
