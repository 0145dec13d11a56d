"""Plain-text numbers for every surface (tree rows, panes, CLI tables, headless, exports).

One place decides how a duration, a token count and a dollar amount look, so
the UI, the CLI and exports agree. Numbers the monitor estimated carry ``≈``;
a cost nobody could price shows ``$?`` (the detail view and ``costs`` say
why), a sum with unpriced calls in it ``$0.42+$?``, a sum with model calls
still running (their cost comes with their end) ``$0.42+…``, and JSON gives
``null`` with the ``unpriced`` count (``cost_json``) -- never a silent 0.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable

ESTIMATED_MARK = "≈"
#: What a sum shows for model calls in it that are still running: their cost is still to come.
RUNNING_COST = "…"


def fmt_duration(ns: int | float | None) -> str:
    """A short human duration: ``850ns``, ``12µs``, ``3.4ms``, ``1.23s``, ``2m05s``, ``1h02m``.

    Each unit to the figures it shows, and a time that rounds up to the next step takes it, as
    token counts do: 999.6 µs is ``1.0ms`` (not ``1000µs``), 9.996 s ``10.0s``, 59.97 s ``1m00s``."""
    if ns is None:
        return "-"
    ns = max(0, int(ns))
    if ns < 1_000:
        return f"{ns}ns"
    if ns < 999_500:
        us = ns / 1_000
        return f"{us:.1f}µs" if us < 9.95 else f"{us:.0f}µs"
    if ns < 999_500_000:
        ms = ns / 1_000_000
        return f"{ms:.1f}ms" if ms < 9.95 else f"{ms:.0f}ms"
    s = ns / 1_000_000_000
    if s < 9.995:
        return f"{s:.2f}s"
    if s < 59.95:
        return f"{s:.1f}s"
    total = max(60, int(s))  # (minutes and seconds read as a clock does, cut, from a whole minute on)
    if total < 3600:
        return f"{total // 60}m{total % 60:02d}s"
    if total < 86400:
        return f"{total // 3600}h{(total % 3600) // 60:02d}m"
    return f"{total // 86400}d{(total % 86400) // 3600:02d}h"


def fmt_span_time(ns: int | float | None, unfinished: int = 0) -> str:
    """Time spent in spans of which ``unfinished`` never ended, as a cost with unpriced calls
    reads: what the ended ones took, then ``+?`` (``?`` alone when none took any). An open
    span's time is not known: never a zero it did not take."""
    if not unfinished:
        return fmt_duration(ns)
    return f"{fmt_duration(ns)}+?" if ns else "?"


def fmt_tokens(n: int | float, estimated: bool = False) -> str:
    """Token counts in a narrow column: ``950``, ``1.2k``, ``14k``, ``3.4M``, each to the
    nearest (13,770 is ``14k``, as 2,170 is ``2.2k``; a count that rounds up to the next
    unit takes it: 999,600 is ``1.0M``); ``≈`` marks an estimate."""
    if estimated:
        return ESTIMATED_MARK + fmt_tokens(n)
    n = round(n)
    sign = "-" if n < 0 else ""
    n = abs(n)
    if n < 1000:
        return f"{sign}{n}"
    if n < 9_950:
        return f"{sign}{n / 1000:.1f}k"
    if n < 999_500:
        return f"{sign}{round(n / 1000)}k"
    if n < 9_950_000:
        return f"{sign}{n / 1_000_000:.1f}M"
    return f"{sign}{round(n / 1_000_000)}M"


def fmt_count(n: int | float, estimated: bool = False) -> str:
    """An exact count, digits grouped: ``1,138,125``; ``≈`` marks an estimate."""
    text = f"{int(n):,}"
    return ESTIMATED_MARK + text if estimated else text


def fmt_number(value: float, significant: int = 4) -> str:
    """A measured value (a metric, a rate): a whole number grouped (``1,234``);
    otherwise ``significant`` digits, grouped and never in exponent form from
    0.001 up (``12,346``, ``3.142``, ``0.0123``); below that, ``1.2e-05``."""
    if not math.isfinite(value):
        return str(value)
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    a = abs(value)
    if a >= 10 ** (significant - 1):
        return f"{value:,.0f}"
    if a >= 1e-3:
        return f"{value:,.{significant}g}"
    return f"{value:.{max(0, significant - 2)}e}"


