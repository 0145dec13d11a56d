"""Record the Vertex AI SDK's ``GenerativeModel`` traced by ``openinference-instrumentation-vertexai``.

Run: ``python tests/clients/record_vertexai_openinference.py`` (creates its own venv).
The Vertex AI SDK of ``google-cloud-aiplatform`` (``vertexai.generative_models``,
the SDK Google's Gemini on Vertex AI docs used before the Google Gen AI SDK),
pointed at the fake LLM as an app points it at a private endpoint:
``vertexai.init(project=..., location=..., api_endpoint=<url>, api_transport="rest",
credentials=AnonymousCredentials())``. Its REST transport calls
``/v1/projects/<p>/locations/<l>/publishers/google/models/<model>:generateContent``
(then ``:streamGenerateContent``, answered as one JSON array of chunks, as Vertex
answers it without ``alt=sse``).

The tool loop of ``record_vertex_ai.py``, by hand on ``gemini-2.5-flash``, a
thinking model: model call 1 (``generate_content``) asks for ``get_weather``, the
script runs it and sends its result back in model call 2, streamed
(``generate_content(..., stream=True)``). ``VertexAIInstrumentor().instrument(tracer_provider=...)``
as Arize Phoenix's docs set it up: it wraps the API client's methods
(``google.api_core``'s ``wrap_method``), one span per call, named after the
client's method; exported by the OTel SDK as OTLP/HTTP protobuf (traces).
"""

from __future__ import annotations

from pathlib import Path

from fakellm import THINKING_USAGE
from recording import (
    OTEL_SDK_PACKAGES,
    OTEL_SDK_SETUP,
    Recording,
    guarded,
    installed_versions,
    otel_env,
    recorder_main,
)

NAME = "vertexai_openinference"
PACKAGES = [
    "google-cloud-aiplatform==2.7.0",
    "openinference-instrumentation-vertexai==0.1.29",
    *OTEL_SDK_PACKAGES,
]
VERSIONED = ["google-cloud-aiplatform", "google-api-core", "openinference-instrumentation-vertexai",
             "openinference-instrumentation", "opentelemetry-sdk"]

AGENT = OTEL_SDK_SETUP + '''
import sys
import warnings

from openinference.instrumentation.vertexai import VertexAIInstrumentor

VertexAIInstrumentor().instrument(tracer_provider=tracer_provider)

import vertexai
from google.auth.credentials import AnonymousCredentials
from vertexai.generative_models import Content, FunctionDeclaration, GenerativeModel, Part, Tool

# vertexai.generative_models warns that it is deprecated in favour of the Google Gen AI SDK.
warnings.filterwarnings("ignore", category=UserWarning, module="vertexai")

# A private endpoint over REST, no Google Cloud credentials (the fake LLM asks for none).
vertexai.init(project="fake-project", location="us-central1", api_endpoint=os.environ["FAKELLM_URL"],
              api_transport="rest", credentials=AnonymousCredentials())


def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"Sunny, 22 C in {city}"


weather = Tool(function_declarations=[FunctionDeclaration(
    name="get_weather",
    description="Get the current weather for a city.",
    parameters={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)])
model = GenerativeModel("gemini-2.5-flash", tools=[weather],
                        system_instruction="Answer weather questions with the get_weather tool.")
''' + guarded('''
contents = [Content(role="user", parts=[Part.from_text("What is the weather in Paris?")])]
response = model.generate_content(contents)
contents.append(response.candidates[0].content)
for call in response.candidates[0].function_calls:
    result = {"get_weather": get_weather}[call.name](**dict(call.args))
    contents.append(Content(role="user", parts=[
        Part.from_function_response(name=call.name, response={"result": result})]))
answer = ""
for chunk in model.generate_content(contents, stream=True):
    answer += chunk.text or ""
print("FINAL:", answer)
''')


def record(python: Path) -> None:
    with Recording(NAME, usage=THINKING_USAGE) as rec:
        env = otel_env(rec.cap.url, service_name="vertexai-openinference-recording", signals=("traces",))
        env |= {"FAKELLM_URL": rec.llm.url}
        rec.run_python("ok", python, AGENT, env)
        rec.run_python("error", python, AGENT, env, mode="error")
        rec.save(
            packages=installed_versions(python, VERSIONED),
            env=env,
            recorder=Path(__file__).name,
            notes=[
                "vertexai.init(project='fake-project', location='us-central1', api_endpoint=<fake LLM>, "
                "api_transport='rest', credentials=AnonymousCredentials()): the REST transport calls "
                "/v1/projects/fake-project/locations/us-central1/publishers/google/models/gemini-2.5-flash"
                ":generateContent, then :streamGenerateContent (a JSON array of chunks).",
                "The script runs get_weather itself between call 1 (GenerativeModel.generate_content, asks for "
                "the tool) and call 2 (generate_content(stream=True), answers).",
                "Each answer's output includes thinking tokens (thoughtsTokenCount on the wire, beside "
                "candidatesTokenCount); the prompt count includes the cached tokens (cachedContentTokenCount).",
                "The instrumentation names each span after the API client's method (generate_content, "
                "stream_generate_content) and sends llm.model_name as the request's resource name "
                "(projects/.../publishers/google/models/gemini-2.5-flash); llm.token_count.prompt is "
                "promptTokenCount (the cached tokens in, no count of them apart), llm.token_count.completion "
                "candidatesTokenCount (the thinking not in), llm.token_count.total totalTokenCount (the thinking "
                "in); the answer's whole usageMetadata, thoughts and cached counts too, only in output.value.",
                "error: the model call gets HTTP 400 with Google's error body (google.api_core BadRequest).",
            ],
        )


if __name__ == "__main__":
    recorder_main(NAME, PACKAGES, record)
