"""Sampling rules: clamping, parent-based whole traces, errors kept, slow kept."""

from __future__ import annotations

import random
import time

import pytest

from agenttrace_tui.model import Status
from agenttrace_tui.runtime.testing import LocalMonitor
from agenttrace_tui.sdk import Sampler, Tracer, clamp_rate


@pytest.fixture()
def mon():
    with LocalMonitor("udp") as m:
        yield m


def make(mon: LocalMonitor, **kw) -> Tracer:
    return Tracer("sampling", endpoint=mon.endpoint, set_global=False, **kw)


def run_trace(tracer: Tracer, name: str, children: int = 3, fail_at: int | None = None) -> None:
    with tracer.span(name):
        for i in range(children):
            try:
                with tracer.span(f"{name}/c{i}"):
                    if i == fail_at:
                        raise RuntimeError("tool failed")
            except RuntimeError:
                pass


def names(mon: LocalMonitor) -> set[str]:
    return {s.name for s in mon.spans()}


def test_rate_is_clamped():
    assert clamp_rate(-3) == 0.0
    assert clamp_rate(7) == 1.0
    assert clamp_rate(float("nan")) == 1.0
    assert clamp_rate(0.25) == 0.25
    assert Sampler(2.5).rate == 1.0 and Sampler(-1).rate == 0.0


def test_rate_zero_sends_nothing(mon):
    t = make(mon, sample_rate=0.0, keep_errors=False)
    for i in range(20):
        run_trace(t, f"t{i}")
    with t.span("marker-tracer-check"):
        pass
    assert t.flush(10)
    assert t.stats()["sampled_out_traces"] == 21
    assert t.stats()["sent"] == 1  # only the session record
    t.close()


def test_parent_based_traces_are_whole_or_absent(mon):
    t = make(mon, sampler=Sampler(0.5, keep_errors=False, rng=random.Random(7)))
    for i in range(60):
        run_trace(t, f"t{i}", children=3)
    assert t.flush(10)
    kept_roots = 60 - t.stats()["sampled_out_traces"]
    assert 0 < kept_roots < 60
    assert mon.wait_for(lambda s: s.span_count == kept_roots * 4)
    got = names(mon)
    for i in range(60):
        present = [n in got for n in (f"t{i}", *(f"t{i}/c{j}" for j in range(3)))]
        assert all(present) or not any(present), f"trace t{i} is partial: {present}"
    t.close()


def test_errors_are_always_kept(mon):
    t = make(mon, sample_rate=0.0, keep_errors=True)
    run_trace(t, "clean", children=3)
    run_trace(t, "failing", children=3, fail_at=1)
    run_trace(t, "clean2", children=2)
    assert t.flush(10)
    assert mon.wait_for(lambda s: s.span_count >= 4)
    assert t.flush(10)
    got = names(mon)
    # The whole failing trace is kept: spans before and after the error too.
    assert {"failing", "failing/c0", "failing/c1", "failing/c2"} <= got
    assert not any(n.startswith("clean") for n in got)
    spans = {s.name: s for s in mon.spans()}
    assert spans["failing/c1"].status is Status.ERROR
    assert spans["failing/c0"].parent_span_id == spans["failing"].span_id
    t.close()


def test_slow_traces_are_kept_and_fast_ones_dropped(mon):
    t = make(mon, sample_rate=0.0, keep_errors=False, slow_ms=30)
    run_trace(t, "fast", children=2)
    with t.span("slow"), t.span("slow/child"):
        time.sleep(0.05)
    assert t.flush(10)
    assert mon.wait_for(lambda s: s.span_count >= 2)
    got = names(mon)
    assert {"slow", "slow/child"} <= got and "fast" not in got
    t.close()


def test_slow_trace_is_promoted_while_still_running(mon):
    t = make(mon, sample_rate=0.0, keep_errors=False, slow_ms=20)
    with t.span("long-root") as root:
        with t.span("long-child"):
            pass
        # Polls until the sender's periodic check promotes the trace: then the
        # running root is visible live, with the child it buffered.
        assert mon.wait_for(
            lambda s: (sp := s.span(root.trace_id, root.span_id)) is not None and sp.status is Status.RUNNING
        )
        assert "long-child" in names(mon)
    assert t.flush(10)
    assert mon.wait_for(lambda s: s.span(root.trace_id, root.span_id).end_ns is not None)
    t.close()


def test_settings_from_env(monkeypatch):
    monkeypatch.setenv("AGENTTRACE_SAMPLE_RATE", "0.25")
    monkeypatch.setenv("AGENTTRACE_SAMPLE_SLOW_MS", "1500")
    monkeypatch.setenv("AGENTTRACE_SAMPLE_KEEP_ERRORS", "0")
    s = Sampler()
    assert (s.rate, s.slow_ns, s.keep_errors) == (0.25, 1_500_000_000, False)
    monkeypatch.setenv("AGENTTRACE_SAMPLE_RATE", "lots")
    with pytest.warns(UserWarning, match="AGENTTRACE_SAMPLE_RATE"):
        assert Sampler().rate == 1.0
    monkeypatch.setenv("AGENTTRACE_SAMPLE_RATE", "9")
    assert Sampler().rate == 1.0
    # Arguments win over the environment.
    assert Sampler(0.5).rate == 0.5
