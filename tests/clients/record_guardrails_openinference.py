"""Record a Guardrails AI guard over LiteLLM, traced by OpenInference's Guardrails and OpenAI instrumentations.

Run: ``python tests/clients/record_guardrails_openinference.py`` (creates its own venv).
One guard run, as Guardrails' and OpenInference's docs write it: ``Guard.from_pydantic(output_class=WeatherReport,
num_reasks=1)``, a Pydantic output schema whose ``temperature_c`` field carries a validator the script registers
(``plausible-temperature``, -60 to 60 degrees Celsius, ``on_fail="reask"``; no hub validator to download), called
as ``guard(model="gpt-4o-mini", msg_history=..., tools=guard.json_function_calling_tool(), tool_choice=...)``:
Guardrails' LiteLLM callable, LiteLLM's OpenAI provider on the openai SDK at the fake LLM (``OPENAI_BASE_URL``).
``GuardrailsInstrumentor`` and ``OpenAIInstrumentor`` are both on, with the script's tracer provider.

The fake LLM answers the forced tool call (``gd_response_tool``, the ``WeatherReport`` schema) with scripted
arguments (``TOOL_ANSWERS``): a temperature the validator refuses (220). Guardrails re-asks with a new conversation (its re-ask prompt: the
invalid JSON and the error, no earlier tool call in it), which the fake LLM answers the same way, so the
one guard run makes two model calls, each with the known ``tool_call`` usage, and ends with the validation
failed (``validation_passed`` False: the re-asks are spent). The error run: the fake LLM refuses the first
request (HTTP 400); Guardrails does not retry it and raises.

Guardrails' own usage metrics (its hub telemetry, exported to an endpoint of Guardrails') are on unless
``~/.guardrailsrc`` says ``enable_metrics=false``: the script writes that into the run's fresh ``HOME``.

openinference-instrumentation-guardrails instruments guardrails-ai ``>=0.4.5,<0.5.1`` only (it skips newer
versions without a span), so guardrails-ai is pinned at 0.5.0, the newest it traces.
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

NAME = "guardrails_openinference"
#: guardrails-ai 0.5.0: the instrumentation's ``_instruments`` is ``guardrails-ai>=0.4.5,<0.5.1``.
#: guardrails-ai 0.5.0 wants openai<2; openinference-instrumentation-openai 0.1.60 and later instrument
#: openai>=2.8 only (skipping older without a span), so 0.1.59 (openai>=1.69). openai and litellm as resolved.
PACKAGES = ["guardrails-ai==0.5.0", "openinference-instrumentation-guardrails==0.1.27",
            "openinference-instrumentation-openai==0.1.59", "openai==1.109.1", "litellm==1.80.0",
            *OTEL_SDK_PACKAGES]
MODEL = "gpt-4o-mini"
#: The fake LLM's answer to the forced tool call: a temperature the validator refuses (both calls).
TOOL_ANSWERS = {"gd_response_tool": [{"city": "Paris", "temperature_c": 220}]}

AGENT = OTEL_SDK_SETUP + '''
import sys
from pathlib import Path

# Guardrails' own usage metrics (its hub telemetry) off, as `guardrails configure --disable-metrics` writes it.
(Path.home() / ".guardrailsrc").write_text("enable_metrics=false\\n")
from typing import Any, Dict

from guardrails import Guard, OnFailAction
from guardrails.validator_base import FailResult, PassResult, ValidationResult, Validator, register_validator
from openinference.instrumentation.guardrails import GuardrailsInstrumentor
from openinference.instrumentation.openai import OpenAIInstrumentor
from pydantic import BaseModel, Field

GuardrailsInstrumentor().instrument(tracer_provider=tracer_provider)
OpenAIInstrumentor().instrument(tracer_provider=tracer_provider)


@register_validator(name="plausible-temperature", data_type="integer")
class PlausibleTemperature(Validator):
    """An air temperature a weather report can hold: -60 to 60 degrees Celsius."""

    def validate(self, value: Any, metadata: Dict) -> ValidationResult:
        if -60 <= value <= 60:
            return PassResult()
        return FailResult(error_message=f"{value} C is no air temperature: give it in degrees Celsius.")


class WeatherReport(BaseModel):
    """The weather a text reports for a city."""

    city: str
    temperature_c: int = Field(description="Air temperature in degrees Celsius",
                               json_schema_extra={"validators": [PlausibleTemperature(on_fail=OnFailAction.REASK)]})


guard = Guard.from_pydantic(output_class=WeatherReport, num_reasks=1)
''' + guarded(f'''
outcome = guard(
    model="{MODEL}",
    msg_history=[{{"role": "system", "content": "Extract the weather report from the user's text."}},
                 {{"role": "user", "content": "Paris this afternoon: sunny, 22 C."}}],
    tools=guard.json_function_calling_tool(),
    tool_choice={{"type": "function", "function": {{"name": "gd_response_tool"}}}},
)
print("reasks:", len(guard.history.last.iterations) - 1, "validation_passed:", outcome.validation_passed)
print("FINAL:", outcome.validated_output)
''')

NOTES = [
    f"Guard.from_pydantic(output_class=WeatherReport, num_reasks=1), guard(model={MODEL!r}, msg_history=..., "
    "tools=guard.json_function_calling_tool(), tool_choice=gd_response_tool): Guardrails' LiteLLM callable, "
    "LiteLLM's OpenAI provider at the fake LLM; GuardrailsInstrumentor and OpenAIInstrumentor instrumented with "
    "the script's tracer provider.",
    "The validator is the script's own (register_validator 'plausible-temperature', on_fail reask): no hub "
    "validator is downloaded. Guardrails' hub telemetry is off (enable_metrics=false in the run's ~/.guardrailsrc).",
    "The fake LLM's scripted tool answer (fakellm_tool_answers): temperature_c 220, refused by the validator; "
    "Guardrails re-asks in a new conversation (no earlier tool call), answered alike: two model calls, the "
    "validation failed when the re-asks are spent.",
    "error: every model call gets HTTP 400 with OpenAI's error body; Guardrails does not retry it.",
]


def record(python: Path) -> None:
    with Recording(NAME, tool_answers=TOOL_ANSWERS) as rec:
        env = otel_env(rec.cap.url, service_name=f"{NAME.replace('_', '-')}-recording", signals=("traces",))
        env |= openai_env(rec)
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error")
        rec.save(packages=installed_versions(python, [
            "guardrails-ai", "openinference-instrumentation-guardrails", "openinference-instrumentation-openai",
            "openinference-instrumentation", "openinference-semantic-conventions", "litellm", "openai",
            "pydantic", "opentelemetry-sdk"]), env=env, recorder=Path(__file__).name, notes=NOTES)


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
