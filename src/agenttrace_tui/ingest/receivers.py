"""Native receivers: UDP, TCP and a Unix socket, all on the running event loop.

Each receiver only moves bytes into ``Pipeline.feed(payload, source)``, which
is synchronous and in memory: nothing here waits on the store's writer or the
disk, so the loop is back at the sockets as soon as a payload is indexed.

UDP is read by a plain ``loop.add_reader`` callback that drains the socket
(until ``BlockingIOError``) on every wake-up. asyncio's DatagramProtocol takes
one datagram per loop iteration and pays a full loop turn for each, so it falls
behind and loses datagrams far sooner (docs/bench/ingest.md measures both).
The receive buffer is raised to 8 MiB (SO_RCVBUFFORCE when privileged, else
SO_RCVBUF up to the sysctl cap) to ride out pauses of the loop, e.g. a UI frame.

Stream sockets (TCP, Unix) carry newline-delimited JSON; see ``LineProtocol``.

Length: the three native receivers (UDP, TCP, Unix) share the pipeline feed,
the connection cap, the hello-line check and the shutdown drain, which
ReceiverSet coordinates; they are read together.
"""

from __future__ import annotations

import asyncio
import errno
import fcntl
import hmac
import os
import re
import socket
import stat
import sys
import tempfile
import termios
import time
from collections.abc import Callable
from io import BytesIO

import msgspec

from ..normalize.records import DEFAULT_MAX_RECORD_BYTES
from .pipeline import Pipeline

__all__ = ["PortInUseError", "ReceiverSet", "default_socket_path", "start_receivers", "LineProtocol"]

#: Receive buffer requested for the UDP socket.
UDP_RCVBUF = 8 * 1024 * 1024
#: Datagrams read per wake-up at most; the reader fires again at once if more
#: are waiting, so nothing is lost by the cap.
UDP_DRAIN_CAP = 1024
#: A wake-up feeds the pipeline in chunks of about this many bytes (a few
#: hundred spans: still one batch for the enrichers and the store)...
UDP_CHUNK_BYTES = 32 * 1024
#: ...and yields to the other callbacks (a key, a frame) once it has run this
#: long: under a burst the UI waits for one chunk, not for the whole backlog.
UDP_TURN_S = 0.004
#: While the UI answers a key (``ReceiverSet.yield_to_input``) a wake-up feeds
#: one chunk of about this many bytes (a datagram or two) and gives the loop
#: back: a key's handling crosses several loop turns, and a full turn at each
#: added up to a frame's worth of waiting. The kernel's 8 MiB buffer holds
#: seconds of traffic; the backlog is read at full speed once the frame is out.
UDP_INPUT_CHUNK_BYTES = 8 * 1024
#: Largest UDP payload possible (IPv4: 65,507); one read always takes a whole datagram.
_UDP_READ = 65536
#: Linux's SO_RCVBUFFORCE (not exported by the socket module): ignores rmem_max, needs CAP_NET_ADMIN.
_SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33 if sys.platform.startswith("linux") else None)


class PortInUseError(OSError):
    """A receiver address is taken; ``str()`` is one line naming the flag to change it."""

    def __init__(self, proto: str, host: str, port: int, flag: str) -> None:
        super().__init__(errno.EADDRINUSE, "address already in use")
        self.proto = proto
        self.host = host
        self.port = port
        self.flag = flag

    def __reduce__(self) -> tuple:
        return (type(self), (self.proto, self.host, self.port, self.flag))

    def __str__(self) -> str:
        if self.proto == "unix":
            return f"Unix socket {self.host} is already in use by a running process; choose another with {self.flag}"
        return f"{self.proto} port {self.port} on {self.host} is already in use; choose another with {self.flag}"


