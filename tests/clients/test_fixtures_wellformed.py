"""The recorded client fixtures are complete and parse with the real OTLP classes.

For every ``tests/clients/fixtures/<client>/manifest.json`` this checks, with
no network and without the monitor:

* every file the manifest lists is there (and no stray numbered file), and
  each body parses: protobuf with ``opentelemetry-proto``'s Export*Request
  classes (which must consume every byte), JSON with ``json`` into the
  OTLP/JSON shape of its signal;
* each successful run has telemetry, and every usage the fake LLM actually
  sent (its log, in the manifest) shows up in that run's telemetry: the input
  and output token counts appear as numbers somewhere in the run (attribute
  values, metric points, log bodies, JSON text inside attributes);
  a metric histogram may hold the run's sum instead of each call's count;
  calls a client is known not to report are listed by the recorder in
  ``usage_not_reported`` with the reason, and are checked to be absent;
* the requested model name appears in each successful run;
* each error run reached the fake LLM, got the scripted error, and its
  telemetry says so (an ERROR span status, or the error text), unless the
  recorder lists the run as ``error_not_reported`` (then the error must be
  absent: Codex exits on a 400 without flushing its exporters);
* files stored gzip-compressed (``*.gz``) are checked on their bodies.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MANIFESTS = sorted(FIXTURES.glob("*/manifest.json"))

MESSAGES = {"traces": ExportTraceServiceRequest, "logs": ExportLogsServiceRequest, "metrics": ExportMetricsServiceRequest}
TOP_KEY = {"traces": "resourceSpans", "logs": "resourceLogs", "metrics": "resourceMetrics"}
#: A whole number in a string: digits not part of a decimal, or written as a float with a zero fraction
#: (Genkit for Python's counts in its JSON: ``"inputTokens":1234.0``).
INT_RE = re.compile(r"(?<![\d.])(\d+)(?:\.0+)?(?![\d.])")


def _body(path: Path) -> bytes:
    """The request body a file holds (``*.gz`` files are stored gzip-compressed)."""
    data = path.read_bytes()
    return gzip.decompress(data) if path.name.endswith(".gz") else data


def _parse(path: Path, signal: str) -> dict:
    data = _body(path)
    if ".json" in path.suffixes:
        doc = json.loads(data)
        assert isinstance(doc, dict)
        assert set(doc) <= {TOP_KEY[signal]}, f"{path.name}: unexpected keys {set(doc)}"
        return doc
    msg = MESSAGES[signal]()
    consumed = msg.MergeFromString(data)
    assert consumed == len(data)
    # Re-serializing must give back a message that parses the same: no garbage fields.
    again = MESSAGES[signal]()
    again.ParseFromString(msg.SerializeToString())
    assert again == msg
    return MessageToDict(msg)


def _walk(node, numbers: set[int], strings: list[str], statuses: list[str]) -> None:
    if isinstance(node, dict):
        if "status" in node and isinstance(node["status"], dict):
            statuses.append(str(node["status"].get("code", "")))
        for key, value in node.items():
            if key in ("traceId", "spanId", "parentSpanId"):
                continue
            _walk(value, numbers, strings, statuses)
    elif isinstance(node, list):
        for value in node:
            _walk(value, numbers, strings, statuses)
    elif isinstance(node, bool):
        return
    elif isinstance(node, (int, float)):
        if float(node).is_integer():
            numbers.add(int(node))
    elif isinstance(node, str):
        strings.append(node)
        numbers.update(int(m) for m in INT_RE.findall(node))


def _run_telemetry(root: Path, manifest: dict, run: dict) -> tuple[set[int], list[str], list[str]]:
    numbers: set[int] = set()
    strings: list[str] = []
    statuses: list[str] = []
    signal_of = {f["file"]: f["signal"] for f in manifest["files"]}
    for name in run["files"]:
        _walk(_parse(root / name, signal_of[name]), numbers, strings, statuses)
    return numbers, strings, statuses


def _wire_counts(usage: dict) -> tuple[int, int]:
    """(input, output) exactly as the fake LLM put them on the wire."""
    if "prompt_tokens" in usage:
        return usage["prompt_tokens"], usage["completion_tokens"]
    if "promptTokenCount" in usage:  # Gemini (its thinking tokens are a field of their own)
        return usage["promptTokenCount"], usage["candidatesTokenCount"]
    if "prompt_eval_count" in usage:  # Ollama
        return usage["prompt_eval_count"], usage["eval_count"]
    if "inputTokens" in usage:  # Bedrock Converse
        return usage["inputTokens"], usage["outputTokens"]
    if "billed_units" in usage:  # Cohere: what is billed (its raw ``tokens`` count the prompt template too)
        return usage["billed_units"]["input_tokens"], usage["billed_units"]["output_tokens"]
    return usage["input_tokens"], usage["output_tokens"]


def _input_forms(usage: dict) -> set[int]:
    """The input count as sent, and as the total with Anthropic's (Bedrock's) cache counts added."""
    inp = _wire_counts(usage)[0]
    total = inp + usage.get("cache_read_input_tokens", 0) + usage.get("cache_creation_input_tokens", 0)
    total += usage.get("cacheReadInputTokens", 0) + usage.get("cacheWriteInputTokens", 0)
    return {inp, total}


def _output_forms(usage: dict, start: dict | None = None) -> set[int]:
    """The output count as sent, and with Gemini's thinking tokens added (clients that follow the
    GenAI conventions report the whole output, thinking included), and with the output count of a
    streamed Anthropic answer's ``message_start`` (``start``) added (LangChain.js' ChatAnthropic adds
    it to ``message_delta``'s, which holds it already)."""
    out = _wire_counts(usage)[1]
    return {out, out + usage.get("thoughtsTokenCount", 0), out + (start or {}).get("output_tokens", 0)}


