"""Record the LangGraph agent on Azure OpenAI, streamed, traced by OpenInference.

Run: ``python tests/clients/record_langchain_azure_openinference_stream.py`` (creates its own venv).
The agent of ``record_langchain_azure_openinference.py`` with ``streaming=True,
stream_usage=True`` on its ``AzureChatOpenAI`` (deployment ``my-gpt4o-mini``), as
LangGraph apps that stream their answers set it up. Streamed, OpenInference names
each call by the deployment (``llm.model_name``); the model that answered
(``gpt-4o-mini-2024-07-18``) is only in LangChain's result of the run (``output.value``).
"""

from __future__ import annotations

from pathlib import Path

from record_langchain_azure_openinference import AGENT as NOT_STREAMED
from record_langchain_azure_openinference import API_VERSION, DEPLOYMENT, PACKAGES, VERSIONS, azure_env
from recording import record_turns, recorder_main

NAME = "langchain_azure_openinference_stream"
_KEY = 'api_key=os.environ["AZURE_OPENAI_API_KEY"])'
AGENT = NOT_STREAMED.replace(_KEY, 'api_key=os.environ["AZURE_OPENAI_API_KEY"],\n'
                                   '                      streaming=True, stream_usage=True)')
assert "streaming=True" in AGENT


def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name,
                 versions=[*VERSIONS, "openinference-instrumentation-langchain"],
                 notes=[f"create_react_agent with AzureChatOpenAI(azure_deployment={DEPLOYMENT!r}, api-version "
                        f"{API_VERSION}, streaming=True, stream_usage=True); the fake answers as Azure does, the "
                        "deployment's model gpt-4o-mini-2024-07-18 in the response.",
                        "The error run is Azure's content-filter 400."],
                 client_env=azure_env)


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
