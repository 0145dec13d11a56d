"""Record the Google Gen AI SDK calling Gemini with built-in tools, traced by OpenInference's
``openinference-instrumentation-google-genai``.

Run: ``python tests/clients/record_google_genai_search_openinference.py`` (creates its own venv).
The client of ``record_google_genai_openinference.py`` (the newest google-genai on the Gemini
API, ``gemini-2.5-flash``, a thinking model) in a turn that uses Google's built-in tools beside a
function: model call 1 (``generate_content``) with Google Search grounding on; the tool loop of
``record_vertex_ai.py`` (call 2 asks for ``get_weather``, the script runs it, call 3 answers,
streamed); call 4 (``generate_content_stream``, the conversation so far and a follow-up) with
code execution on. The built-in tools run on Google's side: the script runs only the function.
The runs are made with ``Recording`` as ``record_turns`` makes them (the turn is not the
one-script-per-instrumentation shape it takes). A built-in tool's answer's ``usageMetadata``
counts the tool's results read as a prompt (``toolUsePromptTokenCount``, billed as input)
beside the thinking (``thoughtsTokenCount``, billed as output); ``fakellm.BUILTIN_TOOL_USAGE``
has the numbers.
"""

from __future__ import annotations

from pathlib import Path

from fakellm import THINKING_USAGE
from record_google_genai import CLIENT, IMPORTS
from record_google_genai_openinference import INSTRUMENT
from recording import (
    FAKE_KEY,
    OTEL_SDK_PACKAGES,
    OTEL_SDK_SETUP,
    Recording,
    guarded,
    installed_versions,
    otel_env,
    recorder_main,
)

NAME = "google_genai_search_openinference"
PACKAGES = ["google-genai==3.6.1", "openinference-instrumentation-google-genai==1.4.14", *OTEL_SDK_PACKAGES]

#: The turn: a question answered with Google Search; the tool loop of ``record_vertex_ai.py`` (the
#: function get_weather, automatic function calling off: asked for, run by the script, answered,
#: streamed); a follow-up answered with code execution (streamed).
TURN = '''
MODEL = "gemini-2.5-flash"


def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"Sunny, 22 C in {city}"


''' + CLIENT + '''
search = types.GenerateContentConfig(tools=[types.Tool(google_search=types.GoogleSearch())])
functions = types.GenerateContentConfig(
    system_instruction="Answer weather questions with the get_weather tool.",
    tools=[get_weather],
    automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
)
execute = types.GenerateContentConfig(tools=[types.Tool(code_execution=types.ToolCodeExecution())])


def user(text):
    return types.Content(role="user", parts=[types.Part.from_text(text=text)])
''' + guarded('''
searched = client.models.generate_content(model=MODEL, contents=[user("Search the web: is it sunny in Paris today?")],
                                          config=search)
print("SEARCHED:", searched.text)
contents = [user("What is the weather in Paris?")]
response = client.models.generate_content(model=MODEL, contents=contents, config=functions)
contents.append(response.candidates[0].content)
for call in response.function_calls or []:
    result = {"get_weather": get_weather}[call.name](**call.args)
    contents.append(types.Content(role="user", parts=[
        types.Part.from_function_response(name=call.name, response={"result": result})]))
answer = ""
for chunk in client.models.generate_content_stream(model=MODEL, contents=contents, config=functions):
    answer += chunk.text or ""
print("FINAL:", answer)
contents += [types.Content(role="model", parts=[types.Part.from_text(text=answer)]),
             user("What is that in Fahrenheit? Compute it.")]
computed = ""
for chunk in client.models.generate_content_stream(model=MODEL, contents=contents, config=execute):
    computed += chunk.text or ""
print("COMPUTED:", computed)
''')

#: What both recordings say of the model calls (the instrumentations' own notes come after it).
CALLS_NOTE = ("google-genai on the Gemini API (gemini-2.5-flash), four model calls: 1 generate_content with "
              "tools=[Tool(google_search=GoogleSearch())] (a grounded answer); 2 generate_content with the function "
              "get_weather, automatic function calling off (asks for it; the script runs it); 3 "
              "generate_content_stream (answers); 4 generate_content_stream with "
              "tools=[Tool(code_execution=ToolCodeExecution())] (executableCode, codeExecutionResult, then text). The "
              "built-in tools run on Google's side: the script runs only get_weather.")
#: The usage the built-in tools' calls carry on the wire.
USAGE_NOTE = ("Calls 1 and 4: usageMetadata with promptTokenCount (cachedContentTokenCount in it), "
              "toolUsePromptTokenCount (the tool's results read as a prompt: billed as input), candidatesTokenCount, "
              "thoughtsTokenCount (billed as output); totalTokenCount their sum. Search: 412 (128 cached) + 1536 in, "
              "96 + 208 out, total 2252; code execution: 530 + 244 in, 61 + 132 out, total 967. Calls 2 and 3: "
              "THINKING_USAGE (thinking and cached tokens, no tool-use prompt).")


def record_builtin_tools(name: str, python: Path, instrument: str, *, versions: list[str], notes: list[str],
                         recorder: str) -> None:
    """Record the two runs of ``TURN`` (after the OTel SDK, google-genai's imports and ``instrument``)
    into ``fixtures/<name>/``: ``ok`` and ``error`` (the fake LLM refuses call 1)."""
    with Recording(name, usage=THINKING_USAGE) as rec:
        env = otel_env(rec.cap.url, service_name=f"{name.replace('_', '-')}-recording")
        env |= {"FAKELLM_URL": rec.llm.url, "GEMINI_API_KEY": FAKE_KEY}
        script = OTEL_SDK_SETUP + IMPORTS + instrument + TURN
        rec.run_python("ok", python, script, env)
        rec.run_python("error", python, script, env, mode="error")
        rec.save(packages=installed_versions(python, versions), env=env, recorder=recorder,
                 notes=[CALLS_NOTE, USAGE_NOTE, *notes, "error: call 1 gets HTTP 400 with a Gemini error body."])


def record(python: Path) -> None:
    record_builtin_tools(NAME, python, INSTRUMENT, recorder=Path(__file__).name,
                         versions=["google-genai", "openinference-instrumentation-google-genai",
                                   "openinference-instrumentation", "opentelemetry-sdk"],
                         notes=["llm.token_count.prompt = promptTokenCount + toolUsePromptTokenCount (1948 = 412 + 1536; "
                                "774 = 530 + 244), prompt_details.cache_read = cachedContentTokenCount (128); "
                                "llm.token_count.completion = candidatesTokenCount + thoughtsTokenCount (304 = 96 + 208; "
                                "193 = 61 + 132), completion_details.reasoning the thoughts; llm.token_count.total = "
                                "totalTokenCount (2252, 967): what Google bills. The built-in tool is "
                                "llm.tools.0.tool.json_schema = {\"google_search\": {}} ({\"code_execution\": {}})."])


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
