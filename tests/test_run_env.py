"""``agenttrace-tui run`` and ``env`` with a fake agent that reads its env and sends real OTLP.

The fake agent configures the real OpenTelemetry SDK (traces and metrics,
OTLP/HTTP protobuf) and our SDK from the environment alone, records what it
saw (including the Codex home it was given) and exits with code 3; one of
its spans and its metric point name a session of their own, as Claude Code's
and Codex's records do, and still join the run's session. Three
paths: no monitor running (a headless monitor in the ``run`` process, via the
real CLI in a subprocess), a monitor already running (attached), and the
live UI (Pilot). Each checks the session: the agent's spans in it, and the
``session`` record with ``ended_ns`` and the exit code.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from agenttrace_tui import cli
from agenttrace_tui.commands.agent_env import copilot_env, make_codex_overlay, opencode_env, otel_env, without_otel
from agenttrace_tui.commands.run import (
    TAIL_BYTES,
    attached,
    child_env,
    command_name,
    end_records,
    monitor_running,
    new_session_id,
    notify_exit,
    output_tail,
    start_command,
)
from agenttrace_tui.config import Config
from agenttrace_tui.runtime.monitor import Monitor
from agenttrace_tui.runtime.testing import LocalMonitor
from agenttrace_tui.sdk.transport import open_transport
from agenttrace_tui.store.sqlite import Reader
from agenttrace_tui.ui.app import make_app
from test_otlp_support import wait_for

FAKE_AGENT = textwrap.dedent('''
    import json, os, sys
    from opentelemetry import metrics, trace
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    from agenttrace_tui.sdk import Tracer

    seen = {k: v for k, v in os.environ.items() if k.startswith(("OTEL_", "CLAUDE_", "AGENTTRACE_", "CODEX_"))}
    codex = os.environ.get("CODEX_HOME")
    seen["codex_config"] = open(os.path.join(codex, "config.toml")).read() if codex else None
    seen["codex_entries"] = sorted(os.listdir(codex)) if codex else []
    with open(sys.argv[1], "w") as fh:
        json.dump(seen, fh)

    # Everything from the environment: endpoint, protocol, queue, service name, session id.
    resource = Resource.create()
    tp = TracerProvider(resource=resource)
    tp.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    tracer = tp.get_tracer("fake-agent")
    with tracer.start_as_current_span("invoke_agent fake") as root:
        root.set_attribute("gen_ai.operation.name", "invoke_agent")
        with tracer.start_as_current_span("chat gpt-4o") as sp:
            sp.set_attribute("gen_ai.operation.name", "chat")
            sp.set_attribute("gen_ai.request.model", "gpt-4o")
            # A client that names its own session, as Claude Code and Codex do.
            sp.set_attribute("session.id", "the-clients-own-session")
    mp = MeterProvider(resource=resource, metric_readers=[PeriodicExportingMetricReader(OTLPMetricExporter())])
    mp.get_meter("fake").create_counter("agent.steps").add(2, {"session.id": "the-clients-own-session"})
    tp.shutdown()
    mp.shutdown()

    own = Tracer(session_name=None, set_global=False)
    with own.span("own sdk step", kind="tool_execution"):
        pass
    own.flush()
    own.close()
    print("fake agent done")
    # Its last words, coloured as a CLI colours them: why it failed.
    print("\\x1b[31merror:\\x1b[0m the model refused the request", file=sys.stderr)
    sys.exit(3)
''')


@pytest.fixture()
def agent(tmp_path, monkeypatch):
    script = tmp_path / "fake_agent.py"
    script.write_text(FAKE_AGENT)
    user_codex = tmp_path / "home" / ".codex"
    (user_codex / "sessions").mkdir(parents=True)
    original = 'model = "gpt-5.5"\n\n[otel]\nenvironment = "mine"\nexporter = "none"\n\n[otel.extra]\nx = 1\n\n[tui]\nnotifications = true\n'
    (user_codex / "config.toml").write_text(original)
    monkeypatch.setenv("CODEX_HOME", str(user_codex))
    for k in list(os.environ):
        if k.startswith(("OTEL_", "AGENTTRACE_")):
            monkeypatch.delenv(k)
    return script, user_codex, original


def _check_session(db: Path, sid: str, seen: dict) -> None:
    with Reader(db) as reader:
        row = reader.session(sid)
        assert row is not None, sid
        s = row.session
        assert s.ended_ns is not None and s.attributes.get("process.exit.code") == 3
        names = {sp.name for sp in reader.iter_spans(sid)}
        assert {"invoke_agent fake", "chat gpt-4o", "own sdk step"} <= names
        assert any(m.name == "agent.steps" and m.sum == 2 for m in reader.metrics(sid))
        # The span and the point that name a session of their own joined the run's all the same.
        assert reader.session("the-clients-own-session") is None
        # It exited with 3: an error span says so, and the session reads "error" (it read "done").
        (failed,) = [sp for sp in reader.iter_spans(sid) if sp.name.endswith(" exited with code 3")]
        assert failed.status.value == "error" and failed.status_message == "the command exited with code 3"
        assert row.status == "error" and [r.id for r in reader.sessions(status="error")] == [sid]
    assert seen["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/protobuf"
    assert seen["OTEL_BSP_MAX_QUEUE_SIZE"] == "65536" and seen["CLAUDE_CODE_ENABLE_TELEMETRY"] == "1"
    assert seen["OTEL_LOG_USER_PROMPTS"] == "1" and seen["OTEL_LOGS_EXPORTER"] == "otlp"
    assert seen["OTEL_LOG_TOOL_DETAILS"] == "1"
    assert f"session.id={sid}" in seen["OTEL_RESOURCE_ATTRIBUTES"] and seen["AGENTTRACE_SESSION_ID"] == sid
    assert seen["OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"] == "true"  # GitHub Copilot CLI's text


def _check_codex(seen: dict, user_codex: Path, original: str) -> None:
    cfg = seen["codex_config"]
    assert 'model = "gpt-5.5"' in cfg and "[tui]" in cfg and "notifications = true" in cfg
    assert 'environment = "agenttrace"' in cfg and "/v1/logs" in cfg and "mine" not in cfg and "[otel.extra]" not in cfg
    assert "sessions" in seen["codex_entries"]
    assert Path(seen["CODEX_HOME"]) != user_codex and not Path(seen["CODEX_HOME"]).exists()  # overlay removed
    assert (user_codex / "config.toml").read_text() == original  # the user's file untouched


def test_run_without_a_monitor_runs_one_headless_and_marks_the_session(agent, tmp_path):
    script, user_codex, original = agent
    db = tmp_path / "run.db"
    out = tmp_path / "seen.json"
    proc = subprocess.run(
        [sys.executable, "-m", "agenttrace_tui", "run", "--no-ui", "--name", "fake", "--db", str(db),
         "--udp-port", "0", "--tcp-port", "0", "--socket", "off", "--otlp-port", "0", "--otlp-grpc-port", "off",
         "--", sys.executable, str(script), str(out)],
        capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert proc.returncode == 3, proc.stderr
    assert "fake agent done" in proc.stdout  # the command kept the terminal
    seen = json.loads(out.read_text())
    sid = seen["AGENTTRACE_SESSION_ID"]
    assert sid.startswith("run-fake-") and seen["OTEL_SERVICE_NAME"] == "fake"
    _check_session(db, sid, seen)
    _check_codex(seen, user_codex, original)
    # Last on stderr: what the session came to, the figures the file holds.
    with Reader(db) as reader:
        row = reader.session(sid)
    assert row is not None
    summary = proc.stderr.strip().splitlines()[-1]
    assert summary.startswith(f"agenttrace-tui run: session {sid}: {row.spans} spans in {row.traces} trace"), summary
    assert row.unpriced == 1 and "1 call unpriced: no tokens reported" in summary, summary  # the model call sent none
    assert summary.endswith(f"; more: agenttrace-tui sessions show {sid}"), summary


async def test_run_attaches_to_a_running_monitor(agent, tmp_path):
    script, user_codex, original = agent
    db = tmp_path / "attached.db"
    out = tmp_path / "seen.json"
    monitor = Monitor(Config(udp_port=0, tcp_port=0, socket="", otlp_port=0, otlp_grpc_port=None, db=str(db)))
    await monitor.start()
    try:
        otlp = monitor.otlp.address[1]
        assert await asyncio.to_thread(monitor_running, otlp)
        cfg = Config(udp_port=monitor.receivers.udp_address[1], tcp_port=monitor.receivers.tcp_address[1],
                     otlp_port=otlp)
        sid = new_session_id("attached")
        rc = await asyncio.to_thread(attached, cfg, [sys.executable, str(script), str(out)], "attached", sid,
                                     traces_beta=True)
        assert rc == 3
        seen = json.loads(out.read_text())
        assert seen["CLAUDE_CODE_ENHANCED_TELEMETRY_BETA"] == "1" and seen["OTEL_TRACES_EXPORTER"] == "otlp"
        assert seen["OTEL_LOG_TOOL_CONTENT"] == "1"  # a tool call's result on its span
        # The agent's own SDK ends the session too (closing its tracer), before `run` sends
        # the end with the exit code, then the span saying it failed, each on a connection of
        # its own: wait for both (the span may come a moment after the end).
        assert await wait_for(lambda: (e := monitor.store.sessions.get(sid)) is not None
                              and e.session.attributes.get("process.exit.code") == 3 and e.totals.spans >= 3
                              and any(sp.name.endswith(" exited with code 3")
                                      for tr in monitor.store.traces_of(sid) for sp in tr.spans.values()))
    finally:
        await monitor.stop()
    _check_session(db, sid, seen)
    _check_codex(seen, user_codex, original)


async def test_monitor_running_is_false_for_another_http_server():
    # Something else on the port (here: nothing on a closed port, and a plain socket that never answers HTTP).
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        assert not await asyncio.to_thread(monitor_running, s.getsockname()[1])
    assert not monitor_running(None)


async def test_run_in_the_live_ui_follows_the_session(agent, tmp_path):
    script, _user_codex, _original = agent
    out = tmp_path / "seen.json"
    monitor = Monitor(Config(udp_port=0, tcp_port=0, socket="", otlp_port=0, otlp_grpc_port=None, persist=False))
    await monitor.start()
    log = tmp_path / "agent.log"
    sid = new_session_id("ui")
    handle = await start_command(monitor, [sys.executable, str(script), str(out)], "ui", sid, log_path=log)
    app = make_app(monitor)
    app.follow = True
    codes: list[int] = []
    # As ``run`` waits for it (``own_monitor``): the app notified when it ends.
    waiter = asyncio.create_task(handle.wait(lambda code: (codes.append(code), notify_exit(app, handle, code))))
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        async def until(cond, timeout=30.0):
            deadline = asyncio.get_running_loop().time() + timeout
            while not cond() and asyncio.get_running_loop().time() < deadline:
                await pilot.pause(0.05)
            return cond()

        assert await until(lambda: sid in app.sessions.keys)
        assert await until(lambda: codes == [3])
        assert await until(lambda: app.selected_session_id == sid and app.store.sessions[sid].totals.spans >= 3)
        assert app.store.sessions[sid].session.attributes["process.exit.code"] == 3
        # Its output went to the log (the UI owns the terminal): the span saying it failed, and
        # the notice, say what it wrote last, without the colour codes, and where the rest is.
        (failed,) = [sp for tr in app.store.traces_of(sid) for sp in tr.spans.values()
                     if sp.name.endswith(" exited with code 3")]
        assert failed.status_message == ("the command exited with code 3; "
                                         "its output ends: error: the model refused the request")
        assert failed.attributes["process.output"] == "fake agent done\nerror: the model refused the request"
        assert failed.attributes["process.log"] == str(log)
        await pilot.pause(0.1)
        toasts = [str(toast.render()) for toast in app.screen.query("Toast")]
        assert len(toasts) == 1 and toasts[0].endswith(" exited with 3: error: the model refused the request\nq quits the monitor")
        await pilot.press("q")
    await waiter
    assert "fake agent done" in log.read_text()


def test_output_tail_reads_a_commands_last_words(tmp_path):
    """What a failed command wrote last, as a terminal would have left it: colours, titles and
    cursor codes gone, a line a progress bar rewrote read as it ended, blank lines skipped; only
    the end of a long log is read, and never a line cut in half by where the reading starts."""
    log = tmp_path / "agent.log"
    log.write_bytes(b"x" * (TAIL_BYTES + 100) + b"\nearly line\n" + b"\x1b]0;my agent\x07\x1b[2Kfetching 10%\rfetching 100%\r\n"
                    + b"\x1b[1;31mTraceback\x1b[0m (most recent call last):\n  \n\n"
                    + b"ValueError: no \xff model\n")
    assert output_tail(log) == ["early line", "fetching 100%", "Traceback (most recent call last):",
                                "ValueError: no \ufffd model"]
    assert output_tail(log, 2) == ["Traceback (most recent call last):", "ValueError: no \ufffd model"]
    (tmp_path / "long.log").write_bytes(b"y" * (TAIL_BYTES * 2))  # one line longer than what is read
    assert output_tail(tmp_path / "long.log") == []
    assert output_tail(tmp_path / "missing.log") == []
    # Nothing went to a log (the command kept the terminal): the span says only how it ended.
    (span,) = end_records("s", "agent", ["agent"], 1, 2)[1:]
    assert span["status_message"] == "the command exited with code 2" and span["attributes"] == {"process.exit.code": 2}


def test_env_prints_paste_ready_lines(capsys):
    assert cli.main(["env", "claude", "sdk", "--otlp-port", "4400", "--udp-port", "4500"]) == 0
    out = capsys.readouterr().out
    assert "export CLAUDE_CODE_ENABLE_TELEMETRY=1" in out and "export OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4400" in out
    assert "export AGENTTRACE_ENDPOINT=udp://127.0.0.1:4500" in out and "codex" not in out.lower()
    assert cli.main(["env", "codex"]) == 0
    out = capsys.readouterr().out
    assert all(line.startswith("#") for line in out.strip().splitlines()) and "# [otel]" in out
    assert cli.main(["env", "gemini", "--otlp-port", "4400"]) == 0
    out = capsys.readouterr().out
    assert "export GEMINI_TELEMETRY_OTLP_ENDPOINT=http://127.0.0.1:4400\n" in out
    assert "export GEMINI_TELEMETRY_TRACES_ENABLED=true\n" in out and "CLAUDE" not in out
    assert cli.main(["env", "qwen", "--otlp-port", "4400"]) == 0
    out = capsys.readouterr().out
    assert "export QWEN_TELEMETRY_OTLP_ENDPOINT=http://127.0.0.1:4400\n" in out and "GEMINI" not in out
    assert cli.main(["env", "opencode", "--otlp-port", "4400"]) == 0
    out = capsys.readouterr().out
    assert "export OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4400\n" in out
    assert """export OPENCODE_CONFIG_CONTENT='{"experimental":{"openTelemetry":true}}'""" in out
    assert cli.main(["env", "copilot", "--otlp-port", "4400"]) == 0
    out = capsys.readouterr().out
    assert "export OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4400\n" in out
    assert "export OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true\n" in out and "OTEL_SERVICE_NAME" not in out


def test_copilot_env_keeps_the_users_content_switch():
    """The switch is the GenAI instrumentations' common one: a value the user chose stays."""
    assert copilot_env({}) == {"OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "true"}
    assert copilot_env({"OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "span_and_event"}) == {}


def test_opencode_env_keeps_the_users_inline_config():
    """``run`` turns OpenCode's AI SDK telemetry on in the inline configuration it reads last,
    keeping what the user put there; inline JSON that does not parse is left as it is."""
    mine = json.dumps({"model": "anthropic/claude-sonnet-4-5", "experimental": {"batch_tool": True}})
    got = json.loads(opencode_env({"OPENCODE_CONFIG_CONTENT": mine})["OPENCODE_CONFIG_CONTENT"])
    assert got == {"model": "anthropic/claude-sonnet-4-5", "experimental": {"batch_tool": True, "openTelemetry": True}}
    assert opencode_env({"OPENCODE_CONFIG_CONTENT": "{not json"}) == {}
    assert opencode_env({"OPENCODE_CONFIG_CONTENT": "[1]"}) == {}


def test_run_gives_kilo_code_the_endpoint_and_leaves_its_own_settings():
    """Kilo Code (OpenCode's fork) sends its runtime's spans to the otel group's endpoint, its
    run's session pinned; it names its own service, and its ``experimental.openTelemetry`` is its
    product analytics' opt-out (not OpenCode's AI SDK switch): the user's configuration is kept."""
    mine = json.dumps({"experimental": {"openTelemetry": False}})
    for exe in ("kilo", "/usr/local/bin/kilocode"):
        env = child_env({"KILO_CONFIG_CONTENT": mine}, [exe, "run", "hi"], "run-kilo-1", otlp_port=4400,
                        udp_port=None, tcp_port=None, traces_beta=False, name="kilo", codex_home=None)
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://127.0.0.1:4400"
        assert env["OTEL_BSP_SCHEDULE_DELAY"] == "200"  # it does not flush its spans at exit
        assert "agenttrace.session.id=run-kilo-1" in env["OTEL_RESOURCE_ATTRIBUTES"].split(",")
        assert "OTEL_SERVICE_NAME" not in env and env["KILO_CONFIG_CONTENT"] == mine


def test_run_gives_droid_its_endpoint_and_genai_format_and_keeps_the_users_choices(capsys):
    """Factory's Droid reads its own endpoint variable before the otel group's, and sends ``droid.*``
    metrics alone unless its format is ``genai``: ``run`` sets both and the message-content switch,
    keeps a format or switch the user set, and gives the token as Droid reads headers (a plain
    ``key=value``, not percent-encoded). It names its own service (``cli``): none is set for it."""
    env = child_env({}, ["/usr/local/bin/droid", "exec", "hi"], "run-droid-1", otlp_port=4400, udp_port=None,
                    tcp_port=None, traces_beta=False, name="droid", codex_home=None)
    assert env["OTEL_TELEMETRY_ENDPOINT"] == env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://127.0.0.1:4400"
    assert (env["OTEL_TELEMETRY_FORMAT"], env["OTEL_LOG_MESSAGE_CONTENT"]) == ("genai", "true")
    assert "agenttrace.session.id=run-droid-1" in env["OTEL_RESOURCE_ATTRIBUTES"].split(",")
    assert "OTEL_SERVICE_NAME" not in env and "OTEL_TELEMETRY_HEADERS" not in env
    mine = {"OTEL_TELEMETRY_FORMAT": "legacy", "OTEL_LOG_MESSAGE_CONTENT": "false"}
    env = child_env(mine, ["droid", "exec", "hi"], "run-droid-2", otlp_port=4400, udp_port=None, tcp_port=None,
                    traces_beta=False, name="droid", codex_home=None, token="s3cret")
    assert (env["OTEL_TELEMETRY_FORMAT"], env["OTEL_LOG_MESSAGE_CONTENT"]) == ("legacy", "false")
    assert env["OTEL_TELEMETRY_HEADERS"] == "Authorization=Bearer s3cret"
    assert cli.main(["env", "droid", "--otlp-port", "4400"]) == 0
    out = capsys.readouterr().out
    assert "export OTEL_TELEMETRY_ENDPOINT=http://127.0.0.1:4400\n" in out
    assert "export OTEL_TELEMETRY_FORMAT=genai\n" in out and "OTEL_SERVICE_NAME" not in out
    assert cli.main(["env", "droid", "--otlp-port", "off", "--otlp-grpc-port", "4400"]) == 0
    out = capsys.readouterr().out
    assert "OTEL_TELEMETRY_ENDPOINT" not in out and "OTLP/HTTP receiver it sends to is off" in out


def test_run_gives_qwen_code_its_tool_results_and_keeps_the_users_switch(capsys, monkeypatch):
    """Qwen Code puts a tool call's arguments and result on its ``qwen-code.tool`` span only with its
    sensitive span attributes on: ``run`` turns them on beside its telemetry and prompt switches, and
    keeps the user's own value of the switch (``env qwen`` likewise)."""
    switch = "QWEN_TELEMETRY_INCLUDE_SENSITIVE_SPAN_ATTRIBUTES"
    env = child_env({}, ["/usr/local/bin/qwen", "-p", "hi"], "run-qwen-1", otlp_port=4400, udp_port=None,
                    tcp_port=None, traces_beta=False, name="qwen", codex_home=None)
    assert (env["QWEN_TELEMETRY_ENABLED"], env["QWEN_TELEMETRY_LOG_PROMPTS"], env[switch]) == ("true", "true", "true")
    assert env["QWEN_TELEMETRY_OTLP_ENDPOINT"] == "http://127.0.0.1:4400"
    env = child_env({switch: "false"}, ["qwen", "-p", "hi"], "run-qwen-2", otlp_port=4400, udp_port=None,
                    tcp_port=None, traces_beta=False, name="qwen", codex_home=None)
    assert (env[switch], env["QWEN_TELEMETRY_ENABLED"]) == ("false", "true")
    assert "GEMINI_TELEMETRY_INCLUDE_SENSITIVE_SPAN_ATTRIBUTES" not in env
    monkeypatch.delenv(switch, raising=False)
    assert cli.main(["env", "qwen", "--otlp-port", "4400"]) == 0
    assert f"export {switch}=true\n" in capsys.readouterr().out
    monkeypatch.setenv(switch, "0")
    assert cli.main(["env", "qwen", "--otlp-port", "4400"]) == 0
    assert switch not in capsys.readouterr().out


def test_run_turns_the_continue_clis_metrics_on_and_leaves_its_service_name():
    """The Continue CLI (``cn``) exports its metrics with the endpoint and ``OTEL_METRICS_EXPORTER=otlp``
    (its default exporter is the console); it names its own service, so the commands its tools run get
    no ``OTEL_SERVICE_NAME`` of ``cn`` either."""
    env = child_env({}, ["/usr/local/bin/cn", "-p", "hi"], "run-cn-1", otlp_port=4400, udp_port=None,
                    tcp_port=None, traces_beta=False, name="cn", codex_home=None)
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://127.0.0.1:4400"
    assert env["OTEL_METRICS_EXPORTER"] == "otlp"
    assert "OTEL_SERVICE_NAME" not in env


def test_env_sdk_names_the_socket_when_the_ports_are_off(capsys):
    # Was: only the header, no endpoint (the SDK then sent to udp :4319, where nothing listened).
    with LocalMonitor("unix") as mon:
        path = mon.endpoint.removeprefix("unix://")
        assert cli.main(["env", "sdk", "--udp-port", "off", "--tcp-port", "off", "--socket", path]) == 0
        out = capsys.readouterr().out
        assert f"export AGENTTRACE_ENDPOINT=unix://{path}\n" in out
        # What it prints reaches the monitor listening there.
        transport = open_transport(f"unix://{path}")
        try:
            assert transport.ready()
            assert transport.send([b'{"v":1,"type":"span","trace_id":"t1","span_id":"s1","name":"via-env",'
                                   b'"start_ns":1,"end_ns":2}\n'])
        finally:
            transport.close()
        assert mon.wait_for(lambda s: s.span_count == 1)
        assert mon.spans()[0].name == "via-env"
    assert cli.main(["env", "sdk", "--udp-port", "off", "--tcp-port", "off", "--socket", "off"]) == 0
    out = capsys.readouterr().out
    assert "AGENTTRACE_ENDPOINT" not in out and "native receivers are off" in out


def test_env_never_prints_an_endpoint_of_an_otlp_receiver_that_is_off(capsys):
    # Was: OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 with the OTLP/HTTP receiver off.
    assert cli.main(["env", "otel", "claude", "codex", "--otlp-port", "off", "--otlp-grpc-port", "4400"]) == 0
    out = capsys.readouterr().out
    assert "4318" not in out and "OTLP/HTTP receiver is off" in out
    assert out.count("export OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4400\n") == 2  # otel and claude
    assert out.count("export OTEL_EXPORTER_OTLP_PROTOCOL=grpc\n") == 2
    assert "# [otel]" not in out and "otlp-grpc exporter can use http://127.0.0.1:4400" in out
    assert cli.main(["env", "gemini", "--otlp-port", "off"]) == 0
    out = capsys.readouterr().out
    assert "GEMINI_TELEMETRY_OTLP_ENDPOINT" not in out and "OTLP/HTTP receiver it sends to is off" in out
    # GitHub Copilot CLI's exporter has no gRPC: not pointed at the gRPC receiver.
    assert cli.main(["env", "copilot", "--otlp-port", "off", "--otlp-grpc-port", "4400"]) == 0
    out = capsys.readouterr().out
    assert "OTEL_EXPORTER_OTLP" not in out and "OTLP/HTTP receiver it sends to is off" in out
    assert cli.main(["env", "--otlp-port", "off", "--otlp-grpc-port", "off"]) == 0
    out = capsys.readouterr().out
    assert "OTEL_EXPORTER_OTLP" not in out and "OTLP receivers are off" in out
    assert "export AGENTTRACE_ENDPOINT=udp://127.0.0.1:4319" in out  # the native ports are still on


def test_env_names_the_groups_when_given_another(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["env", "bogus"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'bogus' (choose from otel, claude, gemini, qwen, opencode, copilot, droid, codex, sdk)" in err and "[]" not in err


def test_otel_env_keeps_the_users_resource_attributes_and_escapes():
    env = otel_env(4318, "s 1,x", "svc", {"OTEL_RESOURCE_ATTRIBUTES": "team=infra"})
    assert env["OTEL_RESOURCE_ATTRIBUTES"] == "team=infra,session.id=s%201%2Cx,agenttrace.session.id=s%201%2Cx"


def test_without_otel_and_an_overlay_of_a_missing_home(tmp_path):
    assert without_otel('a = 1\n[otel]\nb = 2\n[ otel.x ]\nc = 3\n[z]\nd = 4\n') == "a = 1\n[z]\nd = 4\n"
    overlay = make_codex_overlay(tmp_path / "none", 4318, parent=str(tmp_path))
    assert (overlay / "config.toml").read_text().startswith("[otel]")


def test_the_run_end_keeps_the_name_the_agent_gave_its_session():
    import msgspec

    from agenttrace_tui.commands.run import end_records, session_record
    from agenttrace_tui.ingest.pipeline import Pipeline
    from agenttrace_tui.store.memory import Store

    store = Store()
    pipe = Pipeline(store)
    sid = new_session_id("python")
    feed = [session_record(sid, "python", ["python", "agent.py"]),
            {"v": 1, "type": "session", "session_id": sid, "name": "research agent"},  # the agent's SDK
            *end_records(sid, "python", ["python", "agent.py"], time.time_ns(), 1)]
    for rec in feed:
        assert pipe.feed(msgspec.json.encode(rec), "tcp") == 1
    s = store.sessions[sid].session
    assert s.name == "research agent" and s.ended_ns is not None and s.attributes["process.exit.code"] == 1
    # A command whose agent names nothing keeps the command's name.
    other = new_session_id("python")
    for rec in [session_record(other, "python", ["python"]), *end_records(other, "python", ["python"], time.time_ns(), 0)]:
        pipe.feed(msgspec.json.encode(rec), "tcp")
    assert store.sessions[other].session.name == "python"


@pytest.mark.parametrize(("argv", "name"), [
    (["python", "agent.py"], "agent.py"),  # was "python", as every Python agent's session
    (["/usr/bin/python3.11", "-u", "src/my_agent.py", "--steps", "3"], "my_agent.py"),
    (["python", "-m", "pkg.agent"], "pkg.agent"),
    (["python", "-c", "print(1)"], "python"),
    (["uv", "run", "--with", "openai", "agent.py"], "agent.py"),
    (["uv", "run", "my-agent"], "my-agent"),
    (["npx", "tsx", "agent.ts"], "agent.ts"),
    (["npx", "@openai/codex"], "codex"),
    (["node", "dist/index.js"], "index.js"),
    (["claude", "-p", "fix the test"], "claude"),
    (["codex", "exec", "x.py"], "codex"),
])
def test_a_run_is_named_after_the_script_an_interpreter_runs(argv, name):
    assert command_name(argv) == name
