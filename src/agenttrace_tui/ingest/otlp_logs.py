"""OTLP log records -> agent activity: Claude Code, Codex and Gemini CLI events, other logs.

Claude Code (``CLAUDE_CODE_ENABLE_TELEMETRY=1``) and Codex CLI (``[otel]``)
report what they do as log *events*, not spans. This module rebuilds spans
from them:

* Claude Code: every ``prompt.id`` within a ``session.id`` is one trace whose
  root is the user's prompt; ``claude_code.api_request`` becomes an llm_call
  child (tokens, reported ``cost_usd``, ``duration_ms`` ending at the event
  time), ``claude_code.tool_result`` a tool child, ``claude_code.api_error``
  an errored llm_call; other ``claude_code.*`` events become events on the
  prompt's root span (or the session log when they carry no prompt id).
* Codex: every ``codex.user_prompt`` within a ``conversation.id`` opens a
  trace; ``codex.api_request`` is an llm_call child, completed by the
  ``codex.sse_event`` of kind ``response.completed`` that carries the token
  counts; ``codex.tool_result`` a tool child; other ``codex.*`` events become
  events of the current prompt (or the session log).
* Gemini CLI: its own spans carry each model call, but only the prompt and
  the answer's tokens (``promptTokenCount``, ``candidatesTokenCount``):
  its ``gemini_cli.api_response`` event has the whole account (cached and
  thinking tokens, the latter billed as output). The event names no span;
  the ``gemini_cli.api_request`` before it, logged inside the call's span, does
  (same prompt id, role and model, in order). The response becomes a report
  of that span whose usage is the event's, marked ``USAGE_FROM`` so the store
  keeps it over the span's own counts whichever arrives first.
* Qwen Code: its prompt's record (``qwen-code.user_prompt``) names no trace,
  only the prompt's id, which the turn's root span carries too: kept as any
  other record (the session's first names the session, as Gemini CLI's
  does), and joined to that root by the id (``turn_prompts``), whose trace
  it names.
* Any other record attaches as an event to the span it names
  (trace_id/span_id), or else to its session's log.

Where session-level events go: the model has no event list on a session, so
each session gets one synthetic span named "session log" (its own trace,
kind custom) that spans the session's first to last such event and carries
them as span events. At most ``MAX_LOG_EVENTS`` per session are kept.

Ids of rebuilt spans are derived from stable event fields (session, prompt
id, ``event.sequence``, call id, time), so a record delivered twice merges
instead of duplicating.

Length: one state machine. LogMapper rebuilds spans from the event streams of
Claude Code and Codex, and every event kind reads and updates the same per-
conversation and per-turn state; split across modules, that state would have
to travel with it.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import OrderedDict
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from ..model import (
    FIRST_PROMPT_KEY,
    SESSION_LOG_NAME,
    AgentInfo,
    AttachedEvent,
    Cost,
    LlmInfo,
    Session,
    Span,
    SpanEvent,
    SpanKind,
    Status,
    TokenUsage,
    ToolInfo,
    Update,
)
from ..normalize import conventions as cv
from ..store.calls import CALLED_AS, USAGE_FROM
from .otlp_decode import CHUNK, LogView, Rejects, ResourceInfo, ServiceSessions, iter_logs
from .turn_prompts import TurnPrompts

#: Events kept on one session's "session log" span.
MAX_LOG_EVENTS = 2000
#: Sessions / prompts whose state is remembered (least recently used forgotten).
MAX_STATE = 10_000

#: Attributes every Claude Code / Codex event repeats: kept on the session, not per span.
SESSION_ATTRS = frozenset({
    "session.id", "conversation.id", "user.id", "user.email", "user.account_uuid", "user.account_id",
    "organization.id", "terminal.type", "app.version", "auth_mode", "slug",
    cv.PINNED_SESSION_KEY,  # Claude Code repeats its resource attributes on every event (run's pin)
})
#: Claude Code events logged inside the interaction span (its root) when traces are on.
CLAUDE_TURN_EVENTS = frozenset({"user_prompt", "api_request", "api_error", "tool_result", "assistant_response"})
#: Attributes that only identify or order the event.
EVENT_META = frozenset({"event.name", "event.timestamp", "event.sequence", "event.kind", "prompt.id"})


def _id(nbytes: int, *parts: Any) -> str:
    return hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=nbytes).hexdigest()


def _num(v: Any, conv: Any = int) -> Any:
    if v is None or v == "":
        return None
    try:
        return conv(float(v)) if conv is int else conv(v)
    except (TypeError, ValueError, OverflowError):
        return None


def _ms(v: Any) -> int:
    d = _num(v, float)
    return int(d * 1_000_000) if d is not None and d >= 0 and d == d and d < 1e12 else 0


def _event_time(rec: LogView) -> int:
    if rec.time_ns:
        return rec.time_ns
    ts = rec.attrs.get("event.timestamp")
    if isinstance(ts, str):
        try:
            return int(datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp() * 1e9)
        except ValueError:
            pass
    return time.time_ns()


def event_name(rec: LogView, res: ResourceInfo) -> str | None:
    """The event's full name (``claude_code.api_request``), or None for a plain log."""
    attr = rec.attrs.get("event.name")
    body = rec.body if isinstance(rec.body, str) and len(rec.body) < 100 else None
    for cand in (rec.event_name, attr, body):
        if isinstance(cand, str) and cand.startswith(("claude_code.", "codex.")):
            return cand
    name = rec.event_name or (attr if isinstance(attr, str) else None)
    if name and "." not in name and (res.service or "").startswith("claude"):
        return "claude_code." + name
    return name or None