# -- money ----------------------------------------------------------------------
#: What a cost nobody could price shows as: alone (nothing priced) or after
#: the priced part (``$0.42+$?``). Never ``$0``.
UNKNOWN_COST = "$?"
#: A sum whose only model calls are still running: nothing counted yet, more to come.
_NOTHING_YET = "$" + RUNNING_COST
#: Below this a summed cost is float residue (sums kept by adding and
#: subtracting), not money: shown as 0, never as ``-$0.0000``.
_EPSILON = 1e-9


def money_digits(usd: float | None) -> int:
    """Decimals that tell an amount apart: 4 below a cent; below a dime 3 when the
    third tells (two significant digits: a $0.013 call is not a $0.01 one, a $0.010
    one is); 2 below $100, else 0."""
    a = abs(usd) if usd is not None and math.isfinite(usd) else 0.0
    if a < _EPSILON:
        return 2
    if a < 0.01:
        return 4
    if a < 0.1:
        return 3 if round(a, 3) != round(a, 2) else 2
    if a < 100:
        return 2
    return 0


def column_digits(amounts: Iterable[float | None]) -> int:
    """One number of decimals for a whole column (the most any amount needs),
    so ``$0.0090`` and ``$0.0100`` line up instead of ``$0.0090`` over ``$0.01``."""
    digits = [money_digits(a) for a in amounts if a is not None and math.isfinite(a) and abs(a) >= _EPSILON]
    return max(digits, default=2)


def _usd(a: float, digits: int) -> str:
    """A non-negative amount at ``digits`` decimals; a non-zero amount too small
    for them says so rather than rounding to zero."""
    if a < _EPSILON:
        return "$0"
    if round(a, digits) == 0:
        return f"<${10 ** -digits:.{digits}f}"
    return f"${a:,.{digits}f}"


def fmt_cost(
    usd: float | None,
    estimated: bool = False,
    unpriced: int = 0,
    digits: int | None = None,
    width: int | None = None,
    running: int = 0,
) -> str:
    """A span's or a sum's cost, the one way every surface shows it.

    ``usd`` is the priced part; ``unpriced`` the LLM calls in the sum that
    have usage but no price: with any, the figure is not the whole cost and
    says so -- ``$?`` when nothing was priced, ``$0.42+$?`` otherwise.
    ``running``: model calls in the sum still running (their tokens, and so
    their cost, usually come with their end): ``$0.42+…``, ``$…`` when nothing
    is counted yet, not ``$0`` for a call that is spending (unpriced calls
    say more: with any, ``$?`` stands instead). ``estimated`` (tokens the
    monitor counted) prefixes ``≈``. ``digits`` fixes the decimals (a
    column's ``column_digits``); else by magnitude. A negative amount is a
    difference (``-$0.01``); one that rounds to zero is ``$0``, never
    ``-$0.0000``. ``width`` (a narrow list column): a text that would not fit
    drops the ``≈`` (the tokens beside it carry it), then the column's extra
    decimals, never a digit that matters, the ``$?`` or the ``…``.
    """
    if width is not None:
        text = fmt_cost(usd, estimated, unpriced, digits, running=running)
        if len(text) > width and estimated:
            text = fmt_cost(usd, False, unpriced, digits, running=running)
        if len(text) > width and digits is not None:
            text = fmt_cost(usd, False, unpriced, running=running)  # the column's decimals do not fit this amount
        return text
    if usd is None or not math.isfinite(usd):
        text = UNKNOWN_COST
    else:
        a = abs(usd)
        d = money_digits(usd) if digits is None else digits
        if digits is not None and a >= _EPSILON and round(a, digits) == 0:
            d = money_digits(usd)  # a column's decimals would hide this amount: show it by its own
        text = _usd(a, d)
        if usd < 0 and text != "$0" and not text.startswith("<"):
            text = "-" + text
        if unpriced:
            text = UNKNOWN_COST if a < _EPSILON else f"{text}+{UNKNOWN_COST}"
        elif running:
            text = _NOTHING_YET if a < _EPSILON else f"{text}+{RUNNING_COST}"
    return ESTIMATED_MARK + text if estimated and text != UNKNOWN_COST and text != _NOTHING_YET else text


