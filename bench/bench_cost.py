"""Benchmark: cost enrichment per llm span (warm caches) and import weight of enrich.

Run: PYTHONPATH=src python bench/bench_cost.py   (about a minute)

Measures, each as the median of several runs, in one process:
* pricing one llm span with warm caches (SpanCoster.finish), against the
  baseline of asking genai-prices' own ``calc_price`` per span (same spans);
* the whole store path (Store.apply) with and without the cost hook, to show
  what enrichment adds to ingest;
* first-use costs: resolving a model through genai-prices, loading a tiktoken
  vocabulary from the packaged file;
* ``python -c "import agenttrace_tui.enrich"`` against ``python -c pass``.
Writes docs/bench/cost.md.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if not os.environ.get("PYTHONPATH"):  # (when set, it names the tree measured: another checkout's src)
    sys.path.insert(0, str(ROOT / "src"))

from agenttrace_tui.enrich.cost import SpanCoster  # noqa: E402
from agenttrace_tui.enrich.prices import PriceBook  # noqa: E402
from agenttrace_tui.model import LlmInfo, Span, SpanKind, TokenUsage  # noqa: E402
from agenttrace_tui.store.memory import Store  # noqa: E402
from machine import describe as machine  # noqa: E402
from results import row, save  # noqa: E402

MODELS = [
    ("openai", "gpt-4o"),
    ("openai", "gpt-4o-mini"),
    ("anthropic", "claude-sonnet-4-5"),
    ("anthropic", "claude-3-5-haiku-latest"),
    ("gcp.gemini", "gemini-2.5-pro"),
    ("openai", "o3"),  # dated prices: resolved per day
]
N_SPANS = 20_000
N_BASELINE = 2_000
RUNS = 7
IMPORT_RUNS = 15
T0 = int(datetime(2025, 7, 1, tzinfo=UTC).timestamp() * 1e9)


def make_spans(n: int, prefix: str = "s") -> list[Span]:
    out = []
    for i in range(n):
        provider, model = MODELS[i % len(MODELS)]
        out.append(
            Span(
                span_id=f"{prefix}{i}",
                trace_id=f"t{i // 50}",
                session_id="bench",
                name="chat",
                kind=SpanKind.LLM_CALL,
                start_ns=T0 + i * 1_000_000_000,  # spans over ~5.5 hours
                end_ns=T0 + i * 1_000_000_000 + 500_000_000,
                llm=LlmInfo(provider=provider, model=model),
                usage=TokenUsage(input=1000 + i % 5000, output=100 + i % 700, cache_read=(i % 3) * 300, total=0),
            )
        )
    return out


def median_per_item(fn, n: int, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) / n)
    return statistics.median(times)


def bench_pricing() -> dict[str, float]:
    spans = make_spans(N_SPANS)
    book = PriceBook()
    coster = SpanCoster(book)
    t = time.perf_counter()
    coster.finish(spans[0])
    first = time.perf_counter() - t  # imports genai-prices, loads its data, resolves one model
    for s in spans:
        coster.finish(s)  # warm every (provider, model, day)
    finish = coster.finish

    def ours() -> None:
        for s in spans:
            finish(s)

    warm = median_per_item(ours, len(spans))

    from genai_prices import Usage, calc_price

    base_spans = spans[:N_BASELINE]
    prepared = []
    for s in base_spans:
        u = s.usage
        prepared.append(
            (
                Usage(input_tokens=u.input, output_tokens=u.output, cache_read_tokens=u.cache_read or None),
                s.llm.model,
                {"gcp.gemini": "google"}.get(s.llm.provider, s.llm.provider),
                datetime.fromtimestamp(s.start_ns / 1e9, tz=UTC),
            )
        )
    for args in prepared[:50]:
        calc_price(args[0], args[1], provider_id=args[2], genai_request_timestamp=args[3])

    def baseline() -> None:
        for usage, model, provider, ts in prepared:
            calc_price(usage, model, provider_id=provider, genai_request_timestamp=ts)

    base = median_per_item(baseline, len(prepared), runs=5)
    return {"first": first, "warm": warm, "baseline": base, "lookups": book.lookups}


def bench_store_path() -> dict[str, float]:
    coster = SpanCoster()
    coster.finish(make_spans(1)[0])
    for s in make_spans(len(MODELS) * 300, "w"):
        coster.finish(s)

    def once(hook: bool, tag: str) -> float:
        spans = make_spans(N_SPANS, tag)
        store = Store(span_hook=coster.finish if hook else None)
        t = time.perf_counter()
        for i in range(0, len(spans), 500):
            store.apply(spans[i : i + 500])
        return (time.perf_counter() - t) / len(spans)

    # Alternate the two so machine load drifts hit both alike.
    plain, hooked = [], []
    for r in range(RUNS + 2):
        plain.append(once(False, f"p{r}-"))
        hooked.append(once(True, f"h{r}-"))
    return {"plain": statistics.median(plain), "hook": statistics.median(hooked)}


def bench_tokens() -> dict[str, float]:
    from agenttrace_tui.enrich.tokens import TokenEstimator

    est = TokenEstimator()
    t = time.perf_counter()
    method = est.method("gpt-4o")
    load = time.perf_counter() - t
    text = "The agent read README.md, then searched the code for `def main` and summarised it. " * 20
    n = 2_000

    def count() -> None:
        for _ in range(n):
            est.count(text, "gpt-4o")

    per = median_per_item(count, n, runs=5)
    return {"load": load, "per_count": per, "chars": len(text), "method": method}


def bench_import() -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    codes = {
        "pass": "pass",
        "enrich": "import agenttrace_tui.enrich",
        "core": "import agenttrace_tui.ingest.pipeline, agenttrace_tui.config",
        "core_enrich": "import agenttrace_tui.ingest.pipeline, agenttrace_tui.config, agenttrace_tui.enrich",
        "genai_prices": "import genai_prices.data_snapshot as d; d.get_snapshot()",
        "tiktoken": "import tiktoken",
    }
    times: dict[str, list[float]] = {k: [] for k in codes}
    # Round-robin, so load changes on the machine hit every command alike.
    for _ in range(IMPORT_RUNS):
        for key, code in codes.items():
            t = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, env=env)
            times[key].append(time.perf_counter() - t)
    return {k: statistics.median(v) for k, v in times.items()}


def main() -> None:
    started = time.perf_counter()
    p = bench_pricing()
    s = bench_store_path()
    tk = bench_tokens()
    im = bench_import()
    us = 1e6
    ms = 1e3
    lines = [
        "## Cost enrichment",
        "",
        f"Machine: {machine()}. Shared 2-core machine; "
        f"medians of {RUNS} runs (import timings: {IMPORT_RUNS}, interleaved), ratios against baselines measured in the same run.",
        "",
        "| measure | result | baseline (same run) | ratio |",
        "| --- | --- | --- | --- |",
        f"| price one llm span, warm caches ({N_SPANS:,} spans, {len(MODELS)} models, target <= 5 µs) "
        f"| {p['warm'] * us:.2f} µs | genai-prices `calc_price` per span: {p['baseline'] * us:.1f} µs "
        f"| {p['baseline'] / p['warm']:.0f}x faster |",
        f"| store ingest per llm span (batches of 500), with the cost hook | {s['hook'] * us:.2f} µs "
        f"| without hook: {s['plain'] * us:.2f} µs | {s['hook'] / s['plain']:.2f}x (noisy under load; the hook's own share is the row above) |",
        f"| first priced span (imports genai-prices, loads its data, resolves a model) | {p['first'] * ms:.0f} ms | | once per process; the live monitor loads "
        f"the data on a worker thread 1 s after start |",
        f"| genai-prices model resolutions for {N_SPANS:,} spans | {p['lookups']} | one per (provider, model) | |",
        f"| `python -c \"import agenttrace_tui.enrich\"` | {im['enrich'] * ms:.0f} ms | `python -c pass`: {im['pass'] * ms:.0f} ms "
        f"| +{(im['enrich'] - im['pass']) * ms:.0f} ms (mostly msgspec and the model, which the monitor loads anyway) |",
        f"| enrich on top of the core (pipeline, store, config) | {im['core_enrich'] * ms:.0f} ms | core alone: {im['core'] * ms:.0f} ms "
        f"| +{(im['core_enrich'] - im['core']) * ms:.0f} ms |",
        f"| what lazy loading avoids at start-up: genai-prices import + data | {im['genai_prices'] * ms:.0f} ms | `python -c pass`: {im['pass'] * ms:.0f} ms "
        f"| +{(im['genai_prices'] - im['pass']) * ms:.0f} ms |",
        f"| ... and `import tiktoken` | {im['tiktoken'] * ms:.0f} ms | | +{(im['tiktoken'] - im['pass']) * ms:.0f} ms |",
        f"| load o200k_base from the packaged file (first estimate; method: {tk['method']}) | {tk['load'] * ms:.0f} ms | | once per process |",
        f"| estimate tokens of a {tk['chars']:,}-character preview | {tk['per_count'] * us:.0f} µs | | |",
        "",
        "Pricing a span is a dict lookup of the cached per-token rates for (provider, model) (per UTC day for",
        "dated prices, per minute for time-of-day prices) plus a few multiplications; tests check the result",
        "equals genai-prices' own calculation for every bundled model of the main providers.",
        "",
    ]
    summary = [
        row("price one llm span, warm", "<= 5 µs",
            f"{p['warm'] * us:.2f} µs ({p['baseline'] / p['warm']:.0f}x faster than genai-prices' own calc)", p["warm"] * us <= 5),
    ]
    out = save("cost", machine=machine(), section="\n".join(lines), summary=summary,
               data={"pricing": p, "store": s, "tokens": tk, "imports": im})
    print("\n".join(lines))
    print(f"(took {time.perf_counter() - started:.0f} s; written to {out.relative_to(ROOT)})")


if __name__ == "__main__":
    main()
