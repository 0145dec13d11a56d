"""Record LiteLLM's SDK on a Gemini thinking model, traced by its own OTel callback and by OpenInference.

Run: ``python tests/clients/record_litellm_gemini.py`` (creates its own venv).
The hand-written tool loop of ``record_litellm_otel.py`` (call 1 asks for
``get_weather``, the tool runs in plain Python, call 2 is streamed with
``stream_options`` include_usage) with ``litellm.completion`` on
``gemini/gemini-2.5-flash``, its ``api_base`` the fake LLM's Gemini API
(LiteLLM appends ``models/<model>:generateContent``, or
``:streamGenerateContent?alt=sse``, and sends the key as ``x-goog-api-key``).
The fake model thinks: Gemini reports ``thoughtsTokenCount`` beside
``candidatesTokenCount`` and ``cachedContentTokenCount`` inside
``promptTokenCount``; LiteLLM turns that into an OpenAI-shaped usage
(``completion_tokens_details.reasoning_tokens``,
``prompt_tokens_details.cached_tokens``): what matters is that the thinking
is counted once, as output, and the cache once, at Gemini's cache price.

Two fixture folders come out:

* ``fixtures/litellm_gemini/``: LiteLLM's own OTel callback
  (``litellm.callbacks = ["otel"]``, set up as ``record_litellm_otel.py`` does);
* ``fixtures/litellm_gemini_openinference/``: OpenInference's
  ``LiteLLMInstrumentor`` with the OTel SDK (``OTEL_SDK_SETUP``), no callback.
"""

from __future__ import annotations

from pathlib import Path

from fakellm import THINKING_USAGE
from record_litellm_anthropic import PACKAGES, VERSIONS
from record_litellm_otel import AGENT as OTEL_AGENT
from record_litellm_otel import callback_env
from recording import FAKE_KEY, OTEL_SDK_SETUP, Recording, installed_versions, otel_env, recorder_main

NAME = "litellm_gemini"
OPENINFERENCE = "litellm_gemini_openinference"
MODEL = "gemini/gemini-2.5-flash"

# The loop of record_litellm_otel.py on Gemini: only the model and where it is served differ.
_OPENAI_MODEL = ('MODEL = dict(model="openai/gpt-4o-mini", api_base=os.environ["FAKE_OPENAI_BASE_URL"],\n'
                 '             api_key=os.environ["FAKE_OPENAI_API_KEY"], tools=TOOLS)')
assert _OPENAI_MODEL in OTEL_AGENT
AGENT = OTEL_AGENT.replace(_OPENAI_MODEL, f'MODEL = dict(model="{MODEL}", api_base=os.environ["FAKE_GEMINI_BASE_URL"],\n'
                                          '             api_key=os.environ["FAKE_GEMINI_API_KEY"], tools=TOOLS)')

# The same loop with OpenInference's instrumentor on the OTel SDK instead of LiteLLM's callback;
# the SDK's exporters are flushed before the script exits.
_CALLBACK = 'litellm.callbacks = ["otel"]\n'
assert _CALLBACK in AGENT and AGENT.rstrip().endswith("sys.exit(code)")
AGENT_OPENINFERENCE = OTEL_SDK_SETUP + '''
from openinference.instrumentation.litellm import LiteLLMInstrumentor

LiteLLMInstrumentor().instrument(tracer_provider=tracer_provider)
''' + AGENT.replace(_CALLBACK, "").rstrip().removesuffix("sys.exit(code)") + "otel_shutdown()\nsys.exit(code)\n"

NOTE = (f"litellm.completion({MODEL!r}, api_base=<fake>, tools=[get_weather]) in a hand-written loop: call 1 "
        "returns the tool call, the tool runs in plain Python, call 2 is streamed with stream_options include_usage; "
        "each answer's output includes thinking tokens (thoughtsTokenCount on the wire), the prompt count includes "
        "the cached tokens (cachedContentTokenCount)")


def fake_gemini(rec: Recording) -> dict[str, str]:
    """Passed to litellm.completion as api_base/api_key (LiteLLM appends models/<model>:<method>), not read by
    LiteLLM itself."""
    return {"FAKE_GEMINI_BASE_URL": f"{rec.llm.url}/v1beta", "FAKE_GEMINI_API_KEY": FAKE_KEY}


def record_callback(python: Path) -> None:
    with Recording(NAME, usage=THINKING_USAGE) as rec:
        env = {**callback_env(rec, "litellm-gemini-recording"), **fake_gemini(rec)}
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error")
        rec.save(packages=installed_versions(python, VERSIONS), env=env, recorder=Path(__file__).name,
                 notes=[f"{NOTE}; litellm.callbacks = ['otel'] with OTEL_EXPORTER=otlp_http."])


def record_openinference(python: Path) -> None:
    with Recording(OPENINFERENCE, usage=THINKING_USAGE) as rec:
        env = otel_env(rec.cap.url, service_name="litellm-gemini-openinference-recording", signals=("traces",))
        # LiteLLM is told to use its bundled price map so it does not fetch one at import.
        env |= {**fake_gemini(rec), "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
        rec.run_python("ok", python, AGENT_OPENINFERENCE, env)
        rec.run_python("error", python, AGENT_OPENINFERENCE, env, mode="error")
        rec.save(packages=installed_versions(python, [*VERSIONS, "openinference-instrumentation-litellm"]), env=env,
                 recorder=Path(__file__).name, notes=[f"{NOTE}; OpenInference's LiteLLMInstrumentor, no callback."])


def record(python: Path) -> None:
    record_callback(python)
    record_openinference(python)


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
