"""Claude Code transcript records -> span parts: the record readers and the span builders.

Small readers of one record (its time, its text, its content blocks, whether
it is a typed prompt), the per-response and per-tool-call accumulators, and
the two functions that turn them into ``llm_call`` and ``tool_execution``
spans. The conversion that walks a session is ``claude_transcripts``.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import re
from typing import Any

from ..model import (
    AgentInfo,
    FileInfo,
    LlmInfo,
    Span,
    SpanKind,
    Status,
    TokenUsage,
    ToolInfo,
)

#: Tools that run a sub-agent (``Agent`` in newer versions).
AGENT_TOOLS = frozenset({"Task", "Agent"})
PREVIEW_CHARS = 2000
_AGENT_ID_RE = re.compile(r"agent_?[iI]d:\s*([A-Za-z0-9_@.\-]+)")
_TARGET_KEYS = ("file_path", "path", "notebook_path", "command", "pattern", "url", "query")


# -- helpers ---------------------------------------------------------------------------------
def _ns(ts: Any) -> int | None:
    if not isinstance(ts, str):
        return None
    s = ts[:-1] + "+00:00" if ts.endswith("Z") else ts
    try:
        dt = _dt.datetime.fromisoformat(s)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=_dt.UTC)
    return (int(dt.replace(microsecond=0).timestamp()) * 1_000_000 + dt.microsecond) * 1000


def _hid(*parts: str, n: int = 16) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "replace")).hexdigest()[:n]


def _cut(s: str, limit: int = PREVIEW_CHARS) -> str:
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _text_of(content: Any) -> str:
    """Plain text of a message content / tool_result content."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for b in content:
            if isinstance(b, dict):
                if b.get("type") == "text" and isinstance(b.get("text"), str):
                    parts.append(b["text"])
                elif b.get("type") == "image":
                    parts.append("[image]")
            elif isinstance(b, str):
                parts.append(b)
        return "\n".join(parts)
    return "" if content is None else str(content)


def _blocks(rec: dict[str, Any]) -> list[dict[str, Any]]:
    msg = rec.get("message")
    content = msg.get("content") if isinstance(msg, dict) else None
    if isinstance(content, list):
        return [b for b in content if isinstance(b, dict)]
    return []


#: User-role texts Claude Code writes itself: they are events of a turn, not prompts.
_NOT_PROMPTS = ("[Request interrupted by user", "<local-command-stdout>", "<local-command-stderr>")


def _is_prompt(rec: dict[str, Any]) -> bool:
    if rec.get("isMeta") or rec.get("isSidechain") or rec.get("isCompactSummary"):
        return False
    msg = rec.get("message")
    if not isinstance(msg, dict):
        return False
    content = msg.get("content")
    if isinstance(content, list):
        kinds = {b.get("type") for b in content if isinstance(b, dict)}
        if "tool_result" in kinds or not kinds & {"text", "image"}:
            return False
    elif not isinstance(content, str):
        return False
    text = _text_of(content).strip()
    return bool(text) and not text.startswith(_NOT_PROMPTS)


def _int(v: Any) -> int:
    return v if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else 0


_COMMAND_NAME_RE = re.compile(r"<command-name>(.*?)</command-name>", re.S)
_COMMAND_ARGS_RE = re.compile(r"<command-args>(.*?)</command-args>", re.S)


def _prompt_text(text: str) -> str:
    """What the user typed: a slash command (``/compact``) is logged as ``<command-name>`` and
    ``<command-args>`` tags, read back as the command line."""
    name = _COMMAND_NAME_RE.search(text) if text.lstrip().startswith("<command-") else None
    if name is None:
        return text
    args = _COMMAND_ARGS_RE.search(text)
    return f"{name.group(1).strip()} {args.group(1).strip() if args else ''}".strip()


#: The usage fields of a response and the names the CLI's running totals (``cost-state``) give them.
_USAGE_FIELDS = (("input_tokens", "inputTokens"), ("output_tokens", "outputTokens"),
                 ("cache_read_input_tokens", "cacheReadInputTokens"),
                 ("cache_creation_input_tokens", "cacheCreationInputTokens"))


def _unlogged_usage(model_usage: dict[str, Any], llms: list[_Llm]) -> dict[str, dict[str, int]] | None:
    """Per model, what the CLI's running totals (``cost-state``: every call it paid for, the session
    title and the compaction included) hold beyond the responses the transcript logs, in response
    usage fields; None when the two do not add up (a logged response of a model the totals do not
    name, or totals below what is logged: older than the last responses), so nothing is counted twice."""
    totals = {m: u for m, u in model_usage.items() if isinstance(m, str) and isinstance(u, dict)}
    rest = {m: {f: _int(u.get(k)) for f, k in _USAGE_FIELDS} for m, u in totals.items()}
    for llm in llms:
        if llm.usage is None or llm.error:
            continue
        model = llm.model or ""
        # The totals name the model asked for; a response may name a dated snapshot of it.
        key = model if model in rest else next(
            (m for m in rest if model.startswith(m + "-") or m.startswith(model + "-")), None) if model else None
        if key is None:
            return None
        for f, _ in _USAGE_FIELDS:
            rest[key][f] -= _int(llm.usage.get(f))
    if any(v < 0 for u in rest.values() for v in u.values()):
        return None
    return {m: u for m, u in rest.items() if any(u.values())}