def default_socket_path() -> str:
    """``$XDG_RUNTIME_DIR/agenttrace-tui.sock``, else ``/tmp/agenttrace-tui-<uid>.sock``."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isdir(runtime):
        return os.path.join(runtime, "agenttrace-tui.sock")
    # Literally /tmp (not $TMPDIR): senders compute the same path without asking us.
    return f"/tmp/agenttrace-tui-{os.getuid()}.sock"


def _feed_safely(pipeline: Pipeline, payload: bytes, source: str) -> None:
    # The pipeline counts bad input itself; this only guards against a bug
    # further down (store, enricher) taking a receiver with it.
    try:
        pipeline.feed(payload, source)
    except Exception as exc:  # noqa: BLE001 - a receiver must outlive any record
        pipeline.stats.reject(source, "internal_error", f"{type(exc).__name__}: {exc}", payload)


def _feed_many_safely(pipeline: Pipeline, payloads: list[bytes], source: str) -> None:
    # feed_many already isolates a failing payload; this is the last line of defence.
    try:
        pipeline.feed_many(payloads, source)
    except Exception as exc:  # noqa: BLE001 - a receiver must outlive any record
        pipeline.stats.reject(source, "internal_error", f"{type(exc).__name__}: {exc}", payloads[0], n=len(payloads))


# -- UDP ------------------------------------------------------------------


class _UdpReader:
    """Drains a non-blocking UDP socket into the pipeline on each wake-up."""

    def __init__(self, sock: socket.socket, pipeline: Pipeline, loop: asyncio.AbstractEventLoop) -> None:
        self.sock = sock
        self.pipeline = pipeline
        self.loop = loop
        self._paused = False
        #: time.monotonic() until which wake-ups are short (``ReceiverSet.yield_to_input``)
        self.short_until = 0.0
        loop.add_reader(sock.fileno(), self._drain)

    def _drain(self) -> None:
        recv = self.sock.recv
        pipeline = self.pipeline
        deadline = time.perf_counter() + UDP_TURN_S
        left = UDP_DRAIN_CAP
        chunk_bytes = UDP_CHUNK_BYTES
        if self.short_until and time.monotonic() < self.short_until:
            chunk_bytes = UDP_INPUT_CHUNK_BYTES
            deadline = 0.0  # one chunk, then the loop's other callbacks
        empty = False
        while left > 0 and not empty:
            batch: list[bytes] = []
            append = batch.append
            size = 0
            try:
                while size < chunk_bytes and len(batch) < left:
                    data = recv(_UDP_READ)
                    append(data)
                    size += len(data)
            except (BlockingIOError, InterruptedError):
                empty = True
            except OSError:
                empty = True  # e.g. an ICMP error surfaced on the socket: nothing more to read now
            if not batch:
                break
            left -= len(batch)
            pipeline.stats.datagrams += len(batch)
            _feed_many_safely(pipeline, batch, "udp")
            flow = pipeline.flow
            if flow is not None and not self._paused and flow.over():
                # The writer is behind: datagrams wait in the receive buffer (ingest/flow.py).
                self._paused = True
                self.loop.remove_reader(self.sock.fileno())
                flow.hold(self, self._resume)
                break
            if time.perf_counter() >= deadline:
                break  # the rest on the next turn of the loop (the reader is still ready)
        pipeline.settle()

    def _resume(self) -> None:
        if self._paused and self.sock.fileno() >= 0:
            self._paused = False
            self.loop.add_reader(self.sock.fileno(), self._drain)

    def close(self) -> None:
        if self.sock.fileno() >= 0:
            if not self._paused:
                self.loop.remove_reader(self.sock.fileno())
            self.sock.close()


async def _bind_udp(host: str, port: int) -> socket.socket:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_DGRAM, flags=socket.AI_PASSIVE)
    family, _, _, _, addr = infos[0]
    sock = socket.socket(family, socket.SOCK_DGRAM)
    try:
        sock.setblocking(False)
        _grow_rcvbuf(sock)
        sock.bind(addr)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUseError("UDP", host, port, "--udp-port") from None
        raise
    return sock


def _grow_rcvbuf(sock: socket.socket) -> None:
    if _SO_RCVBUFFORCE is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, _SO_RCVBUFFORCE, UDP_RCVBUF)
            return
        except OSError:
            pass  # not privileged: fall back to the capped option
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, UDP_RCVBUF)
    except OSError:
        pass  # keep the default; the granted size is reported either way


# -- streams --------------------------------------------------------------


#: Bytes held at the start of a stream connection to tell HTTP from records.
_SNIFF_BYTES = 16
#: An HTTP/1.x request line's start: a method token and a space (records start with "{" or "[").
_HTTP_START = re.compile(rb"\s*(GET|POST|PUT|HEAD|OPTIONS|DELETE|PATCH|CONNECT|TRACE|PRI) ")


def quiet_accept_errors(loop: asyncio.AbstractEventLoop, pipeline: Pipeline) -> None:
    """Out of file descriptors: one line on stderr, then only a count.

    asyncio reports every failed accept() (EMFILE/ENFILE) through the loop's
    exception handler with a traceback, once per listener per retry: at the
    fd limit that was tens of thousands of tracebacks. This handler counts
    them as ``fd_exhausted`` rejects and prints the first one as one line;
    everything else goes to the previous handler.
    """
    prev = loop.get_exception_handler()
    if getattr(prev, "_agenttrace_quiet", False):
        return
    printed = False

    def handler(lp: asyncio.AbstractEventLoop, context: dict) -> None:
        nonlocal printed
        exc = context.get("exception")
        if isinstance(exc, OSError) and exc.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
            pipeline.stats.reject("accept", "fd_exhausted", f"accept() failed: {exc.strerror}; new connections wait")
            if not printed:
                printed = True
                print(f"agenttrace-tui: cannot accept connections: {exc.strerror} (raise `ulimit -n`); "
                      "counted as fd_exhausted from now on", file=sys.stderr)
            return
        if prev is not None:
            prev(lp, context)
        else:
            lp.default_exception_handler(context)

    handler._agenttrace_quiet = True  # type: ignore[attr-defined]
    loop.set_exception_handler(handler)


#: On close, reading goes on while it makes progress (the kernel's unread
#: bytes go down, or a connection was read from), and stops once it has not
#: for this long...
DRAIN_S = 1.0
#: ...or at the latest after this long: a busy machine reads a full socket
#: buffer in seconds, and what the kernel already acknowledged to a TCP
#: sender is kept rather than cut at a fixed 2 s.
DRAIN_MAX_S = 8.0
#: The kernel's unread bytes (FIONREAD) are checked this often.
DRAIN_POLL_S = 0.01
#: No unread byte ends the drain only once no stream connection was read from
#: for this long: a TCP sender's kernel still holds what did not fit the
#: receiving buffer and sends it when the window opens, which on a busy
#: machine (deferred softirqs) comes a few ms after the read that emptied it.
DRAIN_QUIET_S = 0.05


#: Open stream connections per receiver set (TCP and Unix together). At the
#: cap the connection idle the longest is closed to make room for a new one.
MAX_STREAM_CONNECTIONS = 1024


def _evict_idlest(conns: set[asyncio.Transport], pipeline: Pipeline, source: str) -> None:
    idlest = min(conns, key=lambda t: getattr(t.get_protocol(), "last_active", 0.0), default=None)
    if idlest is None:
        return
    conns.discard(idlest)
    idlest.close()
    pipeline.stats.reject(source, "connection_evicted",
                          f"the connection idle the longest gave way to a new one (cap {MAX_STREAM_CONNECTIONS})")


class LineProtocol(asyncio.Protocol):
    """Newline-delimited JSON on a stream: many lines per read, lines split across reads.

    A line longer than ``max_bytes`` is rejected as "oversized" and its bytes
    are dropped up to the next newline, so the buffer never holds more than
    ``max_bytes`` even for a line that never ends; the connection stays usable.
    A final line without newline is still fed when the peer closes.
    """

    def __init__(self, pipeline: Pipeline, source: str, max_bytes: int, conns: set[asyncio.Transport],
                 token: bytes | None = None) -> None:
        self.pipeline = pipeline
        self.source = source
        self.max_bytes = max_bytes
        self.conns = conns
        #: With a token, the connection's first line must be a hello carrying it.
        self.token = token
        #: Whether the connection's first line is still to come (a hello, or with no token maybe a record).
        self._first = True
        self.transport: asyncio.Transport | None = None
        self._buf = bytearray()
        self._discarding = False  # inside an oversized line, waiting for its newline
        #: the first bytes of the connection, held until it is clear it is not HTTP
        self._head: bytearray | None = bytearray()
        self._closed_unauthorized = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.last_active = time.monotonic()
        if len(self.conns) >= MAX_STREAM_CONNECTIONS:
            _evict_idlest(self.conns, self.pipeline, self.source)
        self.conns.add(transport)  # type: ignore[arg-type]

    def connection_lost(self, exc: Exception | None) -> None:
        self.conns.discard(self.transport)
        if self.pipeline.flow is not None:
            self.pipeline.flow.forget(self)
        if self._head:  # a short connection that never reached a newline
            head, self._head = bytes(self._head), None
            if not _HTTP_START.match(head):
                self._buf += head
        if self._buf and not self._discarding:
            tail = bytes(self._buf)
            self._buf.clear()
            if not tail.isspace():
                lines = self._after_hello([tail])
                if lines:
                    _feed_safely(self.pipeline, lines[0], self.source)

    def _after_hello(self, lines: list[bytes]) -> list[bytes]:
        """The lines to feed once the connection's first line is dealt with.

        A first line that is a hello is consumed (its token checked when one
        is required). With a token, anything else first, or a wrong token,
        is refused: counted as "unauthorized", the connection closed, its
        lines dropped.
        """
        if not self._first or not lines:
            return lines
        self._first = False
        hello = _hello_token(lines[0])
        if self.token is None:
            return lines[1:] if hello is not None else lines
        if hello is not None and hmac.compare_digest(hello.encode("utf-8", "replace"), self.token):
            return lines[1:]
        self._refuse("a wrong token in the hello line" if hello is not None
                     else "no hello line with the token first", lines[0])
        return []

    def _refuse(self, why: str, payload: bytes | bytearray) -> None:
        self.pipeline.stats.reject(self.source, "unauthorized", f"{why}: the connection was closed",
                                   _redacted(bytes(payload[:120])))
        if self.transport is not None:
            self.transport.close()
        self._buf.clear()
        self._discarding = True
        self._closed_unauthorized = True

    def _oversized(self, seen: int, head: bytes | bytearray) -> None:
        if self._first:
            self._first = False
            if self.token is not None:  # an oversized first line is no hello
                self._refuse("no hello line with the token first", head)
                return
        self.pipeline.stats.reject(
            self.source,
            "oversized",
            f"line longer than the {self.max_bytes}-byte record limit ({seen}+ bytes); dropped up to the next newline",
            bytes(head[:120]),
        )

    def data_received(self, data: bytes) -> None:
        if self._closed_unauthorized:
            return
        self.last_active = time.monotonic()
        if self._head is not None:
            head = self._head
            head += data
            if len(head) < _SNIFF_BYTES and b"\n" not in head:
                return
            self._head = None
            if _HTTP_START.match(head):
                # A browser's fetch(no-cors) or any HTTP client: its body lines must
                # never become records. Refused whole, the connection closed.
                self.pipeline.stats.reject(self.source, "http_on_native_port",
                                           "an HTTP request on the native stream port; use the OTLP port",
                                           bytes(head[:120]))
                if self.transport is not None:
                    self.transport.close()
                self._buf.clear()
                self._discarding = True
                return
            data = bytes(head)
        start = 0
        if self._discarding:
            i = data.find(b"\n")
            if i < 0:
                return
            self._discarding = False
            start = i + 1
        last = data.rfind(b"\n")
        if last < start:
            self._keep(data, start)
            return
        max_bytes = self.max_bytes
        buf = self._buf
        lines: list[bytes] = []
        if buf:
            # The first line began in an earlier read.
            i = data.find(b"\n", start)
            if len(buf) + i - start > max_bytes:
                self._oversized(len(buf) + i - start, buf)
            else:
                buf += data[start:i]
                if not buf.isspace():
                    lines.append(bytes(buf))
            buf.clear()
            start = i + 1
        if start < last:
            # Split by BytesIO, which finds each newline with memchr; bytes.split(b"\n") tests
            # byte by byte (split, strip and filter: 80 ns a 470-byte line here, 192 that way).
            # Each line keeps its b"\n" until rstrip (the limit is on what precedes it).
            split = BytesIO(data[start:last + 1]).readlines()
            if max(map(len, split)) <= max_bytes + 1:
                # The common read: every line within the limit; blank ones dropped in C.
                lines += filter(None, map(bytes.rstrip, split))
            else:
                for line in split:
                    if len(line) > max_bytes + 1:
                        self._oversized(len(line) - 1, line)
                    elif line := line.rstrip():
                        lines.append(line)
        if self._first:
            lines = self._after_hello(lines)
            if self._closed_unauthorized:
                return
        if lines:
            _feed_many_safely(self.pipeline, lines, self.source)
            self.pipeline.settle()
            flow = self.pipeline.flow
            if flow is not None and self.transport is not None and flow.over():
                # The writer is behind: stop reading; the sender waits in its send (ingest/flow.py).
                self.transport.pause_reading()
                flow.hold(self, self._resume)
        self._keep(data, last + 1)

    def _resume(self) -> None:
        t = self.transport
        if t is not None and not t.is_closing():
            t.resume_reading()

    def _keep(self, data: bytes, start: int) -> None:
        """Buffer an unfinished line, or start discarding it once it is too long."""
        if start >= len(data):
            return
        buf = self._buf
        if len(buf) + len(data) - start > self.max_bytes:
            self._oversized(len(buf) + len(data) - start, buf or data[start:])
            buf.clear()
            self._discarding = True
        else:
            buf += data[start:] if start else data

    def eof_received(self) -> bool:
        return False  # close our side too; connection_lost feeds any final line


_hello_decoder = msgspec.json.Decoder()


def _hello_token(line: bytes) -> str | None:
    """The token of a hello line (``{"v":1,"type":"hello","token":"..."}``), "" without one; None if not a hello."""
    if b'"hello"' not in line:
        return None
    try:
        obj = _hello_decoder.decode(line)
    except msgspec.DecodeError:
        return None
    if not isinstance(obj, dict) or obj.get("type") != "hello":
        return None
    token = obj.get("token")
    return token if isinstance(token, str) else ""


def _redacted(payload: bytes) -> bytes:
    """A refused first line as the diagnostics show it: a hello's token is never kept."""
    return b'{"type":"hello","token":"<redacted>"}' if b'"hello"' in payload else payload