#: A breakdown row's cost when the row counted nothing (``fmt_row_cost``).
NOTHING_COUNTED = "—"


def fmt_row_cost(usd: float | None, estimated: bool = False, unpriced: int = 0, digits: int | None = None, *,
                 tokens: int = 0, running: int = 0) -> str:
    """A breakdown row's cost (by model, provider, kind): ``fmt_cost``, or ``—`` for a row
    that counted nothing (no tokens, no cost, no call unpriced or running: spans with
    nothing to price, or a model whose calls have not ended), where ``$0`` would read as
    free what may be nothing yet."""
    if not (tokens or unpriced or running or usd is None or abs(usd) >= _EPSILON):
        return NOTHING_COUNTED
    return fmt_cost(usd, estimated, unpriced, digits, running=running)


def fmt_attributed(usd: float, calls: int, estimated: bool = False, digits: int | None = None,
                   width: int | None = None, unpriced: int = 0, waiting: int = 0) -> str:
    """A tool's share of the model calls that decided (or consumed) its calls: ``fmt_cost``,
    or ``—`` when none of its calls had such a model call (the model call wrapping VoltAgent's
    whole loop consumes no tool call it ran), where ``$0`` would read as a share that cost nothing.
    ``unpriced``/``waiting``: its calls whose share came from a model call with no price (``$?``)
    or from one still running with nothing counted (``$…``), as any sum of such calls reads."""
    if not calls:
        return NOTHING_COUNTED
    return fmt_cost(usd, estimated, unpriced, digits=digits, width=width, running=waiting)


def fmt_cost_delta(usd: float | None, digits: int | None = None, to_come: bool = False) -> str:
    """A difference of two costs: ``+$0.01``, ``-$0.0042``, ``$0`` when there is none
    (never ``+$0.0000``), ``$?`` when a side is unpriced. ``to_come``: ``usd`` is the
    difference of the priced parts and a side has model calls still running: ``+$0.01+…``."""
    if usd is None or not math.isfinite(usd):
        return UNKNOWN_COST
    if abs(usd) < _EPSILON:
        text = "$0"
    else:
        d = money_digits(usd) if digits is None else digits
        text = ("+" if usd > 0 else "-") + _usd(abs(usd), d)
    return f"{text}+{RUNNING_COST}" if to_come else text


def fmt_signed(value: int | float | None, fmt: Callable[[int | float], str] = str) -> str:
    """A difference as ``+3`` / ``-1.2s``, formatted by ``fmt``; ``0`` for none; ``?`` when a
    side is not known (a duration with unfinished spans in it)."""
    if value is None:
        return "?"
    if not value:
        return "0"
    return ("+" if value > 0 else "-") + fmt(abs(value))


def cost_json(usd: float | None, unpriced: int = 0, estimated: int | bool = 0,
              running: int | None = None) -> dict[str, object]:
    """The cost fields of a JSON row: ``cost`` is null unless every call was
    priced (never a silent 0); ``cost_priced`` is the part that was; plus the
    ``unpriced`` count and whether any tokens were ``estimated``. A row of a
    sum that can hold model calls still running (``running`` given) says how
    many (``calls_running``): with any, ``cost`` is null too, the whole is not
    known yet."""
    priced = 0.0 if usd is None or not math.isfinite(usd) or abs(usd) < _EPSILON else round(usd, 10)
    out: dict[str, object] = {
        "cost": None if unpriced or running or usd is None else priced,
        "cost_priced": priced,
        "unpriced": int(unpriced),
        "estimated": bool(estimated),
    }
    if running is not None:
        out["calls_running"] = int(running)
    return out


# -- words ------------------------------------------------------------------------
def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 session``, ``2 sessions``, ``1,204 errors`` (``many`` for irregular plurals)."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def fmt_time(ns: int | None) -> str:
    """Local wall-clock time of an epoch-ns timestamp; ``-`` when unknown."""
    if not ns:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ns / 1e9))
