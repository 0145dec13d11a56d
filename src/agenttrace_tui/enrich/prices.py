"""Per-token prices: genai-prices' bundled data, resolved once, applied cheaply.

genai-prices (maintained, offline data) knows which model a name refers to and
what it cost on a given day. Asking it per span costs about 0.1 ms, and
importing it about 0.25 s, so this module imports it on first use and caches,
per (provider, model), the *resolved* per-token rates; pricing a span is then a
dict lookup and a handful of multiplications (tests check the result equals
genai-prices' own ``calc_price``).

Token convention (model.py): ``TokenUsage.input`` counts all prompt tokens,
cache reads and writes included -- the same convention genai-prices uses, so
usage maps straight onto its ``input_tokens`` / ``cache_read_tokens`` /
``cache_write_tokens``. Arithmetic mirrors genai-prices' leaf decomposition:
cached tokens are taken out of the input count only when the model has a
price for them (otherwise they are billed as plain input); reasoning tokens
likewise out of output; a tiered price applies its tier to every token once
the prompt (total input) passes the tier's start; a per-request price adds once.

A user price file (TOML) overrides the bundled data::

    [ollama."llama3.1"]        # provider, then model; "*" matches any model
    input = 0                  # USD per million tokens
    output = 0
    cache_read = 0             # optional; absent = billed as input
    cache_write = 0            # optional; absent = billed as input
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import msgspec

from ..model import Cost, TokenUsage
from ..normalize.conventions import provider_name

#: OpenTelemetry ``gen_ai.system`` / ``gen_ai.provider.name`` spellings that
#: genai-prices' own provider matching does not recognise.
PROVIDER_ALIASES = {
    "x_ai": "x-ai",
    "fireworks_ai": "fireworks",
    "azure.ai.inference": "azure",
    "az.ai.inference": "azure",
    # The Vercel AI SDK's provider names (``ai.model.provider`` is ``<name>.<api>``: ``provider_ids``).
    "togetherai": "together",
    "xai": "x-ai",
    "amazon-bedrock": "aws",
    # Azure OpenAI (the new name, then the old gen_ai.system one): genai-prices takes these for
    # OpenAI's list, which lacks the models only Azure serves (phi-4).
    "azure.ai.openai": "azure",
    "az.ai.openai": "azure",
    # The conventions' name for any Google generative AI endpoint (Gemini CLI sends it); genai-prices
    # knows the specific ones (gcp.vertex_ai, gcp.gemini) by "vertex" and "gemini" in them, not this.
    "gcp.gen_ai": "google",
}


def provider_ids(provider: str) -> list[str]:
    """genai-prices provider ids to try for a provider as a client names it (lower-cased):
    its alias or itself, then, for a name of the Vercel AI SDK's shape ``<provider>.<api>``
    (``groq.chat``, ``togetherai.chat``, ``openai.responses``), the provider before the dot:
    genai-prices matches some such names itself, not all (``groq.chat`` named no provider, and
    its calls read ``$?``)."""
    first = PROVIDER_ALIASES.get(provider, provider)
    head = provider.partition(".")[0]
    if not head or head == provider:
        return [first]
    second = PROVIDER_ALIASES.get(head, head)
    return [first] if second == first else [first, second]

#: The shape of an Amazon Bedrock model id: the geography of a cross-region inference profile
#: (``us.``, ``eu.``, ``apac.``, ``global.`` ...) or none, then the model's vendor and the model
#: (``us.anthropic.claude-sonnet-4-20250514-v1:0``, ``amazon.nova-pro-v1:0``). genai-prices knows
#: these ids under its AWS Bedrock provider only: by the name alone it looks in the list of the
#: provider the name contains (Anthropic's, which has no ``us.anthropic.…`` id) and finds nothing.
#: The vendor must be one Bedrock serves: any dotted name (``qwen2.5-72b``, ``llama3.1:8b``) is
#: not a Bedrock id, and must not be priced as one.
_BEDROCK_ID = re.compile(
    r"(?:(?:us|eu|apac|jp|au|ca|us-gov|global|regional)\.)?"
    r"(?:amazon|anthropic|ai21|cohere|deepseek|google|luma|meta|minimax|mistral|moonshotai|nvidia|openai|qwen|"
    r"stability|twelvelabs|writer|zai)\.[a-z0-9]")
#: genai-prices' id of the AWS Bedrock provider.
_BEDROCK_PROVIDER = "aws"

#: Runtimes that run the model on the user's own machine, by the ``gen_ai.system`` their
#: instrumentations send (lower-cased): OpenLLMetry's Ollama instrumentation sends "Ollama",
#: OpenLIT's "ollama", "gpt4all" (the GPT4All library) and "vLLM" (vLLM's in-process engine,
#: ``vllm.LLM.generate``). A call to one has no API charge: it costs $0, saying so, unless a
#: price applies (see ``PriceBook``).
#: LiteLLM names the runtime as the model's prefix instead (``ollama/llama3.1``,
#: ``ollama_chat/…``, ``lm_studio/…``, ``llamafile/…``, ``hosted_vllm/…``: a vLLM server of yours).
LOCAL_RUNTIMES = frozenset({"ollama", "gpt4all", "vllm", "ollama_chat", "lm_studio", "llamafile", "hosted_vllm"})
#: Model tags Ollama gives the models it runs in its cloud (``gpt-oss:120b-cloud``,
#: ``gemma4:cloud``): paid, so not local whatever the runtime says.
_CLOUD_TAGS = (":cloud", "-cloud")

_NS_PER_DAY = 86_400 * 1_000_000_000
_NS_PER_MIN = 60 * 1_000_000_000
#: Bound on cached (model, time bucket) rate entries; cleared when exceeded.
_MAX_TIMED = 4096


class Rates(msgspec.Struct, frozen=True, gc=False):
    """USD per token for the units we count; ``None`` = no separate price.

    A Struct, not a NamedTuple: pricing a call reads a dozen of its fields, and
    a Struct's are slots the interpreter reads directly (a NamedTuple's go
    through a descriptor call each).
    """

    input: float
    output: float
    cache_read: float | None = None
    cache_write: float | None = None
    reasoning: float | None = None
    per_request: float = 0.0
    #: Tiers as (start, rates) ascending; rates apply to all tokens once the
    #: prompt (total input tokens) exceeds ``start``.
    tiers: tuple = ()


class Unknown(NamedTuple):
    """No usable price, and why (shown to the user, never a silent $0)."""

    reason: str


class NoCharge(NamedTuple):
    """A call nobody bills (a local model): $0, and why (shown to the user, never a silent $0)."""

    reason: str


def local_reason(provider: str) -> str:
    """Why a local runtime's call costs $0, as the detail view and exports say it."""
    return f"a local model ({provider}): no API charge"


