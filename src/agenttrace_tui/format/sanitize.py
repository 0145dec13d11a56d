"""Untrusted text -> a string safe to print: no escape sequence ever passes.

Span names, attributes and previews come from agents we do not control.
Every control character is replaced by a visible stand-in before it can reach
a terminal: C0 controls become the Unicode "control pictures" (U+2400 block,
ESC shows as ␛), DEL as ␡, C1 controls and bidi/zero-width overrides as
``\\x..``/``\\u....``. A credential the text holds (an API key, a token, a
password) is shown as ``«secret»``. Long strings are cut with an ellipsis so a
100 KB name costs no more than what can be shown. Pure: used by the UI and the
CLI alike.
"""

from __future__ import annotations

import re

# C0 (except nothing: even \t and \n are shown, a row is one line), DEL, C1,
# the bidi/zero-width controls that can reorder or hide what follows (the
# Arabic letter mark U+061C is one of Unicode's Bidi_Control set too), the
# Mongolian vowel separator (U+180E), the line/paragraph separators (U+2028/9:
# a line break to some terminals and editors), the word joiner and invisible
# operators (U+2060-2064), the deprecated format controls (U+206A-206F) and
# the tag characters (U+E0000-E007F: invisible text riding after an emoji).
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f\x80-\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
    "\U000e0000-\U000e007f]"
)


def _visible(m: re.Match[str]) -> str:
    ch = m.group()
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    if code <= 0x9F:
        return f"\\x{code:02x}"
    if code > 0xFFFF:
        return f"\\U{code:08x}"
    return f"\\u{code:04x}"


#: What stands on screen for a secret.
HIDDEN = "«secret»"

# Credentials an agent's telemetry may carry by accident (mcp-agent puts its settings, API key
# included, into a span's arguments; a tool's arguments may hold a token): shown nowhere, in
# the app or on the command line. Two shapes: a value named as a secret (``api_key='...'``,
# ``"password": "..."``, ``Authorization: Bearer ...``) and a value that is a provider's key by
# its form (OpenAI's and Anthropic's ``sk-``, AWS's ``AKIA``, Google's ``AIza``, GitHub's,
# GitLab's and Slack's tokens). A masked value (``SecretStr('**********')``) is left as it is.
# Matched in the text lowered (a case-sensitive pattern runs several times faster than the same
# one ignoring case), and only in text holding what a match must (most text holds none of it).
_SECRET = re.compile(
    r"(?:api[_-]?key|apikey|secret|password|passwd|(?:access|refresh|auth|bearer|session|api|id)[_-]?token"
    r"|authorization|private[_-]?key)"
    r"""['"]?\s*[:=]\s*(?:secretstr\()?['"]?(?:bearer\s+|basic\s+)?(?P<named>[^\s'"*,;)}\]]{4,})"""
    r"|bearer\s+(?P<bearer>[a-z0-9._~+/=-]{8,})"
    r"|(?<![a-z0-9])(?:sk-[a-z0-9_-]{12,}|akia[0-9a-z]{16}|aiza[0-9a-z_-]{35}|gh[pousr]_[a-z0-9]{30,}"
    r"|github_pat_[a-z0-9_]{30,}|glpat-[a-z0-9_-]{20,}|xox[abprs]-[a-z0-9-]{10,})"
)
#: Attribute names whose value is a secret whatever it looks like (their last dotted part).
_SECRET_NAMES = re.compile(
    r"(?i)(?:^|[._-])(?:api[_-]?key|apikey|x-api-key|secret|secret[_-]?key|client[_-]?secret|password|passwd"
    r"|(?:access|refresh|auth|bearer|session|api|id)[_-]?token|token|authorization|private[_-]?key|cookie|set-cookie)$"
)


