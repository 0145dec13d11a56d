"""Record Upsonic's own OpenTelemetry tracing (``Agent(..., instrument=DefaultTracingProvider(...))``).

Run: ``python tests/clients/record_upsonic.py [--install-only] [recording ...]`` (all three by default: ``upsonic``,
``upsonic_aggregated``, ``upsonic_genai_prices_newest``; each creates or reuses its venv).

Upsonic 0.77.3 is an agent framework with its own tracing: ``DefaultTracingProvider`` builds a
tracer provider of its own (service ``upsonic`` unless told otherwise) with a
``BatchSpanProcessor`` on an OTLP exporter: gRPC's when ``opentelemetry-exporter-otlp-proto-grpc``
is installed, else HTTP's (the venv has only the HTTP one, so the endpoint is the full
``.../v1/traces`` URL the exporter posts to).  Its spans (scope ``upsonic``): ``agent.run`` (the
run, ``upsonic.agent.name``), ``pipeline.execute`` and a ``pipeline.step.<name>`` span per step of
the agent's pipeline, ``tool.execute`` per tool call (``upsonic.tool.name``, arguments and result
as ``langfuse.observation.input``/``output``) and ``chat <model>`` per model call
(``upsonic/models/instrumented.py``, pydantic-ai's instrumentation copied: GenAI usage, messages
and genai-prices' ``operation.cost``).  The run span carries the run's summed usage as
``gen_ai.usage.*`` by default, as ``gen_ai.aggregated_usage.*`` with
``use_aggregated_usage_attribute_names=True`` (the ``upsonic_aggregated`` recording).

genai-prices is pinned below 0.1: Upsonic 0.77.3 (which asks for ``genai-prices>=0.0.38``) reads every
call's usage with genai-prices' ``extract_usage`` and builds its ``RequestUsage`` from the result, whose
``output_reasoning_tokens`` (genai-prices 0.1.0 and later) it does not take; the ``TypeError`` is
swallowed, so with the newest genai-prices no span carries any usage and ``operation.cost`` is 0.0.
0.0.73 is the last release before that field.
"""

from __future__ import annotations

import sys
from pathlib import Path

from recording import (
    FAKE_KEY,
    OTEL_SDK_PACKAGES,
    Recording,
    chosen_variants,
    ensure_venv,
    installed_versions,
    otel_env,
)

#: The last genai-prices Upsonic 0.77.3 reads usage with (see above), and the newest, which pip picks for it.
GENAI_PRICES_PINNED = "genai-prices==0.0.73"
GENAI_PRICES_NEWEST = "genai-prices==0.2.5"
PACKAGES = ["upsonic==0.77.3", GENAI_PRICES_PINNED, *OTEL_SDK_PACKAGES]

AGENT = '''
import os, sys
from upsonic import Agent, Task
from upsonic.integrations.tracing import DefaultTracingProvider

provider = DefaultTracingProvider(
    endpoint=os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] + "/v1/traces",
    service_name=os.environ["OTEL_SERVICE_NAME"],
    use_aggregated_usage_attribute_names=os.environ.get("AGGREGATED") == "1",
)


def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"Sunny, 22 C in {city}"


agent = Agent("openai/gpt-4o-mini", name="Weather Agent", instrument=provider,
              system_prompt="Answer weather questions with the get_weather tool.")

code = 0
try:
    result = agent.do(Task("What is the weather in Paris?", tools=[get_weather]))
    print("FINAL:", result)
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
finally:
    provider.shutdown()
sys.exit(code)
'''

#: recording name -> (the variables that choose its variant, its genai-prices).
VARIANTS = {
    "upsonic": ({}, GENAI_PRICES_PINNED),
    "upsonic_aggregated": ({"AGGREGATED": "1"}, GENAI_PRICES_PINNED),
    # What ``pip install upsonic==0.77.3`` gets today: no usage on any span, ``operation.cost`` 0.0.
    "upsonic_genai_prices_newest": ({}, GENAI_PRICES_NEWEST),
}


def record(python: Path, name: str) -> None:
    variables, genai_prices = VARIANTS[name]
    aggregated = bool(variables)
    with Recording(name) as rec:
        env = otel_env(rec.cap.url, service_name="upsonic-recording", signals=("traces",))
        env |= {"OPENAI_BASE_URL": rec.llm.openai_base_url, "OPENAI_API_KEY": FAKE_KEY} | variables
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error")
        pinned = genai_prices == GENAI_PRICES_PINNED
        notes = ["Agent('openai/gpt-4o-mini', instrument=DefaultTracingProvider(endpoint=...)) with one tool, "
                 "one agent.do(Task(...)); chat completions, not streamed; only the HTTP exporter installed "
                 "(DefaultTracingProvider prefers gRPC's), so the endpoint is the full /v1/traces URL.",
                 ("genai-prices pinned to 0.0.73: with 0.1.0 or later Upsonic 0.77.3 drops every call's usage "
                  "(its RequestUsage takes no output_reasoning_tokens; the TypeError is swallowed)." if pinned else
                  "genai-prices 0.2.5, the newest, as pip resolves upsonic==0.77.3: Upsonic's RequestUsage takes no "
                  "output_reasoning_tokens, the TypeError is swallowed, so no span carries usage and every "
                  "operation.cost is 0.0 (every call in usage_not_reported)."),
                 "use_aggregated_usage_attribute_names=" + ("True" if aggregated else "False (the default)")
                 + ": the agent.run span's run total as "
                 + ("gen_ai.aggregated_usage.*" if aggregated else "gen_ai.usage.*") + "."]
        not_reported = {} if pinned else {
            str(c["seq"]): "Upsonic 0.77.3 with genai-prices 0.1.0 or later drops the usage of every call"
            for run in rec.runs for c in run["fake_calls"] if c.get("usage")}
        rec.save(
            packages=installed_versions(python, ["upsonic", "openai", "genai-prices", "opentelemetry-sdk",
                                                 "opentelemetry-exporter-otlp-proto-http"]),
            env=env,
            recorder=Path(__file__).name,
            notes=notes,
            extra={"usage_not_reported": not_reported} if not_reported else None,
        )


if __name__ == "__main__":
    # python record_upsonic.py [--install-only] [recording ...] (all of VARIANTS by default)
    install_only = "--install-only" in sys.argv[1:]
    sys.argv[1:] = [a for a in sys.argv[1:] if a != "--install-only"]
    chosen = chosen_variants(VARIANTS)
    for name in chosen:
        pin = VARIANTS[name][1]
        venv = "upsonic" if pin == GENAI_PRICES_PINNED else "upsonic-genai-prices-newest"
        py = ensure_venv(venv, ["upsonic==0.77.3", pin, *OTEL_SDK_PACKAGES])
        if not install_only:
            record(py, name)
