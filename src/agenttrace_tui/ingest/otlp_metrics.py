"""OTLP metrics -> model.Metric: every data point kept as a metric series.

Gauges keep their latest value. Sums become counters whose running sum in
the store is the true total: cumulative sums are turned into deltas here
(a restarted series is recognised by its start time or a smaller value).
Histograms, exponential histograms and summaries become two counters,
``<name>.count`` and ``<name>.sum``. Labels are the point's attributes plus
``service`` from the resource.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import msgspec

from ..model import Metric, Update
from ..normalize import conventions as cv
from .otlp_decode import (
    CHUNK,
    Rejects,
    ResourceInfo,
    _iter_resource_items,
    _jget,
    jint,
    json_attrs,
    pb_attrs,
)
from .otlp_sessions import ServiceSessions

_TEMPORALITY = {"AGGREGATION_TEMPORALITY_DELTA": 1, "AGGREGATION_TEMPORALITY_CUMULATIVE": 2}


def metric_points(m: Any, json: bool) -> tuple[str, list[Any], str, int]:
    """(data kind, points, name, temporality) of one metric in either encoding."""
    if json:
        if not isinstance(m, dict):
            return "none", [], "", 0
        for kind in ("gauge", "sum", "histogram", "exponentialHistogram", "summary"):
            body = m.get(kind) or (m.get("exponential_histogram") if kind == "exponentialHistogram" else None)
            if isinstance(body, dict):
                pts = _jget(body, "dataPoints", "data_points") or []
                t = _jget(body, "aggregationTemporality", "aggregation_temporality") or 0
                if isinstance(t, str):
                    t = _TEMPORALITY.get(t, int(t) if t.isdigit() else 0)
                return kind, pts if isinstance(pts, list) else [], str(m.get("name", "")), t
        return "none", [], str(m.get("name", "")), 0
    kind = m.WhichOneof("data")
    if kind is None:
        return "none", [], m.name, 0
    body = getattr(m, kind)
    t = getattr(body, "aggregation_temporality", 0)
    return {"exponential_histogram": "exponentialHistogram"}.get(kind, kind), list(body.data_points), m.name, t


class MetricState:
    """Turns cumulative sums into deltas so every counter's running sum is its total."""

    MAX_SERIES = 50_000

    def __init__(self) -> None:
        self._last: OrderedDict[tuple[Any, ...], tuple[int, float]] = OrderedDict()

    def delta(self, key: tuple[Any, ...], start_ns: int, value: float) -> float:
        prev = self._last.get(key)
        self._last[key] = (start_ns, value)
        self._last.move_to_end(key)
        if len(self._last) > self.MAX_SERIES:
            self._last.popitem(last=False)
        if prev is None or prev[0] != start_ns or value < prev[1]:
            return value  # a new series, or the sender restarted it
        return value - prev[1]


def _labels(attrs: dict[str, Any], res: ResourceInfo) -> dict[str, str]:
    labels = {k: v if isinstance(v, str) else msgspec.json.encode(v).decode() for k, v in attrs.items()}
    if res.service and "service" not in labels:
        labels["service"] = res.service
    return labels


def _session_of(attrs: dict[str, Any], res: ResourceInfo, services: ServiceSessions | None = None) -> str:
    """The session a point belongs to: the one its resource pins (``agenttrace-tui run``),
    its own session.id (Claude Code puts it on every point), else the resource's, else
    the one its process's spans named while they named one (``ServiceSessions.log_session``:
    the AWS distro's baggage on every span, none on the points), else the one spans of that
    resource get."""
    if res.pinned_sid is not None:
        return res.pinned_sid
    if not cv.SESSION_KEY_SET.isdisjoint(attrs):
        for key in cv.SESSION_KEYS:
            v = attrs.get(key)
            if v not in (None, ""):
                return str(v)
    return res.explicit_sid or (services.log_session(res) if services is not None else None) or res.derived_sid


