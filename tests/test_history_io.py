"""Export and import: round trips keep every field; other tools' OTLP JSON imports."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import time

import pytest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode

from agenttrace_tui import cli
from agenttrace_tui.commands.importer import ImportStats, import_file, iter_json_values
from agenttrace_tui.history.export import CSV_COLUMNS, otlp_span_id, otlp_trace_id
from agenttrace_tui.model import Session, Span, SpanKind
from agenttrace_tui.model import Status as SpanStatus
from agenttrace_tui.store.sqlite import Reader
from test_history_fixture import S, _write, build_db

TRACES = ("trace-v1", "trace-v1b", "trace-v2")


@pytest.fixture()
def db(tmp_path):
    path = tmp_path / "src.db"
    build_db(path)
    return path


def main(capsys, *argv):
    capsys.readouterr()
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def _same_db(a, b):
    with Reader(a) as ra, Reader(b) as rb:
        for t in TRACES:
            sa = sorted(ra.spans_of_trace(t), key=lambda s: s.span_id)
            sb = sorted(rb.spans_of_trace(t), key=lambda s: s.span_id)
            assert sa == sb  # every field, typed parts, events, flags
            ta, tb = ra.trace(t), rb.trace(t)  # and the summaries the writer keeps
            assert tb.cost == pytest.approx(ta.cost)  # sums in another order
            tb.cost = ta.cost
            assert ta == tb
        for row in ra.sessions():
            other = rb.session(row.id)
            assert other is not None and other.session == row.session
            assert (other.spans, other.traces, other.errors) == (row.spans, row.traces, row.errors)
            assert other.cost == pytest.approx(row.cost)


@pytest.mark.parametrize("fmt", ["otlp-json", "json"])
def test_export_import_round_trip_keeps_everything(db, tmp_path, capsys, fmt):
    out = tmp_path / f"export.{fmt}"
    main(capsys, "export", "--format", fmt, "-o", str(out), "--db", str(db))
    target = tmp_path / "copy.db"
    result = json.loads(main(capsys, "import", str(out), "--db", str(target), "--json"))
    assert result["spans"] == 36 and result["traces"] == 3 and result["sessions"] == 2 and result["rejected"] == {}
    _same_db(db, target)
    # importing again de-duplicates by span id: nothing new, everything counted
    again = json.loads(main(capsys, "import", str(out), "--db", str(target), "--json"))
    assert again["duplicates"] == 36
    with Reader(target) as r:
        assert r.span_count() == 36
    _same_db(db, target)


@pytest.mark.parametrize("where", ["missing directory", "a directory"])
def test_export_to_a_path_that_cannot_be_written_is_one_line(db, tmp_path, capsys, where):
    # Was: a FileNotFoundError / IsADirectoryError traceback.
    target = tmp_path / "no" / "such" / "x.csv" if where == "missing directory" else tmp_path
    capsys.readouterr()
    code = cli.main(["export", "--format", "csv", "-o", str(target), "--db", str(db)])
    out, err = capsys.readouterr()
    reason = "No such file or directory" if where == "missing directory" else "Is a directory"
    assert code == 1 and out == ""
    assert err == f"agenttrace-tui: cannot export to {target}: {reason}\n"
    assert not (tmp_path / "no").exists()


def test_otlp_export_is_valid_otlp_for_other_tools(db, capsys):
    out = main(capsys, "export", "--format", "otlp-json", "--trace", "trace-v1", "--db", str(db))
    lines = out.splitlines()
    assert len(lines) == 1
    req = json.loads(lines[0])
    spans = req["resourceSpans"][0]["scopeSpans"][0]["spans"]
    assert len(spans) == 17
    for sp in spans:
        assert len(sp["traceId"]) == 32 and len(sp["spanId"]) == 16
        int(sp["traceId"], 16), int(sp["spanId"], 16)
        assert int(sp["endTimeUnixNano"]) >= int(sp["startTimeUnixNano"])
    by_name = {sp["name"]: sp for sp in spans}
    llm = {kv["key"]: kv["value"] for kv in by_name["llm_planning_call"]["attributes"]}
    assert llm["gen_ai.request.model"] == {"stringValue": "llama3.1"}
    assert llm["gen_ai.usage.input_tokens"] == {"intValue": "450"}
    assert llm["session.id"] == {"stringValue": "sess-v1"}
    bad = next(sp for sp in spans if sp["status"].get("code") == 2)
    assert bad["status"]["message"] == "permission denied"
    child = by_name["parse_plan"]
    assert child["parentSpanId"] == otlp_span_id("v1-orch") and child["traceId"] == otlp_trace_id("trace-v1")


def test_csv_export(db, capsys):
    out = main(capsys, "export", "--format", "csv", "--session", "sess-v1", "--db", str(db))
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert len(rows) == 19
    est = [r for r in rows if r["tokens_estimated"] == "true"]
    assert [(r["span_id"], r["input_tokens"], r["output_tokens"]) for r in est] == [("v1-llm2", "2300", "50")]
    err = next(r for r in rows if r["status"] == "error")
    assert (err["tool"], err["status_message"], err["duration_ms"]) == ("filesystem", "permission denied", "10000.0")
    hostile = next(r for r in rows if r["span_id"] == "b-llm")
    assert "\x1b" not in out and hostile["name"].startswith("␛[2J=evil")
    assert (hostile["cache_read_tokens"], hostile["cache_write_tokens"], hostile["cost_usd"]) == ("800", "100", "0.0011")


def test_csv_state_reads_as_the_tables_do(tmp_path, capsys):
    # An open span of a session that still runs is "running"; of one that ended,
    # "unfinished" (no end will come), as `spans query` and the monitor read them.
    now = time.time_ns()
    old = now - 3600 * S
    db = tmp_path / "open.db"
    asyncio.run(_write(db, [
        Session(id="live", name="live"),
        Span(span_id="l-open", trace_id="lt", session_id="live", name="thinking", start_ns=now - S,
             status=SpanStatus.RUNNING),
        Span(span_id="l-done", trace_id="lt", session_id="live", name="plan", start_ns=now - 2 * S, end_ns=now - S),
        Session(id="gone", name="gone", ended_ns=old + S),
        Span(span_id="g-open", trace_id="gt", session_id="gone", name="cut off", start_ns=old,
             status=SpanStatus.RUNNING),
    ]))
    rows = list(csv.DictReader(io.StringIO(main(capsys, "export", "--format", "csv", "--db", str(db)))))
    states = {r["span_id"]: (r["status"], r["state"]) for r in rows}
    assert states == {"l-open": ("running", "running"), "l-done": ("ok", "ended"), "g-open": ("running", "unfinished")}
    listed = {d["span_id"]: d["state"] for d in json.loads(main(capsys, "spans", "--json", "--db", str(db)))}
    assert listed == {k: v[1] for k, v in states.items()}
    one = list(csv.DictReader(io.StringIO(main(capsys, "export", "--format", "csv", "--session", "live",
                                               "--db", str(db)))))
    assert {r["span_id"]: r["state"] for r in one} == {"l-open": "running", "l-done": "ended"}


def test_csv_defuses_formulas(tmp_path):
    from agenttrace_tui.history.export import write_csv
    from agenttrace_tui.model import Span

    buf = io.StringIO()
    write_csv(buf, [Span(span_id="a", trace_id="t", session_id="s", name="=HYPERLINK(\"x\")", start_ns=1, end_ns=2)])
    row = next(iter(csv.DictReader(io.StringIO(buf.getvalue()))))
    assert row["name"] == "'=HYPERLINK(\"x\")"



def test_csv_cost_is_the_figure_not_float_residue():
    # Before: 0.009975000000000001 (a sum of float products), where every other surface keeps 0.009975.
    from agenttrace_tui.history.export import write_csv
    from agenttrace_tui.model import Cost, Span

    total = 0.007 + 0.002975  # == 0.009975000000000001 in floats
    assert repr(total) != "0.009975"
    buf = io.StringIO()
    write_csv(buf, [Span(span_id="a", trace_id="t", session_id="s", name="call", start_ns=1, end_ns=2,
                         cost=Cost(total=total))])
    row = next(iter(csv.DictReader(io.StringIO(buf.getvalue()))))
    assert row["cost_usd"] == "0.009975"



def test_csv_says_a_failed_call_cost_nothing_and_why():
    # Before: both cells empty, which the columns' own rule reads as an unknown cost, where every
    # sum counts the call $0 and the span detail says "$0  the call failed; no tokens reported".
    from agenttrace_tui.format.cost import FAILED_NO_TOKENS
    from agenttrace_tui.history.export import write_csv
    from agenttrace_tui.model import LlmInfo, Span, SpanKind

    buf = io.StringIO()
    write_csv(buf, [Span(span_id="a", trace_id="t", session_id="s", name="call", kind=SpanKind.LLM_CALL, start_ns=1,
                         end_ns=2, status=SpanStatus.ERROR, llm=LlmInfo(provider="openai", model="gpt-4o"))])
    row = next(iter(csv.DictReader(io.StringIO(buf.getvalue()))))
    assert (row["cost_usd"], row["cost_reason"]) == ("0", FAILED_NO_TOKENS)


def _sdk_spans():
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "sdk-agent", "session.id": "sdk-session"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test-agent", "1.0")
    with tracer.start_as_current_span("invoke_agent planner") as root:
        root.set_attribute("gen_ai.operation.name", "invoke_agent")
        root.set_attribute("gen_ai.agent.name", "planner")
        with tracer.start_as_current_span("chat claude-sonnet-4") as llm:
            llm.set_attribute("gen_ai.operation.name", "chat")
            llm.set_attribute("gen_ai.provider.name", "anthropic")
            llm.set_attribute("gen_ai.request.model", "claude-sonnet-4")
            llm.set_attribute("gen_ai.usage.input_tokens", 1200)
            llm.set_attribute("gen_ai.usage.output_tokens", 80)
        with tracer.start_as_current_span("execute_tool search") as tool:
            tool.set_attribute("gen_ai.operation.name", "execute_tool")
            tool.set_attribute("gen_ai.tool.name", "search")
            tool.add_event("retry", {"attempt": 2})
            tool.set_status(Status(StatusCode.ERROR, "search backend down"))
    provider.shutdown()
    return exporter.get_finished_spans()


def _check_sdk_import(target, sdk, time_unit_ns=1):
    with Reader(target) as r:
        rows = r.sessions()
        assert [s.id for s in rows] == ["sdk-session"] and rows[0].spans == 3
        tid = format(sdk[0].context.trace_id, "032x")
        spans = {s.name: s for s in r.spans_of_trace(tid)}
    root, llm, tool = spans["invoke_agent planner"], spans["chat claude-sonnet-4"], spans["execute_tool search"]
    assert root.parent_span_id is None and root.kind is SpanKind.AGENT
    assert llm.parent_span_id == root.span_id == tool.parent_span_id
    assert llm.kind is SpanKind.LLM_CALL and llm.llm.model == "claude-sonnet-4"
    assert (llm.usage.input, llm.usage.output) == (1200, 80)
    assert tool.kind is SpanKind.TOOL_EXECUTION and tool.tool.name == "search"
    assert tool.status.value == "error" and tool.status_message == "search backend down"
    assert [e.name for e in tool.events] == ["retry"]
    by_id = {format(s.context.span_id, "016x"): s for s in sdk}
    src = by_id[llm.span_id]
    # exact, or within the file format's resolution (the console format rounds to µs)
    assert abs(llm.start_ns - src.start_time) < time_unit_ns
    assert abs(llm.end_ns - src.end_time) < time_unit_ns


def test_opentelemetry_sdk_otlp_json_imports(tmp_path, capsys):
    json_common = pytest.importorskip("opentelemetry.exporter.otlp.json.common.trace_encoder")
    encode_spans = json_common.encode_spans
    sdk = _sdk_spans()
    path = tmp_path / "sdk.json"
    path.write_text(encode_spans(sdk).to_json())  # the SDK's own OTLP JSON encoder
    target = tmp_path / "sdk.db"
    result = json.loads(main(capsys, "import", str(path), "--db", str(target), "--json"))
    assert result["spans"] == 3 and result["rejected"] == {}
    _check_sdk_import(target, sdk)


def test_protobuf_json_mapping_of_the_sdk_request_imports(tmp_path, capsys):
    """The SDK's protobuf request printed with protobuf's JSON mapping (base64 ids, as some tools write)."""
    from google.protobuf.json_format import MessageToJson
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import (
        encode_spans as encode_pb,
    )

    sdk = _sdk_spans()
    path = tmp_path / "pb.json"
    text = MessageToJson(encode_pb(sdk))
    assert '"traceId"' in text and format(sdk[0].context.trace_id, "032x") not in text  # ids are base64 here
    path.write_text(text)
    target = tmp_path / "pb.db"
    result = json.loads(main(capsys, "import", str(path), "--db", str(target), "--json"))
    assert result["spans"] == 3 and result["rejected"] == {}
    _check_sdk_import(target, sdk)


def test_opentelemetry_sdk_console_json_imports(tmp_path, capsys):
    sdk = _sdk_spans()
    path = tmp_path / "console.txt"
    # ConsoleSpanExporter's format: each span's to_json() (pretty-printed), one after another.
    path.write_text("".join(s.to_json() + "\n" for s in sdk))
    target = tmp_path / "console.db"
    result = json.loads(main(capsys, "import", str(path), "--db", str(target), "--json"))
    assert result["spans"] == 3 and result["rejected"] == {}
    _check_sdk_import(target, sdk, time_unit_ns=1000)  # that format has microseconds


def test_import_streams_and_survives_bad_input(tmp_path, db, capsys):
    out = tmp_path / "otlp.jsonl"
    main(capsys, "export", "--format", "otlp-json", "-o", str(out), "--db", str(db))
    good = out.read_text().splitlines()
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text(
        "\n".join(
            [good[0], "{not json at all", '{"resourceLogs": []}', "[1, 2]", '"a string"']
            + good[1:]
            + ['{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "zz", "spanId": "01", "name": "bad id"}]}]}]}']
        )
        + "\n"
    )
    stats = import_file(mixed, tmp_path / "mixed.db", batch=7)  # small batches: many transactions
    assert stats.spans == 36
    assert stats.rejected["invalid_json"] == 1
    assert stats.rejected["not_traces"] == 1
    assert stats.rejected["unknown_document"] == 3  # the two numbers of [1, 2], and the string
    assert stats.rejected["invalid_id"] == 1
    _same_db(db, tmp_path / "mixed.db")


@pytest.mark.parametrize(
    ("content", "skipped"),
    [
        (b"trace_id,span_id,name\nt1,s1,chat\n", "skipped 2 invalid_json"),  # a CSV export
        (bytes(range(256)) * 4, "invalid_json"),  # not text at all
        (b"{}\n", "skipped 1 unknown_document: an empty object is not an OTLP trace export"),
        (b'{"resourceLogs": []}\n', "skipped 1 not_traces"),
    ],
    ids=["csv", "bytes", "empty object", "logs export"],
)
def test_import_of_nothing_importable_fails(tmp_path, capsys, content, skipped):
    # Was: "imported 0 spans" and exit status 0.
    path = tmp_path / "input"
    path.write_bytes(content)
    capsys.readouterr()
    code = cli.main(["import", str(path), "--db", str(tmp_path / "x.db")])
    out, err = capsys.readouterr()
    assert code == 1
    assert out.startswith("imported 0 spans") and skipped in out
    assert err.startswith(f"agenttrace-tui: nothing imported from {path}: all skipped (") and err.count("\n") == 1
    code = cli.main(["import", str(path), "--db", str(tmp_path / "x.db"), "--json"])
    out, err = capsys.readouterr()
    assert code == 1 and json.loads(out)["spans"] == 0 and "nothing imported" in err


def test_import_of_an_empty_file_or_part_of_a_file(tmp_path, db, capsys):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n  \n")
    capsys.readouterr()
    assert cli.main(["import", str(empty), "--db", str(tmp_path / "x.db")]) == 0
    assert capsys.readouterr() == (f"nothing to import: {empty} is empty\n", "")
    # Some of it imported: a success, with the rest reported.
    out = tmp_path / "otlp.jsonl"
    main(capsys, "export", "--format", "otlp-json", "--trace", "trace-v2", "-o", str(out), "--db", str(db))
    out.write_text(out.read_text() + "{}\n")
    assert cli.main(["import", str(out), "--db", str(tmp_path / "x.db")]) == 0
    printed, err = capsys.readouterr()
    assert printed.startswith("imported ") and not printed.startswith("imported 0 ") and "unknown_document" in printed
    assert err == ""


def test_iter_json_values_reads_values_split_across_chunks():
    docs = [{"a": i, "text": "x" * 50} for i in range(20)]
    pretty = "".join(json.dumps(d, indent=2) + "\n" for d in docs)
    got = list(iter_json_values(io.StringIO(pretty), ImportStats(), chunk=37))
    assert got == docs
    one_line = "".join(json.dumps(d) + "\n" for d in docs)
    assert list(iter_json_values(io.StringIO(one_line), ImportStats(), chunk=64)) == docs


def test_otlp_export_says_a_span_had_no_end(tmp_path, capsys):
    # OTLP needs an end time: an open span gets its start, and says it had no end, so
    # another tool does not read it as a span that took no time.
    import asyncio

    from agenttrace_tui.model import Span
    from agenttrace_tui.store.memory import Store
    from agenttrace_tui.store.sqlite import Writer

    db = tmp_path / "open.db"

    async def write() -> None:
        store = Store()
        w = Writer(store, db, interval_s=3600)
        await w.start()
        store.apply([Span(span_id="done", trace_id="t", session_id="s", name="done", start_ns=S, end_ns=2 * S),
                     Span(span_id="open", trace_id="t", session_id="s", name="open", start_ns=3 * S)])
        await w.close()

    asyncio.run(write())
    out = main(capsys, "export", "--format", "otlp-json", "--trace", "t", "--db", str(db))
    spans = {sp["name"]: sp for sp in json.loads(out)["resourceSpans"][0]["scopeSpans"][0]["spans"]}
    attrs = {name: {kv["key"]: kv["value"] for kv in sp["attributes"]} for name, sp in spans.items()}
    assert attrs["open"]["agenttrace.span.no_end"] == {"boolValue": True}
    assert spans["open"]["endTimeUnixNano"] == spans["open"]["startTimeUnixNano"] == str(3 * S)
    assert "agenttrace.span.no_end" not in attrs["done"]


def test_import_holds_values_to_the_same_range_as_live_ingest(tmp_path, capsys):
    """Negative or impossible tokens, a negative cost and a time beyond tomorrow: each fixed
    or refused by the rule live ingest applies, counted and shown by reason, and the good
    records beside them imported. (A negative token count once stopped the whole import
    in the pricing step: nothing was imported.)"""
    now = time.time_ns()

    def native(span_id, **extra):
        rec = {"v": 1, "type": "span", "trace_id": "t-wild", "span_id": span_id, "session_id": "s-wild",
               "name": span_id, "kind": "llm_call", "start_ns": now - 10**9, "end_ns": now,
               "llm": {"provider": "openai", "model": "gpt-4o"}, "usage": {"input": 100, "output": 10}}
        return json.dumps({**rec, **extra})

    otlp = {"resourceSpans": [{"scopeSpans": [{"spans": [{
        "traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174", "name": "chat gpt-4o",
        "startTimeUnixNano": str(now - 10**9), "endTimeUnixNano": str(now),
        "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
                       {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o"}},
                       {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "-5"}}]}]}]}]}
    src = tmp_path / "wild.jsonl"
    src.write_text("\n".join([
        native("good"),
        native("negative-tokens", usage={"input": -100, "output": 10}),
        native("too-many-tokens", usage={"input": 5_000_000_000, "output": 10}),
        native("negative-cost", cost={"total": -3.0}),
        native("from-the-future", start_ns=now + 10 * 86_400 * 10**9, end_ns=now + 10 * 86_400 * 10**9),
        json.dumps(otlp),
    ]) + "\n")
    db = tmp_path / "wild.db"
    capsys.readouterr()
    assert cli.main(["import", str(src), "--db", str(db), "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["spans"] == 5  # all but the span from the future
    assert got["rejected"] == {"bad_time": 1}
    assert got["fixed"] == {"bad_tokens": 3, "bad_cost": 1}
    with Reader(db) as reader:
        spans = {s.span_id: s for s in reader.iter_spans("s-wild")}
        good = spans["good"]
        for wild in ("negative-tokens", "too-many-tokens"):
            assert spans[wild].usage is None and spans[wild].cost.total is None  # tokens unknown: $?
        assert spans["negative-cost"].cost.total == good.cost.total > 0  # priced from its tokens instead
        otel = next(iter(reader.iter_spans(next(r.id for r in reader.sessions() if r.id != "s-wild"))))
        assert otel.usage is None and otel.cost.total is None
        row = reader.session("s-wild")
        assert row is not None and row.input_tokens == 200 and row.cost == pytest.approx(2 * good.cost.total)
    capsys.readouterr()
    assert cli.main(["import", str(src), "--db", str(tmp_path / "again.db")]) == 0
    out = capsys.readouterr().out
    assert "skipped 1 bad_time" in out and "fixed 3 bad_tokens" in out and "fixed 1 bad_cost" in out
