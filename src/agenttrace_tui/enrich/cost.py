"""Cost of one span: reported wins, else computed from usage, else unknown with a reason.

``SpanCoster.finish(span)`` runs on the *merged* span inside the store (after a
span_end has been folded into its span_start), so a model named at the start
and usage reported at the end still price together. It also fills estimated
usage from the prompt/response previews when no usage was reported.
"""

from __future__ import annotations

from ..format.cost import ANSWERED
from ..model import Cost, Span, SpanKind, Status, TokenUsage
from ..normalize.conventions import GEMINI_FEE_TOOLS, THINKING_BESIDE_OUTPUT, answered_model, asks_builtin_tool
from ..normalize.limits import TOKENS_OUT_OF_RANGE
from .prices import PriceBook
from .tokens import TokenEstimator


def anthropic_usage(
    input_tokens: int,
    output_tokens: int,
    cache_read_input_tokens: int = 0,
    cache_creation_input_tokens: int = 0,
) -> TokenUsage:
    """Anthropic's usage numbers -> our convention (cache tokens inside input).

    Anthropic reports ``input_tokens`` *beside* the cache counts; we (like
    OpenTelemetry GenAI and genai-prices) count them inside. Receivers and SDK
    wrappers that read Anthropic responses call this.
    """
    inp = input_tokens + cache_read_input_tokens + cache_creation_input_tokens
    return TokenUsage(
        input=inp,
        output=output_tokens,
        total=inp + output_tokens,
        cache_read=cache_read_input_tokens,
        cache_write=cache_creation_input_tokens,
    )


def fix_cache_convention(usage: TokenUsage) -> bool:
    """Repair usage that plainly followed Anthropic's convention; True if changed.

    Under our convention cache reads + writes can never exceed input; when
    they do, the sender reported them beside input, so they are added in.
    (When they do not, the two conventions cannot be told apart: senders must
    convert, see ``anthropic_usage``.)
    """
    cached = usage.cache_read + usage.cache_write
    if cached > usage.input:
        usage.input += cached
        usage.total = max(usage.total, usage.input + usage.output) if usage.total else usage.input + usage.output
        return True
    return False


# Enum members as module constants: ``SpanKind.X`` / ``Status.X`` on the class
# cost ~0.2 µs a read on Python 3.11 (EnumType attribute lookup); ``finish`` runs on every stored span.
_LLM = SpanKind.LLM_CALL
_ERROR = Status.ERROR
#: Why a model call that ended without reporting tokens has no cost.
NO_TOKENS = "no tokens reported"
#: What a Gemini call's price by tokens leaves out when it asked for a tool Google bills a fee
#: for (``GEMINI_FEE_TOOLS``): the spans never say whether the fee applied (a free tier, a
#: prompt the model answered without searching), so it is named, not guessed.
FEE_LEFT_OUT = "computed from tokens; Google's grounding fee not included"
#: Why a model call the monitor never saw end has no cost (``unended_unpriced``).
NO_END = "no end came before the monitor stopped"


def unended_unpriced(span: Span) -> None:
    """A model call still open when the monitor stops, with no tokens: its cost is
    unknown (``$?`` with the reason), not the ``$0`` an open call adds to sums while it
    runs. A later report of it (its end, its usage) replaces this as any report does."""
    if span.kind is _LLM and span.end_ns is None and span.usage is None and span.cost is None:
        span.cost = Cost(total=None, source="unknown", reason=NO_END)


