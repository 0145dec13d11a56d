"""Record Gemini on Google Cloud Vertex AI, called with the Google Gen AI SDK as apps call it.

Run: ``python tests/clients/record_vertex_ai.py`` (creates its own venv).
``genai.Client(vertexai=True, api_key=...)``: Vertex AI in express mode (an API
key, no Google Cloud credentials), pointed at the fake LLM with
``HttpOptions(base_url=...)``; the SDK calls
``/v1beta1/publishers/google/models/<model>:generateContent``. Traced by
``opentelemetry-instrumentation-google-genai`` (``GoogleGenAiSdkInstrumentor().instrument()``,
message content on the spans and as events), exported by the OTel SDK as
OTLP/HTTP protobuf (traces, logs, metrics).

Unlike ``record_google_genai.py`` the SDK's automatic function calling is off:
the script runs the tool loop itself, as an app that wants control of it does.
Model call 1 (``generate_content``) asks for ``get_weather``; the script runs
it and sends its result back in model call 2, streamed
(``generate_content_stream``). Each call is its own span.
"""

from __future__ import annotations

from pathlib import Path

from fakellm import THINKING_USAGE
from record_google_genai import (  # its packages: the instrumentation takes google-genai 2.x only
    HEAD,
    PACKAGES,
    VERSIONED,
)
from recording import (
    FAKE_KEY,
    Recording,
    guarded,
    installed_versions,
    otel_env,
    recorder_main,
)

NAME = "vertex_ai"


def tool_loop(client: str) -> str:
    """The script after its head (the OTel SDK, google-genai's imports, an instrumentation): the
    tool loop with automatic function calling off, on the ``client`` that ``client`` (Python
    source) makes; also the loop of the recorders of other instrumentations."""
    return '''
MODEL = "gemini-2.5-flash"


def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"Sunny, 22 C in {city}"


''' + client + '''
config = types.GenerateContentConfig(
    system_instruction="Answer weather questions with the get_weather tool.",
    tools=[get_weather],
    automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
)
''' + guarded('''
contents = [types.Content(role="user", parts=[types.Part.from_text(text="What is the weather in Paris?")])]
response = client.models.generate_content(model=MODEL, contents=contents, config=config)
contents.append(response.candidates[0].content)
for call in response.function_calls or []:
    result = {"get_weather": get_weather}[call.name](**call.args)
    contents.append(types.Content(role="user", parts=[
        types.Part.from_function_response(name=call.name, response={"result": result})]))
answer = ""
for chunk in client.models.generate_content_stream(model=MODEL, contents=contents, config=config):
    answer += chunk.text or ""
print("FINAL:", answer)
''')


AGENT = HEAD + tool_loop('''# Vertex AI express mode: an API key, no project or location.
client = genai.Client(vertexai=True, api_key=os.environ["GOOGLE_CLOUD_API_KEY"],
                      http_options=types.HttpOptions(base_url=os.environ["FAKELLM_URL"]))''')


def record(python: Path) -> None:
    with Recording(NAME, usage=THINKING_USAGE) as rec:
        env = otel_env(rec.cap.url, service_name="vertex-ai-recording")
        env |= {
            "FAKELLM_URL": rec.llm.url,
            "GOOGLE_CLOUD_API_KEY": FAKE_KEY,
            "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "span_and_event",
        }
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error")
        rec.save(
            packages=installed_versions(python, VERSIONED),
            env=env,
            recorder=Path(__file__).name,
            notes=[
                "genai.Client(vertexai=True, api_key=...): Vertex AI express mode, the SDK calling "
                "/v1beta1/publishers/google/models/gemini-2.5-flash:generateContent (then :streamGenerateContent).",
                "Automatic function calling off: the script runs get_weather itself between call 1 "
                "(generate_content, asks for the tool) and call 2 (generate_content_stream, answers).",
                "Each answer's output includes thinking tokens (thoughtsTokenCount on the wire); the prompt count "
                "includes the cached tokens (cachedContentTokenCount). On the stream every chunk carries "
                "usageMetadata (trafficType only), the last one the counts.",
                "error: the model call gets HTTP 400 with Google's error body.",
            ],
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
