"""OTLP metrics from the SDK's exporter -> the store's metric series.

Counters keep a running sum that is the true total whatever the sender's
temporality (cumulative sums are turned into deltas); gauges keep the latest
value; histograms become ``.count`` and ``.sum`` counters.
"""

from __future__ import annotations

import asyncio
import json as jsonlib

from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource

from test_otlp_support import apost, provider, receiver, wait_for


def series(store, name: str, **labels: str):
    for (n, lab), s in store.metrics.items():
        d = dict(lab)
        if n == name and all(d.get(k) == v for k, v in labels.items()):
            return s
    return None


async def test_sdk_metrics_become_series_with_running_sums() -> None:
    store, pipeline, server = await receiver()
    try:
        def run() -> None:
            exporter = OTLPMetricExporter(endpoint=f"http://127.0.0.1:{server.address[1]}/v1/metrics",
                                          compression=Compression.Gzip)
            reader = PeriodicExportingMetricReader(exporter, export_interval_millis=3_600_000)
            mp = MeterProvider(metric_readers=[reader], resource=Resource.create({"service.name": "claude-code"}))
            meter = mp.get_meter("com.anthropic.claude_code")
            cost = meter.create_counter("claude_code.cost.usage", unit="USD")
            tokens = meter.create_histogram("gen_ai.client.token.usage", unit="{token}")
            ctx = meter.create_gauge("agent.context.fill")
            cost.add(0.5, {"model": "claude-sonnet-4-5"})
            cost.add(0.5, {"model": "claude-sonnet-4-5"})
            cost.add(0.1, {"model": "claude-haiku-4-5"})
            tokens.record(1000, {"gen_ai.token.type": "input", "gen_ai.provider.name": "anthropic"})
            tokens.record(3000, {"gen_ai.token.type": "input", "gen_ai.provider.name": "anthropic"})
            ctx.set(0.4)
            mp.force_flush()
            cost.add(0.25, {"model": "claude-sonnet-4-5"})  # cumulative 1.25 on the next export
            ctx.set(0.7)
            mp.force_flush()
            mp.shutdown()

        await asyncio.to_thread(run)
        assert await wait_for(lambda: series(store, "agent.context.fill") and series(store, "agent.context.fill").count >= 2)
        sonnet = series(store, "claude_code.cost.usage", model="claude-sonnet-4-5", service="claude-code")
        assert sonnet.kind == "counter" and abs(sonnet.sum - 1.25) < 1e-9
        assert abs(series(store, "claude_code.cost.usage", model="claude-haiku-4-5").sum - 0.1) < 1e-9
        count = series(store, "gen_ai.client.token.usage.count", **{"gen_ai.token.type": "input"})
        total = series(store, "gen_ai.client.token.usage.sum", **{"gen_ai.token.type": "input"})
        assert count.sum == 2 and total.sum == 4000
        assert series(store, "agent.context.fill").last == 0.7
        assert pipeline.stats.rejected_total == 0
    finally:
        await server.close()


async def test_a_processs_points_are_the_session_its_spans_named() -> None:
    """Points that name no session, from a process whose spans name theirs (the AWS distro copies
    ``session.id`` baggage onto every span, never onto a point), are that session's; another
    process's, whose spans name none, are its own."""
    store, _pipeline, server = await receiver()
    port = server.address[1]
    try:
        def run(instance: str, session: str | None) -> None:
            res = {"service.instance.id": instance}
            tp = provider(port, service="weather-agent", **res)
            with tp.get_tracer("strands.telemetry.tracer").start_as_current_span("invoke_agent weather_agent") as span:
                if session is not None:
                    span.set_attribute("session.id", session)
            tp.shutdown()
            reader = PeriodicExportingMetricReader(OTLPMetricExporter(endpoint=f"http://127.0.0.1:{port}/v1/metrics"),
                                                   export_interval_millis=3_600_000)
            mp = MeterProvider(metric_readers=[reader],
                               resource=Resource.create({"service.name": "weather-agent", **res}))
            mp.get_meter("strands").create_counter("strands.event_loop.cycle_count").add(1, {"run": instance})
            mp.shutdown()

        await asyncio.to_thread(run, "i-1", "sess-1")
        await asyncio.to_thread(run, "i-2", None)
        assert await wait_for(lambda: series(store, "strands.event_loop.cycle_count", run="i-2"))
        assert series(store, "strands.event_loop.cycle_count", run="i-1").session_id == "sess-1"
        assert series(store, "strands.event_loop.cycle_count", run="i-2").session_id == "weather-agent/i-2"
    finally:
        await server.close()


async def test_json_metrics_delta_sums_and_bad_points() -> None:
    store, pipeline, server = await receiver()
    try:
        def point(v, t):
            return {"attributes": [{"key": "type", "value": {"stringValue": "input"}}], "timeUnixNano": str(t),
                    "startTimeUnixNano": "1", **v}

        doc = {"resourceMetrics": [{
            "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "svc"}}]},
            "scopeMetrics": [{"metrics": [
                {"name": "claude_code.token.usage", "sum": {"aggregationTemporality": 1, "isMonotonic": True,
                                                            "dataPoints": [point({"asInt": "100"}, 10),
                                                                           point({"asInt": "250"}, 20)]}},
                {"name": "queue.depth", "gauge": {"dataPoints": [point({"asDouble": 3.5}, 30), point({}, 31)]}},
            ]}],
        }]}
        status, _h, body = await apost(server.address[1], "/v1/metrics", jsonlib.dumps(doc).encode(),
                                       {"Content-Type": "application/json"})
        assert status == 200
        assert jsonlib.loads(body)["partialSuccess"]["rejectedDataPoints"] == "1"
        s = series(store, "claude_code.token.usage", type="input", service="svc")
        assert s.sum == 350 and s.last == 250 and s.count == 2
        assert series(store, "queue.depth").last == 3.5
        assert pipeline.stats.rejected["invalid_data_point"] == 1
    finally:
        await server.close()
