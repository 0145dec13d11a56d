"""Record the LangGraph agent on Azure OpenAI, streamed, traced by OpenLLMetry's LangChain and OpenAI instrumentations.

Run: ``python tests/clients/record_langchain_openllmetry_stream.py`` (creates its own venv).
The agent of ``record_langchain_azure_openllmetry.py`` (``create_react_agent`` on
``AzureChatOpenAI`` with deployment ``my-gpt4o-mini``, OpenLLMetry's
``LangchainInstrumentor`` and ``OpenAIInstrumentor`` as ``Traceloop.init()`` turns
them on) with ``streaming=True, stream_usage=True``, as LangGraph apps that stream
their answers set it up. The request names no model (only the deployment), so
OpenLLMetry names the chat span's model ``unknown`` and, streamed (no
``llm_output``), never replaces it; the model that answered
(``gpt-4o-mini-2024-07-18``) is only in LangChain's result, which OpenLLMetry
keeps on the chain span around the chat span (``traceloop.entity.output``).
"""

from __future__ import annotations

from pathlib import Path

from record_langchain_azure_openinference import API_VERSION, DEPLOYMENT, VERSIONS, azure_env
from record_langchain_azure_openllmetry import AGENT as NOT_STREAMED
from record_langchain_azure_openllmetry import PACKAGES
from recording import record_turns, recorder_main

NAME = "langchain_openllmetry_stream"
_KEY = 'api_key=os.environ["AZURE_OPENAI_API_KEY"])'
AGENT = NOT_STREAMED.replace(_KEY, 'api_key=os.environ["AZURE_OPENAI_API_KEY"],\n'
                                   '                      streaming=True, stream_usage=True)')
assert "streaming=True" in AGENT


def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name,
                 versions=[*VERSIONS, "opentelemetry-instrumentation-langchain", "opentelemetry-instrumentation-openai"],
                 notes=[f"create_react_agent on AzureChatOpenAI(azure_deployment={DEPLOYMENT!r}, api-version "
                        f"{API_VERSION}, streaming=True, stream_usage=True); OpenLLMetry's LangChain and OpenAI "
                        "instrumentors, as Traceloop.init() sets them up; the fake answers as Azure does, the "
                        "deployment's model gpt-4o-mini-2024-07-18 in the response.",
                        "The error run is Azure's content-filter 400."],
                 client_env=azure_env)


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