@pytest.fixture(params=MANIFESTS, ids=[m.parent.name for m in MANIFESTS])
def fixture_dir(request) -> tuple[Path, dict]:
    path: Path = request.param
    return path.parent, json.loads(path.read_text())


def test_there_are_recordings() -> None:
    assert MANIFESTS, "no fixtures recorded under tests/clients/fixtures"


def test_files_match_manifest_and_parse(fixture_dir) -> None:
    root, manifest = fixture_dir
    listed = [f["file"] for f in manifest["files"]]
    on_disk = sorted(p.name for p in root.iterdir() if p.name[:3].isdigit())
    assert sorted(listed) == on_disk
    total = 0
    for entry in manifest["files"]:
        path = root / entry["file"]
        stored = entry.get("stored_bytes", entry["bytes"])
        assert path.stat().st_size == stored
        assert len(_body(path)) == entry["bytes"]
        total += stored
        if entry["signal"] in MESSAGES:
            doc = _parse(path, entry["signal"])
            assert doc.get(TOP_KEY[entry["signal"]]) is not None or entry["bytes"] <= 2, entry["file"]
    assert total < 300_000, "keep fixtures small"
    assert manifest["packages"], "the manifest names the recorded packages and versions"
    assert all(manifest["packages"].values()), manifest["packages"]


