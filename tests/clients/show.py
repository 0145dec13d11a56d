"""Print a fixture directory as text: one line per span, log record and metric point.

Run: ``python tests/clients/show.py tests/clients/fixtures/<client> [--attrs]``.
Needs ``opentelemetry-proto`` (the project's own dependency) for ``.pb`` files.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from google.protobuf.json_format import MessageToDict, Parse
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from recording import read_body

MESSAGES = {"traces": ExportTraceServiceRequest, "logs": ExportLogsServiceRequest, "metrics": ExportMetricsServiceRequest}


def load(path: Path) -> dict:
    """One captured body as the OTLP JSON mapping (protobuf is parsed by the real classes)."""
    name = path.name[:-3] if path.name.endswith(".gz") else path.name  # stored gzip-compressed
    signal, ext = name.split("-", 1)[1].split(".", 1)
    msg = MESSAGES[signal]()
    data = read_body(path)
    if ext == "json":
        Parse(data.decode(), msg, ignore_unknown_fields=True)
    else:
        msg.ParseFromString(data)
    return MessageToDict(msg)


def _val(v: dict):
    if not v:
        return None
    (kind, inner), = v.items()
    if kind == "arrayValue":
        return [_val(x) for x in inner.get("values", [])]
    if kind == "kvlistValue":
        return {kv["key"]: _val(kv.get("value", {})) for kv in inner.get("values", [])}
    return inner


def _status(st: dict) -> str:
    code = st.get("code", "UNSET")
    msg = st.get("message", "")
    return f"status={code}" + (f" {msg[:100]!r}" if msg else "")


def attrs(items: list[dict]) -> dict:
    return {kv["key"]: _val(kv.get("value", {})) for kv in items or []}


def main() -> None:
    root = Path(sys.argv[1])
    show_attrs = "--attrs" in sys.argv
    for f in sorted(root.glob("[0-9][0-9][0-9]-*")):
        d = load(f)
        print(f"== {f.name}")
        for rs in d.get("resourceSpans", []):
            for ss in rs.get("scopeSpans", []):
                for sp in ss.get("spans", []):
                    a = attrs(sp.get("attributes"))
                    print(f"  span {sp['name']!r} scope={ss.get('scope', {}).get('name')} {_status(sp.get('status', {}))}")
                    if show_attrs:
                        for k, v in a.items():
                            print(f"      {k} = {str(v)[:160]}")
        for rl in d.get("resourceLogs", []):
            for sl in rl.get("scopeLogs", []):
                for lr in sl.get("logRecords", []):
                    a = attrs(lr.get("attributes"))
                    print(f"  log {a.get('event.name') or lr.get('eventName')!r} body={str(lr.get('body'))[:100]}")
                    if show_attrs:
                        for k, v in a.items():
                            print(f"      {k} = {str(v)[:160]}")
        for rm in d.get("resourceMetrics", []):
            for sm in rm.get("scopeMetrics", []):
                for m in sm.get("metrics", []):
                    print(f"  metric {m['name']} {json.dumps(m)[:200]}")


if __name__ == "__main__":
    main()
