"""Time arguments: ISO and relative forms."""

from __future__ import annotations

import datetime as dt

import pytest

from agenttrace_tui.format.timeparse import TimeParseError, parse_duration, parse_time

S = 1_000_000_000
NOW = int(dt.datetime(2026, 11, 22, 15, 30, tzinfo=dt.UTC).timestamp()) * S


@pytest.mark.parametrize(
    "text, ago",
    [("90s", 90), ("30m", 1800), ("1h", 3600), ("2d", 172800), ("1w", 604800), ("1h30m", 5400), ("1.5h", 5400), ("2h ago", 7200)],
)
def test_relative(text, ago):
    assert parse_time(text, NOW) == NOW - ago * S


def test_now_today_yesterday():
    assert parse_time("now", NOW) == NOW
    today = parse_time("today", NOW)
    local = dt.datetime.fromtimestamp(NOW / 1e9)
    assert today == int(dt.datetime.combine(local.date(), dt.time()).timestamp()) * S
    assert today <= NOW < today + 86400 * S + 3600 * S
    assert 23 * 3600 * S <= today - parse_time("yesterday", NOW) <= 25 * 3600 * S


def test_iso_forms():
    assert parse_time("2026-11-21T14:05:00Z") == int(dt.datetime(2026, 11, 21, 14, 5, tzinfo=dt.UTC).timestamp()) * S
    assert parse_time("2026-11-21 14:05:00.250+01:00") == (
        int(dt.datetime(2026, 11, 21, 13, 5, tzinfo=dt.UTC).timestamp()) * S + 250_000_000
    )
    local = dt.datetime(2026, 11, 21).astimezone()
    assert parse_time("2026-11-21") == int(local.timestamp()) * S
    assert parse_time("1795000000000000000") == 1795000000000000000


@pytest.mark.parametrize("bad", ["", "soon", "1y", "h1", "2026-13-01", "-5m"])
def test_bad_forms_name_the_accepted_ones(bad):
    with pytest.raises(TimeParseError):
        parse_time(bad, NOW)


def test_duration():
    assert parse_duration("10s") == 10 * S
    with pytest.raises(TimeParseError):
        parse_duration("ten")
