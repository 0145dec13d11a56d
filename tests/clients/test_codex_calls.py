"""How long a Codex model call took, and the tool call it decided, whichever report arrives first.

Codex reports each model call twice: its ``codex.api_request`` log event (logged when the answer
began: its time less its ``duration_ms`` is when the request went out) and ``response.completed``
event with the usage, and its own ``handle_responses`` span, which covers only its handling of the
completed answer (a few milliseconds). The monitor folds the two into one call (store.calls). The
call took the times of whichever report came last: the recording's first call read 6 ms (its
request took 109), the second 144, and the tool call the first one decided, which Codex starts
while it handles that answer, found no model call that started before it: the cost pane and
``costs --group-by tool`` read ``—`` for what decided it. Replays of the real recording into the
real Monitor, in each order of arrival.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from recording import read_body
from test_conformance import FIXTURES, ORDERS, _replay

from agenttrace_tui.model import SpanKind

NAME = "codex-run"


def _requests(run: str) -> list[tuple[int, int]]:
    """(sent, answer began) of each ``codex.api_request`` event of a run, as recorded."""
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest

    folder = FIXTURES / NAME
    manifest = json.loads((folder / "manifest.json").read_text())
    out = []
    for f in manifest["files"]:
        if f["signal"] != "logs" or f["run"] != run:
            continue
        req = ExportLogsServiceRequest()
        req.ParseFromString(read_body(folder / f["file"]))
        for rec in (r for rl in req.resource_logs for sl in rl.scope_logs for r in sl.log_records):
            attrs = {a.key: a.value for a in rec.attributes}
            if attrs.get("event.name") is not None and attrs["event.name"].string_value == "codex.api_request":
                ms = attrs["duration_ms"].int_value or int(attrs["duration_ms"].string_value)
                at = rec.time_unix_nano or rec.observed_time_unix_nano  # (Codex sets the latter alone)
                out.append((at - ms * 1_000_000, at))
    return sorted(out)


@pytest.mark.parametrize("order", list(ORDERS))
def test_a_model_call_lasts_from_its_request_and_decides_its_tool_call(order: str, tmp_path: Path) -> None:
    rp = asyncio.run(_replay(NAME, tmp_path / "order.db", order))
    (sid,) = rp.sessions["ok"]
    spans = [s for t in rp.store.traces_of(sid) for s in t.spans.values()]
    calls = sorted((s for s in spans if s.kind is SpanKind.LLM_CALL and s.usage is not None), key=lambda s: s.start_ns)
    requests = _requests("ok")
    assert len(calls) == len(requests) == 2
    for call, (sent, began) in zip(calls, requests, strict=True):
        assert call.start_ns == sent and call.end_ns is not None and call.end_ns > began
        assert call.name == "handle_responses"  # Codex's own span, in its place in the tree
    assert calls[0].end_ns - calls[0].start_ns > 100_000_000  # (it read 6 ms when the span came last)
    (tool,) = rp.store.tool_costs(sid)
    assert (tool.name, tool.calls, tool.decided_calls, tool.consumed_calls) == ("exec_command", 1, 1, 1)
    assert tool.decided_cost == calls[0].cost.total and tool.consumed_cost == calls[1].cost.total
