"""Record Google ADK with an Anthropic model through LiteLLM (``LiteLlm("anthropic/claude-sonnet-4-5")``).

Run: ``python tests/clients/record_google_adk_anthropic.py`` (creates its own venv).
The agent of ``record_google_adk.py`` (ADK's own telemetry through the global
OTel providers, OTLP/HTTP protobuf) with LiteLLM calling Anthropic's Messages
API at the fake LLM. Anthropic reports its cache reads and writes beside
``input_tokens`` (not in it): what matters is how LiteLLM and ADK pass them on.
"""

from __future__ import annotations

from pathlib import Path

from record_google_adk import PACKAGES as ADK_PACKAGES
from record_google_adk import adk_agent, record_litellm_agent
from recording import FAKE_KEY, recorder_main

NAME = "google_adk_anthropic"
# LiteLLM calls the Messages API itself (httpx), no anthropic SDK.
PACKAGES = ADK_PACKAGES
MODEL = "anthropic/claude-sonnet-4-5"

AGENT = adk_agent(f'LiteLlm(model="{MODEL}", api_base=os.environ["ANTHROPIC_BASE_URL"], '
                  'api_key=os.environ["ANTHROPIC_API_KEY"])', "from google.adk.models.lite_llm import LiteLlm")


def record(python: Path) -> None:
    record_litellm_agent(
        python, NAME, AGENT, "google-adk-anthropic-recording",
        lambda rec: {"ANTHROPIC_BASE_URL": rec.llm.url, "ANTHROPIC_API_KEY": FAKE_KEY},
        ["google-adk", "litellm", "google-genai", "opentelemetry-sdk"],
        f"LiteLlm({MODEL!r}) against the fake Messages API endpoint (ANTHROPIC_BASE_URL).", Path(__file__).name)


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