# -- Unix socket ----------------------------------------------------------


def _claim_unix_path(path: str) -> None:
    """Remove a stale socket file left by a dead process; refuse a live one."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(st.st_mode):
        raise FileExistsError(errno.EEXIST, f"{path} exists and is not a socket; choose another with --socket", path)
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.settimeout(1.0)
        probe.connect(path)
    except (ConnectionRefusedError, FileNotFoundError):
        pass  # nobody listens: stale
    except OSError:
        pass  # e.g. a timeout from a wedged listener; treat as stale like other tools do
    else:
        raise PortInUseError("unix", path, 0, "--socket")
    finally:
        probe.close()
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


#: Longest AF_UNIX path Linux accepts (sun_path is 108 bytes with its NUL).
_MAX_UNIX_PATH = 107


def _bind_unix(path: str) -> tuple[socket.socket, tuple[int, int]]:
    """Bind a listening Unix socket at ``path`` that is mode 0600 from its first moment.

    The socket is bound inside a private 0700 directory next to ``path``,
    chmod-ed there and renamed into place, so no other user can ever connect
    to it in a window before the chmod. (When that detour would make the path
    too long, it is bound in place under a 0177 umask instead.)
    """
    path = os.path.abspath(path)
    if len(os.fsencode(path)) > _MAX_UNIX_PATH:
        raise OSError(
            errno.ENAMETOOLONG,
            f"Unix socket path {path} is longer than {_MAX_UNIX_PATH} bytes; choose a shorter one with --socket",
        )
    parent = os.path.dirname(path)
    if not os.path.isdir(parent):
        raise FileNotFoundError(errno.ENOENT, f"directory {parent} for the Unix socket does not exist; create it or choose another path with --socket")
    _claim_unix_path(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    tmpdir = tempfile.mkdtemp(prefix=".at", dir=parent)
    tmp = os.path.join(tmpdir, "s")
    direct = len(os.fsencode(tmp)) > _MAX_UNIX_PATH
    placed = False
    try:
        if direct:
            old_mask = os.umask(0o177)
            try:
                sock.bind(path)
            finally:
                os.umask(old_mask)
        else:
            sock.bind(tmp)
            os.chmod(tmp, 0o600)
            os.rename(tmp, path)
        placed = True
        os.chmod(path, 0o600)
        sock.listen(128)
        sock.setblocking(False)
        st = os.lstat(path)
    except BaseException:
        sock.close()
        for leftover in (tmp, path) if placed else (tmp,):
            if os.path.lexists(leftover):
                os.unlink(leftover)
        raise
    finally:
        os.rmdir(tmpdir)
    return sock, (st.st_dev, st.st_ino)


# -- the set --------------------------------------------------------------


class ReceiverSet:
    """The bound receivers; ``close()`` releases them and removes the Unix socket file."""

    def __init__(self) -> None:
        self.endpoints: list[str] = []
        self.udp_address: tuple[str, int] | None = None
        self.tcp_address: tuple[str, int] | None = None
        self.unix_path: str | None = None
        #: SO_RCVBUF as the kernel reports it after our 8 MiB request. Linux
        #: doubles the request for bookkeeping (8 MiB -> 16,777,216) and caps it
        #: at net.core.rmem_max unless SO_RCVBUFFORCE was allowed.
        self.udp_rcvbuf: int | None = None
        self._udp: _UdpReader | None = None
        self._servers: list[asyncio.AbstractServer] = []
        self._conns: set[asyncio.Transport] = set()
        self._unix_id: tuple[int, int] | None = None
        self._pipeline: Pipeline | None = None

    def yield_to_input(self, seconds: float) -> None:
        """For the next ``seconds`` (0: from now on no longer) the UDP reader feeds one
        small chunk per wake-up: the UI is answering a key, and its frame waits for
        every callback that runs before it."""
        if self._udp is not None:
            self._udp.short_until = time.monotonic() + seconds if seconds > 0 else 0.0

    def _last_read(self) -> float:
        """When any open stream connection last received data (monotonic seconds; 0 for none)."""
        return max((getattr(t.get_protocol(), "last_active", 0.0) for t in self._conns), default=0.0)

    def _kernel_holds(self) -> int:
        """Unread bytes the kernel holds for the receiver sockets."""
        held = _queued(self._udp.sock) if self._udp is not None else 0
        return held + sum(_queued(t.get_extra_info("socket")) for t in self._conns if not t.is_closing())

    async def close(self, drain_s: float = DRAIN_S) -> None:
        """Stop accepting, read what the kernel already holds, then release everything.

        Records a sender has already written sit in socket buffers (TCP and
        Unix connections, the UDP queue): after the listeners close, reading
        goes on until the kernel holds no unread byte for them (FIONREAD), so a
        clean shutdown keeps them. It stops early when for ``drain_s`` neither
        the unread bytes went down nor any connection was read from, and after
        ``DRAIN_MAX_S`` whatever happens. No unread byte counts as drained once
        no connection was read from for ``DRAIN_QUIET_S`` (more may be in flight).

        Why both signs of progress: a stream's unread bytes need not go down
        while it is read. A sender's kernel holds what the receiving side's
        buffer cannot, and refills that buffer as fast as the monitor reads it,
        so the count stays at the buffer's size for as long as the sender's
        queue lasts (seconds on a busy machine); stopping then cut records a
        sender had already handed over.
        """
        for server in self._servers:
            server.close()
        if self._pipeline is not None and self._pipeline.flow is not None:
            self._pipeline.flow.close()  # paused receivers read on: what the kernel holds is kept
        if drain_s > 0 and (self._udp is not None or self._conns):
            loop = asyncio.get_running_loop()
            now = loop.time()
            hard_stop = now + max(drain_s, DRAIN_MAX_S)
            stall_stop = now + drain_s
            least = None
            read_at = self._last_read()
            while now < stall_stop and now < hard_stop:
                if self._udp is not None:
                    self._udp._drain()
                held = self._kernel_holds()
                if not held and time.monotonic() - self._last_read() >= DRAIN_QUIET_S:
                    break
                last_read = self._last_read()
                if least is None or held < least or last_read > read_at:  # progress
                    least = held if least is None else min(least, held)
                    read_at = last_read
                    stall_stop = now + drain_s
                await asyncio.sleep(DRAIN_POLL_S)
                now = loop.time()
            await asyncio.sleep(0)  # the reads just scheduled run before the transports close
        if self._udp is not None:
            self._udp.close()
            self._udp = None
        for transport in list(self._conns):
            transport.close()  # connection_lost feeds any final unterminated line
        for server in self._servers:
            await server.wait_closed()
        self._servers.clear()
        if self.unix_path and self._unix_id is not None:
            # Remove the file only if it is still ours (not replaced by a newer monitor).
            try:
                st = os.lstat(self.unix_path)
                if (st.st_dev, st.st_ino) == self._unix_id:
                    os.unlink(self.unix_path)
            except FileNotFoundError:
                pass
            self._unix_id = None
        # Let transports run their connection_lost callbacks before returning.
        await asyncio.sleep(0)


def _queued(sock: socket.socket | None) -> int:
    """Bytes the kernel holds unread for a socket (FIONREAD); 0 when unknown."""
    if sock is None:
        return 0
    try:
        buf = fcntl.ioctl(sock.fileno(), termios.FIONREAD, b"\0\0\0\0")
    except (OSError, ValueError):
        return 0
    return int.from_bytes(buf, sys.byteorder)


def _host_port(sockname: tuple) -> tuple[str, int]:
    return sockname[0], sockname[1]


def _fmt(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


async def start_receivers(
    pipeline: Pipeline,
    *,
    host: str = "127.0.0.1",
    udp_port: int | None = 4319,
    tcp_port: int | None = 4319,
    unix_path: str | None = None,
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
    token: str | None = None,
) -> ReceiverSet:
    """Bind the enabled receivers on the running loop and return them.

    A port of ``None`` disables that receiver, ``0`` picks a free port;
    ``unix_path=None`` disables the Unix socket. With a ``token`` a stream
    connection's first line must be ``{"v":1,"type":"hello","token":"..."}``
    (without one a hello line is accepted and skipped). Raises ``PortInUseError``
    (after releasing whatever was already bound) when an address is taken.
    """
    loop = asyncio.get_running_loop()
    quiet_accept_errors(loop, pipeline)
    rs = ReceiverSet()
    secret = token.encode() if token else None
    rs._pipeline = pipeline
    factory: Callable[[str], Callable[[], LineProtocol]] = lambda source: lambda: LineProtocol(  # noqa: E731
        pipeline, source, max_record_bytes, rs._conns, secret
    )
    try:
        if udp_port is not None:
            sock = await _bind_udp(host, udp_port)
            rs._udp = _UdpReader(sock, pipeline, loop)
            rs.udp_address = _host_port(sock.getsockname())
            rs.udp_rcvbuf = sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
            rs.endpoints.append(f"udp {_fmt(*rs.udp_address)}")
        if tcp_port is not None:
            try:
                server = await loop.create_server(factory("tcp"), host, tcp_port, backlog=128)
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    raise PortInUseError("TCP", host, tcp_port, "--tcp-port") from None
                raise
            rs._servers.append(server)
            rs.tcp_address = _host_port(server.sockets[0].getsockname())
            rs.endpoints.append(f"tcp {_fmt(*rs.tcp_address)}")
        if unix_path is not None:
            usock, rs._unix_id = _bind_unix(unix_path)
            rs.unix_path = os.path.abspath(unix_path)
            try:
                server = await loop.create_unix_server(factory("unix"), sock=usock)
            except BaseException:
                usock.close()
                raise
            rs._servers.append(server)
            rs.endpoints.append(f"unix {rs.unix_path}")
    except BaseException:
        await rs.close()
        raise
    return rs