#: Marks spans rebuilt from log events, so the store can fold them into the
#: client's own span of the same call (store.calls.REBUILT).
REBUILT = "agenttrace.rebuilt_from"
REBUILT_FROM = "log events"


def _number(v: Any) -> Any:
    """Claude Code and Codex send some counts as strings (``prompt_length: "60"``): numbers again."""
    if isinstance(v, str) and 0 < len(v) < 19 and (v.isdigit() or (v[0] == "-" and v[1:].isdigit())):
        return int(v)
    return v


def _free(attrs: dict[str, Any], consumed: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        k: cv.cut_head(v, 4096) if isinstance(v, str) and len(v) > 4096 else _number(v)
        for k, v in attrs.items()
        if k not in SESSION_ATTRS and k not in EVENT_META and k not in consumed
    }


def _rebuilt(attrs: dict[str, Any]) -> dict[str, Any]:
    attrs[REBUILT] = REBUILT_FROM
    return attrs



def _preview(value: Any) -> str | None:
    if value is None:
        return None
    return cv.cut_head(value if isinstance(value, str) else str(value), cv.TOOL_PREVIEW_CHARS)


def _tool_span(
    turn: Any, sid: str, span_id: str, name: str, t: int, dur: int, ok: bool, *,
    call_id: str | None, args: Any, output: Any, error: Any, attributes: dict[str, Any], server: str | None = None,
) -> Span:
    """A tool call reported as a log event (Claude Code, Codex): ends at the event time; ``server``: the MCP
    server of the tool, where the event names it."""
    span = Span(
        span_id=span_id,
        trace_id=turn.trace_id,
        session_id=sid,
        parent_span_id=turn.root_id,
        name=name,
        kind=SpanKind.TOOL_EXECUTION,
        start_ns=t - dur,
        end_ns=t,
        tool=ToolInfo(
            name=name,
            call_id=call_id,
            status="ok" if ok else "error",
            input_preview=_preview(args),
            output_preview=_preview(output),
            server=server,
        ),
        attributes=_rebuilt(attributes),
    )
    if not ok:
        span.status = Status.ERROR
        span.status_message = cv.cut_head(str(error or "tool failed"), 1000)
        span.status_code = "tool_error"
    return span

class _Turn:
    __slots__ = ("trace_id", "root_id", "start", "end", "name", "attrs", "native")

    def __init__(self, trace_id: str, root_id: str, t: int) -> None:
        #: The client exports its own spans for this turn (Codex with trace context):
        #: rebuilt spans go under the span each event was logged in, no rebuilt root.
        self.native = False
        self.trace_id = trace_id
        self.root_id = root_id
        self.start = t
        self.end = t
        self.name = "prompt"
        self.attrs: dict[str, Any] = {}


#: Gemini CLI model calls whose request was logged and whose response was not yet, per session.
MAX_OPEN_CALLS = 64
#: Claude Code sub-agents whose names a session remembers (``_Conv.agents``).
MAX_AGENTS = 64


class _Conv:
    """Per-session state: Codex's current prompt and open llm call, Gemini CLI's open calls,
    the session log."""

    __slots__ = ("turn", "llm", "provider", "log_first", "log_last", "log_count", "pending", "calls", "prompted",
                 "agents")

    def __init__(self) -> None:
        #: Gemini CLI: (prompt id, role, model) -> the (trace id, span id) of each call whose
        #: request was logged in its span and whose response has not come yet, oldest first.
        self.calls: list[tuple[tuple[Any, Any, Any], str, str]] = []
        self.turn: _Turn | None = None
        #: Codex with trace context: the model call waiting for its usage (response.completed).
        self.pending: Span | None = None
        self.llm: tuple[str, str, int, int, str | None] | None = None  # span, trace, start, end, model
        self.provider: str | None = None
        self.log_first = 0
        self.log_last = 0
        self.log_count = 0
        #: Whether a prompt's text was seen (the first names the session: ``_first_prompt``).
        self.prompted = False
        #: Claude Code: each sub-agent's name by its ``agent_id``, from its model calls' events (its
        #: tools' events name only the id), the last MAX_AGENTS.
        self.agents: OrderedDict[str, str] = OrderedDict()