def compute(rates: Rates, input_tokens: int, output_tokens: int, cache_read: int = 0, cache_write: int = 0, reasoning: int = 0) -> tuple[float, float, float]:
    """(total, input, output) USD for one call; ``input_tokens`` includes cache tokens."""
    r = rates
    # Most prompts pass no tier's start: the first is tested before a loop is set up (a loop
    # that breaks at once cost some 600 instructions a call, a sixth of pricing one).
    if (tiers := rates.tiers) and input_tokens > tiers[0][0]:
        for start, tier in tiers:  # (ascending: the last one the prompt passes applies)
            if input_tokens <= start:
                break
            r = tier
    plain_in = input_tokens
    cost_in = 0.0
    # Each price times its tokens, the float first: a float times an int gives the same number
    # either way round, and the float's multiply takes it at once (an int's tries and declines).
    p: float | None
    if cache_read and (p := r.cache_read) is not None:
        plain_in -= cache_read
        cost_in += p * cache_read
    if cache_write and (p := r.cache_write) is not None:
        plain_in -= cache_write
        cost_in += p * cache_write
    if plain_in < 0:
        raise ValueError(f"cache tokens ({cache_read + cache_write}) exceed input tokens ({input_tokens})")
    cost_in += r.input * plain_in
    plain_out = output_tokens
    cost_out = 0.0
    if reasoning and (p := r.reasoning) is not None and reasoning <= output_tokens:
        plain_out -= reasoning
        cost_out += p * reasoning
    cost_out += r.output * plain_out
    return cost_in + cost_out + r.per_request, cost_in, cost_out


# -- genai-prices -> Rates -------------------------------------------------------

_PRICE_KEYS = {
    "input_mtok": "input",
    "output_mtok": "output",
    "cache_read_mtok": "cache_read",
    "cache_write_mtok": "cache_write",
    "output_reasoning_mtok": "reasoning",
}


