"""Record a BAML function (baml-py's generated Python client) traced by OpenInference's BAML instrumentation.

Run: ``python tests/clients/record_baml_openinference.py`` (creates its own venv).
The script writes a tiny BAML project (``baml_src/``): a ``client<llm>`` of provider ``openai-generic``
whose ``base_url`` is the fake LLM, a class ``WeatherReport`` and a function ``ExtractWeather`` returning
it, its prompt ending with ``{{ ctx.output_format }}`` (BAML asks for the class in the prompt text, not
with a ``response_format``); it generates the Python client with the pinned ``baml-cli generate``, then
instruments it as the instrumentation's README sets it up by hand
(``BamlInstrumentor().instrument(tracer_provider=..., baml_client_module="baml_client")``: a top-level
``baml_client`` is not found by its discovery, which looks for ``<package>.baml_client``) and calls the
function twice: once through the sync client (``b``), once through the async one (``baml_client.async_client.b``),
the two methods the instrumentation wraps. The fake LLM answers BAML's output format with an object of the
class's fields (``json``: 512/17, no cache), which BAML parses. The error run: the fake LLM refuses the
first call (HTTP 400), which BAML raises (``BamlClientHttpError``; no retry policy on the client).

No tool: a BAML function is one prompt and one parsed answer, it offers the model no tools (``tools=False``).
"""

from __future__ import annotations

from pathlib import Path

from recording import (
    FAKE_KEY,
    OTEL_SDK_PACKAGES,
    OTEL_SDK_SETUP,
    Recording,
    guarded,
    installed_versions,
    otel_env,
    recorder_main,
)

NAME = "baml_openinference"
BAML_VERSION = "0.226.3"
#: baml-py does not install pydantic, which the generated client (``output_type "python/pydantic"``) imports.
PACKAGES = [f"baml-py=={BAML_VERSION}", "openinference-instrumentation-baml==0.2.0", "pydantic==2.14.3",
            *OTEL_SDK_PACKAGES]
MODEL = "gpt-4o-mini"

BAML_SRC = f'''
client<llm> WeatherModel {{
  provider openai-generic
  options {{
    base_url env.FAKELLM_BASE_URL
    api_key env.OPENAI_API_KEY
    model "{MODEL}"
  }}
}}

generator target {{
  output_type "python/pydantic"
  output_dir "../"
  version "{BAML_VERSION}"
  default_client_mode "sync"
}}

class WeatherReport {{
  city string
  temperature_c int @description("Air temperature in degrees Celsius")
  summary string
}}

function ExtractWeather(text: string) -> WeatherReport {{
  client WeatherModel
  prompt #"
    {{{{ _.role("system") }}}}
    Extract the weather report from the user's text.
    {{{{ ctx.output_format }}}}

    {{{{ _.role("user") }}}}
    {{{{ text }}}}
  "#
}}
'''

AGENT = f'''
import subprocess
import sys
from pathlib import Path

BAML_SRC = {BAML_SRC!r}
Path("baml_src").mkdir(exist_ok=True)
Path("baml_src/main.baml").write_text(BAML_SRC)
subprocess.run([str(Path(sys.executable).parent / "baml-cli"), "generate"], check=True)
sys.path.insert(0, str(Path.cwd()))
''' + OTEL_SDK_SETUP + '''
import asyncio
from openinference.instrumentation.baml import BamlInstrumentor
import baml_client
from baml_client import b
from baml_client.async_client import b as async_b

BamlInstrumentor().instrument(tracer_provider=tracer_provider, baml_client_module="baml_client")
''' + guarded('''
first = b.ExtractWeather("Paris this afternoon: sunny, 22 C.")
print("REPORT 1:", first.model_dump_json())
second = asyncio.run(async_b.ExtractWeather("Tokyo tonight: light rain, 14 C."))
print("FINAL:", second.model_dump_json())
''')

NOTES = [
    f"A BAML project written by the script: client<llm> of provider openai-generic ({MODEL}, base_url the fake "
    "LLM), class WeatherReport, function ExtractWeather(text) -> WeatherReport whose prompt ends with "
    "ctx.output_format; the Python client generated with the pinned baml-cli generate (python/pydantic).",
    "BamlInstrumentor().instrument(tracer_provider=..., baml_client_module='baml_client') (the README's manual "
    "set-up; its discovery only finds <package>.baml_client); the function called twice, through the sync client "
    "(call_function_sync) and the async one (call_function_async).",
    "The fake LLM answers BAML's output format (the class's fields in the prompt) with an object of them (json "
    "usage 512/17, no cache); BAML parses it into WeatherReport.",
    "One span per BAML function call, BAML.ExtractWeather, of kind LLM (llm.system baml, llm.provider "
    "openai-generic, the model from the request body, the usage from BAML's collector); no span of the function "
    "apart from its model call, no tool.",
    "error: every model call gets HTTP 400 with OpenAI's error body; BAML raises BamlClientHttpError on the first "
    "call (no retry policy on the client), from the generated client's cast_to, after the wrapped call returned: "
    "the span ends OK with no model, provider or usage (error_not_reported).",
]


#: Why the ok run has no tool call (the manifest's ``no_tool_turn``).
NO_TOOL_TURN = ("a BAML function is one prompt whose answer BAML parses into the function's return type; it offers "
                "the model no tools, so the turn is two calls of the function, each answered with JSON")
#: Why the refused call leaves no error in the telemetry (the manifest's ``error_not_reported``).
ERROR_NOT_REPORTED = (
    "baml-py's call_function_sync/_async, which the instrumentation wraps, return the refused call's result "
    "without raising; the generated client raises BamlClientHttpError after them, from the result's cast_to, "
    "outside the span: the span ends OK, naming no model, provider or usage (BAML's collector holds no "
    "selected call for it)"
)


def record(python: Path) -> None:
    with Recording(NAME) as rec:
        env = otel_env(rec.cap.url, service_name=f"{NAME.replace('_', '-')}-recording", signals=("traces",))
        env |= {"FAKELLM_BASE_URL": rec.llm.openai_base_url, "OPENAI_API_KEY": FAKE_KEY}
        rec.run_python("ok", python, AGENT, env)
        error = rec.run_python("error", python, AGENT, env, mode="error")
        error["error_not_reported"] = ERROR_NOT_REPORTED
        rec.save(packages=installed_versions(python, [
            "baml-py", "openinference-instrumentation-baml", "openinference-instrumentation",
            "openinference-semantic-conventions", "pydantic", "opentelemetry-sdk"]),
            env=env, recorder=Path(__file__).name, notes=NOTES, extra={"no_tool_turn": NO_TOOL_TURN})


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
