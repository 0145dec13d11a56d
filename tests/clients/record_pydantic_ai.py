"""Record pydantic-ai's built-in OpenTelemetry instrumentation (``Agent.instrument_all()``).

Run: ``python tests/clients/record_pydantic_ai.py`` (creates its own venv).
The OTel SDK exports traces, logs and metrics as OTLP/HTTP protobuf.
"""

from __future__ import annotations

from pathlib import Path

from recording import (
    FAKE_KEY,
    OTEL_SDK_PACKAGES,
    OTEL_SDK_SETUP,
    Recording,
    installed_versions,
    otel_env,
    recorder_main,
)

NAME = "pydantic_ai"
PACKAGES = ["pydantic-ai-slim[openai]==2.78.0", *OTEL_SDK_PACKAGES]

#: The agent turn, for any model: ``{model}`` is the source of ``Agent``'s model argument and
#: ``{imports}`` the lines that model needs (the variants for other providers fill them in).
AGENT_TEMPLATE = OTEL_SDK_SETUP + '''
import sys
from pydantic_ai import Agent
{imports}
Agent.instrument_all()

agent = Agent({model}, instructions="Answer weather questions with the get_weather tool.")


@agent.tool_plain
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"Sunny, 22 C in {city}"


code = 0
try:
    result = agent.run_sync("What is the weather in Paris?")
    print("FINAL:", result.output)
except Exception as exc:
    print("ERROR:", type(exc).__name__, exc)
    code = 3
finally:
    otel_shutdown()
sys.exit(code)
'''


def agent_source(model: str, imports: str = "") -> str:
    """The agent script with ``model`` (Python source) as its model."""
    return AGENT_TEMPLATE.replace("{model}", model).replace("{imports}", imports)


AGENT = agent_source('"openai:gpt-4o-mini"')


def record(python: Path) -> None:
    with Recording(NAME) as rec:
        env = otel_env(rec.cap.url, service_name="pydantic-ai-recording")
        env |= {"OPENAI_BASE_URL": rec.llm.openai_base_url, "OPENAI_API_KEY": FAKE_KEY}
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error")
        rec.save(
            packages=installed_versions(python, ["pydantic-ai-slim", "openai", "opentelemetry-sdk", "opentelemetry-api"]),
            env=env,
            recorder=Path(__file__).name,
            notes=["Model string 'openai:gpt-4o-mini' (the Responses API); default InstrumentationSettings."],
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