class LogMapper:
    """Stateful: remembers open prompts and sessions across requests (bounded)."""

    def __init__(self, services: ServiceSessions | None = None, prompts: TurnPrompts | None = None) -> None:
        self.services = services or ServiceSessions()
        #: Turns' prompts logged apart from their traces (Qwen Code's), joined to their roots by id
        #: (shared with the receiver's span conversion).
        self.prompts = prompts or TurnPrompts()
        self._turns: OrderedDict[tuple[str, str], _Turn] = OrderedDict()
        self._convs: OrderedDict[str, _Conv] = OrderedDict()
        self.dropped_events = 0
        self.ignored = 0

    # -- state ------------------------------------------------------------------
    def _conv(self, sid: str) -> _Conv:
        c = self._convs.get(sid)
        if c is None:
            c = self._convs[sid] = _Conv()
            if len(self._convs) > MAX_STATE:
                self._convs.popitem(last=False)
        else:
            self._convs.move_to_end(sid)
        return c

    def _turn(self, sid: str, key: str, t: int, prefix: str, ctx: tuple[str, str] | None = None) -> _Turn:
        turn = self._turns.get((sid, key))
        if turn is None:
            # With trace context (Claude Code's enhanced telemetry), the turn is the
            # client's own interaction span: rebuilt spans join that trace.
            tid, rid = ctx if ctx is not None else (_id(16, prefix, sid, key), _id(8, prefix, sid, key, "root"))
            turn = _Turn(tid, rid, t)
            self._turns[(sid, key)] = turn
            if len(self._turns) > MAX_STATE:
                self._turns.popitem(last=False)
        else:
            self._turns.move_to_end((sid, key))
        return turn

    def _root(self, turn: _Turn, sid: str) -> Span:
        return Span(
            span_id=turn.root_id,
            trace_id=turn.trace_id,
            session_id=sid,
            name=turn.name,
            kind=SpanKind.AGENT,
            start_ns=turn.start,
            end_ns=turn.end,
            attributes=_rebuilt(dict(turn.attrs)),
        )

    def _child(self, turn: _Turn, sid: str, span: Span) -> list[Update]:
        turn.start = min(turn.start, span.start_ns)
        turn.end = max(turn.end, span.end_ns or span.start_ns)
        return [self._root(turn, sid), span]

    def _first_prompt(self, sid: str, text: Any) -> list[Update]:
        """The session's first prompt, once its text is seen: kept as an attribute of the session
        (``FIRST_PROMPT_KEY``), shown as its name while it has none of its own (a name the session
        is given, by ``run --name`` or otherwise, stays). A prompt's text is logged only when the
        user turns it on (Claude Code's ``OTEL_LOG_USER_PROMPTS=1``; Codex's ``log_user_prompt``; Gemini CLI's
        ``GEMINI_TELEMETRY_LOG_PROMPTS``; Qwen Code's ``QWEN_TELEMETRY_LOG_PROMPTS``)."""
        c = self._conv(sid)
        if c.prompted or not isinstance(text, str) or not text.strip():
            return []
        c.prompted = True
        return [Session(id=sid, attributes={FIRST_PROMPT_KEY: cv.prompt_name(text)})]

    def _session_log(self, sid: str, t: int, name: str, attrs: dict[str, Any], key: str | None = None) -> list[Update]:
        """An event of the log ``key`` (a session's, or a process's own: ``res.derived_sid``), shown
        in session ``sid``."""
        key = key or sid
        c = self._conv(key)
        if c.log_count >= MAX_LOG_EVENTS:
            self.dropped_events += 1
            return []
        c.log_count += 1
        c.log_first = min(c.log_first, t) if c.log_first else t
        c.log_last = max(c.log_last, t)
        tid, span_id = _id(16, "log", key), _id(8, "log", key)
        log = Span(span_id=span_id, trace_id=tid, session_id=sid, name=SESSION_LOG_NAME, start_ns=c.log_first,
                   end_ns=c.log_last, kind=SpanKind.CUSTOM)
        return [log, AttachedEvent(trace_id=tid, span_id=span_id, event=SpanEvent(name=name, time_ns=t, attributes=attrs))]

    # -- records ------------------------------------------------------------------
    def convert(self, req: Any, json: bool, rejects: Rejects) -> Iterator[list[Update]]:
        out: list[Update] = []
        sessions: dict[str, Session] = {}
        for res, _scope, rec in iter_logs(req, json, rejects):
            try:
                out.extend(self.one(res, rec, sessions))
            except (TypeError, ValueError, AttributeError, OverflowError) as exc:
                rejects.add("invalid_log_record", str(exc)[:200])
            if len(out) >= CHUNK:
                yield [*sessions.values(), *out]
                out, sessions = [], {}
        if out or sessions:
            yield [*sessions.values(), *out]

    def one(self, res: ResourceInfo, rec: LogView, sessions: dict[str, Session]) -> list[Update]:
        name = event_name(rec, res)
        t = _event_time(rec)
        if name and name.startswith("claude_code."):
            sid = res.pinned_sid or _str(rec.attrs.get("session.id")) or res.explicit_sid or res.derived_sid
            self._note_session(sessions, sid, res, rec.attrs, "claude-code")
            return self._claude(name[len("claude_code."):], sid, t, rec)
        if name and name.startswith("codex."):
            named = res.pinned_sid or _str(rec.attrs.get("conversation.id")) or res.explicit_sid
            if named:
                self.services.note(res, named)
                if rec.trace_id:
                    self.services.claim(res, rec.trace_id, named)
            sid = named or self.services.get(res) or res.derived_sid
            self._note_session(sessions, sid, res, rec.attrs, "codex")
            return self._codex(name[len("codex."):], sid, t, rec)
        attrs = _free(rec.attrs)
        if name and name.startswith("gemini_cli."):
            # Its session: the one its records name (or ``run``'s pin, its own id kept beside).
            sid = res.pinned_sid or _str(rec.attrs.get("session.id")) or res.explicit_sid or res.derived_sid
            self._note_session(sessions, sid, res, rec.attrs, "gemini-cli")
            if name == "gemini_cli.api_request" or name == "gemini_cli.api_response":
                return self._gemini(name, sid, t, rec, attrs)
            if name == "gemini_cli.user_prompt":
                # Its text (``GEMINI_TELEMETRY_LOG_PROMPTS``) names the session; the record is kept as any other.
                return [*self._first_prompt(sid, rec.attrs.get("prompt")), *self._other(res, rec, name, t, attrs, sessions)]
        if name is not None and (keys := cv.PROMPT_ID_RECORDS.get(name)) is not None:
            # A turn's prompt naming no trace, only its id (Qwen Code's): kept as any other record (the
            # session's first names it), and on the turn's root too, whose trace it names, once both came
            # (``TurnPrompts``).
            text = rec.attrs.get(keys[1])
            return [*self._other(res, rec, name, t, attrs, sessions, text),
                    *self.prompts.prompt(name, rec.attrs.get(keys[0]), text, t)]
        return self._other(res, rec, name, t, attrs, sessions)

    def _other(self, res: ResourceInfo, rec: LogView, name: str | None, t: int, attrs: dict[str, Any],
               sessions: dict[str, Session], prompt: Any = None) -> list[Update]:
        """A record kept as an event: of the span it names, else of its session's log; ``prompt``: the
        text of the user's prompt it holds, which names that session when it is its first
        (``_first_prompt``)."""
        if rec.body is not None:
            attrs["body"] = cv.cut_head(rec.body, 4096) if isinstance(rec.body, str) else rec.body
        if rec.severity_text:
            attrs["severity"] = rec.severity_text
        elif rec.severity:
            attrs["severity_number"] = rec.severity
        ev_name = name or "log"
        if rec.trace_id and rec.span_id:
            if ev_name in cv.MESSAGE_DETAIL_EVENTS and (turn := cv.call_turn_prompt(res.framework, attrs)) is not None:
                # A model call's messages, of a client whose turn's root holds none (Google ADK's
                # ``invoke_workflow``): its user's text names the turn (``TURN_PROMPT_KEY``, as Codex's prompt).
                attrs[cv.TURN_PROMPT_KEY] = turn
            return [AttachedEvent(trace_id=rec.trace_id, span_id=rec.span_id,
                                  event=SpanEvent(name=ev_name, time_ns=t, attributes=attrs))]
        # A record with no identity joins the session its client's service named
        # (Codex); it never opens a session of its own for a known client.
        named = None if cv.SESSION_KEY_SET.isdisjoint(rec.attrs) else next(
            (_str(rec.attrs[k]) for k in cv.SESSION_KEYS if rec.attrs.get(k)), None)
        given = res.pinned_sid or named or res.explicit_sid or self.services.get(res)
        key = None
        if given is None:
            # The process's own log: in the session its spans named (while they name one), else its own.
            key = res.derived_sid
            given = self.services.log_session(res) or key
            self.services.note_log(res, _id(16, "log", key))
        sid = given
        if sid not in sessions:
            sessions[sid] = res.session(sid)
        if prompt is not None:
            return [*self._first_prompt(sid, prompt), *self._session_log(sid, t, ev_name, attrs, key)]
        return self._session_log(sid, t, ev_name, attrs, key)

    def _note_session(self, sessions: dict[str, Session], sid: str, res: ResourceInfo, attrs: dict[str, Any],
                      framework: str) -> None:
        if sid in sessions:
            return
        base = res.session(sid)
        # The client's own session id is the session's id, or, when ``run`` pinned the
        # session, kept beside it (Claude Code's ``session.id`` is what ``claude --resume`` takes).
        own = () if res.pinned_sid is not None else ("session.id", "conversation.id")
        extra = {k: v for k, v in attrs.items() if k in SESSION_ATTRS and k not in own}
        sessions[sid] = Session(id=sid, service=base.service, service_version=base.service_version, framework=framework,
                                framework_version=_str(attrs.get("app.version")), hostname=base.hostname,
                                attributes={**base.attributes, **extra})

    # -- Gemini CLI -------------------------------------------------------------
    def _gemini(self, name: str, sid: str, t: int, rec: LogView, attrs: dict[str, Any]) -> list[Update]:
        """A model call's request (remembered with the span it was logged in) or response (its
        tokens, reported on that span); either is also kept as an event of the call's span."""
        a = rec.attrs
        calls = self._conv(sid).calls
        key = (a.get("prompt_id"), a.get("role"), a.get("model"))
        event = SpanEvent(name=name, time_ns=t, attributes=attrs)
        if name == "gemini_cli.api_request":
            if not (rec.trace_id and rec.span_id):
                return self._session_log(sid, t, name, attrs)
            calls.append((key, rec.trace_id, rec.span_id))
            if len(calls) > MAX_OPEN_CALLS:
                del calls[0]
            return [AttachedEvent(trace_id=rec.trace_id, span_id=rec.span_id, event=event)]
        found = next((i for i, c in enumerate(calls) if c[0] == key), None)
        if found is None:
            return self._session_log(sid, t, name, attrs)
        _, trace_id, span_id = calls.pop(found)
        out: list[Update] = [AttachedEvent(trace_id=trace_id, span_id=span_id, event=event)]
        inp = _num(a.get("input_token_count"))
        if inp is None or _num(a.get("status_code")) not in (None, 200):
            return out
        answer = _num(a.get("output_token_count")) or 0
        thoughts = _num(a.get("thoughts_token_count")) or 0
        # Gemini counts cached tokens inside the prompt's (the monitor's convention) and
        # thinking beside the answer's; both are billed as output, so output counts both.
        usage = TokenUsage(input=inp, output=answer + thoughts, total=inp + answer + thoughts,
                           cache_read=_num(a.get("cached_content_token_count")) or 0, reasoning=thoughts)
        dur = _ms(a.get("duration_ms"))
        out.insert(0, Span(span_id=span_id, trace_id=trace_id, session_id=sid, name="", kind=SpanKind.LLM_CALL,
                           start_ns=t - dur, end_ns=t, llm=LlmInfo(model=_str(a.get("model"))), usage=usage,
                           attributes={USAGE_FROM: name}))
        return out

    # -- Claude Code ------------------------------------------------------------
    def _subagent(self, sid: str, a: dict[str, Any]) -> str | None:
        """The sub-agent a Claude Code event is of: its ``agent.name``, else the name an earlier
        event gave its ``agent_id`` (a tool's events send only the id); None for the main agent's."""
        name, aid = _str(a.get("agent.name")), _str(a.get("agent_id"))
        if aid is None:
            return name
        agents = self._conv(sid).agents
        if name is None:
            return agents.get(aid)
        agents[aid] = name
        agents.move_to_end(aid)
        if len(agents) > MAX_AGENTS:
            agents.popitem(last=False)
        return name

    def _claude(self, event: str, sid: str, t: int, rec: LogView) -> list[Update]:
        a = rec.attrs
        prompt_id = _str(a.get("prompt.id")) or ""
        seq = a.get("event.sequence")
        key = seq if seq not in (None, "") else (a.get("request_id") or t)
        # These events are logged inside the interaction span (enhanced telemetry on).
        ctx = (rec.trace_id, rec.span_id) if rec.trace_id and rec.span_id and event in CLAUDE_TURN_EVENTS else None
        if event == "user_prompt":
            turn = self._turn(sid, prompt_id, t, "cc", ctx)
            turn.start = min(turn.start, t)
            text = a.get("prompt")
            turn.name = f"prompt: {cv.cut_head(text, 60)}" if isinstance(text, str) and text else "prompt"
            turn.attrs.update(_free(a))
            if isinstance(text, str):
                turn.attrs["prompt"] = cv.cut_tail(text)
            return [*self._first_prompt(sid, text), self._root(turn, sid)]
        if event in ("api_request", "api_error"):
            turn = self._turn(sid, prompt_id, t, "cc", ctx)
            dur = _ms(a.get("duration_ms"))
            model = _str(a.get("model"))
            span = Span(
                span_id=_id(8, "cc", sid, prompt_id, event, key),
                trace_id=turn.trace_id,
                session_id=sid,
                parent_span_id=turn.root_id,
                name=event,
                kind=SpanKind.LLM_CALL,
                start_ns=t - dur,
                end_ns=t,
                llm=LlmInfo(provider="anthropic", model=model),
                # A sub-agent's own call (the Agent tool's): its events name the sub-agent (``agent.name``).
                agent=AgentInfo(name=name) if (name := self._subagent(sid, a)) else None,
                attributes=_rebuilt(_free(a, ("model", "duration_ms", "cost_usd", "input_tokens", "output_tokens",
                                              "cache_read_tokens", "cache_creation_tokens", "error", "status_code",
                                              "agent.name"))),
            )
            if event == "api_request":
                inp = _num(a.get("input_tokens")) or 0
                out = _num(a.get("output_tokens")) or 0
                cr = _num(a.get("cache_read_tokens")) or 0
                cw = _num(a.get("cache_creation_tokens")) or 0
                # Anthropic reports cache reads/writes beside input: add them in (model.py).
                span.usage = TokenUsage(input=inp + cr + cw, output=out, total=inp + cr + cw + out, cache_read=cr,
                                        cache_write=cw)
                cost = _num(a.get("cost_usd"), float)
                if cost is not None:
                    span.cost = Cost(total=cost, source="reported")
            else:
                span.status = Status.ERROR
                span.status_message = cv.cut_head(str(a.get("error") or "API error"), 1000)
                code = a.get("status_code")
                span.status_code = str(code) if code not in (None, "") else "api_error"
            return self._child(turn, sid, span)
        if event == "tool_result":
            turn = self._turn(sid, prompt_id, t, "cc", ctx)
            dur = _ms(a.get("duration_ms"))
            ok = cv._bool(a.get("success", True))
            tool, server = _claude_tool_name(a)
            # tool_input (OTEL_LOG_TOOL_DETAILS) is what the model called the tool with; tool_parameters
            # Claude Code's summary of it (for an MCP tool only its server's and tool's names).
            params = a.get("tool_input") or a.get("tool_parameters")
            span = _tool_span(
                turn, sid, _id(8, "cc", sid, prompt_id, event, a.get("tool_use_id") or key), tool, t, dur, ok,
                call_id=_str(a.get("tool_use_id")), args=params, output=None, error=a.get("error"),
                attributes=_free(a, ("tool_name", "duration_ms", "success", "tool_parameters", "tool_input",
                                     "tool_use_id", "error")), server=server,
            )
            if (agent := _claude_subagent(tool, params) or self._subagent(sid, a)) is not None:
                # The Agent (Task) tool: the sub-agent it ran; a sub-agent's own tool: that sub-agent.
                span.agent = AgentInfo(name=agent)
            return self._child(turn, sid, span)
        attrs = _free(a)
        if prompt_id:
            turn = self._turn(sid, prompt_id, t, "cc", ctx)
            turn.end = max(turn.end, t)
            return [self._root(turn, sid), AttachedEvent(trace_id=turn.trace_id, span_id=turn.root_id,
                                                          event=SpanEvent(name=f"claude_code.{event}", time_ns=t,
                                                                          attributes=attrs))]
        return self._session_log(sid, t, f"claude_code.{event}", attrs)

    # -- Codex ----------------------------------------------------------------------
    def _codex_in_trace(self, event: str, sid: str, t: int, rec: LogView, ctx: tuple[str, str] | None,
                        c: _Conv) -> list[Update]:
        """Codex events that carry trace context: its own spans are exported too.

        The model call and the tool call are rebuilt under the span each was
        logged in (and the store folds them into Codex's own ``handle_responses``
        and tool spans, store.calls); a model call is sent once its usage
        (``response.completed``) or its error is known. Everything else these
        records say Codex exports again as span events, so they are not kept twice.
        """
        a = rec.attrs
        if ctx is not None and (c.turn is None or c.turn.trace_id != ctx[0]):
            c.turn = self._turn(sid, ctx[0], t, "codex", ctx)
            c.turn.native = True
        out: list[Update] = []
        if event == "api_request" and ctx is not None:
            endpoint = _str(a.get("endpoint")) or ""
            if endpoint and "models" in endpoint.rsplit("/", 1)[-1]:
                self.ignored += 1  # the model list fetch is not a model call
                return []
            if c.pending is not None:
                out.append(c.pending)  # its completion never came: keep what is known
                c.pending = None
            dur = _ms(a.get("duration_ms"))
            span = Span(
                span_id=_id(8, "codex", sid, "req", t, a.get("attempt")), trace_id=ctx[0], session_id=sid,
                parent_span_id=ctx[1], name="api_request", kind=SpanKind.LLM_CALL, start_ns=t - dur, end_ns=t,
                llm=LlmInfo(provider=c.provider or "openai", model=_str(a.get("model"))),
                attributes=_rebuilt(_free(a, ("model", "duration_ms", "error.message"))),
            )
            err = a.get("error.message")
            code = _num(a.get("http.response.status_code"))
            if err or (code is not None and code >= 400):
                span.status = Status.ERROR
                span.status_message = cv.cut_head(str(err or f"HTTP {code}"), 1000)
                span.status_code = str(code) if code is not None else "api_error"
                out.append(span)
            else:
                c.pending = span
            return out
        if event == "sse_event":
            kind = a.get("event.kind")
            err = a.get("error.message")
            pending = c.pending
            if pending is None:
                self.ignored += 1
                return []
            span = pending
            if kind == "response.completed" and not err and a.get("input_token_count") is not None:
                inp = _num(a.get("input_token_count")) or 0
                out_tokens = _num(a.get("output_token_count")) or 0
                span.usage = TokenUsage(input=inp, output=out_tokens, total=inp + out_tokens,
                                        cache_read=_num(a.get("cached_token_count")) or 0,
                                        reasoning=_num(a.get("reasoning_token_count")) or 0)
                span.end_ns = max(t, span.end_ns or t)
            elif err:
                span.status = Status.ERROR
                span.status_message = cv.cut_head(str(err), 1000)
                span.status_code = str(kind or "sse_error")
            else:
                self.ignored += 1  # streaming deltas
                return []
            c.pending = None
            return [span]
        if event == "tool_result" and ctx is not None:
            dur = _ms(a.get("duration_ms"))
            ok = cv._bool(a.get("success", True))
            call_id = _str(a.get("call_id"))
            turn = _Turn(ctx[0], ctx[1], t)  # parent: the span the result was logged in
            tool = _codex_tool_name(a)
            span = _tool_span(
                turn, sid, _id(8, "codex", sid, "tool", call_id or t), tool, t, dur, ok,
                call_id=call_id, args=a.get("arguments"), output=a.get("output"), error=a.get("output"),
                attributes=_codex_tool_attrs(a, tool),
            )
            return [span]
        if event == "conversation_starts":
            c.provider = _provider(a) or c.provider
        if event == "user_prompt" and ctx is not None:
            # Exported again as a span event, but with the prompt's length only: the text (logged
            # with ``log_user_prompt``) is in the record alone. It names the session (its first
            # turn's) and stays with the turn, on the span it was logged in, with the turn's name
            # (``TURN_PROMPT_KEY``: its first line, read here whole; the store names the turn by it).
            text = a.get("prompt")
            shown = text if isinstance(text, str) and text != "[REDACTED]" and text.strip() else ""
            if shown:
                prompt = SpanEvent(name="codex.user_prompt", time_ns=t,
                                   attributes={"prompt": cv.cut_tail(shown), **_free(a, ("prompt", "model")),
                                               cv.TURN_PROMPT_KEY: cv.prompt_name(shown, first_line=True)})
                return [*self._first_prompt(sid, shown),
                        AttachedEvent(trace_id=ctx[0], span_id=ctx[1], event=prompt)]
        self.ignored += 1  # exported again as a span event on the span it names
        return []

    def _codex(self, event: str, sid: str, t: int, rec: LogView) -> list[Update]:
        a = rec.attrs
        c = self._conv(sid)
        if event == "conversation_starts":
            c.provider = _provider(a) or c.provider
            return self._session_log(sid, t, "codex.conversation_starts", _free(a))
        ctx = (rec.trace_id, rec.span_id) if rec.trace_id and rec.span_id else None
        if ctx is not None or (c.turn is not None and c.turn.native and event in ("sse_event", "api_request", "tool_result")):
            return self._codex_in_trace(event, sid, t, rec, ctx, c)
        if event == "user_prompt":
            new = self._turn(sid, str(t), t, "codex")
            text = a.get("prompt")
            shown = text if isinstance(text, str) and text != "[REDACTED]" else ""
            new.name = f"prompt: {cv.cut_head(shown, 60)}" if shown else "prompt"
            new.attrs.update(_free(a, ("model",)))
            if shown:
                new.attrs["prompt"] = cv.cut_tail(shown)
            c.turn = new
            return [*self._first_prompt(sid, shown), self._root(new, sid)]
        turn = c.turn
        if turn is None and event in ("api_request", "sse_event", "tool_result"):
            turn = c.turn = self._turn(sid, "-", t, "codex")
            turn.name = "conversation"
        model = _str(a.get("model"))
        if event == "api_request":
            assert turn is not None  # made above for this event
            dur = _ms(a.get("duration_ms"))
            span = Span(
                span_id=_id(8, "codex", sid, "req", t, a.get("attempt")),
                trace_id=turn.trace_id,
                session_id=sid,
                parent_span_id=turn.root_id,
                name="api_request",
                kind=SpanKind.LLM_CALL,
                start_ns=t - dur,
                end_ns=t,
                llm=LlmInfo(provider=c.provider or "openai", model=model),
                attributes=_rebuilt(_free(a, ("model", "duration_ms", "error.message"))),
            )
            err = a.get("error.message")
            code = _num(a.get("http.response.status_code"))
            if err or (code is not None and code >= 400):
                span.status = Status.ERROR
                span.status_message = cv.cut_head(str(err or f"HTTP {code}"), 1000)
                span.status_code = str(code) if code is not None else "api_error"
                c.llm = None
            else:
                c.llm = (span.span_id, turn.trace_id, span.start_ns, t, model)
            return self._child(turn, sid, span)
        if event == "sse_event":
            assert turn is not None  # made above for this event
            kind = a.get("event.kind")
            err = a.get("error.message")
            if kind == "response.completed" and not err and a.get("input_token_count") is not None:
                inp = _num(a.get("input_token_count")) or 0
                out = _num(a.get("output_token_count")) or 0
                usage = TokenUsage(
                    input=inp,  # OpenAI counts cached tokens inside input already
                    output=out,
                    total=inp + out,
                    cache_read=_num(a.get("cached_token_count")) or 0,
                    reasoning=_num(a.get("reasoning_token_count")) or 0,
                )
                extra = {k: a[k] for k in ("tool_token_count",) if k in a}
                if c.llm is not None and c.llm[1] == turn.trace_id:
                    span_id, trace_id, start, end, old_model = c.llm
                else:
                    span_id, trace_id, start, end, old_model = _id(8, "codex", sid, "sse", t), turn.trace_id, t, t, None
                span = Span(span_id=span_id, trace_id=trace_id, session_id=sid, parent_span_id=turn.root_id,
                            name="api_request", kind=SpanKind.LLM_CALL, start_ns=start, end_ns=max(t, end),
                            llm=LlmInfo(provider=c.provider or "openai", model=model or old_model),
                            usage=usage, attributes=_rebuilt(extra))
                c.llm = None
                return self._child(turn, sid, span)
            if err and c.llm is not None:
                span_id, trace_id, start, end, old_model = c.llm
                span = Span(span_id=span_id, trace_id=trace_id, session_id=sid, parent_span_id=turn.root_id,
                            name="api_request", kind=SpanKind.LLM_CALL, start_ns=start, end_ns=max(t, end),
                            status=Status.ERROR, status_message=cv.cut_head(str(err), 1000),
                            status_code=str(kind or "sse_error"))
                c.llm = None
                return self._child(turn, sid, span)
            self.ignored += 1  # streaming deltas: one per token chunk, not worth a span event
            return []
        if event == "tool_result":
            assert turn is not None  # made above for this event
            dur = _ms(a.get("duration_ms"))
            ok = cv._bool(a.get("success", True))
            tool = _codex_tool_name(a)
            call_id = _str(a.get("call_id"))
            args, output = a.get("arguments"), a.get("output")
            span = _tool_span(
                turn, sid, _id(8, "codex", sid, "tool", call_id or t), tool, t, dur, ok,
                call_id=call_id, args=args, output=output, error=output,
                attributes=_codex_tool_attrs(a, tool),
            )
            return self._child(turn, sid, span)
        attrs = _free(a)
        if turn is not None and not turn.native:  # Codex's own trace has no rebuilt root to carry it
            turn.end = max(turn.end, t)
            return [self._root(turn, sid), AttachedEvent(trace_id=turn.trace_id, span_id=turn.root_id,
                                                          event=SpanEvent(name=f"codex.{event}", time_ns=t,
                                                                          attributes=attrs))]
        return self._session_log(sid, t, f"codex.{event}", attrs)


