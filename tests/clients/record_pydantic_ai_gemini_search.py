"""Record pydantic-ai's built-in OpenTelemetry instrumentation with Gemini's built-in tools (``GoogleModel``).

Run: ``python tests/clients/record_pydantic_ai_gemini_search.py`` (creates its own venv).
The client of ``record_pydantic_ai_gemini.py`` (``Agent.instrument_all()``, ``google:gemini-2.5-flash``
through google-genai on the Gemini API, a thinking model) in a turn that uses Google's built-in tools
beside a function, as ``record_google_genai_search_openinference.py`` does with the bare SDK: pydantic-ai
gives a model a built-in tool as a capability (``capabilities=[NativeTool(WebSearchTool())]``, earlier
releases' ``builtin_tools=[...]``), and refuses function tools beside one on Gemini 2.5 (only Gemini 3
takes both in one request), so the turn is three agent runs sharing the conversation: one with Google
Search (model call 1), the agent of ``record_pydantic_ai.py`` with ``get_weather`` (call 2 asks for it,
pydantic-ai runs it, call 3 answers), and one with code execution (call 4, streamed). The built-in
tools run on Google's side. Their answers' ``usageMetadata`` counts the tool's results read as a prompt
(``toolUsePromptTokenCount``, billed as input) beside the thinking (``thoughtsTokenCount``, billed as
output); ``fakellm.BUILTIN_TOOL_USAGE`` has the numbers.
"""

from __future__ import annotations

from pathlib import Path

from fakellm import THINKING_USAGE
from record_google_adk_gemini import gemini_env
from record_pydantic_ai_gemini import MODEL, PACKAGES
from recording import OTEL_SDK_SETUP, Recording, guarded, installed_versions, otel_env, recorder_main

NAME = "pydantic_ai_gemini_search"

AGENT = OTEL_SDK_SETUP + f'''
import asyncio
import sys
from pydantic_ai import Agent, CodeExecutionTool, WebSearchTool
from pydantic_ai.capabilities import NativeTool

Agent.instrument_all()
MODEL = "{MODEL}"
''' + '''
searcher = Agent(MODEL, capabilities=[NativeTool(WebSearchTool())])
agent = Agent(MODEL, instructions="Answer weather questions with the get_weather tool.")
computer = Agent(MODEL, capabilities=[NativeTool(CodeExecutionTool())])


@agent.tool_plain
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"Sunny, 22 C in {city}"


async def compute(history):
    async with computer.run_stream("What is that in Fahrenheit? Compute it.", message_history=history) as stream:
        return await stream.get_output()


''' + guarded('''
searched = searcher.run_sync("Search the web: is it sunny in Paris today?")
print("SEARCHED:", searched.output)
result = agent.run_sync("What is the weather in Paris?", message_history=searched.all_messages())
print("FINAL:", result.output)
print("COMPUTED:", asyncio.run(compute(result.all_messages())))
''')


def record(python: Path) -> None:
    with Recording(NAME, usage=THINKING_USAGE) as rec:
        env = otel_env(rec.cap.url, service_name="pydantic-ai-gemini-search-recording")
        env |= gemini_env(rec)
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error")
        rec.save(
            packages=installed_versions(python, ["pydantic-ai-slim", "google-genai", "opentelemetry-sdk",
                                                 "opentelemetry-api"]),
            env=env,
            recorder=Path(__file__).name,
            notes=[
                f"Model string '{MODEL}': GoogleModel on the Gemini API (google-genai), pointed at the fake LLM by "
                "GOOGLE_GEMINI_BASE_URL; default InstrumentationSettings. Three agent runs, one conversation: "
                "1 capabilities=[NativeTool(WebSearchTool())] (tools=[{googleSearch: {}}], a grounded answer); "
                "2 and 3 the get_weather agent (asks for it, pydantic-ai runs it, answers); 4 "
                "capabilities=[NativeTool(CodeExecutionTool())] (tools=[{codeExecution: {}}], run_stream). "
                "pydantic-ai refuses function tools beside built-in ones on Gemini 2.5.",
                "Calls 1 and 4: usageMetadata with promptTokenCount (cachedContentTokenCount in it), "
                "toolUsePromptTokenCount (billed as input), candidatesTokenCount, thoughtsTokenCount (billed as "
                "output). Search: 412 (128 cached) + 1536 in, 96 + 208 out; code execution: 530 + 244 in, 61 + 132 "
                "out. Calls 2 and 3: THINKING_USAGE.",
                "error: call 1 gets HTTP 400 with a Gemini error body.",
            ],
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