class SpanCoster:
    """Fills ``span.cost`` (and estimated ``span.usage``) on llm spans, in place."""

    #: Most spans remembered as counted by characters (a bound on memory: the
    #: vocabularies take about a second to build, so few spans ever wait).
    MAX_ROUGH = 100_000

    def __init__(self, book: PriceBook | None = None, estimator: TokenEstimator | None = None) -> None:
        self.book = book or PriceBook()
        self.estimator = estimator or TokenEstimator()
        self.fixed_conventions = 0
        #: (trace_id, span_id) -> model of spans whose tokens were counted by
        #: characters while their vocabulary was being built: counted again once it is.
        self.rough: dict[tuple[str, str], str | None] = {}

    def take_rough(self) -> list[tuple[str, str]]:
        """Spans counted by characters whose vocabulary is ready now (and forgotten here)."""
        if not self.rough:
            return []
        pending = self.estimator.pending
        ready = [k for k, model in self.rough.items() if not pending(model)]
        for k in ready:
            del self.rough[k]
        return ready

    def finish_end(self, span: Span) -> None:
        """``finish`` for a span a bare end closed: the stored span with only its end
        time and status set (its start as it was). A price with its tokens stays:
        nothing it was computed from (model, provider, start, tokens) changed --
        except tokens estimated for a call that failed, which a failed call did not
        use. Anything else is finished again: an open call with no tokens is
        unpriced once it ends, and one with no tokens but its text (whatever its
        cost) has them counted now that it has ended."""
        if span.llm is None and span.kind is not _LLM:
            return  # (as in finish: no model call, nothing to price)
        c = span.cost
        u = span.usage
        if c is not None and c.total is not None and u is not None and not (span.status is _ERROR and u.estimated):
            return
        self.finish(span)

    def finish(self, span: Span) -> None:
        llm = span.llm
        if llm is None and span.kind is not _LLM:
            return
        usage = span.usage
        if ((c := span.cost) is None and usage is not None and not usage.estimated and span.status is not _ERROR
                and usage.scope == "span" and llm is not None and (model := llm.model)):
            # The common span first: a model call naming its model, with tokens of its own it
            # reported, that did not fail and has no cost yet. The general path below makes the
            # same tests for it one by one and comes to the same steps (the convention's repair,
            # then the price), in more of them (~170 instructions a priced span, bench_stream_ir).
            # Keep the two in step. (Its cost read first: the general path takes it from here.)
            if usage.cache_read + usage.cache_write > usage.input and fix_cache_convention(usage):
                self.fixed_conventions += 1
        else:
            # Only an llm call's own text is estimated: an agent span's previews
            # cover its children, whose tokens are counted already.
            if usage is not None and span.status is _ERROR and (usage.estimated or (span.kind is _LLM and not (
                    usage.input or usage.output or usage.total or usage.cache_read or usage.cache_write or usage.reasoning))):
                # A call that failed produced nothing to count: nor are the zeros a sender puts on it
                # (PraisonAI's observability suite sends 0 input and 0 output for a refused call) a count.
                usage = span.usage = None
            # Only a finished call's text is counted: a failed call (the provider
            # answered with an error) has no tokens, and no text means no estimate.
            # Nor a running call's: its end usually brings the tokens (our SDK's,
            # OpenTelemetry's), and counting its prompt before would make an agent
            # that reports usage pay for a vocabulary (~0.5 s, 30-55 MB) and a count
            # it never needed.
            if (
                (usage is None or usage.estimated)
                and llm is not None
                and span.kind is _LLM
                and span.status is not _ERROR
                and span.end_ns is not None
                and (llm.prompt_preview or llm.response_preview)
            ):
                key = (span.trace_id, span.span_id)
                if self.estimator.pending(llm.model):
                    if len(self.rough) >= self.MAX_ROUGH:
                        del self.rough[next(iter(self.rough))]
                    self.rough[key] = llm.model
                elif self.rough:
                    self.rough.pop(key, None)
                usage = span.usage = self.estimator.estimate(llm.model, llm.prompt_preview, llm.response_preview)
            if usage is not None and usage.cache_read + usage.cache_write > usage.input and fix_cache_convention(usage):
                self.fixed_conventions += 1
            # (``c``: the cost read above; nothing here has changed it.)
            if c is not None and c.source == "reported":
                if c.total or usage is None or not (usage.input or usage.output):
                    return
                # A sender's $0 for a call that used tokens is no price (OpenLIT reports 0 for a
                # model its own price list lacks, as offline): priced here as any call, or
                # unpriced with why -- never a $0 nobody charged or knew.
                span.cost = c = None
            if usage is None:
                if c is not None and c.reason == TOKENS_OUT_OF_RANGE:
                    return  # tokens came, out of range (the door dropped them): unknown, and it says so
                # A model call that ended, did not fail and reported no tokens (none to estimate
                # either) cost something nobody knows: unpriced, never $0. While it runs its
                # tokens may still come; a failed call (the provider refused it) used none.
                if span.kind is _LLM and span.end_ns is not None and span.status is not _ERROR:
                    span.cost = Cost(total=None, source="unknown", reason=NO_TOKENS)
                elif not (span.end_ns is None and c is not None and c.reason == NO_END):  # (that one stays)
                    span.cost = None
                return
            if usage.scope != "span":
                span.cost = None
                return
            model = llm.model if llm is not None else None
            if not model:
                span.cost = Cost(total=None, source="unknown", reason="no model named")
                return
        cost = self.book.price(llm.provider, model, span.start_ns, usage)  # type: ignore[union-attr]
        if cost.total is None:
            # The name asked for may be the caller's own (an Azure deployment): the model that
            # answered, priced, is what the call cost -- its price named, as another's is.
            answered = answered_model(span.attributes, model)
            if answered:
                by_answer = self.book.price(llm.provider, answered, span.start_ns, usage)  # type: ignore[union-attr]
                if by_answer.total is not None:
                    by_answer.priced_as = (by_answer.priced_as or f"{llm.provider or '?'}/{answered}") + ANSWERED  # type: ignore[union-attr]
                    cost = by_answer
        elif llm.provider in THINKING_BESIDE_OUTPUT and asks_builtin_tool(span.attributes, GEMINI_FEE_TOOLS):  # type: ignore[union-attr,operator]
            cost.reason = FEE_LEFT_OUT
        span.cost = cost
