"""Record a LangGraph ReAct agent on Google Gemini (langchain-google-genai ``ChatGoogleGenerativeAI``) traced by OpenInference.

Run: ``python tests/clients/record_langchain_gemini_openinference.py`` (creates its own venv).
The agent of ``record_langchain.py`` with ``ChatGoogleGenerativeAI(model="gemini-2.5-flash")``,
a thinking model, as its chat model, on the Gemini API of the fake LLM (its base URL given
to the client), exported by the OTel SDK as OTLP/HTTP protobuf (traces only). Gemini
reports its thinking beside ``candidatesTokenCount`` and its cached tokens inside
``promptTokenCount``; LangChain's ``usage_metadata`` counts the thinking inside
``output_tokens`` (``output_token_details.reasoning``) and the cached tokens inside
``input_tokens`` (``input_token_details.cache_read``): what matters is that the
monitor counts each once.
"""

from __future__ import annotations

from pathlib import Path

from fakellm import THINKING_USAGE
from record_langchain import AGENT as LANGCHAIN_AGENT
from record_langchain_bedrock import LLM_OPENAI
from recording import FAKE_KEY, OTEL_SDK_PACKAGES, Recording, installed_versions, otel_env, recorder_main

NAME = "langchain_gemini_openinference"
PACKAGES = [
    "langgraph==1.2.24",
    "langchain-google-genai==4.4.3",
    "openinference-instrumentation-langchain==0.1.80",
    *OTEL_SDK_PACKAGES,
]
MODEL = "gemini-2.5-flash"
#: The packages whose installed versions the manifest names (google-genai comes with langchain-google-genai).
VERSIONS = ["langgraph", "langgraph-prebuilt", "langchain-core", "langchain-google-genai", "google-genai",
            "opentelemetry-sdk"]

# The agent of record_langchain.py on Gemini: only the chat model differs.
AGENT = (LANGCHAIN_AGENT.replace("from langchain_openai import ChatOpenAI",
                                 "from langchain_google_genai import ChatGoogleGenerativeAI")
         .replace(LLM_OPENAI, f'llm = ChatGoogleGenerativeAI(model="{MODEL}", base_url=os.environ["FAKELLM_URL"],\n'
                              '                             api_key=os.environ["GEMINI_API_KEY"], streaming=True)'))
assert "ChatOpenAI" not in AGENT


def gemini_env(rec: Recording) -> dict[str, str]:
    """What points a Gemini API client at the fake LLM."""
    return {"FAKELLM_URL": rec.llm.url, "GEMINI_API_KEY": FAKE_KEY}


def record_gemini(name: str, python: Path, agent: str, *, versions: list[str], notes: list[str],
                  recorder: str) -> None:
    """The two runs of ``agent`` into ``fixtures/<name>/``, the fake LLM answering as a thinking
    model with cached prompt tokens (traces only)."""
    with Recording(name, usage=THINKING_USAGE) as rec:
        env = otel_env(rec.cap.url, service_name=f"{name.replace('_', '-')}-recording", signals=("traces",))
        env |= gemini_env(rec)
        rec.run_python("ok", python, agent, env)
        rec.run_python("error", python, agent, env, mode="error")
        rec.save(packages=installed_versions(python, versions), env=env, recorder=recorder, notes=notes)


def record(python: Path) -> None:
    record_gemini(NAME, python, AGENT, recorder=Path(__file__).name,
                  versions=[*VERSIONS, "openinference-instrumentation-langchain"],
                  notes=[f"create_react_agent with ChatGoogleGenerativeAI(model={MODEL!r}, streaming=True) "
                         "(Gemini API) at the fake LLM through its base_url."])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