def convert_metrics(req: Any, json: bool, rejects: Rejects, state: MetricState,
                    services: ServiceSessions | None = None) -> Iterator[list[Update]]:
    """Every data point -> Metric; sums and histogram counts become counters. ``services``: the
    sessions the receiver's processes named (``otlp_sessions``)."""
    out: list[Update] = []
    for res, _scope, metrics in _iter_resource_items(req, json, "scopeMetrics", "metrics"):
        for m in metrics:
            kind, points, name, temporality = metric_points(m, json)
            if not name:
                rejects.add("invalid_metric", "metric without a name", max(1, len(points)))
                continue
            for p in points:
                try:
                    out.extend(_point(kind, name, temporality, p, json, res, state, services))
                except (TypeError, ValueError, AttributeError) as exc:
                    rejects.add("invalid_data_point", f"{name}: {exc}"[:200])
                    continue
                if len(out) >= CHUNK:
                    yield out
                    out = []
    if out:
        yield out


def _point(kind: str, name: str, temporality: int, p: Any, json: bool, res: ResourceInfo, state: MetricState,
           services: ServiceSessions | None = None) -> list[Metric]:
    if json:
        if not isinstance(p, dict):
            raise ValueError("data point is not an object")
        attrs = json_attrs(p.get("attributes"))
        t = jint(_jget(p, "timeUnixNano", "time_unix_nano") or 0)
        start = jint(_jget(p, "startTimeUnixNano", "start_time_unix_nano") or 0)
    else:
        attrs = pb_attrs(p.attributes)
        t = p.time_unix_nano
        start = p.start_time_unix_nano
    labels = _labels(attrs, res)
    sid = _session_of(attrs, res, services)
    if kind in ("gauge", "sum"):
        if json:
            if "asDouble" in p or "as_double" in p:
                value = float(_jget(p, "asDouble", "as_double"))
            elif "asInt" in p or "as_int" in p:
                value = float(jint(_jget(p, "asInt", "as_int")))
            else:
                raise ValueError("data point has no value")
        else:
            w = p.WhichOneof("value")
            if w is None:
                raise ValueError("data point has no value")
            value = float(getattr(p, w))
        if not math.isfinite(value):
            raise ValueError("value is not finite")
        if kind == "gauge":
            return [Metric(name=name, value=value, labels=labels, time_ns=t, kind="gauge", session_id=sid)]
        if temporality == 2:
            value = state.delta((name, tuple(sorted(labels.items()))), start, value)
        return [Metric(name=name, value=value, labels=labels, time_ns=t, kind="counter", session_id=sid)]
    if kind in ("histogram", "exponentialHistogram", "summary"):
        count = float(jint(p.get("count", 0)) if json else p.count)
        total = float(p.get("sum", 0.0) if json else p.sum)
        if not math.isfinite(total):
            raise ValueError("sum is not finite")
        if temporality == 2 or kind == "summary":
            key = tuple(sorted(labels.items()))
            count = state.delta((name + ".count", key), start, count)
            total = state.delta((name + ".sum", key), start, total)
        return [
            Metric(name=name + ".count", value=count, labels=labels, time_ns=t, kind="counter", session_id=sid),
            Metric(name=name + ".sum", value=total, labels=labels, time_ns=t, kind="counter", session_id=sid),
        ]
    raise ValueError(f"unsupported metric type {kind}")


def count_items(signal: str, req: Any, json: bool) -> int:
    """How many spans / log records / data points a parsed request holds.

    Here rather than in otlp_decode (which the metrics decoder builds on) so that
    counting data points does not make the two modules import each other.
    """
    scope_field, item_field = {"traces": ("scopeSpans", "spans"), "logs": ("scopeLogs", "logRecords"),
                               "metrics": ("scopeMetrics", "metrics")}[signal]
    n = 0
    for _res, _scope, items in _iter_resource_items(req, json, scope_field, item_field):
        if signal != "metrics":
            n += len(items)
        else:
            for m in items:
                n += len(metric_points(m, json)[1])
    return n