#: The namespace Codex reports its own function tools in (``tool_namespace``): no part of their name.
CODEX_FUNCTIONS_NAMESPACE = "functions"


def _codex_tool_name(a: dict[str, Any]) -> str:
    """A Codex tool's name as the model called it: a tool of a namespace (each MCP server's tools are
    one, ``mcp__<server>``, loaded by Codex's tool search) is reported as its own name with the
    namespace beside it (``tool_name`` ``get_weather``, ``tool_namespace`` ``mcp__weather``): named
    ``mcp__weather__get_weather``, as Codex names a namespaced tool where an API has no namespaces
    (and as Claude Code names an MCP tool), so two servers' tools of one name are not one."""
    name = _str(a.get("tool_name")) or "tool"
    namespace = _str(a.get("tool_namespace"))
    if namespace and namespace != CODEX_FUNCTIONS_NAMESPACE:
        return f"{namespace}__{name}"
    return name


def _codex_tool_attrs(a: dict[str, Any], tool: str) -> dict[str, Any]:
    """The attributes of a tool call rebuilt from Codex's ``tool_result`` event: a namespaced tool's
    name stands over the one Codex's span of the call gives (``CALLED_AS``)."""
    attrs = _free(a, ("tool_name", "call_id", "arguments", "output", "duration_ms", "success", "model"))
    if tool != a.get("tool_name"):
        attrs[CALLED_AS] = tool
    return attrs