def test_successful_runs_carry_the_served_usage(fixture_dir) -> None:
    root, manifest = fixture_dir
    not_reported = {int(k): why for k, why in manifest.get("usage_not_reported", {}).items()}
    ok_runs = [r for r in manifest["runs"] if r["mode"] == "ok"]
    assert ok_runs
    for run in ok_runs:
        assert run["exit_code"] == 0, run["stderr_tail"]
        calls = [c for c in run["fake_calls"] if c["status"] == 200]
        kinds = [c["kind"] for c in calls]
        if scripted := manifest.get("fakellm_tool_answers"):
            # A structured answer asked for again after a failed validation: each scripted answer served, in turn.
            # A scripted tool call whose result the client sent back (a file read) is answered: a final call last.
            want = [name for name, answers in scripted.items() for _ in answers]
            got = [(c["kind"], c["tool_name"]) for c in calls if c["tool_name"] in scripted]
            if got != [("tool_call", n) for n in want]:
                # Agents with conversations of their own each go through the script they are offered (a
                # smolagents manager and its managed agent each end on final_answer): every answer served,
                # each as many times over.
                served, once = Counter(n for _k, n in got), Counter(want)
                assert {k for k, _n in got} == {"tool_call"} and set(served) == set(once), calls
                assert all(served[n] >= once[n] for n in once), calls
            # Calls beside the scripted ones (a triage agent's handoff before the specialist's scripted
            # tool call) make a tool turn that ends with the final answer.
            others = [c["kind"] for c in calls if c["tool_name"] not in scripted]
            assert not others or others[-1] == "final", f"{run['label']}: not a tool turn: {kinds}"
        elif manifest.get("no_tool_turn"):
            # A client whose model calls offer no tool (a BAML function: one prompt, one parsed answer).
            assert kinds and "tool_call" not in kinds, f"{run['label']}: {kinds}"
        else:
            assert "tool_call" in kinds and "final" in kinds, f"{run['label']}: not a tool turn: {kinds}"
        assert run["files"], f"{run['label']}: no telemetry captured"
        numbers, strings, _ = _run_telemetry(root, manifest, run)
        served = [c for c in calls if c["usage"]]
        assert served, "the fake LLM sent usage in this run"
        sums_in = sum(_wire_counts(c["usage"])[0] for c in served)
        sums_out = sum(_wire_counts(c["usage"])[1] for c in served)
        for call in served:
            inp, out = _wire_counts(call["usage"])
            if call["seq"] in not_reported:
                assert not _input_forms(call["usage"]) & numbers, f"call {call['seq']} is listed as not reported but {inp} is there"
                continue
            found = (_input_forms(call["usage"]) | {sums_in}) & numbers
            assert found, f"{run['label']}: input {inp} of call {call['seq']} missing"
            found = (_output_forms(call["usage"], call.get("stream_start_usage")) | {sums_out}) & numbers
            assert found, f"{run['label']}: output {out} of call {call['seq']} missing"
        # A model only a call the client does not report was asked for (a probe) need not be named.
        for model in {c["model"] for c in calls if c["model"] and c["seq"] not in not_reported}:
            assert any(model in s for s in strings), f"{run['label']}: model {model} missing"


def test_error_runs_record_the_error(fixture_dir) -> None:
    root, manifest = fixture_dir
    err_runs = [r for r in manifest["runs"] if r["mode"] == "error"]
    assert err_runs, "every recording has an API error run"
    for run in err_runs:
        calls = run["fake_calls"]
        if run.get("refused_offering") or run.get("refuse_system") or run.get("refuse_later_turns"):
            # One agent of several refused (the requests offering its tool, or whose system prompt
            # held a text: a sub-agent's), or a conversation's later turn (a resumed session's): the
            # others answered.
            assert any(c["kind"] == "error" for c in calls), calls
            assert all(c["status"] == 200 for c in calls if c["kind"] != "error"), calls
            calls = [c for c in calls if c["kind"] == "error"]
        assert calls and all(c["kind"] == "error" for c in calls), calls
        _, strings, statuses = _run_telemetry(root, manifest, run)
        # OTLP/JSON bodies may carry the enum as its number (2 is ERROR).
        marked = bool({"STATUS_CODE_ERROR", "2"} & set(statuses)) or any("scripted error" in s for s in strings)
        codes = {str(c["status"]) for c in calls}
        # Clients that report only the HTTP status (Codex: error.message "http 500").
        marked = marked or any(s == f"http {code}" for s in strings for code in codes)
        if run.get("error_not_reported"):
            # The recorder says why this client loses the failing turn's telemetry.
            assert not marked, f"{run['label']}: listed as error_not_reported, but the error is there"
            continue
        assert run["files"], f"{run['label']}: no telemetry captured for the failing turn"
        assert marked, f"{run['label']}: telemetry does not show the API error"
