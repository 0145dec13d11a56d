"""``agenttrace-tui send``: emit one span from the command line.

For shell scripts and agents in other languages::

    agenttrace-tui send --name deploy --kind task --duration-ms 1200 --attr env=prod

The span ends now and started ``--duration-ms`` ago. It prints
``<trace_id> <span_id>`` so a script can pass them on as ``--trace-id`` and
``--parent`` of the next call. ``--attr`` values that parse as JSON (numbers,
true/false, lists) keep their type; anything else is a string.

It sends to ``--endpoint``, else ``$AGENTTRACE_ENDPOINT``, else the monitor
its settings describe (``--udp-port`` before ``send``, ``AGENTTRACE_UDP_PORT``,
the config file...): the native UDP port, else TCP, else the Unix socket, as
``agenttrace-tui env sdk`` prints, with the settings' token if there is one.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

from ..model import SpanKind
from ..normalize.span_kinds import kind_from_string
from ..sdk.span import new_span_id, new_trace_id
from ..sdk.transport import EndpointError, open_transport

STATUSES = ("ok", "error", "cancelled", "timeout")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "send",
        help="emit one span from the command line",
        description="Emit one span that ends now. Prints '<trace_id> <span_id>' to pass on as --trace-id and --parent.",
        epilog="example: agenttrace-tui send --name deploy --kind task --duration-ms 1200 --attr env=prod",
    )
    p.add_argument("--name", required=True, help="span name")
    p.add_argument("--kind", default="custom", help="span kind: task, agent, llm_call, tool_execution, ... (default custom)")
    p.add_argument("--trace-id", default=None, help="trace to add the span to (default: a new trace)")
    p.add_argument("--parent", default=None, metavar="SPAN_ID", help="parent span id")
    p.add_argument("--session", default=None, metavar="SESSION_ID", help="session id")
    p.add_argument("--duration-ms", type=float, default=0.0, help="the span's duration in milliseconds: it started this long ago and ends now (default 0)")
    p.add_argument("--status", choices=STATUSES, default="ok")
    p.add_argument("--message", default=None, help="status message (e.g. the error)")
    p.add_argument("--attr", action="append", default=[], metavar="KEY=VALUE", help="an attribute; repeatable")
    p.add_argument("--endpoint", default=None, help="udp://, tcp:// or unix:// (default $AGENTTRACE_ENDPOINT, else the "
                   "configured monitor's UDP port, TCP port or Unix socket, as `env sdk` prints)")
    p.set_defaults(func=run)


def parse_attr(text: str) -> tuple[str, Any]:
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ValueError(f"--attr {text!r}: expected KEY=VALUE")
    try:
        value = json.loads(raw)
    except ValueError:
        value = raw
    if isinstance(value, dict):
        value = raw  # attribute values are scalars or lists; keep objects as text
    return key.strip(), value


def build_record(args: argparse.Namespace) -> dict[str, Any]:
    if args.duration_ms < 0:
        raise ValueError("--duration-ms must be >= 0")
    attrs = dict(parse_attr(a) for a in args.attr)
    end = time.time_ns()
    rec: dict[str, Any] = {
        "v": 1,
        "type": "span",
        "trace_id": args.trace_id or new_trace_id(),
        "span_id": new_span_id(),
        "name": args.name,
        "kind": args.kind,
        "start_ns": end - int(args.duration_ms * 1_000_000),
        "end_ns": end,
        "status": args.status,
    }
    if args.parent:
        rec["parent_span_id"] = args.parent
    if args.session:
        rec["session_id"] = args.session
    if args.message:
        rec["status_message"] = args.message
    if attrs:
        rec["attributes"] = attrs
    return rec


def target(args: argparse.Namespace) -> tuple[str, str | None]:
    """``(endpoint, token)``: --endpoint, else $AGENTTRACE_ENDPOINT (the transport then takes
    $AGENTTRACE_TOKEN itself), else the monitor the settings describe. Raises ConfigError
    (a ValueError) for a bad setting, EndpointError when every native receiver is off."""
    explicit = args.endpoint or os.environ.get("AGENTTRACE_ENDPOINT", "").strip()
    if explicit:
        return explicit, None
    from ..config import Config, load_config, socket_path
    from .agent_env import native_endpoint

    # The global flags given before `send` are on args (absent when run as a module).
    flags = {name: getattr(args, name, None) for name in Config.__struct_fields__}
    cfg = load_config(flags, config_path=getattr(args, "config", None))
    endpoint = native_endpoint(cfg.udp_port, cfg.tcp_port, socket_path(cfg), cfg.token)
    if endpoint is None:
        raise EndpointError("the monitor's native receivers are off (udp_port, tcp_port, socket): give --endpoint")
    return endpoint, cfg.token


def run(args: argparse.Namespace) -> int:
    import msgspec

    try:
        rec = build_record(args)
        if kind_from_string(args.kind) is None:
            # The monitor keeps it (a custom span, the word as agenttrace.kind): a typo should not pass unseen.
            kinds = ", ".join(k.value for k in SpanKind)
            print(f"agenttrace-tui send: warning: {args.kind!r} is not a span kind ({kinds}): "
                  f"shown as custom, the word kept as agenttrace.kind", file=sys.stderr)
        endpoint, token = target(args)
        transport = open_transport(endpoint, token=token)
    except (ValueError, EndpointError) as exc:
        print(f"agenttrace-tui send: {exc}", file=sys.stderr)
        return 2
    try:
        if not transport.ready():
            print(f"agenttrace-tui send: cannot connect to {endpoint} (is the monitor running?)", file=sys.stderr)
            return 1
        payload = msgspec.json.encode(rec)
        if getattr(transport, "stream", False):
            payload += b"\n"
        if not transport.send([payload]):
            print("agenttrace-tui send: the span could not be sent", file=sys.stderr)
            return 1
    finally:
        transport.close()
    print(f"{rec['trace_id']} {rec['span_id']}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Standalone entry (``python -m agenttrace_tui.commands.send``)."""
    parser = argparse.ArgumentParser(prog="agenttrace-tui")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["send", *(sys.argv[1:] if argv is None else argv)])
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