def _claude_tool_name(a: dict[str, Any]) -> tuple[str, str | None]:
    """A Claude Code tool's name and, for an MCP server's tool, the server's: an MCP tool's is reported
    as "mcp_tool" whatever it is, its own name and its server's only in ``tool_parameters`` (with
    OTEL_LOG_TOOL_DETAILS): it is named as the model called it, ``mcp__<server>__<tool>``, so different
    MCP tools are not one."""
    name = _str(a.get("tool_name")) or "tool"
    if name != "mcp_tool":
        return name, None
    params = a.get("tool_parameters")
    if isinstance(params, str):
        try:
            params = json.loads(params)
        except ValueError:
            return name, None
    if not isinstance(params, dict):
        return name, None
    server, tool = params.get("mcp_server_name"), params.get("mcp_tool_name")
    if isinstance(server, str) and server and isinstance(tool, str) and tool:
        return f"mcp__{server}__{tool}", server
    return name, None


#: Claude Code's tool that hands a task to a sub-agent (``Task`` before 2.1, ``Agent`` since).
CLAUDE_AGENT_TOOLS = frozenset({"Task", "Agent"})


def _claude_subagent(tool: str, params: Any) -> str | None:
    """The sub-agent a Claude Code Agent (Task) tool call ran: the ``subagent_type`` of its input
    (``tool_parameters`` and ``tool_input`` with OTEL_LOG_TOOL_DETAILS), else None."""
    if tool not in CLAUDE_AGENT_TOOLS:
        return None
    if isinstance(params, str):
        try:
            params = json.loads(params)
        except ValueError:
            return None
    kind = params.get("subagent_type") if isinstance(params, dict) else None
    return kind if isinstance(kind, str) and kind else None


def _provider(a: dict[str, Any]) -> str | None:
    """Codex's ``provider_name`` (its config's provider) as the span conventions name providers."""
    named = _str(a.get("provider_name"))
    return cv.provider_name(named) if named else None


def _str(v: Any) -> str | None:
    if v is None or v == "":
        return None
    return v if isinstance(v, str) else str(v)
