"""Feeds spans into Store + Writer until killed (helper for test_sqlite's kill -9 test).

Usage: python tests/_sqlite_killee.py DB_PATH

Every span is new (unique ids) and every trace lies within one session
(a trace that crossed sessions would move, and its spans would be written
again and counted twice), so the rows on disk can only be at least as many
as the spans the writer has reported committed. After each batch
the writer commits, one line ``committed N`` is printed and flushed: N is
the cumulative count, printed only after COMMIT returned.
"""

from __future__ import annotations

import asyncio
import sys

from agenttrace_tui.model import LlmInfo, Session, Span, SpanKind, TokenUsage
from agenttrace_tui.store.memory import Store
from agenttrace_tui.store.sqlite import Writer

SPANS_PER_TICK = 200
#: Hard stop so a helper the test failed to kill cannot run forever.
MAX_TICKS = 20_000


async def main(path: str) -> None:
    store = Store(max_spans=5_000)
    writer = Writer(store, path, interval_s=0.05, max_batch=1000)
    await writer.start()
    print("started", flush=True)
    reported = 0
    n = 0
    for tick in range(MAX_TICKS):
        sid = f"s{tick // 50}"
        updates: list = [Session(id=sid, name=f"session {sid}")] if tick % 50 == 0 else []
        for _ in range(SPANS_PER_TICK):
            # n counts from 0: traces of 20 start on multiples of 20, so a
            # session's 50 ticks (10,000 spans) hold whole traces only.
            updates.append(
                Span(
                    span_id=f"sp{n}",
                    trace_id=f"t{n // 20}",
                    session_id=sid,
                    parent_span_id=None if n % 20 == 0 else f"sp{n - n % 20}",
                    name="llm call",
                    kind=SpanKind.LLM_CALL,
                    start_ns=1_000_000 + n * 1000,
                    end_ns=1_000_500 + n * 1000,
                    llm=LlmInfo(provider="openai", model="gpt-4o"),
                    usage=TokenUsage(input=100, output=20),
                    attributes={"i": n},
                )
            )
            n += 1
        store.apply(updates)
        await asyncio.sleep(0.005)
        if writer.written_spans != reported:
            reported = writer.written_spans
            print(f"committed {reported}", flush=True)
    await writer.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
