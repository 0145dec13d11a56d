"""What the whole-process benchmarks share: a free loopback port, a process's
resident memory, and an OTLP/protobuf request of numbered spans."""

from __future__ import annotations

import socket


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A port nobody holds on 127.0.0.1 for ``kind`` (TCP by default)."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kb(pid: int) -> int:
    """Resident memory of ``pid`` in KiB (VmRSS), 0 once it has gone."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def otlp_spans_body(first: int, n: int, now: int, session: str, name: str, duration_ns: int) -> bytes:
    """An ExportTraceServiceRequest of spans ``first``..``first + n - 1`` (100 per trace) in ``session``."""
    from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

    req = trace_service_pb2.ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    kv = rs.resource.attributes.add()
    kv.key, kv.value.string_value = "session.id", session
    ss = rs.scope_spans.add()
    for i in range(first, first + n):
        sp = ss.spans.add()
        sp.trace_id = (i // 100 + 1).to_bytes(16, "big")
        sp.span_id = (i + 1).to_bytes(8, "big")
        sp.name = name
        sp.start_time_unix_nano, sp.end_time_unix_nano = now - duration_ns, now
    return req.SerializeToString()