def _rates_from_model_price(mp: Any) -> Rates:
    """Per-token Rates from a genai-prices ModelPrice (tiers expanded)."""
    from genai_prices.types import TieredPrices

    values: dict[str, Any] = {}
    for key, field in _PRICE_KEYS.items():
        v = getattr(mp, key, None)
        if v is not None:
            values[field] = v
    req = getattr(mp, "requests_kcount", None)
    per_request = float(req) / 1000 if req is not None else 0.0

    def at(tier_index: int | None) -> Rates:
        kw: dict[str, Any] = {}
        for field, v in values.items():
            if isinstance(v, TieredPrices):
                price = v.base
                if tier_index is not None:
                    # Each unit's own tier list; the highest tier at or below this start applies.
                    for t in v.tiers:
                        if t.start <= starts[tier_index]:
                            price = t.price
            else:
                price = v
            kw[field] = float(price) / 1_000_000
        kw.setdefault("input", 0.0)
        kw.setdefault("output", 0.0)
        return Rates(per_request=per_request, **kw)

    starts = sorted({t.start for v in values.values() if isinstance(v, TieredPrices) for t in v.tiers})
    base = at(None)
    if not starts:
        return base
    tiers = tuple((s, at(i)) for i, s in enumerate(starts))
    return Rates(
        input=base.input,
        output=base.output,
        cache_read=base.cache_read,
        cache_write=base.cache_write,
        reasoning=base.reasoning,
        per_request=base.per_request,
        tiers=tiers,
    )


class _Model:
    """A resolved genai-prices model: fixed rates, or rates by day / minute."""

    __slots__ = ("info", "fixed", "by_minute", "timed")

    def __init__(self, info: Any) -> None:
        from genai_prices.types import ModelPrice, TimeOfDateConstraint

        self.info = info
        self.fixed: Rates | None = None
        self.by_minute = False
        self.timed: dict[int, Rates] = {}
        if isinstance(info.prices, ModelPrice):
            self.fixed = _rates_from_model_price(info.prices)
        else:
            # Start dates change prices per UTC day; time-of-day windows (off-peak) per minute.
            self.by_minute = any(isinstance(c.constraint, TimeOfDateConstraint) for c in info.prices)

    def rates_at(self, start_ns: int) -> Rates:
        if self.fixed is not None:
            return self.fixed
        bucket = start_ns // (_NS_PER_MIN if self.by_minute else _NS_PER_DAY)
        rates = self.timed.get(bucket)
        if rates is None:
            if len(self.timed) >= _MAX_TIMED:
                self.timed.clear()
            mp = self.info.get_prices(_timestamp(start_ns))
            rates = self.timed[bucket] = _rates_from_model_price(mp)
        return rates


def _timestamp(start_ns: int) -> Any:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(start_ns / 1e9, tz=UTC)


# -- user overrides ----------------------------------------------------------


class PriceFileError(ValueError):
    """A user price file that cannot be used; ``str()`` says where and why."""


