"""Lost-record counting by sequence number holds whole batches to the per-record rule.

``IngestStats.sequences`` takes a batch at once when it is the common one (a
known sender's records numbered on from its last batch) and record by record
otherwise; either way the counts must be what ``sequence`` gives one record
at a time: the same records lost, per sender and in all.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agenttrace_tui.ingest.stats import IngestStats
from agenttrace_tui.normalize.records import SpanRecord


def _rec(sender: str | None, seq: int | None) -> SpanRecord:
    return SpanRecord(v=1, trace_id="t", span_id=f"s{seq}", name="x", start_ns=1, end_ns=2, sender=sender, seq=seq)


def _state(stats: IngestStats) -> tuple:
    return stats.lost, {name: (s.next_seq, s.lost) for name, s in stats._senders.items()}


#: One step of a sender's numbering: the next number (most), a gap, a late one, a restart, none.
steps = st.sampled_from([1, 1, 1, 1, 1, 1, 3, -2, -2_000_000, None])


@st.composite
def batches(draw: st.DrawFn) -> list[list[SpanRecord]]:
    senders = draw(st.lists(st.sampled_from(["agent-a", "agent-b", None]), min_size=1, max_size=3, unique=True))
    at = {s: draw(st.integers(0, 5)) for s in senders}
    out = []
    for _ in range(draw(st.integers(1, 6))):
        batch = []
        for _ in range(draw(st.integers(0, 12))):
            sender = draw(st.sampled_from(senders))
            step = draw(steps)
            if step is None:
                batch.append(_rec(sender, None))
                continue
            at[sender] = max(at[sender] + step, 0)
            batch.append(_rec(sender, at[sender]))
        out.append(batch)
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches())
def test_a_batch_counts_what_its_records_count_one_by_one(reads: list[list[SpanRecord]]) -> None:
    whole, each = IngestStats(), IngestStats()
    for batch in reads:
        whole.sequences(batch)
        for r in batch:
            if r.sender is not None and r.seq is not None:
                each.sequence(r.sender, r.seq)
        assert _state(whole) == _state(each)


def test_a_stream_in_order_loses_nothing_and_a_gap_inside_a_batch_is_counted() -> None:
    stats = IngestStats()
    stats.sequences([_rec("agent-a", n) for n in range(1, 201)])
    stats.sequences([_rec("agent-a", n) for n in range(201, 401)])
    assert _state(stats) == (0, {"agent-a": (401, 0)})
    stats.sequences([_rec("agent-a", n) for n in (401, 402, 405, 406)])  # 403 and 404 lost
    assert _state(stats) == (2, {"agent-a": (407, 2)})
    stats.sequences([_rec("agent-a", 407), _rec("agent-b", 1), _rec("agent-a", 408)])  # two senders in one read
    assert _state(stats) == (2, {"agent-a": (409, 2), "agent-b": (2, 0)})
    # Numbers that run on across two senders are still each sender's own: agent-b skipped 2..409.
    stats.sequences([_rec("agent-a", 409), _rec("agent-b", 410)])
    assert _state(stats) == (410, {"agent-a": (410, 2), "agent-b": (411, 408)})


def test_a_batch_numbered_on_but_with_a_record_of_another_sender_goes_record_by_record() -> None:
    # Numbers that run on across two senders, or a record with no number, are no batch of one sender.
    for odd in (_rec("agent-b", 12), _rec("agent-a", None), _rec(None, 12)):
        whole, each = IngestStats(), IngestStats()
        for stats in (whole, each):
            stats.sequence("agent-a", 10)
            stats.sequence("agent-b", 0)
        batch = [_rec("agent-a", 11), odd, _rec("agent-a", 13)]
        whole.sequences(batch)
        for r in batch:
            if r.sender is not None and r.seq is not None:
                each.sequence(r.sender, r.seq)
        assert _state(whole) == _state(each)
    assert whole.lost == 1  # (13 after 11: one lost)
