"""Record a LangGraph ReAct agent on Azure OpenAI (langchain-openai ``AzureChatOpenAI``) traced by OpenInference.

Run: ``python tests/clients/record_langchain_azure_openinference.py`` (creates its own venv).
The agent of ``record_langchain.py`` with ``AzureChatOpenAI(azure_deployment="my-gpt4o-mini",
api_version=..., azure_endpoint=<fake LLM>)`` as its chat model (not streamed: the
class's default). An app on Azure names its *deployment*, not a model: the request goes to
``/openai/deployments/my-gpt4o-mini/chat/completions`` and Azure answers with the
model the deployment runs (``gpt-4o-mini-2024-07-18``) in the response's ``model``,
usage with cached tokens, content-filter results. The error run is Azure's
content-filter refusal (HTTP 400). Exported by the OTel SDK as OTLP/HTTP
protobuf (traces only).
"""

from __future__ import annotations

from pathlib import Path

from record_langchain import AGENT as LANGCHAIN_AGENT
from record_langchain_bedrock import LLM_OPENAI
from recording import FAKE_KEY, OTEL_SDK_PACKAGES, Recording, record_turns, recorder_main

NAME = "langchain_azure_openinference"
PACKAGES = [
    "langgraph==1.2.24",
    "langchain-openai==1.8.1",
    "openinference-instrumentation-langchain==0.1.80",
    *OTEL_SDK_PACKAGES,
]
#: The deployment's name, chosen by whoever created it: not a model name.
DEPLOYMENT = "my-gpt4o-mini"
API_VERSION = "2024-10-21"
#: The packages whose installed versions the manifest names (the openai SDK comes with langchain-openai).
VERSIONS = ["langgraph", "langgraph-prebuilt", "langchain-core", "langchain-openai", "openai", "opentelemetry-sdk"]

# The agent of record_langchain.py on Azure OpenAI: only the chat model differs.
AGENT = (LANGCHAIN_AGENT.replace("from langchain_openai import ChatOpenAI", "from langchain_openai import AzureChatOpenAI")
         .replace(LLM_OPENAI, 'llm = AzureChatOpenAI(azure_deployment=os.environ["AZURE_OPENAI_DEPLOYMENT"],\n'
                              '                      api_version=os.environ["OPENAI_API_VERSION"],\n'
                              '                      azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],\n'
                              '                      api_key=os.environ["AZURE_OPENAI_API_KEY"])'))
assert "ChatOpenAI(model" not in AGENT


def azure_env(rec: Recording) -> dict[str, str]:
    """What points ``AzureChatOpenAI`` at the fake LLM's Azure deployment route."""
    return {"AZURE_OPENAI_ENDPOINT": rec.llm.url, "AZURE_OPENAI_API_KEY": FAKE_KEY,
            "OPENAI_API_VERSION": API_VERSION, "AZURE_OPENAI_DEPLOYMENT": DEPLOYMENT}


def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name,
                 versions=[*VERSIONS, "openinference-instrumentation-langchain"],
                 notes=[f"create_react_agent with AzureChatOpenAI(azure_deployment={DEPLOYMENT!r}, api-version "
                        f"{API_VERSION}, not streamed); the fake answers as Azure does, the "
                        "deployment's model gpt-4o-mini-2024-07-18 in the response.",
                        "The error run is Azure's content-filter 400."],
                 client_env=azure_env)


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
