"""Record LlamaIndex (a ``FunctionAgent``) on Google Gemini (``llama-index-llms-google-genai``) traced by OpenInference.

Run: ``python tests/clients/record_llama_index_gemini.py`` (creates its own venv).
The agent of ``record_llama_index.py`` with ``GoogleGenAI(model="gemini-2.5-flash")``,
a thinking model, as its LLM, on the Gemini API of the fake LLM (google-genai's
``HttpOptions(base_url=...)``); ``LlamaIndexInstrumentor`` exports its spans with the
OTel SDK over OTLP/HTTP protobuf. Gemini reports its thinking beside
``candidatesTokenCount`` and its cached tokens inside ``promptTokenCount``: what
matters is how LlamaIndex passes them on and that the monitor counts each once.
"""

from __future__ import annotations

from pathlib import Path

from record_langchain_gemini_openinference import record_gemini
from record_llama_index import AGENT as LLAMA_INDEX_AGENT
from recording import OTEL_SDK_PACKAGES, recorder_main

NAME = "llama_index_gemini"
PACKAGES = [
    "llama-index-core==0.14.25",
    "llama-index-llms-google-genai==0.11.3",
    "openinference-instrumentation-llama-index==4.6.1",
    *OTEL_SDK_PACKAGES,
]
MODEL = "gemini-2.5-flash"
#: The packages whose installed versions the manifest names (google-genai comes with llama-index-llms-google-genai).
VERSIONS = ["llama-index-core", "llama-index-llms-google-genai", "google-genai", "opentelemetry-sdk"]

# The agent of record_llama_index.py on Gemini: only the LLM differs.
OPENAI_LLM = ('llm = OpenAI(model="gpt-4o-mini", max_retries=0, '
              'additional_kwargs={"stream_options": {"include_usage": True}})')
OPENAI_COMMENT = "# The agent streams its calls; usage comes only when asked for (as LlamaIndex's docs do for token counts)."
AGENT = (LLAMA_INDEX_AGENT.replace(OPENAI_COMMENT, "# The agent streams its calls; Gemini's stream carries their usage.")
         .replace("from llama_index.llms.openai import OpenAI",
                  "import os\nfrom google.genai import types\nfrom llama_index.llms.google_genai import GoogleGenAI")
         .replace(OPENAI_LLM, f'llm = GoogleGenAI(model="{MODEL}", api_key=os.environ["GEMINI_API_KEY"],\n'
                              '                 http_options=types.HttpOptions(base_url=os.environ["FAKELLM_URL"]))'))
assert "OpenAI(" not in AGENT and "stream_options" not in AGENT


def record(python: Path) -> None:
    record_gemini(NAME, python, AGENT, recorder=Path(__file__).name,
                  versions=[*VERSIONS, "openinference-instrumentation-llama-index"],
                  notes=[f"FunctionAgent with one tool, llama-index-llms-google-genai GoogleGenAI(model={MODEL!r}) "
                         "(Gemini API, streamed by the agent) at the fake LLM through HttpOptions(base_url)."])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
