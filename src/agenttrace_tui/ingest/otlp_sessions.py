"""Which session an OTLP span belongs to, decided per converted chunk.

A session its resource pins wins (``agenttrace-tui run`` pins its command's),
then a span's own session attribute, another span of the same trace in the
chunk, the resource's, the trace itself for a resource whose every trace is a
session (AgentOps'), the session the store already files the trace
under, and last one session per service instance. Clients that name their
session on a few spans only (Codex, OpenCode) file the rest under the one their
service (its instance: one process) named last, or the one the same export request names: a
request is one process's batch, where a resource naming no instance (Codex's) cannot tell one run
of the service from the next. A trace two processes report (a client that sends
``traceparent`` to a gateway that traces the request; an agent and the MCP server it starts,
which inherits its service name, the MCP instrumentation carrying the trace into the server) is
its root's: when the root comes from a process other than the one whose own session the
store files the trace under, the trace moves to the root's process's. The other process, when
it is of the same service (the MCP server), is then part of that run: its own session and the
traces it alone reports (the server's span of the notification cancelling a request as the agent
closes the connection) go there too. A session made before any span named its framework (the
MCP SDK's spans of the connection, exported before the agent's own) takes the framework a later
export of its process names.

OpenCode runs a sub-agent (its ``task`` tool) in a session of its own, a child of the session whose
turn started it, inside that turn's trace: a span naming another session in a trace a session its
client named already files it under (``NESTED_SESSION_CLIENTS``) is the sub-agent's, and stays in the
turn's session (its own session id kept on it as sent); so does everything the child session names later.
The run is one session, the sub-agent's work a part of it, not a session that takes the turn's trace
away while the sub-agent runs.

A process's log (its records that name no session and no span: Python's log records an
auto-instrumentation exports, start-up warnings logged before any span) is shown in the session
its spans name while they name one (the records logged before that move there with it); a
process whose spans name several sessions keeps its log in a session of its own. So do its
traces that name no session (the MCP SDK's trace of the handshake of a connection the agent
opened before its run, whose spans name the run's conversation): in the session its spans name
while they name one, those filed under its own session before that moving there.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from itertools import compress

from ..model import Span
from ..normalize.otel import ResourceInfo

#: Clients that name their session (conversation) on a few spans only: their
#: other spans and records join the session their service named last (Codex's
#: ``conversation.id``, OpenCode's ``session.id`` on the spans of a session's work; the Letta
#: server's ``http.agent_id`` on its span of a request to an agent, which ends last).
PROCESS_SESSION_CLIENTS = frozenset({"codex", "opencode", "letta"})
#: Clients that run a sub-agent in a session of its own inside the trace of the turn that started it
#: (OpenCode's ``task`` tool: a child session, ``session.id`` on its spans): a span naming another
#: session in a trace a named session holds is that turn's (``ServiceSessions.nest``).
NESTED_SESSION_CLIENTS = frozenset({"opencode"})
MAX_SERVICES = 1024


class ServiceSessions:
    """The session each known client's service instance named last (bounded).

    Codex puts ``conversation.id`` on a handful of its ~600 spans per turn
    and on its log events; its start-up traces (auth, fs.*) and some records
    carry no identity at all. They belong to the run's conversation, not to a
    per-process session of their own.
    """

    def __init__(self) -> None:
        self._last: OrderedDict[str, str] = OrderedDict()
        #: (trace id, session, provisional session) the receiver hands to
        #: ``Store.claim_trace`` after each chunk: a trace (and the service's
        #: provisional session) filed before its session was named moves there.
        self.claims: list[tuple[str, str, str | None]] = []
        #: Each process (service instance) -> the one session its spans named, or None once they
        #: named another (``name_process``): where its log goes (``log_session``).
        self._sole: OrderedDict[str, str | None] = OrderedDict()
        #: Each process -> the trace of its log (``note_log``), to move where its session is named.
        self._logs: OrderedDict[str, str] = OrderedDict()
        self._claimed: OrderedDict[tuple[str, str], None] = OrderedDict()
        #: Sessions of one service instance (no session named), in use (``owned_by_other``), and
        #: the service of each.
        self._own: OrderedDict[str, str | None] = OrderedDict()
        #: A process's own session -> the session of the process of the same service whose trace
        #: it took part in (``adopt``): an MCP server started by its agent goes where the agent goes.
        self._adopted: OrderedDict[str, str] = OrderedDict()
        #: A trace whose root has not arrived -> the processes (their own sessions) that joined it
        #: while another process of their service filed it under its own session (``join``).
        self._joined: OrderedDict[str, list[str]] = OrderedDict()
        #: A session started inside another's turn (a sub-agent's) -> that session (``nest``).
        self._nested: OrderedDict[str, str] = OrderedDict()

    def nest(self, sid: str, known: str | None, earlier: str | None, res: ResourceInfo) -> str:
        """The session a span of ``res`` naming ``sid`` goes to: ``sid``'s, unless ``sid`` runs inside
        another session (``NESTED_SESSION_CLIENTS``): the one its trace is filed under (``known``),
        when its client named that one (not a process's own), else the one an earlier span of the
        trace in the same chunk named (``earlier``), when that is another; or the session it was
        found inside before (the sub-agent's later spans, in this trace or another)."""
        if res.framework not in NESTED_SESSION_CLIENTS:
            return sid
        outer = self._nested.get(sid) if self._nested else None
        if outer is not None:
            return outer
        holder = known if known is not None and known != res.derived_sid and known not in self._own else earlier
        if holder is None or holder == sid:
            return sid
        outer = self._nested.get(holder, holder)  # a sub-agent's sub-agent: the run's session
        self._nested[sid] = outer
        if len(self._nested) > MAX_SERVICES * 16:
            self._nested.popitem(last=False)
        return outer

    def note_own(self, res: ResourceInfo) -> None:
        """``res.derived_sid`` is in use: its service instance's own session."""
        sid = res.derived_sid
        if sid not in self._own:
            self._own[sid] = res.service
            if len(self._own) > MAX_SERVICES:
                self._own.popitem(last=False)

    def same_service(self, sid: str, res: ResourceInfo) -> bool:
        """Whether ``sid`` is the own session of a process of ``res``'s service (``note_own``)."""
        return res.service is not None and self._own.get(sid) == res.service

    def adopt(self, child: str, parent: str, trace_id: str) -> None:
        """The process whose own session is (or would be) ``child`` took part in a trace that is the
        session ``parent``'s, the trace's root's, reported by a process of the same service (an MCP
        server its agent started with its own environment: the agent's service name, an instance id
        of its own): it is part of the agent's run. Its own session, and the traces it alone reports
        (the MCP SDK's span of a ``notifications/cancelled`` sent as the agent closes the connection,
        which no client span carries a trace into), go to ``parent``, now and later. (Another
        service's process, a gateway serving many clients, keeps its own: callers check.)"""
        if child == parent:
            return
        if self._adopted.get(child) != parent:
            self._adopted[child] = parent
            self._adopted.move_to_end(child)
            if len(self._adopted) > MAX_SERVICES:
                self._adopted.popitem(last=False)
        if child in self._own:
            self.claims.append((trace_id, parent, child))

    def adopted_by(self, child: str) -> str | None:
        """The session the process whose own session is ``child`` was taken into (``adopt``)."""
        return self._adopted.get(child) if self._adopted else None

    def join(self, trace_id: str, child: str) -> None:
        """The process whose own session is (or would be) ``child`` joined a trace another process of
        its service files under its own session, the trace's root not arrived yet: whose run it is
        is known when the root comes (``root_arrived``)."""
        got = self._joined.get(trace_id)
        if got is None:
            self._joined[trace_id] = [child]
            if len(self._joined) > MAX_SERVICES * 16:
                self._joined.popitem(last=False)
        elif child not in got:
            got.append(child)

    def has_joined(self, trace_id: str) -> bool:
        return bool(self._joined) and trace_id in self._joined

    def root_arrived(self, trace_id: str, parent: str) -> None:
        """The root of a trace others joined (``join``) arrived, the trace ``parent``'s: they are adopted."""
        for child in self._joined.pop(trace_id, ()):
            self.adopt(child, parent, trace_id)

    def owned_by_other(self, sid: str, res: ResourceInfo) -> bool:
        """Whether ``sid`` is another service instance's own session (``note_own``): another
        service's, or another process of the same service (an MCP server started by its agent,
        with the agent's environment: its service name, its own instance id)."""
        return sid in self._own and sid != res.derived_sid

    def claim(self, res: ResourceInfo, trace_id: str, sid: str) -> None:
        if res.framework not in PROCESS_SESSION_CLIENTS or (trace_id, sid) in self._claimed:
            return
        self._claimed[(trace_id, sid)] = None
        if len(self._claimed) > MAX_SERVICES * 16:
            self._claimed.popitem(last=False)
        self.claims.append((trace_id, sid, res.derived_sid))

    def name_process(self, res: ResourceInfo, sid: str) -> None:
        """A span of ``res``'s process named its session ``sid``. The first session a process names
        is its log's (``log_session``), and the log and traces it filed under its own session so far
        move there; a second one makes it a process of several sessions, whose log is its own again."""
        key = _instance(res)
        if key is None:
            return
        if key in self._sole:
            if self._sole[key] not in (None, sid):
                self._sole[key] = None
            return
        self._sole[key] = sid
        if len(self._sole) > MAX_SERVICES:
            self._sole.popitem(last=False)
        log = self._logs.get(key)
        if log is not None:
            self.claims.append((log, sid, None))
        if res.derived_sid in self._own:  # its traces naming no session so far move there, its own session goes
            self.claims.append(("", sid, res.derived_sid))

    def log_session(self, res: ResourceInfo) -> str | None:
        """The session the log of ``res``'s process, and its traces that name none, are shown in: the
        one its spans named, while they named one only (``name_process``)."""
        key = _instance(res) if self._sole else None
        return self._sole.get(key) if key is not None else None

    def note_log(self, res: ResourceInfo, trace_id: str) -> None:
        """``trace_id`` is the trace of the log of ``res``'s process (its records naming nothing)."""
        key = _instance(res)
        if key is not None and key not in self._logs:
            self._logs[key] = trace_id
            if len(self._logs) > MAX_SERVICES:
                self._logs.popitem(last=False)

    def drain(self) -> list[tuple[str, str, str | None]]:
        out, self.claims = self.claims, []
        return out

    def note(self, res: ResourceInfo, sid: str) -> None:
        if res.framework in PROCESS_SESSION_CLIENTS and res.service:
            key = _process(res)
            self._last[key] = sid
            self._last.move_to_end(key)
            if len(self._last) > MAX_SERVICES:
                self._last.popitem(last=False)

    def get(self, res: ResourceInfo) -> str | None:
        if res.framework in PROCESS_SESSION_CLIENTS and res.service:
            return self._last.get(_process(res))
        return None


def _instance(res: ResourceInfo) -> str | None:
    """One process: the service and the instance its resource names; None where it names none
    (every run of the service would be one)."""
    instance = res.attrs.get("service.instance.id")
    return f"{res.service}/{instance}" if instance not in (None, "") else None


def _process(res: ResourceInfo) -> str:
    """The service, and its instance where the resource names one (OpenCode's run id: one per
    process): another run of the client, which has named no session yet, is not the last one's.
    Not the host or pid a resource may name for one signal only (Codex's logs name the host,
    its spans do not)."""
    instance = res.attrs.get("service.instance.id")
    return f"{res.service}/{instance}" if instance not in (None, "") else str(res.service)


class SessionResolver:
    """Which session a span belongs to.

    Order: the session its resource pins (``cv.PINNED_SESSION_KEY``), the
    span's own session attribute, another span of the same trace in this
    chunk that names one, the resource's, the trace's id for a resource
    each of whose traces is a session (``ResourceInfo.trace_sessions``), the
    session the store already files the trace under (kept as is), then one
    session per service instance. So a trace whose root alone carries ``session.id`` is not torn
    between sessions when its children arrive in an earlier export.
    """

    def __init__(self, trace_session: Callable[[str], str | None], services: ServiceSessions | None = None,
                 trace_rooted: Callable[[str], bool] | None = None) -> None:
        self.trace_session = trace_session
        #: Whether the store holds the root span of a trace (None: never asked; a trace's process then
        #: takes part in its root's process's session only when the root arrives after it).
        self.trace_rooted = trace_rooted
        self.services = services or ServiceSessions()
        #: pinned session -> the session the client named on its spans (OpenCode's ``ses_...``),
        #: kept on the run's session as its ``session.id`` (what resumes it in the client)
        self.own: dict[str, str] = {}
        # One resolver reads one export request, and a request is one process's batch (its SDK's): what
        # its spans name is its process's, whatever other runs of the service (the same resource: Codex
        # names no instance) named between. Per process (``_process``) of a client naming its session on
        # a few spans only (``PROCESS_SESSION_CLIENTS``): the session the request's spans named last, and
        # the traces of spans naming none it filed before they named one (an earlier chunk: under the
        # session the service named last, perhaps its previous run's), which move there once they do.
        self._named_here: dict[str, str] = {}
        self._before_named: dict[str, list[tuple[str, str]]] = {}

    def resolve(self, spans: list[Span], explicit: list[bool], res_of: list[ResourceInfo]) -> dict[str, ResourceInfo]:
        named = list(compress(zip(spans, res_of, strict=True), explicit))  # the spans that name their session (few)
        for s, res in named:
            if res.pinned_sid is not None:
                if s.session_id != res.pinned_sid:
                    self.own.setdefault(res.pinned_sid, s.session_id)
                s.session_id = res.pinned_sid  # its process is pinned to one session (``agenttrace-tui run``)
        services = self.services
        first: dict[str, str] = {}  # trace -> the session the first span of it here names
        for s, res in named:
            if res.pinned_sid is None and res.framework in NESTED_SESSION_CLIENTS:
                tid = s.trace_id
                s.session_id = services.nest(s.session_id, self.trace_session(tid), first.get(tid), res)
                first.setdefault(tid, s.session_id)
        by_trace = {s.trace_id: s.session_id for s, _res in named}
        told: tuple[ResourceInfo, str] | None = None
        for s, res in named:
            services.note(res, s.session_id)
            services.claim(res, s.trace_id, s.session_id)
            if told is None or told[0] is not res or told[1] != s.session_id:
                told = (res, s.session_id)
                services.name_process(res, s.session_id)
                if res.framework in PROCESS_SESSION_CLIENTS and res.service:
                    self._name_request(_process(res), s.session_id)
        sessions: dict[str, ResourceInfo] = {}
        # Nothing the answer depends on changes in this loop (by_trace, the services' last
        # sessions, the store), so a span of the same trace and resource as the one before
        # (the usual run) takes that one's session without asking again.
        last_tid: str | None = None
        last_res: ResourceInfo | None = None
        last_sid = ""
        roots: set[str] | None = None  # traces whose root span is in this chunk (made when asked)
        for s, e, res in zip(spans, explicit, res_of, strict=True):
            if not e:
                tid = s.trace_id
                if tid == last_tid and res is last_res:
                    s.session_id = last_sid  # and sessions holds it already, or it is the store's
                    continue
                sid = by_trace.get(tid) or res.explicit_sid
                if sid is None and res.trace_sessions:
                    sid = tid  # each trace its own session (AgentOps'), wherever its spans arrive
                if sid is None:
                    known = self.trace_session(tid)
                    if known is not None:
                        if services.owned_by_other(known, res):
                            if roots is None:
                                roots = {x.trace_id for x in spans if x.parent_span_id is None}
                            own = tid in roots
                        else:
                            own = False
                        if not own:
                            if (services.same_service(known, res) and known != res.derived_sid
                                    and known != services.adopted_by(res.derived_sid)):
                                # It joins a trace another process of its service files under its own
                                # session: part of that process's run once the trace's root is known there.
                                if self.trace_rooted is not None and self.trace_rooted(tid):
                                    services.adopt(res.derived_sid, known, tid)
                                else:
                                    services.join(tid, res.derived_sid)
                            elif services.has_joined(tid):
                                if roots is None:
                                    roots = {x.trace_id for x in spans if x.parent_span_id is None}
                                if tid in roots:
                                    services.root_arrived(tid, known)
                            if known == res.derived_sid and res.framework is not None:
                                # Its own session, which an earlier export of it made before any span
                                # named its framework (fast-agent's MCP handshake, exported first).
                                sessions.setdefault(known, res)
                            s.session_id = last_sid = known
                            last_tid, last_res = tid, res
                            continue
                    key = _process(res) if res.framework in PROCESS_SESSION_CLIENTS and res.service else None
                    here = self._named_here.get(key) if key is not None and self._named_here else None
                    sid = (here or services.get(res) or services.adopted_by(res.derived_sid)
                           or services.log_session(res))
                    if sid is None:
                        sid = res.derived_sid
                        services.note_own(res)
                    if key is not None and here is None:  # until the request names its process's session
                        self._before_named.setdefault(key, []).append((tid, sid))
                    if known is not None:  # the trace moves from another process's own session to its root's
                        if services.same_service(known, res):
                            services.adopt(known, sid, tid)
                        if services.has_joined(tid):
                            services.root_arrived(tid, sid)
                s.session_id = last_sid = sid
                last_tid, last_res = tid, res
            sessions.setdefault(s.session_id, res)
        return sessions

    def _name_request(self, key: str, sid: str) -> None:
        """The request's spans of process ``key`` name ``sid``: where its spans naming none go from now
        on, and the first time, the traces it filed elsewhere before (an earlier chunk of it) move there."""
        if key not in self._named_here:
            claims = self.services.claims
            for tid, filed in self._before_named.pop(key, ()):
                if filed != sid:
                    claims.append((tid, sid, None))
        self._named_here[key] = sid
