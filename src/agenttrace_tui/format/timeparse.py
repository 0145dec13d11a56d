"""Time arguments of the history commands -> nanoseconds since the epoch.

Accepted forms (``--since``, ``--until``, ``--before``):

* relative, meaning "that long ago": ``90s``, ``30m``, ``1h``, ``2d``, ``1w``
  (a duration as ``parse_duration`` reads it, with at least one unit);
* ``now``, ``today`` (local midnight), ``yesterday`` (the midnight before);
* ISO 8601 dates and times: ``2026-11-21``, ``2026-11-21T14:05``,
  ``2026-11-21 14:05:00+01:00``, ``...Z``; without an offset they are local time;
* a bare integer of 16 or more digits is taken as nanoseconds already.

Pure: ``now_ns`` can be given so tests do not depend on the clock.
"""

from __future__ import annotations

import datetime as _dt
import re
import time

__all__ = ["parse_time", "TimeParseError", "parse_duration"]

#: The one duration grammar (the ``dur>2s`` filter, ``--since 30m``, ``costs
#: --since 7d``): parts of a number and a unit, ``1h30m``, ``1.5m``, ``250ms``.
_UNIT_NS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "μs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "sec": 1_000_000_000,
    "m": 60 * 1_000_000_000,
    "min": 60 * 1_000_000_000,
    "h": 3600 * 1_000_000_000,
    "d": 86400 * 1_000_000_000,
    "w": 7 * 86400 * 1_000_000_000,
}
_NUM = r"(?:\d+(?:\.\d*)?|\.\d+)"
_PART = re.compile(rf"({_NUM})\s*([a-zµμ]*)", re.IGNORECASE)
_DURATION = re.compile(rf"^\s*(?:{_NUM}\s*[a-zµμ]*\s*)+$", re.IGNORECASE)
_RELATIVE = re.compile(rf"^(?:{_NUM}\s*[a-zµμ]+\s*)+(?:ago)?$", re.IGNORECASE)


class TimeParseError(ValueError):
    """A time argument in none of the accepted forms."""


def parse_duration(text: str) -> int:
    """``"2s"``, ``"100ms"``, ``"1.5m"``, ``"1h30m"``, ``"2d"`` -> nanoseconds.

    Units ns, us/µs, ms, s, m/min, h, d, w; a bare number is seconds. Raises
    TimeParseError (a ValueError) naming what is accepted.
    """
    s = text.strip().lower()
    if not s or not _DURATION.match(s):
        raise TimeParseError(f"not a duration: {text!r} (use e.g. 250ms, 2s, 1.5m, 1h30m, 2d, 1w)")
    total = 0.0
    for number, unit in _PART.findall(s):
        factor = _UNIT_NS.get(unit or "s")
        if factor is None:
            raise TimeParseError(f"unknown duration unit {unit!r} in {text!r} (ns, us, ms, s, m, h, d, w)")
        total += float(number) * factor
    return int(total)


def _local_midnight(now_ns: int, days_back: int) -> int:
    day = _dt.datetime.fromtimestamp(now_ns / 1e9).date() - _dt.timedelta(days=days_back)
    return int(_dt.datetime.combine(day, _dt.time()).timestamp()) * 1_000_000_000


def parse_time(text: str, now_ns: int | None = None) -> int:
    """A time argument -> ns since the epoch. Raises TimeParseError with the accepted forms."""
    now = time.time_ns() if now_ns is None else now_ns
    s = str(text).strip()
    low = s.lower()
    if not s:
        raise TimeParseError("empty time")
    if low == "now":
        return now
    if low == "today":
        return _local_midnight(now, 0)
    if low == "yesterday":
        return _local_midnight(now, 1)
    if _RELATIVE.match(low):
        return now - parse_duration(low.removesuffix("ago"))
    if s.isdigit() and len(s) >= 16:
        return int(s)
    iso = s[:-1] + "+00:00" if s.endswith(("Z", "z")) else s
    try:
        dt = _dt.datetime.fromisoformat(iso)
    except ValueError:
        raise TimeParseError(
            f"not a time: {text!r} (use ISO like 2026-11-21T14:05, or relative like 30m, 1h, 2d, today, yesterday)"
        ) from None
    if dt.tzinfo is None:
        dt = dt.astimezone()  # local time, as a user typing a date means
    return int(dt.timestamp()) * 1_000_000_000 + dt.microsecond * 1000
