"""Claude Code session transcripts (JSON Lines) -> sessions and spans.

Claude Code appends one JSON object per line to
``~/.claude/projects/<encoded cwd>/<sessionId>.jsonl`` (``$CLAUDE_CONFIG_DIR``
replaces ``~/.claude``); sub-agents write ``<sessionId>/subagents/agent-<id>.jsonl``
(older versions: ``agent-<id>.jsonl`` beside it, or inline in the main file).
There is no official schema; what we rely on (see docs/history.md, the
fixture in tests/fixtures/claude/ and the real CLI's files in
tests/clients/fixtures/claude-code-transcript/):

* every record: ``type``, and for conversation records ``uuid``,
  ``parentUuid``, ``sessionId``, ``timestamp`` (ISO 8601), ``isSidechain``,
  ``cwd``, ``version``, ``gitBranch``; sub-agent records also ``agentId``;
* ``user``: ``message.content`` is the prompt (a string or text blocks), or
  ``tool_result`` blocks (``tool_use_id``, ``content``, ``is_error``) with
  ``toolUseResult`` beside (for Task: ``agentId``); ``isMeta`` marks
  injected, non-typed messages;
* ``assistant``: ``requestId`` and ``message`` = the API response: ``id``,
  ``model``, ``content`` blocks (``text``, ``thinking``, ``tool_use`` with
  ``id``/``name``/``input``), ``stop_reason``, ``usage`` (``input_tokens``,
  ``cache_read_input_tokens``, ``cache_creation_input_tokens``,
  ``output_tokens``). One response is logged as several records (one per
  content block) sharing ``message.id`` + ``requestId``; they are merged.
  A refused request is an assistant record Claude Code writes itself
  (``isApiErrorMessage``, model ``<synthetic>``, zero usage): a failed call,
  no tokens, the model of the ``api-request`` record logged before it;
* ``summary``, ``ai-title`` and ``custom-title`` (session titles), ``system``,
  ``file-history-snapshot``, ``queue-operation``, ``api-request`` and a few others
  carry no spans;
* ``cost-state``: the CLI's running totals per model (``modelUsage``), every call
  it paid for, those it logs no response of (an interactive session's title, the
  ``/compact`` summary) included.

Mapping: one session per ``sessionId``; one trace per user prompt, rooted at
an ``agent`` span covering the turn; each API response -> an ``llm_call``
span (model, tokens: our ``input`` = input + cache read + cache write, as
the model's convention requires; cache reads/writes kept separately); each
``tool_use`` + its ``tool_result`` -> a ``tool_execution`` span (name,
input, output, error from ``is_error``); a ``Task``/``Agent`` tool call is
an ``agent`` span and the sub-agent's spans nest under it, linked by the
``agentId`` in its result, else by its prompt, else by time; what ``cost-state``
holds beyond the logged responses -> one ``llm_call`` span per model in a trace of
its own. Ids are derived from Claude's own ids, so importing a file twice stores
nothing twice.

Unknown record types and broken lines are skipped and counted, never fatal.

This module walks a session (``convert_session``); finding and reading the
files is ``claude_files``, the record readers and span builders ``claude_spans``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..model import (
    AgentInfo,
    Session,
    Span,
    SpanKind,
    Update,
)
from .claude_files import ClaudeImportStats, _read_records, _session_of_file, default_paths, find_transcripts
from .claude_spans import (
    _AGENT_ID_RE,
    AGENT_TOOLS,
    _blocks,
    _cut,
    _hid,
    _int,
    _is_prompt,
    _Llm,
    _llm_span,
    _ns,
    _prompt_text,
    _text_of,
    _Tool,
    _tool_span,
    _Turn,
    _unlogged_span,
    _unlogged_usage,
)

__all__ = ["ClaudeImportStats", "default_paths", "find_transcripts", "convert_session", "iter_updates", "KNOWN_TYPES"]

#: Record types that are understood; those without spans are simply passed over.
KNOWN_TYPES = frozenset(
    {
        "user",
        "assistant",
        "summary",
        "system",
        "file-history-snapshot",
        "queue-operation",
        "custom-title",
        # Claude Code 2.1's session title (asked of the model in an interactive session), the name
        # /rename gives the session's agent beside its custom-title, the mode and permission mode.
        "ai-title",
        "agent-name",
        "mode",
        "permission-mode",
        "progress",
        "attachment",
        # Written by Claude Code 2.1 beside the conversation: the request it sent (``api-request``,
        # ``api-request-shape``, ``api-request-blob``) and, since 2.1.337, where it went
        # (``api-request-route``: provider and credential kind), its running cost (``cost-state``), the
        # tools a turn used, the last prompt, and ``atis-latch``; the responses themselves are ``assistant``.
        "api-request",
        "api-request-shape",
        "api-request-blob",
        "api-request-route",
        "cost-state",
        "tools-used",
        "last-prompt",
        "atis-latch",
    }
)


def convert_session(records: list[dict[str, Any]], stats: ClaudeImportStats, session_id: str | None = None) -> list[Update]:
    """All records of one sessionId (main file, sub-agent files) -> session + spans."""
    sid = session_id or next((r["sessionId"] for r in records if isinstance(r.get("sessionId"), str)), None)
    if sid is None:
        return []
    seen_uuid: set[str] = set()
    ts_of: dict[str, int] = {}
    title: str | None = None  # summary (older versions): the first
    ai_title: str | None = None  # the model's title: the last
    custom_title: str | None = None  # the user's (/rename): the last, before any other
    # The CLI's running totals of what it paid for, the calls it does not log included: the last.
    cost_state: dict[str, Any] | None = None
    meta: dict[str, Any] = {}
    convo: list[tuple[int, int, dict[str, Any]]] = []  # (ts, file order, record)
    # A refused request is logged as an assistant record Claude Code makes up (model "<synthetic>"):
    # the model asked for is the one of the request it logged before it (``api-request``).
    asked_model: str | None = None
    asked_for: dict[int, str | None] = {}  # record index -> the model asked for
    for i, rec in enumerate(records):
        stats.records += 1
        kind = rec.get("type")
        if kind not in KNOWN_TYPES:
            stats.skipped[f"unknown_type:{str(kind)[:40]}"] += 1
            continue
        if kind == "summary" and isinstance(rec.get("summary"), str):
            title = title or rec["summary"]
        if kind == "custom-title" and isinstance(rec.get("customTitle"), str):
            custom_title = rec["customTitle"]
        if kind == "ai-title" and isinstance(rec.get("aiTitle"), str):
            ai_title = rec["aiTitle"]
        if kind == "cost-state" and isinstance(rec.get("modelUsage"), dict):
            cost_state = rec["modelUsage"]
        if kind == "api-request" and isinstance(rec.get("params"), dict):
            model = rec["params"].get("model")
            asked_model = model if isinstance(model, str) else asked_model
        if kind not in ("user", "assistant"):
            continue
        if rec.get("isApiErrorMessage"):
            asked_for[i] = asked_model
        uuid = rec.get("uuid")
        if isinstance(uuid, str):
            if uuid in seen_uuid:
                stats.duplicates += 1
                continue
            seen_uuid.add(uuid)
        ts = _ns(rec.get("timestamp"))
        if ts is None:
            stats.skipped["no_timestamp"] += 1
            continue
        if isinstance(uuid, str):
            ts_of[uuid] = ts
        for k in ("cwd", "version", "gitBranch"):
            if k not in meta and isinstance(rec.get(k), str) and rec[k]:
                meta[k] = rec[k]
        convo.append((ts, i, rec))
    convo.sort(key=lambda t: (t[0], t[1]))

    llms: dict[tuple[str, str], _Llm] = {}
    tools: dict[str, _Tool] = {}
    turns: list[_Turn] = []
    # Sidechain records by sub-agent: agentId, else the uuid of their chain's root.
    side_parent: dict[str, str | None] = {}
    for _ts, _i, rec in convo:
        if rec.get("isSidechain") and isinstance(rec.get("uuid"), str):
            side_parent[rec["uuid"]] = rec.get("parentUuid")

    def chain_of(rec: dict[str, Any]) -> str:
        aid = rec.get("agentId")
        if isinstance(aid, str) and aid:
            return "agent:" + aid
        u = rec.get("uuid")
        hops = 0
        while isinstance(u, str) and side_parent.get(u) in side_parent and hops < 100_000:
            u = side_parent[u]
            hops += 1
        return "chain:" + str(u)

    side_groups: dict[str, dict[str, Any]] = {}
    current: _Turn | None = None
    for ts, i, rec in convo:
        side = bool(rec.get("isSidechain"))
        group = None
        if side:
            gkey = chain_of(rec)
            group = side_groups.get(gkey)
            if group is None:
                group = side_groups[gkey] = {"start": ts, "prompt": None, "agent_id": rec.get("agentId"), "llms": [], "tools": []}
        if rec.get("type") == "user":
            if not side and _is_prompt(rec):
                text = _prompt_text(_text_of(rec["message"].get("content")))
                uuid = rec.get("uuid") or f"{ts}"
                current = _Turn(_hid(sid, "turn", uuid, n=32), _hid("root", uuid), ts, text)
                turns.append(current)
                continue
            if side and group is not None and group["prompt"] is None:
                msg = rec.get("message")
                if isinstance(msg, dict) and not any(b.get("type") == "tool_result" for b in _blocks(rec)):
                    group["prompt"] = _text_of(msg.get("content")).strip()
            for b in _blocks(rec):
                if b.get("type") != "tool_result":
                    continue
                t = tools.get(str(b.get("tool_use_id")))
                if t is None:
                    stats.skipped["tool_result_without_tool_use"] += 1
                    continue
                if t.end is not None:
                    stats.duplicates += 1
                    continue
                t.end = max(ts, t.start)
                t.output = _text_of(b.get("content"))
                t.error = bool(b.get("is_error"))
                t.result_extra = rec.get("toolUseResult")
            if current is not None and not side:
                current.end = max(current.end, ts)
            continue
        # assistant
        msg = rec.get("message")
        if not isinstance(msg, dict):
            stats.skipped["assistant_without_message"] += 1
            continue
        mid = msg.get("id") if isinstance(msg.get("id"), str) else rec.get("uuid")
        key = (str(mid), str(rec.get("requestId") or ""))
        llm = llms.get(key)
        existed = llm is not None
        new_blocks = 0
        if llm is None:
            llm = llms[key] = _Llm(key, ts, rec.get("parentUuid"))
            llm.side = side
            if side and group is not None:
                group["llms"].append(llm)
            elif current is not None:
                llm.trace, llm.parent = current.trace, current.root
        llm.last_ts = max(llm.last_ts, ts)
        if rec.get("isApiErrorMessage"):
            # No response came: the record's text is the error, its zero usage a placeholder (nothing billed).
            llm.error = _text_of(msg.get("content")).strip() or f"API error {rec.get('apiErrorStatus') or ''}".strip()
            llm.model = asked_for.get(i)
            if current is not None and not side:
                current.end = max(current.end, ts)
            continue
        if isinstance(msg.get("model"), str):
            llm.model = msg["model"]
        if isinstance(msg.get("stop_reason"), str):
            llm.stop = msg["stop_reason"]
        usage = msg.get("usage")
        if isinstance(usage, dict) and (
            llm.usage is None or _int(usage.get("output_tokens")) >= _int(llm.usage.get("output_tokens"))
        ):
            llm.usage = usage
        for b in _blocks(rec):
            bkey = str(b.get("id") or b.get("text") or b.get("thinking") or json.dumps(b, sort_keys=True)[:200])
            if bkey in llm.blocks:
                continue
            llm.blocks.add(bkey)
            new_blocks += 1
            if b.get("type") == "text" and isinstance(b.get("text"), str):
                llm.texts.append(b["text"])
            elif b.get("type") == "tool_use" and isinstance(b.get("id"), str):
                t = _Tool(b["id"], str(b.get("name") or "tool"), b.get("input"), ts)
                t.side = side
                tools[t.id] = t
                if side and group is not None:
                    group["tools"].append(t)
                elif current is not None:
                    t.trace, t.parent = current.trace, current.root
        if existed and new_blocks == 0:
            stats.duplicates += 1  # the same response logged again
        if current is not None and not side:
            current.end = max(current.end, ts)

    # Responses before any prompt (a resumed file) get a turn of their own.
    orphans = [x for x in list(llms.values()) + list(tools.values()) if not x.side and not x.trace]
    if orphans:
        start = min(x.first_ts if isinstance(x, _Llm) else x.start for x in orphans)
        turn = _Turn(_hid(sid, "turn", "(no prompt)", n=32), _hid("root", sid, "(no prompt)"), start, "(continued session)")
        turns.insert(0, turn)
        for x in orphans:
            x.trace, x.parent = turn.trace, turn.root

    # Sub-agents: nest under the Task call that spawned them.
    agent_calls = [t for t in tools.values() if t.name in AGENT_TOOLS and not t.side]
    for group in side_groups.values():
        owner = _find_owner(group, agent_calls)
        if owner is not None:
            stats.sidechains_linked += 1
            trace, parent = owner.trace, _hid("tool", owner.id)
        else:
            stats.sidechains_unlinked += 1
            near = next((t for t in reversed(turns) if t.start <= group["start"]), turns[0] if turns else None)
            if near is None:
                near = _Turn(_hid(sid, "turn", "(sub-agent)", n=32), _hid("root", sid, "(sub-agent)"), group["start"], "(sub-agent)")
                turns.append(near)
            trace, parent = near.trace, near.root
        for x in group["llms"] + group["tools"]:
            x.trace, x.parent = trace, parent

    # Turn ends cover everything in them.
    by_trace = {t.trace: t for t in turns}
    for x in list(llms.values()) + list(tools.values()):
        covering = by_trace.get(x.trace)
        if covering is not None:
            end = x.last_ts if isinstance(x, _Llm) else (x.end or x.start)
            covering.end = max(covering.end, end)

    # Calls the CLI makes beside the conversation (the session title, the compaction summary) are
    # not logged as responses, but their tokens are in its running totals: one call per model
    # holds the difference, in a trace of its own at the session's end.
    # Empty totals (nothing paid for yet, or not restored on a resume) add nothing and say nothing.
    unlogged = _unlogged_usage(cost_state, list(llms.values())) if cost_state else None
    unlogged_turn = None
    if cost_state and unlogged is None:
        stats.skipped["cost_state_not_matching_the_responses"] += 1
    elif unlogged and convo:
        end = max([t.end for t in turns] + [ts for ts, _i, _r in convo])
        unlogged_turn = _Turn(_hid(sid, "turn", "(unlogged)", n=32), _hid("root", sid, "(unlogged)"), end,
                              "(calls not in the transcript: session title, compaction, ...)")
        turns.append(unlogged_turn)

    out: list[Update] = []
    title = custom_title or ai_title or title
    session = Session(
        id=sid,
        name=title or (turns[0].prompt.strip().splitlines()[0][:80] if turns and turns[0].prompt.strip() else None),
        service="claude-code",
        framework="claude-code",
        framework_version=meta.get("version"),
        started_ns=min((t.start for t in turns), default=None),
        ended_ns=max((t.end for t in turns), default=None),
        attributes={k: v for k, v in (("cwd", meta.get("cwd")), ("git.branch", meta.get("gitBranch"))) if v},
    )
    out.append(session)
    stats.sessions += 1
    for turn in turns:
        first_line = turn.prompt.strip().splitlines()[0] if turn.prompt.strip() else "(empty prompt)"
        out.append(
            Span(
                span_id=turn.root,
                trace_id=turn.trace,
                session_id=sid,
                name=_cut(first_line, 80),
                kind=SpanKind.AGENT,
                start_ns=turn.start,
                end_ns=turn.end,
                agent=AgentInfo(name="claude-code"),
                attributes={"prompt": _cut(turn.prompt)},
            )
        )
        stats.traces += 1
    for llm in llms.values():
        out.append(_llm_span(llm, sid, ts_of))
        stats.llm_spans += 1
    for t in tools.values():
        out.append(_tool_span(t, sid, by_trace))
        stats.tool_spans += 1
    if unlogged_turn is not None and unlogged:
        for model, usage in unlogged.items():
            out.append(_unlogged_span(model, usage, sid, unlogged_turn))
            stats.llm_spans += 1
    return out


def _find_owner(group: dict[str, Any], calls: list[_Tool]) -> _Tool | None:
    """The Task call a sub-agent belongs to: by agentId, then prompt, then time."""
    aid = group.get("agent_id")
    if isinstance(aid, str) and aid:
        for t in calls:
            extra = t.result_extra
            if isinstance(extra, dict) and extra.get("agentId") == aid:
                return t
            m = _AGENT_ID_RE.search(t.output or "")
            if m and m.group(1) == aid:
                return t
    prompt = group.get("prompt")
    if prompt:
        for t in calls:
            if isinstance(t.input, dict) and str(t.input.get("prompt", "")).strip() == prompt:
                return t
    start = group["start"]
    open_calls = [t for t in calls if t.start <= start and (t.end is None or start <= t.end)]
    return open_calls[0] if len(open_calls) == 1 else None


def iter_updates(files: Iterable[Path], stats: ClaudeImportStats) -> Iterator[list[Update]]:
    """Updates per session, reading one session's files at a time."""
    by_session: dict[str, list[Path]] = {}
    for f in files:
        stats.files += 1
        sid = _session_of_file(f)
        if sid is None:
            stats.skipped["file_without_session"] += 1
            continue
        by_session.setdefault(sid, []).append(f)
    for sid, paths in by_session.items():
        # Main file first, then sub-agent files: file order breaks timestamp ties.
        paths.sort(key=lambda p: (p.name.startswith("agent-"), str(p)))
        records: list[dict[str, Any]] = []
        for p in paths:
            records.extend(_read_records(p, stats))
        yield convert_session(records, stats, sid)
