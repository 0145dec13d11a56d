"""Transports and the sender: TCP, Unix, UDP end to end; absent monitor; full queue."""

from __future__ import annotations

import os
import socket
import threading
import time
import warnings

import pytest

from agenttrace_tui.model import Status
from agenttrace_tui.runtime.testing import LocalMonitor
from agenttrace_tui.sdk import EndpointError, Tracer, parse_endpoint


def closed_port(kind: int) -> int:
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def build_tree(tracer: Tracer) -> dict:
    """A small agent-shaped tree; returns the SDK spans by name."""
    out = {}
    with tracer.span("orchestrator", kind="agent", attributes={"agent.name": "Planner"}) as root:
        out["orchestrator"] = root
        with tracer.span("llm_planning_call", kind="llm_call") as llm:
            llm.set_llm("gpt-4o", "openai", temperature=0.1).set_tokens(450, 120, cache_read=100)
            out["llm_planning_call"] = llm
        for i in range(3):
            with tracer.span(f"tool_execute{i}", kind="tool_execution", path=f"/src/{i}.py") as tool:
                tool.set_tool("filesystem", "read", f"/src/{i}.py")
                out[f"tool_execute{i}"] = tool
    return out


def assert_same_tree(mon: LocalMonitor, sent: dict) -> None:
    assert mon.wait_for(lambda s: sum(1 for sp in s.iter_spans() if sp.end_ns) >= len(sent))
    got = {s.name: s for s in mon.spans()}
    assert set(got) == set(sent)
    for name, sdk_span in sent.items():
        st = got[name]
        assert (st.trace_id, st.span_id, st.parent_span_id) == (sdk_span.trace_id, sdk_span.span_id, sdk_span.parent_span_id)
        assert (st.start_ns, st.end_ns) == (sdk_span.start_ns, sdk_span.end_ns)
        assert st.kind.value == sdk_span.kind and st.session_id == sdk_span.session_id
        assert st.status is Status.OK
    assert got["llm_planning_call"].usage.cache_read == 100
    assert got["llm_planning_call"].llm.temperature == 0.1
    assert got["orchestrator"].agent.name == "Planner"
    assert got["tool_execute2"].tool.target == "/src/2.py" and got["tool_execute2"].attributes["path"] == "/src/2.py"


@pytest.mark.parametrize("kind", ["udp", "tcp", "unix"])
def test_same_tree_over_each_transport(kind):
    with LocalMonitor(kind) as mon:
        tracer = Tracer("transport", endpoint=mon.endpoint, set_global=False)
        sent = build_tree(tracer)
        assert tracer.flush(10)
        assert_same_tree(mon, sent)
        tracer.close()
        with mon.lock:
            stats = mon.pipeline.stats
            assert stats.lost == 0 and stats.rejected_total == 0
            assert tracer.sender_id in stats._senders


def test_env_endpoint(monkeypatch):
    with LocalMonitor("udp") as mon:
        monkeypatch.setenv("AGENTTRACE_ENDPOINT", mon.endpoint)
        tracer = Tracer("env", set_global=False)
        assert tracer.endpoint == mon.endpoint
        with tracer.span("via-env"):
            pass
        assert tracer.flush(10)
        assert mon.wait_for(lambda s: s.span_count == 1)
        tracer.close()


def test_udp_batches_many_records_per_datagram():
    with LocalMonitor("udp") as mon:
        tracer = Tracer("batch", endpoint=mon.endpoint, set_global=False, queue_size=100_000)
        for i in range(3000):
            with tracer.span("s", i=i):
                pass
        assert tracer.flush(10)
        assert mon.wait_for(lambda s: s.span_count == 3000)
        with mon.lock:
            assert mon.datagrams < 3000  # records were packed into JSON arrays
            assert mon.pipeline.stats.lost == 0
        tracer.close()


