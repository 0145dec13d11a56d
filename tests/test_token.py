"""The shared token: OTLP/HTTP, OTLP/gRPC and the native streams refuse senders without it.

Real monitors on 127.0.0.1 (ephemeral ports), the real OpenTelemetry SDK
exporters sending the header (set in code, and through
OTEL_EXPORTER_OTLP_HEADERS exactly as ``run`` sets it), and our own SDK with
AGENTTRACE_TOKEN. Every refusal is counted as "unauthorized".
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from pathlib import Path

import msgspec
import pytest
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcSpanExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from agenttrace_tui.commands.agent_env import codex_otel_toml, otel_env, sdk_env, shell_lines
from agenttrace_tui.config import Config, ConfigError
from agenttrace_tui.runtime.monitor import Monitor
from agenttrace_tui.sdk import Tracer

TOKEN = "tok-3f9a2c71d0b84e6a9c55"
NOW = time.time_ns()


def cfg(tmp_path: Path, token: str | None = TOKEN, **kw) -> Config:
    base = dict(udp_port=0, tcp_port=0, otlp_port=0, otlp_grpc_port=None, socket="",
                db=str(tmp_path / "t.db"), token=token)
    base.update(kw)
    return Config(**base)


async def wait_for(cond, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while not cond() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return cond()


def export_one(exporter, name: str) -> None:
    tp = TracerProvider(resource=Resource.create({"service.name": "tok", "session.id": name}))
    tp.add_span_processor(SimpleSpanProcessor(exporter))
    with tp.get_tracer("t").start_as_current_span(name):
        pass
    tp.shutdown()


def span_line(i: int, session: str = "native") -> bytes:
    return msgspec.json.encode({"v": 1, "type": "span", "trace_id": f"nt{i}", "span_id": f"n{i}",
                                "session_id": session, "name": f"n{i}", "start_ns": NOW, "end_ns": NOW + 1}) + b"\n"


# -- OTLP/HTTP -------------------------------------------------------------------------------
async def test_otlp_http_needs_the_bearer_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mon = Monitor(cfg(tmp_path))
    await mon.start()
    url = f"http://127.0.0.1:{mon.otlp.address[1]}/v1/traces"
    try:
        await asyncio.to_thread(export_one, OTLPSpanExporter(endpoint=url), "anonymous")
        await asyncio.to_thread(export_one, OTLPSpanExporter(endpoint=url, headers={"authorization": "Bearer nope"}),
                                "wrong")
        await asyncio.to_thread(export_one, OTLPSpanExporter(endpoint=url, headers={"authorization": f"Bearer {TOKEN}"}),
                                "in-code")
        # Exactly what `run` gives an agent: the exporter reads OTEL_EXPORTER_OTLP_HEADERS itself.
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", otel_env(1, token=TOKEN)["OTEL_EXPORTER_OTLP_HEADERS"])
        await asyncio.to_thread(export_one, OTLPSpanExporter(endpoint=url), "from-env")
        assert await wait_for(lambda: {"in-code", "from-env"} <= set(mon.store.sessions))
        assert "anonymous" not in mon.store.sessions and "wrong" not in mon.store.sessions
        assert mon.stats.rejected["unauthorized"] >= 2 and mon.otlp.stats.responses[401] >= 2
        # /health stays open: `run` finds the monitor before it knows the token is right.
        from test_otlp_support import post

        status, _h, body = await asyncio.to_thread(post, mon.otlp.address[1], "/health", b"", None, "GET")
        assert status == 200 and b"agenttrace-tui" in body
    finally:
        await mon.stop()


# -- OTLP/gRPC -------------------------------------------------------------------------------
async def test_otlp_grpc_needs_the_authorization_metadata(tmp_path: Path) -> None:
    mon = Monitor(cfg(tmp_path, otlp_grpc_port=0))
    await mon.start()
    target = f"http://127.0.0.1:{mon.otlp_grpc.address[1]}"
    try:
        await asyncio.to_thread(export_one, GrpcSpanExporter(endpoint=target, insecure=True, timeout=5), "anon-grpc")
        await asyncio.to_thread(export_one, GrpcSpanExporter(endpoint=target, insecure=True, timeout=5,
                                                             headers={"authorization": f"Bearer {TOKEN}"}), "grpc-ok")
        assert await wait_for(lambda: "grpc-ok" in mon.store.sessions)
        assert "anon-grpc" not in mon.store.sessions
        assert mon.stats.rejected["unauthorized"] >= 1 and mon.otlp_grpc.stats.responses[401] >= 1
    finally:
        await mon.stop()


# -- native streams --------------------------------------------------------------------------
async def test_our_sdk_sends_the_hello_line_and_its_spans_arrive(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    mon = Monitor(cfg(tmp_path))
    await mon.start()
    try:
        assert mon.receivers.udp_address is None and any("UDP off" in n for n in mon.notes)
        monkeypatch.setenv("AGENTTRACE_TOKEN", TOKEN)
        port = mon.receivers.tcp_address[1]

        def agent() -> None:
            # The default-style udp:// endpoint: with a token the SDK reaches the same port over TCP.
            tracer = Tracer("sdk-agent", endpoint=f"udp://127.0.0.1:{port}", session_id="sdk-ok", set_global=False)
            for i in range(20):
                with tracer.span(f"step {i}"):
                    pass
            tracer.close()

        await asyncio.to_thread(agent)
        assert await wait_for(lambda: mon.store.sessions.get("sdk-ok") is not None
                              and mon.store.span_count >= 20)
        assert not mon.stats.rejected
    finally:
        await mon.stop()


def raw_stream(port: int, data: bytes) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        try:
            s.recv(100)  # until the monitor closes
        except OSError:
            pass


async def test_native_stream_without_the_hello_or_with_a_wrong_token_is_refused(tmp_path: Path) -> None:
    mon = Monitor(cfg(tmp_path))
    await mon.start()
    port = mon.receivers.tcp_address[1]
    try:
        await asyncio.to_thread(raw_stream, port, span_line(1, "no-hello") + span_line(2, "no-hello"))
        bad = msgspec.json.encode({"v": 1, "type": "hello", "token": "guess"}) + b"\n"
        await asyncio.to_thread(raw_stream, port, bad + span_line(3, "bad-hello"))
        good = msgspec.json.encode({"v": 1, "type": "hello", "token": TOKEN}) + b"\n"
        await asyncio.to_thread(raw_stream, port, good + span_line(4, "good") + span_line(5, "good"))
        assert await wait_for(lambda: mon.store.span_count == 2)
        assert set(mon.store.sessions) == {"good"}
        assert mon.stats.rejected["unauthorized"] == 2
        previews = [r.preview + r.detail for r in mon.stats.recent if r.reason == "unauthorized"]
        assert previews and not any("guess" in p for p in previews)  # a wrong token is never kept
    finally:
        await mon.stop()


async def test_a_monitor_without_a_token_skips_a_hello_line(tmp_path: Path) -> None:
    mon = Monitor(cfg(tmp_path, token=None, udp_port=None))
    await mon.start()
    try:
        good = msgspec.json.encode({"v": 1, "type": "hello", "token": "whatever"}) + b"\n"
        await asyncio.to_thread(raw_stream, mon.receivers.tcp_address[1], good + span_line(1))
        assert await wait_for(lambda: mon.store.span_count == 1)
        assert not mon.stats.rejected
    finally:
        await mon.stop()


# -- required beyond loopback ----------------------------------------------------------------
def test_a_receiver_beyond_loopback_needs_a_token(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="needs a shared token"):
        Monitor(cfg(tmp_path, token=None, bind="0.0.0.0"))
    Monitor(cfg(tmp_path, token=TOKEN, bind="0.0.0.0"))  # constructed, not started: nothing binds
    proc = subprocess.run([sys.executable, "-m", "agenttrace_tui", "--headless", "--bind", "0.0.0.0",
                           "--otlp-grpc-port", "off", "--db", str(tmp_path / "x.db")],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 2 and "needs a shared token" in proc.stderr and "Traceback" not in proc.stderr


def test_a_token_with_spaces_is_a_config_error() -> None:
    from agenttrace_tui.config import load_config

    with pytest.raises(ConfigError, match="invalid token"):
        load_config({"token": "two words"}, env={})
    assert load_config({}, env={"AGENTTRACE_TOKEN": TOKEN}).token == TOKEN


# -- run and env hand it on ------------------------------------------------------------------
def test_run_and_env_pass_the_token_to_agents() -> None:
    env = otel_env(4318, token=TOKEN, base={"OTEL_EXPORTER_OTLP_HEADERS": "x-team=infra"})
    assert env["OTEL_EXPORTER_OTLP_HEADERS"] == f"x-team=infra,Authorization=Bearer%20{TOKEN}"
    assert sdk_env(4319, 4319, token=TOKEN) == {"AGENTTRACE_TOKEN": TOKEN, "AGENTTRACE_ENDPOINT": "tcp://127.0.0.1:4319"}
    assert f'headers = {{ "authorization" = "Bearer {TOKEN}" }}' in codex_otel_toml(4318, TOKEN)
    lines = shell_lines(["otel", "sdk"], otlp_port=4318, udp_port=None, tcp_port=4319, token=TOKEN)
    assert f"export AGENTTRACE_TOKEN={TOKEN}" in lines and "OTEL_EXPORTER_OTLP_HEADERS" in lines
