"""Record Genkit for Python (PyPI ``genkit``) exported over OTLP by the OTel SDK provider it traces on.

Run: ``python tests/clients/record_genkit_python.py`` (creates its own venv).
One flow, ``weather_flow`` (``@ai.flow()``), whose body is one ``ai.generate`` with a system prompt and
one tool ``get_weather`` (``@ai.tool()``), on the OpenAI-compatible model plugin ``genkit-openai``
(``OpenAI(base_url=..., max_retries=0)``, the renamed ``genkit-plugin-compat-oai``; the ``openai``
package's ``AsyncOpenAI`` underneath: Chat Completions, not streamed), pointed at the fake LLM.
``ai.generate`` runs the tool itself and asks the model again: two model calls.

Telemetry: Genkit for Python traces every action on the global OpenTelemetry tracer provider (its
tracer ``genkit-tracer``); it makes one of its own only when none is set (and then exports only to the
Dev UI's telemetry server, in ``GENKIT_ENV=dev``). So the script sets up the OTel SDK first, as
Genkit's own samples do for an OTLP back end: a ``TracerProvider`` with a ``BatchSpanProcessor`` of
the OTLP/HTTP span exporter (``OTEL_EXPORTER_OTLP_ENDPOINT``), made the global provider before
``Genkit(...)``; the provider is shut down (flushed) before exit.

Two runs, each a fresh process: ``ok`` (call 1 asks for ``get_weather``, Genkit runs it, call 2
answers) and ``error`` (the fake LLM answers HTTP 400). Genkit for Python's ``generate`` does not raise
on a refused call: it returns the failed response (finish reason ``failed``, ``response.error`` set),
and the flow raises a ``GenkitError`` from it, as an app that checks the answer does (exit 3). The
script prints the usage Genkit reports for the turn (``RESULT_JSON``, kept as ``sdk_results``).
"""

from __future__ import annotations

from pathlib import Path

from record_claude_agent_sdk import result_of
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

NAME = "genkit_python"
#: genkit-openai is the plugin genkit-plugin-compat-oai became (0.9.0 is that name's last, deprecated, release).
PACKAGES = ["genkit==0.12.0", "genkit-openai==0.12.0", "openai==3.63.0", *OTEL_SDK_PACKAGES]

AGENT = OTEL_SDK_SETUP + '''
import json, sys
from pydantic import BaseModel, Field
from genkit import Genkit, GenkitError
from genkit_openai import OpenAI

ai = Genkit(plugins=[OpenAI(api_key=os.environ["OPENAI_API_KEY"], base_url=os.environ["OPENAI_BASE_URL"],
                            max_retries=0)])


class WeatherInput(BaseModel):
    city: str = Field(description="The city name.")


@ai.tool()
async def get_weather(input: WeatherInput) -> str:
    """Get the current weather for a city."""
    return f"Sunny, 22 C in {input.city}"


@ai.flow()
async def weather_flow(question: str) -> str:
    response = await ai.generate(
        model=OpenAI.gpt_model("gpt-4o-mini"),
        system="Answer weather questions with the get_weather tool.",
        prompt=question,
        tools=[get_weather],
    )
    print("RESULT_JSON:", json.dumps({"usage": response.usage.model_dump(by_alias=True, exclude_none=True),
                                      "finish_reason": response.finish_reason}))
    if response.error is not None:  # generate returns a failed call's response (finish reason "failed")
        raise GenkitError(status=response.error.status, message=response.error.message)
    return response.text
''' + guarded('''
print("FINAL:", ai.run_main(weather_flow("What is the weather in Paris?")))
''')


def record(python: Path) -> None:
    with Recording(NAME) as rec:
        env = otel_env(rec.cap.url, service_name="weather-app", signals=("traces",)) | openai_env(rec)
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error")
        results: dict[str, object] = {run["label"]: result_of(run["stdout_tail"]) for run in rec.runs}
        rec.save(
            packages=installed_versions(python, ["genkit", "genkit-openai", "openai", "opentelemetry-sdk",
                                                 "opentelemetry-exporter-otlp-proto-http"]),
            env=env, recorder=Path(__file__).name, notes=NOTES, extra={"sdk_results": results})


NOTES = [
    "One flow (@ai.flow() weather_flow) whose body is one ai.generate with a system prompt and one tool get_weather "
    "(@ai.tool(), a pydantic input model: a tool takes one input, so get_weather(city: str) would be offered a "
    "string schema and refuse the model's {\"city\": ...}); on genkit-openai's OpenAI(base_url=..., max_retries=0), "
    "Chat Completions, not streamed; run with ai.run_main.",
    "The OTel SDK set up before Genkit (a global TracerProvider with a BatchSpanProcessor of the OTLP/HTTP protobuf "
    "span exporter, OTEL_EXPORTER_OTLP_ENDPOINT): Genkit traces on it (its tracer genkit-tracer); it makes a provider "
    "of its own only when none is set. Shut down (flushed) before exit.",
    "Spans: weather_flow (genkit:metadata:subtype flow) > generate (genkit:type util: one step for the whole tool "
    "loop, no nested step per turn as in Genkit for Node.js) > two model actions openai/gpt-4o-mini (subtype model, "
    "the usage only in genkit:output, as floats: inputTokens 1234.0, cachedContentTokens 200.0; raw holds no usage) "
    "and get_weather (subtype tool.v2, its output the multipart envelope {\"output\": \"Sunny, 22 C in Paris\"}). "
    "Every span's status is unset but a failed one's; genkit:state success/error.",
    "error: the fake LLM answers HTTP 400; generate does not raise but returns the failed response (finish reason "
    "failed, response.error set): the model action is ERROR (INVALID_ARGUMENT), the generate step keeps an unset "
    "status with genkit:state error and its output's error. The script raises a GenkitError from response.error "
    "(exit 3), so the flow fails too; without that (seen while recording) the flow ends OK with an empty answer.",
    "sdk_results holds the usage Genkit's response reports for the turn (the last call's: 1400/78, 300 cached) and "
    "its finish reason.",
]

if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