def test_awkward_attributes_never_stop_the_sender():
    with LocalMonitor("udp") as mon:
        tracer = Tracer("odd", endpoint=mon.endpoint, set_global=False)
        with tracer.span("odd", obj=object(), tags={"x"}, raw=b"\xff\x00", path=os.path, nan=float("nan")):
            pass
        with tracer.span("huge", blob="x" * 200_000, nested={"a": [1, None, True]}):
            pass
        with tracer.span("after"):
            pass
        assert tracer.flush(10)
        assert mon.wait_for(lambda s: s.span_count == 3)
        got = {s.name: s for s in mon.spans()}
        assert isinstance(got["odd"].attributes["obj"], str) and got["odd"].attributes["tags"] == ["x"]
        assert got["huge"].attributes["agenttrace.truncated"] is True
        assert len(got["huge"].attributes["blob"]) <= 1000
        # A record cut down to fit keeps a nested value as its JSON text (not Python's repr).
        assert got["huge"].attributes["nested"] == '{"a": [1, null, true]}'
        tracer.close()


def test_monitor_absent_udp_costs_nothing_visible(capfd):
    """No monitor on the port: the agent sees no error, warning, output or loss."""
    port = closed_port(socket.SOCK_DGRAM)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tracer = Tracer("nobody", endpoint=f"udp://127.0.0.1:{port}", set_global=False)
        for i in range(2000):
            with tracer.span("into-the-void", i=i):
                pass
        assert tracer.flush(10)  # written to the socket: nobody listening is not an error
        assert tracer.close(5)
    stats = tracer.stats()
    # Every record went out (the kernel's "port unreachable" is not the agent's problem) ...
    assert stats["sent"] == stats["seq"] >= 2001
    assert stats["dropped"] == stats["failed"] == stats["transport_errors"] == stats["queued"] == 0
    # ... and nothing surfaced in the agent's process.
    assert [str(w.message) for w in caught] == []
    assert capfd.readouterr() == ("", "")


def test_monitor_absent_tcp_queues_bounded_then_drops_counted():
    port = closed_port(socket.SOCK_STREAM)
    tracer = Tracer("nobody", endpoint=f"tcp://127.0.0.1:{port}", set_global=False, queue_size=50)
    for i in range(100):
        with tracer.span("waiting", i=i):
            pass
    stats = tracer.stats()
    # Nothing can be sent: the queue holds at most 50 items, the rest are counted.
    assert stats["queued"] <= 50
    assert stats["dropped"] >= 200 + 1 - 50
    assert stats["queued"] + stats["dropped"] + stats["sent"] == 201  # 2 puts per span + session
    assert not tracer.flush(0.3)  # cannot complete: returns instead of blocking
    deadline = time.monotonic() + 10
    while tracer.stats()["connect_failures"] < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert tracer.stats()["connect_failures"] >= 1
    tracer.close(0.5)


def test_queue_full_drops_are_counted_and_never_block():
    """A stuck sender thread: the agent keeps running, drops are counted."""
    with LocalMonitor("udp") as mon:
        tracer = Tracer("full", endpoint=mon.endpoint, set_global=False, queue_size=20)
        gate = threading.Event()
        original = tracer._sender.transport.send
        tracer._sender.transport.send = lambda payloads: (gate.wait(10), original(payloads))[1]
        with tracer.span("first"):
            pass
        for i in range(500):
            with tracer.span("burst", i=i):
                pass
        assert tracer.stats()["dropped"] > 0
        gate.set()
        assert tracer.flush(10)
        stats = tracer.stats()
        assert stats["sent"] + stats["dropped"] >= 500
        tracer.close()


def test_unix_monitor_started_after_the_agent_gets_queued_records(tmp_path):
    path = str(tmp_path / "late.sock")
    tracer = Tracer("late", endpoint=f"unix://{path}", set_global=False)
    with tracer.span("before-monitor"):
        pass
    with LocalMonitor("unix", path=path) as mon:
        # The sender retries with backoff and delivers what it kept queued.
        assert mon.wait_for(lambda s: s.span_count == 1, timeout=20)
        assert mon.spans()[0].name == "before-monitor"
    tracer.close(0.5)


