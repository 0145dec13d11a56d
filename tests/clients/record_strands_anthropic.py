"""Record Strands Agents with its Anthropic model provider (``AnthropicModel``, the anthropic SDK).

Run: ``python tests/clients/record_strands_anthropic.py`` (creates its own venv).
The agent of ``record_strands.py`` with ``AnthropicModel("claude-sonnet-4-5")``
on the Messages API (streamed, Strands' way) at the fake LLM's URL; Strands' own
telemetry (``StrandsTelemetry``) exports traces and metrics over OTLP/HTTP.
Anthropic reports its cache reads and writes beside ``input_tokens`` (not in
it): what matters is that each call is counted once, with all its input, at
Anthropic's cache prices.

Up to strands-agents 1.62.0 the ``strands-agents[anthropic]`` extra pinned ``anthropic<1.0``
(0.125.0, which does not trace itself: the same six Strands spans and numbers) and pip
refused it beside anthropic 2.x; 1.65.0's allows ``anthropic<3.0``. Installed beside
``strands-agents[otel]`` (as an app already on anthropic 2.x has it; the pin kept),
anthropic 2.17.0 also traces each request
itself through the global tracer provider ``StrandsTelemetry`` sets: its
``anthropic.messages.create`` span inside Strands' ``chat`` span of the same
call, both with the call's usage. That is the harder case, recorded here.
"""

from __future__ import annotations

from pathlib import Path

from record_strands import AGENT as STRANDS_AGENT
from record_strands_bedrock import OPENAI_MODEL
from recording import FAKE_KEY, Recording, installed_versions, otel_env, recorder_main

NAME = "strands_anthropic"
PACKAGES = ["strands-agents[otel]==1.65.0", "anthropic==2.17.0"]
MODEL = "claude-sonnet-4-5"

# The agent of record_strands.py on Anthropic: only the model differs.
ANTHROPIC_MODEL = f"""model = AnthropicModel(
    client_args={{"api_key": os.environ["ANTHROPIC_API_KEY"], "base_url": os.environ["ANTHROPIC_BASE_URL"]}},
    model_id="{MODEL}",
    max_tokens=1024,
)"""
AGENT = (STRANDS_AGENT.replace("from strands.models.openai import OpenAIModel",
                               "from strands.models.anthropic import AnthropicModel")
         .replace(OPENAI_MODEL, ANTHROPIC_MODEL))
assert "OpenAIModel" not in AGENT


def record(python: Path) -> None:
    versions = installed_versions(python, ["strands-agents", "anthropic", "opentelemetry-sdk", "opentelemetry-api"])
    with Recording(NAME) as rec:
        env = otel_env(rec.cap.url, service_name="strands-anthropic-recording", signals=("traces", "metrics"))
        env |= {"ANTHROPIC_BASE_URL": rec.llm.url, "ANTHROPIC_API_KEY": FAKE_KEY}
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error")
        rec.save(packages=versions, env=env, recorder=Path(__file__).name,
                 notes=[f"AnthropicModel('{MODEL}') (Messages API, streamed) with client_args at the fake LLM's URL, "
                        "via StrandsTelemetry's OTLP exporters; anthropic 2.x installed beside strands-agents[otel] "
                        "(the [anthropic] extra pinned anthropic<1.0 up to 1.62.0; 1.65.0's allows anthropic<3.0), "
                        "so the SDK traces each request itself too."])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
