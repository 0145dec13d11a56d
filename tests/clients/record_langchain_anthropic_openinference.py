"""Record a LangGraph ReAct agent on Anthropic (langchain-anthropic ``ChatAnthropic``) traced by OpenInference.

Run: ``python tests/clients/record_langchain_anthropic_openinference.py`` (creates its own venv).
The agent of ``record_langchain.py`` with ``ChatAnthropic(model="claude-sonnet-4-5",
streaming=True)`` as its chat model, on the Messages API of the fake LLM
(``ANTHROPIC_BASE_URL``), exported by the OTel SDK as OTLP/HTTP protobuf
(traces only). Anthropic reports its cache reads and writes beside
``input_tokens``; LangChain's ``usage_metadata`` counts them inside
``input_tokens`` (``input_token_details.cache_read`` / ``cache_creation``):
what matters is that the monitor counts each once. The anthropic SDK (2.x)
also traces each call itself through the global tracer provider.
"""

from __future__ import annotations

from pathlib import Path

from record_langchain import AGENT as LANGCHAIN_AGENT
from record_langchain_bedrock import LLM_OPENAI
from recording import FAKE_KEY, OTEL_SDK_PACKAGES, Recording, record_turns, recorder_main

NAME = "langchain_anthropic_openinference"
PACKAGES = [
    "langgraph==1.2.24",
    "langchain-anthropic==1.7.10",
    "openinference-instrumentation-langchain==0.1.80",
    *OTEL_SDK_PACKAGES,
]
MODEL = "claude-sonnet-4-5"
#: The packages whose installed versions the manifest names (the anthropic SDK comes with langchain-anthropic).
VERSIONS = ["langgraph", "langgraph-prebuilt", "langchain-core", "langchain-anthropic", "anthropic", "opentelemetry-sdk"]

# The agent of record_langchain.py on Anthropic: only the chat model differs.
AGENT = (LANGCHAIN_AGENT.replace("from langchain_openai import ChatOpenAI", "from langchain_anthropic import ChatAnthropic")
         .replace(LLM_OPENAI, f'llm = ChatAnthropic(model="{MODEL}", base_url=os.environ["ANTHROPIC_BASE_URL"],\n'
                              '                    api_key=os.environ["ANTHROPIC_API_KEY"], streaming=True)'))
assert "ChatOpenAI" not in AGENT


def anthropic_env(rec: Recording) -> dict[str, str]:
    """What points an Anthropic client at the fake LLM."""
    return {"ANTHROPIC_BASE_URL": rec.llm.url, "ANTHROPIC_API_KEY": FAKE_KEY}


def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name,
                 versions=[*VERSIONS, "openinference-instrumentation-langchain"],
                 notes=[f"create_react_agent with ChatAnthropic(model={MODEL!r}, streaming=True) (Messages API, "
                        "streamed) at the fake LLM through ANTHROPIC_BASE_URL."],
                 client_env=anthropic_env)


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
