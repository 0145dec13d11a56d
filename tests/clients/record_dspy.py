"""Record DSPy (a ``dspy.ReAct`` agent with one tool) traced by OpenInference, set up as its documentation says.

Run: ``python tests/clients/record_dspy.py`` (creates its own venv).
``dspy.ReAct("question -> answer", tools=[get_weather])`` on ``openai/gpt-4o-mini``
with the default ChatAdapter, against the fake LLM (which answers its
``[[ ## field ## ]]`` format). ReAct is DSPy's tool-using agent: it asks for the
tool in text (``next_tool_name``/``next_tool_args``), then for its ``finish`` tool,
then extracts the answer with ``ChainOfThought``: three model calls a turn.
``DSPyInstrumentor`` traces the modules, adapters, tools and ``LM.__call__``;
``LiteLLMInstrumentor`` traces the completion under it, with its tokens (the
pair OpenInference's DSPy docs install). The LM uses the LiteLLM engine:
DSPy 3.4's default ``engine="auto"`` sends an OpenAI call with an ``api_base``
through its own client (lm15), which neither instrumentor sees, so no span
would carry token counts. Response cache off, so every call goes out.
"""

from __future__ import annotations

from pathlib import Path

from recording import OTEL_SDK_PACKAGES, OTEL_SDK_SETUP, guarded, openai_env, record_turns, recorder_main

NAME = "dspy"
PACKAGES = [
    "dspy==3.4.1",
    "openinference-instrumentation-dspy==0.1.48",
    "openinference-instrumentation-litellm==0.1.51",
    "litellm==1.110.2",
    *OTEL_SDK_PACKAGES,
]

AGENT = OTEL_SDK_SETUP + '''
import os, sys
from openinference.instrumentation.dspy import DSPyInstrumentor
from openinference.instrumentation.litellm import LiteLLMInstrumentor

DSPyInstrumentor().instrument(tracer_provider=tracer_provider)
LiteLLMInstrumentor().instrument(tracer_provider=tracer_provider)

import dspy


def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"Sunny, 22 C in {city}"


lm = dspy.LM("openai/gpt-4o-mini", api_base=os.environ["OPENAI_BASE_URL"], api_key=os.environ["OPENAI_API_KEY"],
             engine="litellm", cache=False)
dspy.configure(lm=lm)
agent = dspy.ReAct("question -> answer", tools=[get_weather])
''' + guarded('''
out = agent(question="What is the weather in Paris?")
print("FINAL:", out.answer)
''')


def record(python: Path) -> None:
    record_turns(NAME, python, AGENT, recorder=Path(__file__).name,
                 versions=[p.split("==")[0] for p in PACKAGES if "==" in p] + ["openai"],
                 notes=["dspy.ReAct('question -> answer') with one tool, default ChatAdapter, dspy.LM "
                        "'openai/gpt-4o-mini' on the LiteLLM engine, cache off; OpenInference's DSPy and LiteLLM "
                        "instrumentors."],
                 client_env=lambda rec: openai_env(rec) | {"LITELLM_LOCAL_MODEL_COST_MAP": "True"})


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