def load_price_file(path: str) -> dict[tuple[str, str], Rates]:
    """Parse a user price TOML into {(provider, model): Rates} (lower-cased keys)."""
    import tomllib

    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except OSError as exc:
        raise PriceFileError(f"cannot read price file {path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise PriceFileError(f"price file {path} is not valid TOML: {exc}") from None
    out: dict[tuple[str, str], Rates] = {}
    for provider, models in data.items():
        if not isinstance(models, dict):
            raise PriceFileError(f"price file {path}: [{provider}] must be a table of models")
        for model, prices in models.items():
            where = f"price file {path}: [{provider}.{model}]"
            if not isinstance(prices, dict):
                raise PriceFileError(f"{where} must be a table with input/output prices")
            unknown = set(prices) - {"input", "output", "cache_read", "cache_write", "reasoning"}
            if unknown:
                raise PriceFileError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
            kw: dict[str, float] = {}
            for key, value in prices.items():
                if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or value != value:
                    raise PriceFileError(f"{where}: {key} must be a non-negative number (USD per million tokens)")
                kw[key] = float(value) / 1_000_000
            if "input" not in kw or "output" not in kw:
                raise PriceFileError(f"{where}: both input and output prices are required")
            # A provider as calls name it (``provider_name``): ``[amazon_bedrock…]`` prices ``aws.bedrock``'s calls.
            key = provider.lower() if provider == "*" else provider_name(provider) or provider.lower()
            out[(key, model.lower())] = Rates(**kw)  # type: ignore[arg-type]  # (its float fields by name)
    return out


# -- the resolver ----------------------------------------------------------------


#: Names no provider and no model (``PriceBook._last_provider`` and ``_last_model`` before any call).
_NOTHING = object()


class PriceBook:
    """(provider, model, time) -> Rates or Unknown, with every answer cached.

    Which price applies, first match wins:

    1. the user's price file for (provider, model), then (provider, ``*``);
    2. genai-prices for that provider and model (``provider_ids``: an AI SDK
       ``<provider>.<api>`` name by its provider too);
    3. the user's price file for (``*``, model), then that model under any
       provider in the file (sorted, first);
    4. genai-prices by the model name alone, then with a ``provider/`` prefix
       of the model name taken as the provider (``openai/gpt-4o``), then a name
       shaped as a Bedrock model id (``us.anthropic.claude-…-v1:0``) under AWS Bedrock.

    A provider that is a local runtime (``LOCAL_RUNTIMES``) runs the model on the
    user's machine: after steps 1, 2 and the file's (``*``, model) its call costs
    $0 with the reason (``NoCharge``), not another provider's price for the same
    weights (a hosted Llama is no measure of a local one) -- except a model Ollama
    runs in its cloud (``…-cloud``), priced as any other.

    Steps 3 and 4 exist because the provider an agent names is often not the
    one that set the price: a proxy (``litellm``), a framework
    (``strands-agents``), a custom gateway (Codex ``model_providers.fake``), or
    ``openai`` for a Claude model behind an OpenAI-compatible endpoint. The
    price used is then named (``priced_as``) so the detail view can say so.
    """

    def __init__(self, overrides: dict[tuple[str, str], Rates] | None = None) -> None:
        self.overrides = overrides or {}
        self._cache: dict[tuple[str | None, str], tuple[Rates | _Model | Unknown | NoCharge, str | None]] = {}
        self.lookups = 0  # resolutions through genai-prices (cache misses)
        #: The provider and model of the last ``price`` and their ``_cache`` entry: most calls price
        #: the model the last one did, under the same (interned) string objects. (Three attributes,
        #: not a tuple: reading them costs fewer steps than unpacking one. A fresh object at first:
        #: it is no provider and no model.)
        self._last_provider: object = _NOTHING
        self._last_model: object = _NOTHING
        self._last_entry: tuple[Rates | _Model | Unknown | NoCharge, str | None] = (Unknown(""), None)

    @staticmethod
    def load_bundled() -> None:
        """Load genai-prices' bundled data now (~0.15 s: an import and a table of every
        model). Otherwise the first span priced by it pays for that on the live monitor's
        event loop, a stall of the UI and the receivers. Safe on a worker thread: a span
        priced meanwhile waits on the import lock (for the rest of it) or finds it done."""
        try:
            from genai_prices import data_snapshot
        except ImportError:
            return
        data_snapshot.get_snapshot()

    def rates(self, provider: str | None, model: str, start_ns: int) -> Rates | Unknown | NoCharge:
        return self.resolve(provider, model, start_ns)[0]

    def price(self, provider: str | None, model: str, start_ns: int, usage: TokenUsage) -> Cost:
        """What one call's ``usage`` cost at the price that applies at ``start_ns``: computed,
        or unknown with why (``resolve`` and ``compute`` in one call: it runs for every
        priced span)."""
        if model is self._last_model and provider is self._last_provider:
            # The same (provider, model) objects as the last call's (the store interns them):
            # its entry, without building, hashing and comparing a key tuple.
            rates, priced_as = self._last_entry
        else:
            got = self._last_entry = self._cache.get((provider, model)) or self._first(provider, model)
            self._last_provider, self._last_model = provider, model
            rates, priced_as = got
        if type(rates) is not Rates:  # (one price for all time, the common case: one test)
            if type(rates) is _Model:
                rates = rates.rates_at(start_ns)
            elif type(rates) is Unknown:
                return Cost(total=None, source="unknown", reason=rates.reason)
            elif type(rates) is NoCharge:
                return Cost(0.0, 0.0, 0.0, "computed", rates.reason)
        # (The price's arithmetic is ``compute``'s alone: one place says what a call costs.)
        total, cin, cout = compute(rates, usage.input, usage.output, usage.cache_read, usage.cache_write, usage.reasoning)  # type: ignore[arg-type]
        return Cost(total, cin, cout, "computed", None, priced_as)

    def resolve(self, provider: str | None, model: str, start_ns: int) -> tuple[Rates | Unknown | NoCharge, str | None]:
        """(rates or Unknown, ``"provider/model"`` of the price used when it is another provider's)."""
        rates, priced_as = self._cache.get((provider, model)) or self._first(provider, model)
        if type(rates) is _Model:
            return rates.rates_at(start_ns), priced_as
        return rates, priced_as  # type: ignore[return-value]

    def _first(self, provider: str | None, model: str) -> tuple[Rates | _Model | Unknown | NoCharge, str | None]:
        """A (provider, model) not asked for before: resolved, and remembered."""
        got = self._cache[(provider, model)] = self._resolve(provider, model)
        return got

    def _override(self, provider: str, model: str) -> Rates | None:
        return self.overrides.get((provider, model)) or self.overrides.get((provider, "*"))

    def _resolve(self, provider: str | None, model: str) -> tuple[Rates | _Model | Unknown | NoCharge, str | None]:
        p = provider.lower().strip() if provider else None
        m = model.lower().strip()
        if p is not None and self.overrides:
            o = self._override(p, m)
            if o is not None:
                return o, None
        self.lookups += 1
        try:
            from genai_prices import data_snapshot
        except ImportError:
            return Unknown("genai-prices is not installed"), None
        snapshot = data_snapshot.get_snapshot()
        pids = provider_ids(p) if p else []
        # A model named with its provider's prefix, the provider named too (LiteLLM's
        # ``openai/gpt-4o-mini`` on an ``openai`` span): that provider's price of the model is its
        # own, not a price found elsewhere (``priced_as`` said "the span's provider has no price").
        prefix, slash, rest = m.rpartition("/")
        refs = [m, rest] if slash and PROVIDER_ALIASES.get(prefix, prefix) in pids else [m]
        for pid in pids:
            for ref in refs:
                try:
                    return self._entry(snapshot.find_provider_model(ref, None, pid, None)[1], provider, model), None
                except LookupError:
                    pass
        # The named provider is unknown to the price list or has no such model: price by the model.
        if self.overrides:
            o = self.overrides.get(("*", m))
            if o is not None:
                return o, f"*/{m} (price file)"
        # A local runtime's call: no other provider's price for the same weights (genai-prices
        # takes deepseek-r1:8b for DeepSeek's API model), none is what it cost.
        runtime = p if p in LOCAL_RUNTIMES else m.partition("/")[0] if "/" in m else None
        if runtime in LOCAL_RUNTIMES and not m.endswith(_CLOUD_TAGS):
            return NoCharge(local_reason(runtime)), None
        if self.overrides:
            for (op, om), rates in sorted(self.overrides.items()):
                if om == m and op != p:
                    return rates, f"{op}/{om} (price file)"
        candidates: list[tuple[str, str | None]] = [(m, None)]
        if "/" in m:
            prefix, _, rest = m.rpartition("/")
            candidates += [(rest, PROVIDER_ALIASES.get(prefix, prefix)), (rest, None)]
        # A Bedrock model id named by a framework (Strands names itself the provider): Bedrock's price.
        candidates += [(ref, _BEDROCK_PROVIDER) for ref, by in list(candidates) if by is None and _BEDROCK_ID.match(ref)]
        for ref, by in candidates:
            try:
                found_provider, info = snapshot.find_provider_model(ref, None, by, None)
            except LookupError:
                continue
            return self._entry(info, provider, model), f"{found_provider.id}/{info.id}"
        # A model named with its provider already (acme/my-finetune-v3) is named once.
        named = model if provider and model.startswith(f"{provider}/") else f"{provider or '?'}/{model}"
        return Unknown(f"no price for {named}"), None

    @staticmethod
    def _entry(info: Any, provider: str | None, model: str) -> Rates | _Model | Unknown:
        try:
            entry = _Model(info)
            if entry.fixed is not None:
                return entry.fixed
            return entry
        except (ValueError, TypeError, AttributeError) as exc:  # odd price data: say so, never guess
            return Unknown(f"unusable price data for {provider or '?'}/{model}: {exc}")
