"""Metric series for people: known agent metrics in words, rates, sparklines.

Shared by the metrics screen and ``agenttrace-tui metrics``: one place that
knows Claude Code's, the Continue CLI's and Codex's metric names and which label tells the series
apart (token type, lines added or removed), how a rate is taken from recent
samples, and how samples become a fixed-width sparkline. No I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..format.numbers import fmt_cost, fmt_number

#: name -> (words, unit, the label whose value completes the words).
KNOWN: dict[str, tuple[str, str, str | None]] = {
    # Claude Code (its monitoring docs; every point also carries session.id, model, ...)
    # A resumed conversation (`claude --resume`) starts the CLI again under the same session.id:
    # counted once more, its start_type "resume".
    "claude_code.session.count": ("sessions started", "", "start_type"),
    "claude_code.cost.usage": ("cost", "USD", None),
    "claude_code.token.usage": ("tokens", "tokens", "type"),
    "claude_code.lines_of_code.count": ("lines", "lines", "type"),
    "claude_code.commit.count": ("commits", "", None),
    "claude_code.pull_request.count": ("pull requests", "", None),
    "claude_code.active_time.total": ("active time", "s", "type"),
    "claude_code.code_edit_tool.decision": ("edit tool decisions", "", "decision"),
    # Continue CLI (`cn`): Claude Code's counters under its own names, the same token types
    "continue_cli_session_count": ("sessions started", "", None),
    "continue_cli_cost_usage": ("cost", "USD", None),
    "continue_cli_token_usage": ("tokens", "tokens", "type"),
    "continue_cli_lines_of_code_count": ("lines", "lines", "type"),
    "continue_cli_commit_count": ("commits", "", None),
    "continue_cli_pull_request_count": ("pull requests", "", None),
    "continue_cli_active_time_total": ("active time", "s", None),
    "continue_cli_code_edit_tool_decision": ("edit tool decisions", "", "decision"),
    "continue_cli_slash_command_usage": ("slash commands", "", "command"),
    "continue_cli_startup_time.sum": ("startup time", "ms", None),
    "continue_cli_startup_time.count": ("starts timed", "", None),
    "continue_cli_response_time.sum": ("model response time", "ms", "metric_type"),
    "continue_cli_response_time.count": ("model responses timed", "", "metric_type"),
    # Codex (codex-otel metric names)
    "codex.api_request": ("API requests", "", None),
    "codex.api_request.duration_ms.count": ("API requests timed", "", None),
    "codex.api_request.duration_ms.sum": ("API request time", "ms", None),
    "codex.sse_event": ("stream events", "", None),
    "codex.tool.call": ("tool calls", "", "tool"),
    "codex.tool.call.duration_ms.count": ("tool calls timed", "", "tool"),
    "codex.tool.call.duration_ms.sum": ("tool call time", "ms", "tool"),
    "codex.websocket.request": ("websocket requests", "", None),
    "codex.websocket.event": ("websocket events", "", None),
    "codex.turn.e2e_duration_ms.sum": ("turn time", "ms", None),
    "codex.turn.e2e_duration_ms.count": ("turns", "", None),
}

#: Label values in words (token types as Claude Code names them).
VALUE_WORDS = {
    "cacheRead": "cache read",
    "cacheCreation": "cache write",
    "time_to_first_token": "first token",
    "total_response_time": "whole answer",
    "added": "added",
    "removed": "removed",
    "cli": "CLI",
    "fresh": "new",
    "resume": "resumed",
    "user": "user",
}

#: Labels that say where a sample came from rather than what it counts: left
#: out of the short label text (they stay in the JSON and the detail).
NOISE_LABELS = frozenset({
    "session.id", "user.account_uuid", "user.id", "user.email", "organization.id", "terminal.type",
    "app.version", "service", "service.name", "service.version", "os.type", "os.version", "host.arch",
    "conversation.id", "auth_mode", "originator", "slug", "surface",
})

SPARK = "▁▂▃▄▅▆▇█"
#: Seconds of samples a rate is taken over.
RATE_WINDOW_S = 60.0


def describe(name: str, labels: dict[str, str]) -> str | None:
    """Known metrics in words ("tokens: cache read"), None for others."""
    known = KNOWN.get(name)
    if known is None:
        return None
    words, unit, key = known
    if key is not None and labels.get(key):
        v = labels[key]
        words = f"{words}: {VALUE_WORDS.get(v, v)}"
    return f"{words} ({unit})" if unit and unit not in ("tokens", "lines") else words


def fmt_value(name: str, value: float) -> str:
    """A series' value as the UI and the CLI show it: money for a cost counter, else a grouped number."""
    known = KNOWN.get(name)
    if known is not None and known[1] == "USD":
        return fmt_cost(value)
    return fmt_number(value)


def short_labels(labels: dict[str, str], limit: int = 80) -> str:
    """key=value pairs that tell series apart, noise left out, cut to ``limit``."""
    parts = [f"{k}={v}" for k, v in sorted(labels.items()) if k not in NOISE_LABELS]
    text = " ".join(parts)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def rate_per_s(points: Sequence[tuple[int, float]], kind: str, window_s: float = RATE_WINDOW_S) -> float | None:
    """Increase per second over the samples of the last ``window_s`` (counters only).

    A counter's samples are increments (the store keeps deltas): the rate is
    what was added after the window's first sample over the time since it.
    Gauges have no rate; fewer than two samples in the window give None.
    """
    if kind != "counter" or len(points) < 2:
        return None
    last_t = points[-1][0]
    start = last_t - int(window_s * 1e9)
    window = [p for p in points if p[0] >= start]
    if len(window) < 2:
        return None
    dt = (window[-1][0] - window[0][0]) / 1e9
    if dt <= 0:
        return None
    return sum(v for _t, v in window[1:]) / dt


def sparkline(values: Iterable[float], width: int = 16) -> str:
    """The last ``width`` values as block characters, scaled to their own range."""
    vals = list(values)[-width:]
    if not vals:
        return ""
    lo, hi = min(vals), max(vals)
    if hi == lo:
        return SPARK[len(SPARK) // 2 if hi else 0] * len(vals)
    step = (hi - lo) / (len(SPARK) - 1)
    return "".join(SPARK[round((v - lo) / step)] for v in vals)


def series_values(points: Sequence[tuple[int, float]], kind: str) -> list[float]:
    """What a sparkline shows: a counter's running total, a gauge's values."""
    if kind != "counter":
        return [v for _t, v in points]
    out, total = [], 0.0
    for _t, v in points:
        total += v
        out.append(total)
    return out


def value_of(kind: str, last: float, total: float) -> float:
    """The one number a series shows: a counter's total, a gauge's latest value."""
    return total if kind == "counter" else last


def row_dict(name: str, labels: dict[str, str], kind: str, last: float, total: float, count: int, time_ns: int,
             points: Sequence[tuple[int, float]]) -> dict[str, Any]:
    """One series as the CLI's JSON shows it."""
    return {
        "name": name,
        "description": describe(name, labels),
        "labels": labels,
        "kind": kind,
        "value": value_of(kind, last, total),
        "last": last,
        "sum": total,
        "count": count,
        "time_ns": time_ns,
        "rate_per_s": rate_per_s(points, kind),
    }
