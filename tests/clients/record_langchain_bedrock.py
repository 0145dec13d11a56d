"""Record a LangGraph ReAct agent on Amazon Bedrock (langchain-aws ``ChatBedrockConverse``) traced by OpenInference.

Run: ``python tests/clients/record_langchain_bedrock.py`` (creates its own venv).
``ChatBedrockConverse(streaming=True)`` calls Bedrock's ConverseStream API through
boto3 (the Converse API without it: the same spans and counts), here at the fake LLM through ``AWS_ENDPOINT_URL_BEDROCK_RUNTIME``
with dummy AWS credentials, for a cross-region inference profile id as users
write it. Exported by the OTel SDK as OTLP/HTTP protobuf (traces only).
LangChain's ``usage_metadata`` counts Bedrock's cache reads and writes inside
``input_tokens`` (Bedrock itself reports them beside ``inputTokens``), and
OpenInference sends that as ``llm.token_count.prompt`` with provider
``amazon_bedrock``: 1498 = 1234 + 200 + 64, to be counted as it is.
"""

from __future__ import annotations

from pathlib import Path

from record_langchain import AGENT as LANGCHAIN_AGENT
from record_strands_bedrock import bedrock_env
from recording import (
    OTEL_SDK_PACKAGES,
    Recording,
    installed_versions,
    otel_env,
    recorder_main,
)

NAME = "langchain_bedrock"
PACKAGES = [
    "langgraph==1.2.24",
    "langchain-aws==1.9.1",
    "openinference-instrumentation-langchain==0.1.80",
    *OTEL_SDK_PACKAGES,
]
MODEL = "us.anthropic.claude-sonnet-4-20250514-v1:0"

# The agent of record_langchain.py on Bedrock: only the chat model differs.
LLM_OPENAI = """llm = ChatOpenAI(model="gpt-4o-mini", base_url=os.environ["OPENAI_BASE_URL"], api_key=os.environ["OPENAI_API_KEY"],
                 streaming=True, stream_usage=True)"""
AGENT = (LANGCHAIN_AGENT.replace("from langchain_openai import ChatOpenAI", "from langchain_aws import ChatBedrockConverse")
         .replace(LLM_OPENAI, f'llm = ChatBedrockConverse(model="{MODEL}", region_name="us-east-1", streaming=True)'))
assert "ChatOpenAI" not in AGENT


def record(python: Path) -> None:
    with Recording(NAME) as rec:
        env = otel_env(rec.cap.url, service_name="langgraph-bedrock-recording", signals=("traces",))
        env |= bedrock_env(rec)
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error")
        rec.save(
            packages=installed_versions(
                python, [p.split("==")[0] for p in PACKAGES] + ["langchain-core", "boto3", "botocore", "langgraph-prebuilt"]
            ),
            env=env,
            recorder=Path(__file__).name,
            notes=[f"create_react_agent with ChatBedrockConverse(model={MODEL!r}, streaming=True) (ConverseStream through boto3); "
                   "the fake LLM at AWS_ENDPOINT_URL_BEDROCK_RUNTIME."],
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
