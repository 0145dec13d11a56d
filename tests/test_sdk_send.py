"""``agenttrace-tui send``: one span from the command line, chained by ids."""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from agenttrace_tui import cli
from agenttrace_tui.commands.send import main, parse_attr, register
from agenttrace_tui.model import SpanKind, Status
from agenttrace_tui.runtime.testing import LocalMonitor

SRC = str(Path(__file__).resolve().parent.parent / "src")


def test_send_chains_parent_and_child(capsys):
    with LocalMonitor("udp") as mon:
        assert main(["--name", "deploy", "--kind", "task", "--duration-ms", "1500", "--session", "cli-run",
                     "--attr", "env=prod", "--attr", "replicas=3", "--attr", "dry=false", "--endpoint", mon.endpoint]) == 0
        trace_id, span_id = capsys.readouterr().out.split()
        assert main(["--name", "migrate", "--kind", "tool_execution", "--trace-id", trace_id, "--parent", span_id,
                     "--status", "error", "--message", "lock timeout", "--attr", "tool.name=psql", "--endpoint", mon.endpoint]) == 0
        assert mon.wait_for(lambda s: s.span_count == 2)
        spans = {s.name: s for s in mon.spans()}
    deploy, migrate = spans["deploy"], spans["migrate"]
    assert deploy.kind is SpanKind.TASK and deploy.session_id == "cli-run"
    assert deploy.end_ns - deploy.start_ns == 1_500_000_000
    assert deploy.attributes == {"env": "prod", "replicas": 3, "dry": False}
    assert (migrate.trace_id, migrate.parent_span_id) == (trace_id, span_id)
    assert migrate.status is Status.ERROR and migrate.status_message == "lock timeout"
    assert migrate.tool.name == "psql"


def test_send_over_tcp_and_errors(capsys):
    with LocalMonitor("tcp") as mon:
        assert main(["--name", "over-tcp", "--endpoint", mon.endpoint]) == 0
        assert mon.wait_for(lambda s: s.span_count == 1)
    assert main(["--name", "x", "--attr", "novalue", "--endpoint", "udp://127.0.0.1:9"]) == 2
    assert "expected KEY=VALUE" in capsys.readouterr().err
    assert main(["--name", "x", "--endpoint", "smoke-signals://x"]) == 2
    assert main(["--name", "x", "--duration-ms", "-5"]) == 2
    free = LocalMonitor("tcp")
    endpoint = free.endpoint
    free.close()  # nobody listens there now
    assert main(["--name", "x", "--endpoint", endpoint]) == 1
    assert "cannot connect" in capsys.readouterr().err


def test_register_adds_a_subparser():
    parser = argparse.ArgumentParser(prog="agenttrace-tui")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["send", "--name", "n", "--attr", "a=1"])
    assert args.func.__name__ == "run" and args.attr == ["a=1"]
    assert parse_attr("list=[1,2]") == ("list", [1, 2]) and parse_attr("obj={\"a\":1}") == ("obj", '{"a":1}')


def test_runs_as_a_process():
    with LocalMonitor("udp") as mon:
        env = {**os.environ, "PYTHONPATH": SRC, "AGENTTRACE_ENDPOINT": mon.endpoint}
        out = subprocess.run([sys.executable, "-m", "agenttrace_tui.commands.send", "--name", "from-shell"],
                             capture_output=True, text=True, env=env, timeout=60)
        assert out.returncode == 0, out.stderr
        assert mon.wait_for(lambda s: s.span_count == 1)
        assert mon.spans()[0].name == "from-shell"


@pytest.mark.parametrize("how", ["flag before", "environment"])
def test_send_goes_to_the_monitors_configured_udp_port(how, capsys, monkeypatch):
    # Was: the default udp :4319 whatever the settings said, exit 0, the span lost.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(5)
        port = str(sock.getsockname()[1])
        if how == "environment":
            monkeypatch.setenv("AGENTTRACE_UDP_PORT", port)
            code = cli.main(["send", "--name", "configured"])
        else:
            code = cli.main(["--udp-port", port, "send", "--name", "configured"])
        assert code == 0
        rec = json.loads(sock.recv(65536))
    assert rec["name"] == "configured"
    assert capsys.readouterr().out.split() == [rec["trace_id"], rec["span_id"]]


def test_send_falls_back_to_tcp_then_the_socket_and_brings_the_token(capsys, monkeypatch, tmp_path):
    with LocalMonitor("unix") as mon:
        path = mon.endpoint.removeprefix("unix://")
        assert cli.main(["--udp-port", "off", "--tcp-port", "off", "--socket", path, "send", "--name", "over-unix"]) == 0
        assert mon.wait_for(lambda s: s.span_count == 1)
        assert mon.spans()[0].name == "over-unix"
    # With a token set (here by the config file): TCP, opened with a hello line carrying it.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        server.settimeout(5)
        config = tmp_path / "monitor.toml"
        config.write_text(f'token = "s3cret-token"\ntcp_port = {server.getsockname()[1]}\n')
        monkeypatch.setenv("AGENTTRACE_CONFIG", str(config))
        assert cli.main(["send", "--name", "with-token"]) == 0
        conn, _ = server.accept()
        with conn:
            conn.settimeout(5)
            data = b""
            while chunk := conn.recv(65536):
                data += chunk
    hello, span = (json.loads(line) for line in data.splitlines())
    assert hello == {"v": 1, "type": "hello", "token": "s3cret-token"} and span["name"] == "with-token"
    assert cli.main(["--udp-port", "off", "--tcp-port", "off", "--socket", "off", "send", "--name", "x"]) == 2
    assert "agenttrace-tui send: the monitor's native receivers are off" in capsys.readouterr().err


def test_an_explicit_endpoint_wins_over_the_settings(capsys, monkeypatch):
    with LocalMonitor("udp") as mon:
        monkeypatch.setenv("AGENTTRACE_UDP_PORT", "off")
        monkeypatch.setenv("AGENTTRACE_TCP_PORT", "off")
        monkeypatch.setenv("AGENTTRACE_SOCKET", "off")
        assert cli.main(["send", "--name", "by-flag", "--endpoint", mon.endpoint]) == 0
        monkeypatch.setenv("AGENTTRACE_ENDPOINT", mon.endpoint)
        assert cli.main(["send", "--name", "by-env"]) == 0
        assert mon.wait_for(lambda s: s.span_count == 2)
        assert {sp.name for sp in mon.spans()} == {"by-flag", "by-env"}


def test_a_kind_that_is_no_span_kind_is_sent_with_a_warning(capsys):
    """`--kind nonsense` was stored as custom without a word; the span still goes (the
    monitor keeps the word as agenttrace.kind) and stderr says what happened."""
    with LocalMonitor("udp") as mon:
        assert main(["--name", "typo", "--kind", "llm-cal", "--endpoint", mon.endpoint]) == 0
        assert main(["--name", "fine", "--kind", "llm_call", "--endpoint", mon.endpoint]) == 0
        assert mon.wait_for(lambda s: s.span_count == 2)
        spans = {s.name: s for s in mon.spans()}
    err = capsys.readouterr().err
    assert err.count("warning") == 1 and "'llm-cal' is not a span kind" in err and "llm_call" in err
    assert spans["typo"].kind is SpanKind.CUSTOM and spans["typo"].attributes["agenttrace.kind"] == "llm-cal"
    assert spans["fine"].kind is SpanKind.LLM_CALL