# -- per-session conversion ------------------------------------------------------------------
class _Llm:
    """One API response, merged from the records that log its content blocks."""

    __slots__ = ("key", "first_ts", "last_ts", "parent_uuid", "model", "usage", "stop", "blocks", "texts", "trace", "parent",
                 "side", "error")

    def __init__(self, key: tuple[str, str], ts: int, parent_uuid: str | None) -> None:
        self.key = key
        self.first_ts = self.last_ts = ts
        self.parent_uuid = parent_uuid
        self.model: str | None = None
        self.usage: dict[str, Any] | None = None
        self.stop: str | None = None
        self.blocks: set[str] = set()
        self.texts: list[str] = []
        self.trace = ""
        self.parent = ""
        self.side = False
        #: the API error Claude Code logged instead of a response (``isApiErrorMessage``)
        self.error: str | None = None


class _Tool:
    __slots__ = ("id", "name", "input", "start", "end", "output", "error", "result_extra", "trace", "parent", "side")

    def __init__(self, tool_id: str, name: str, tool_input: Any, start: int) -> None:
        self.id = tool_id
        self.name = name
        self.input = tool_input
        self.start = start
        self.end: int | None = None
        self.output: str | None = None
        self.error = False
        self.result_extra: Any = None
        self.trace = ""
        self.parent = ""
        self.side = False


class _Turn:
    __slots__ = ("trace", "root", "start", "end", "prompt")

    def __init__(self, trace: str, root: str, start: int, prompt: str) -> None:
        self.trace = trace
        self.root = root
        self.start = start
        self.end = start
        self.prompt = prompt


def _llm_span(llm: _Llm, sid: str, ts_of: dict[str, int]) -> Span:
    u = llm.usage or {}
    base_in = _int(u.get("input_tokens"))
    cache_read = _int(u.get("cache_read_input_tokens"))
    cache_write = _int(u.get("cache_creation_input_tokens"))
    out_tok = _int(u.get("output_tokens"))
    # model.TokenUsage.input includes cache reads and writes; Claude reports them beside input_tokens.
    usage = TokenUsage(
        input=base_in + cache_read + cache_write,
        output=out_tok,
        total=base_in + cache_read + cache_write + out_tok,
        cache_read=cache_read,
        cache_write=cache_write,
    )
    start = ts_of.get(llm.parent_uuid or "", llm.first_ts)
    if start > llm.first_ts:
        start = llm.first_ts
    text = "\n".join(llm.texts)
    return Span(
        span_id=_hid("llm", *llm.key),
        trace_id=llm.trace,
        session_id=sid,
        parent_span_id=llm.parent or None,
        name="llm_call",
        kind=SpanKind.LLM_CALL,
        start_ns=start,
        end_ns=llm.last_ts,
        status=Status.ERROR if llm.error else Status.OK,
        status_message=_cut(llm.error, 300) if llm.error else None,
        llm=LlmInfo(provider="anthropic", model=llm.model, stop_reason=llm.stop, response_preview=_cut(text) if text else None),
        usage=usage if llm.usage is not None else None,
        attributes={"claude.message_id": llm.key[0], "claude.request_id": llm.key[1]} | ({"claude.sidechain": True} if llm.side else {}),
    )


def _unlogged_span(model: str, usage: dict[str, int], sid: str, turn: _Turn) -> Span:
    """The calls of ``model`` the transcript does not log, as one call holding their tokens."""
    base_in, cache_read, cache_write = (usage["input_tokens"], usage["cache_read_input_tokens"],
                                        usage["cache_creation_input_tokens"])
    total_in = base_in + cache_read + cache_write
    return Span(
        span_id=_hid("unlogged", sid, model),
        trace_id=turn.trace,
        session_id=sid,
        parent_span_id=turn.root,
        name="calls not in the transcript",
        kind=SpanKind.LLM_CALL,
        start_ns=turn.start,
        end_ns=turn.end,
        llm=LlmInfo(provider="anthropic", model=model),
        usage=TokenUsage(input=total_in, output=usage["output_tokens"], total=total_in + usage["output_tokens"],
                         cache_read=cache_read, cache_write=cache_write),
        attributes={"claude.unlogged_calls": True},
    )


def _tool_span(t: _Tool, sid: str, turns: dict[str, _Turn]) -> Span:
    target = None
    if isinstance(t.input, dict):
        for k in _TARGET_KEYS:
            if isinstance(t.input.get(k), str):
                target = t.input[k]
                break
    agent = t.name in AGENT_TOOLS
    end = t.end
    status = Status.ERROR if t.error else Status.OK
    message = None
    if end is None:
        # No result in the transcript (interrupted, or the session ended).
        turn = turns.get(t.trace)
        end = max(t.start, turn.end if turn is not None else t.start)
        status = Status.CANCELLED
        message = "no tool_result in the transcript"
    elif t.error:
        message = _cut((t.output or "").strip(), 300) or "tool error"
    input_text = json.dumps(t.input, ensure_ascii=False) if t.input is not None else None
    file = None
    if t.name in ("Read", "Write", "Edit", "MultiEdit", "NotebookEdit") and isinstance(target, str):
        file = FileInfo(path=target, operation="read" if t.name == "Read" else "write")
    return Span(
        span_id=_hid("tool", t.id),
        trace_id=t.trace,
        session_id=sid,
        parent_span_id=t.parent or None,
        name=t.name,
        kind=SpanKind.AGENT if agent else SpanKind.TOOL_EXECUTION,
        start_ns=t.start,
        end_ns=end,
        status=status,
        status_message=message,
        tool=ToolInfo(
            name=t.name,
            target=_cut(target, 300) if target else None,
            status="error" if t.error else ("ok" if t.end is not None else "cancelled"),
            call_id=t.id,
            input_preview=_cut(input_text) if input_text else None,
            output_preview=_cut(t.output) if t.output is not None else None,
        ),
        agent=AgentInfo(name=str(t.input.get("subagent_type") or "sub-agent")) if agent and isinstance(t.input, dict) else None,
        file=file,
        attributes={"claude.sidechain": True} if t.side else {},
    )
