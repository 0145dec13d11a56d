"""Record MLflow Tracing (``mlflow.openai.autolog()`` and ``@mlflow.trace``) exporting over OTLP.

Run: ``python tests/clients/record_mlflow.py`` (creates its own venv).
A hand-written tool loop as MLflow's tracing documentation writes one: an
``@mlflow.trace(span_type="AGENT")`` agent function, an
``@mlflow.trace(span_type="TOOL")`` tool, the model called through the
``openai`` client that ``mlflow.openai.autolog()`` traces (call 2 streamed with
``stream_options={"include_usage": True}``), the session and user set as MLflow
documents it (``mlflow.update_current_trace(metadata={"mlflow.trace.session": ...})``).
No tracking server: ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` set makes MLflow export
its spans to that endpoint instead (its documented OTLP export), over OTLP/HTTP
protobuf (``OTEL_EXPORTER_OTLP_TRACES_PROTOCOL``; MLflow's default is gRPC).

``mlflow-skinny`` is MLflow's own package without the server's dependencies and
holds the same ``mlflow.tracing``/``mlflow.openai`` code as ``mlflow`` of the same
version: ``mlflow`` 3.18.0 pins ``mlflow-tracing==3.18.0``, which is not on PyPI,
and ``mlflow-tracing`` stops at 3.17.2.
"""

from __future__ import annotations

from pathlib import Path

from recording import Recording, installed_versions, openai_env, recorder_main

NAME = "mlflow"
PACKAGES = ["mlflow-skinny==3.18.0", "openai==3.63.0", "opentelemetry-exporter-otlp-proto-http==1.45.2"]

AGENT = '''
import json, os, sys
import mlflow
from openai import OpenAI

mlflow.openai.autolog()
client = OpenAI(max_retries=0)
MODEL = "gpt-4o-mini"
TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "Get the current weather for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]


@mlflow.trace(span_type="TOOL")
def get_weather(city: str) -> str:
    return f"Sunny, 22 C in {city}"


@mlflow.trace(span_type="AGENT")
def weather_agent(question: str) -> str:
    mlflow.update_current_trace(metadata={"mlflow.trace.session": "weather-" + os.environ["RUN_LABEL"],
                                          "mlflow.trace.user": "recording-user"})
    messages = [{"role": "system", "content": "Answer weather questions with the get_weather tool."},
                {"role": "user", "content": question}]
    first = client.chat.completions.create(model=MODEL, messages=messages, tools=TOOLS)
    msg = first.choices[0].message
    messages.append(msg.model_dump(exclude_none=True))
    for call in msg.tool_calls or []:
        result = get_weather(**json.loads(call.function.arguments))
        messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
    stream = client.chat.completions.create(model=MODEL, messages=messages, tools=TOOLS, stream=True,
                                            stream_options={"include_usage": True})
    return "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)


code = 0
try:
    print("FINAL:", weather_agent("What is the weather in Paris?"))
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
sys.exit(code)  # MLflow's tracer provider flushes its batch at exit
'''


def mlflow_env(rec: Recording) -> dict[str, str]:
    """What MLflow's OTLP export documentation sets, with the protocol the monitor takes on HTTP."""
    return openai_env(rec) | {
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": rec.cap.url + "/v1/traces",
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf",
        "OTEL_SERVICE_NAME": "mlflow-recording",
        "OTEL_BSP_SCHEDULE_DELAY": "200",
    }


def record(python: Path) -> None:
    with Recording(NAME) as rec:
        env = mlflow_env(rec)
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error")
        rec.save(
            packages=installed_versions(python, ["mlflow-skinny", "openai", "opentelemetry-sdk",
                                                 "opentelemetry-exporter-otlp-proto-http"]),
            env=env,
            recorder=Path(__file__).name,
            notes=["Hand-written tool loop: @mlflow.trace(span_type='AGENT') weather_agent, "
                   "@mlflow.trace(span_type='TOOL') get_weather, openai client traced by "
                   "mlflow.openai.autolog() (call 2 streamed with include_usage), session and user as "
                   "trace metadata; no tracking server: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (http/protobuf)."],
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
