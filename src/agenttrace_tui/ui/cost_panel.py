"""The cost panel: where the money and tokens go, for one session and for all.

Read straight from the store's incremental ``Totals`` (no span scans): cost
and tokens, breakdowns by model and provider as text bar charts with
eighth-block precision, by span kind, error rate, average LLM latency, and
the burn rate over the last five minutes from ``BurnMeter``.
"""

from __future__ import annotations

from rich.text import Text

from ..store.memory import SessionEntry, Store, Totals
from . import fmt
from .burn import ALL, BurnMeter
from .colors import style
from .text import clean
from .textview import TextView

_EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(fraction: float, width: int) -> str:
    """A bar ``fraction`` of ``width`` cells long, to an eighth of a cell."""
    fraction = max(0.0, min(1.0, fraction))
    eighths = round(fraction * width * 8)
    full, part = divmod(eighths, 8)
    out = "█" * full + (_EIGHTHS[part] if part else "")
    return out.ljust(width)


def _breakdown(app, totals: Totals, dimension: str, width: int, colour: str, limit: int = 6) -> list[Text]:
    rows = totals.breakdown(dimension)
    if not rows:
        return []
    by_cost = any(b.cost for _, b in rows)
    values = [b.cost if by_cost else b.tokens for _, b in rows]
    top = max(values) or 1
    label_w = max(6, min(18, max(len(k) for k, _ in rows[:limit])))
    val_w = 8
    bar_w = max(4, min(40, width - label_w - val_w - 4))
    out = []
    for (key, bucket), value in list(zip(rows, values))[:limit]:
        line = Text(no_wrap=True, overflow="ellipsis")
        label = clean(key, 64)
        if len(label) > label_w:
            label = label[: label_w - 1] + "…"
        line.append(" " + label.ljust(label_w) + " ")
        line.append(bar(value / top, bar_w), style=style(app, colour))
        shown = fmt.cost(bucket.cost) if by_cost else fmt.tokens(bucket.tokens)
        line.append(" " + shown.rjust(val_w))
        out.append(line)
    if len(rows) > limit:
        out.append(Text(f"  … {len(rows) - limit} more", style=style(app, "text-muted")))
    return out


def _by_kind(app, totals: Totals, width: int) -> list[Text]:
    rows = totals.breakdown("kind")
    rows.sort(key=lambda kv: (-kv[1].spans, kv[0]))
    out = []
    muted = style(app, "text-muted")
    for key, b in rows:
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(" " + clean(key, 32)[:14].ljust(14))
        line.append(f"{b.spans:>5}")
        line.append(f" {fmt.duration(b.duration_ns):>7}", style=muted)
        if b.cost:
            line.append(f" {fmt.cost(b.cost):>8}")
        if b.errors:
            line.append(f" {b.errors}✗", style=style(app, "error"))
        out.append(line)
    return out


def _summary(app, title: str, totals: Totals, rate: tuple[float, float] | None, width: int) -> list[Text]:
    muted = style(app, "text-muted")
    head = Text(no_wrap=True, overflow="ellipsis")
    head.append(f"{title}", style=style(app, "accent", bold=True))
    lines = [head]
    l1 = Text()
    l1.append(" cost   ", style=muted)
    l1.append(fmt.cost(totals.cost), style="bold")
    if totals.cost_unknown:
        l1.append(f"  +{totals.cost_unknown} unpriced", style=style(app, "warning"))
    lines.append(l1)
    l2 = Text()
    l2.append(" tokens ", style=muted)
    l2.append(fmt.tokens(totals.tokens), style="bold")
    l2.append("  in ", style=muted)
    l2.append(fmt.tokens(totals.input_tokens))
    l2.append(" out ", style=muted)
    l2.append(fmt.tokens(totals.output_tokens))
    l2.append(" cache ", style=muted)
    l2.append(fmt.tokens(totals.cache_read))
    if totals.reasoning:
        l2.append(" reason ", style=muted)
        l2.append(fmt.tokens(totals.reasoning))
    lines.append(l2)
    l3 = Text()
    l3.append(" errors ", style=muted)
    l3.append(f"{totals.errors}/{totals.spans} ({totals.error_rate:.1%})", style=style(app, "error") if totals.errors else "")
    l3.append("  llm avg ", style=muted)
    l3.append(fmt.duration(totals.avg_llm_ns) if totals.llm_finished else "—")
    lines.append(l3)
    l4 = Text()
    l4.append(" burn   ", style=muted)
    if rate is None:
        l4.append("— (collecting)", style=muted)
    else:
        l4.append(f"{fmt.cost(rate[0])}/min", style="bold")
        l4.append(f"  {fmt.tokens(rate[1])} tok/min", style="bold")
    lines.append(l4)
    return lines


def render_cost(app, store: Store, session: SessionEntry | None, burn: BurnMeter, now_ns: int, width: int) -> Text:
    parts: list[Text] = []
    sections: list[tuple[str, Totals, object]] = []
    if session is not None:
        sections.append((f"session {clean(session.session.label, 40)}", session.totals, session.id))
    sections.append((f"all sessions ({len(store.sessions)})", store.totals, ALL))
    muted = style(app, "text-muted")
    for title, totals, key in sections:
        parts.extend(_summary(app, title, totals, burn.rate(key, totals, now_ns), width))
        models = _breakdown(app, totals, "model", width, "primary")
        if models:
            parts.append(Text(" by model", style=muted))
            parts.extend(models)
        providers = _breakdown(app, totals, "provider", width, "secondary")
        if providers:
            parts.append(Text(" by provider", style=muted))
            parts.extend(providers)
        kinds = _by_kind(app, totals, width)
        if kinds:
            parts.append(Text(" by kind         spans    time     cost", style=muted, no_wrap=True, overflow="ellipsis"))
            parts.extend(kinds)
        parts.append(Text(""))
    return Text("\n").join(parts)


class CostPanel(TextView):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Cost"
        self._shown: tuple | None = None

    def show(self, app, store: Store, session: SessionEntry | None, burn: BurnMeter, now_ns: int, stamp: tuple) -> None:
        if stamp == self._shown:
            return
        self._shown = stamp
        self.set_text(render_cost(app, store, session, burn, now_ns, self.content_width))

    def invalidate(self) -> None:
        self._shown = None