def test_endpoint_parsing():
    assert parse_endpoint("udp://127.0.0.1:4319") == ("udp", ("127.0.0.1", 4319))
    assert parse_endpoint("tcp://[::1]:9") == ("tcp", ("::1", 9))
    assert parse_endpoint("unix:///tmp/x.sock") == ("unix", "/tmp/x.sock")
    assert parse_endpoint("none") == ("none", None)
    for bad in ("http://x:1", "udp://host", "udp://:5", "tcp://h:notaport", "tcp://h:70000", "unix://", "127.0.0.1:4319"):
        with pytest.raises(EndpointError):
            parse_endpoint(bad)
    with pytest.raises(EndpointError):
        Tracer(endpoint="carrier-pigeon://x", set_global=False)


def test_bad_endpoint_in_env_warns_and_falls_back(monkeypatch):
    import agenttrace_tui.sdk.tracer as tracer_module

    assert tracer_module.DEFAULT_ENDPOINT == "udp://127.0.0.1:4319"
    # The fallback is the default endpoint, here one of this test's own: the real default is
    # where a monitor the user runs listens (the test used to send its session there).
    with LocalMonitor("udp") as mon:
        monkeypatch.setattr(tracer_module, "DEFAULT_ENDPOINT", mon.endpoint)
        monkeypatch.setenv("AGENTTRACE_ENDPOINT", "udp://no-port-here")
        with pytest.warns(UserWarning, match=f"AGENTTRACE_ENDPOINT ignored, sending to {mon.endpoint}"):
            tracer = Tracer("fallback", set_global=False)
        assert tracer.endpoint == mon.endpoint
        with tracer.span("after-fallback"):
            pass
        assert tracer.flush(10)
        assert mon.wait_for(lambda s: s.span_count == 1)
        assert mon.spans()[0].name == "after-fallback"
        tracer.close(0.5)


SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")


def test_exit_flushes_and_ends_the_session():
    """An agent that never calls close(): interpreter exit flushes and ends the session."""
    code = (
        "import sys\n"
        "from agenttrace_tui.sdk import Tracer\n"
        "t = Tracer('exiting', endpoint=sys.argv[1])\n"
        "for i in range(200):\n"
        "    with t.span('work', i=i):\n"
        "        pass\n"
        "print(t.session_id)\n"
    )
    import subprocess
    import sys

    with LocalMonitor("tcp") as mon:
        out = subprocess.run([sys.executable, "-c", code, mon.endpoint], capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": SRC}, timeout=60)
        assert out.returncode == 0, out.stderr
        sid = out.stdout.strip()
        assert mon.wait_for(lambda s: s.span_count == 200 and (e := s.session(sid)) is not None and e.session.ended_ns)


def test_forked_child_gets_its_own_sender_and_ids():
    if not hasattr(os, "fork"):
        pytest.skip("needs fork")
    with LocalMonitor("udp") as mon:
        tracer = Tracer("forking", endpoint=mon.endpoint, set_global=False)
        with tracer.span("parent-before-fork"):
            pass
        assert tracer.flush(10)
        pid = os.fork()
        if pid == 0:  # child: trace, flush, leave without running the parent's cleanup
            code = 1
            try:
                with tracer.span("in-child"):
                    pass
                code = 0 if tracer.flush(10) else 2
            finally:
                os._exit(code)
        with tracer.span("parent-after-fork"):
            pass
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert tracer.flush(10)
        assert mon.wait_for(lambda s: s.span_count == 3)
        spans = mon.spans()
        assert len({s.span_id for s in spans}) == 3 and len({s.trace_id for s in spans}) == 3
        with mon.lock:
            assert mon.pipeline.stats.lost == 0
        tracer.close()


def test_the_suite_fails_a_test_that_reaches_the_users_monitor():
    # conftest's guard: a test that sent to the monitor's default address would show up in the
    # monitor a developer keeps running beside the tests. A UDP connect sends nothing.
    import conftest

    conftest.REACHED.clear()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.connect(("127.0.0.1", 4319))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.connect(("127.0.0.1", 4320))  # not a monitor's default
    reached, conftest.REACHED[:] = list(conftest.REACHED), []
    assert reached == [("socket.connect", "127.0.0.1:4319")]
    assert conftest._monitor_address(("::1", 4318)) == "::1:4318"
    assert conftest._monitor_address(("10.0.0.5", 4318)) is None
    assert conftest._monitor_address(next(iter(conftest.MONITOR_SOCKETS))) is not None