def hide_secrets(s: str) -> str:
    """``s`` with every credential in it replaced by ``HIDDEN`` (its name, if it has one, kept)."""
    low = s.lower()
    # What every match holds, one of them at least (spelled out: a loop over them costs more).
    if not ("key" in low or "secret" in low or "passw" in low or "token" in low or "auth" in low or "bearer" in low
            or "sk-" in low or "akia" in low or "aiza" in low or "gh" in low or "glpat-" in low or "xox" in low):
        return s
    if len(low) != len(s):  # (a letter whose lower case is longer: İ) the places would not match
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in s)
    out: list[str] = []
    at = 0
    for m in _SECRET.finditer(low):
        group = "named" if m.group("named") is not None else "bearer" if m.group("bearer") is not None else 0
        out += (s[at:m.start(group)], HIDDEN)
        at = m.end(group)
    if not out:
        return s
    out.append(s[at:])
    return "".join(out)


def is_secret_name(name: str) -> bool:
    """An attribute whose name says its value is a credential (``openai.api_key``, ``password``,
    ``http.request.header.authorization``): its value is shown as ``HIDDEN``."""
    return _SECRET_NAMES.search(name) is not None


# What text must hold, lowered, for ``hide_secrets`` or ``is_secret_name`` to find a credential in it
# (or in a key of JSON written from it): each of their words, "token" and "sk-" checked by a pattern
# after a plain search finds them (most text holds "tokens", and "task-" holds "sk-").
_SECRET_WORDS = ("secret", "passw", "bearer", "cookie", "api_key", "api-key", "apikey", "private_key", "private-key",
                 "privatekey", "authoriz", "akia", "aiza", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_",
                 "glpat-", "xox")
_SECRET_TOKEN = re.compile(r"token(?![a-z0-9_-])|(?<![a-z0-9])sk-[a-z0-9_-]{12}")


def may_hold_secrets(low: str) -> bool:
    """False when ``low`` (text lowered, JSON of a span say) holds no credential ``hide_secrets`` would hide
    in it and no key ``is_secret_name`` would name one: a few plain searches, where hiding walks every value."""
    for word in _SECRET_WORDS:
        if word in low:
            return True
    return ("token" in low or "sk-" in low) and _SECRET_TOKEN.search(low) is not None


def without_secrets(value: object) -> tuple[object, int]:
    """``value`` (JSON-shaped: dicts, lists or tuples, scalars) with each credential in it hidden as the
    screen hides it, and how many were: a string's (``hide_secrets``), and the value of a key
    named as one (``is_secret_name``) whatever it is. For text that leaves the app to be shared
    (a span copied to the clipboard), which must not carry what the screen never showed."""
    if isinstance(value, str):
        hidden = hide_secrets(value)
        return hidden, hidden.count(HIDDEN) - value.count(HIDDEN)
    n = 0
    if isinstance(value, dict):
        out: dict[object, object] = {}
        for k, v in value.items():
            if isinstance(k, str) and v not in (None, "") and is_secret_name(k):
                out[k], n = HIDDEN, n + 1
            else:
                out[k], got = without_secrets(v)
                n += got
        return out, n
    if isinstance(value, (list, tuple)):
        items = []
        for v in value:
            v, got = without_secrets(v)
            items.append(v)
            n += got
        return items, n
    return value, 0


def clean(value: object, limit: int = 4096) -> str:
    """A plain string safe to put on screen: controls made visible, credentials hidden, cut at ``limit``."""
    s = value if isinstance(value, str) else repr(value) if isinstance(value, bytes) else str(value)
    if len(s) > limit:
        s = s[: max(0, limit - 1)] + "…"
    return _UNSAFE.sub(_visible, hide_secrets(s))


def clean_multiline(value: object, limit: int = 64 * 1024) -> str:
    """Like ``clean`` but keeps newlines (and tabs as spaces) for previews."""
    s = value if isinstance(value, str) else str(value)
    if len(s) > limit:
        s = s[: max(0, limit - 1)] + "…"
    s = hide_secrets(s.replace("\r\n", "\n").replace("\t", "    "))
    return "\n".join(_UNSAFE.sub(_visible, line) for line in s.split("\n"))
