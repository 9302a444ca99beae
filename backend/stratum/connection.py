"""One miner socket: line framing with a hard cap, the message-rate bucket, and write bounds.

``Connection`` is the ``asyncio.Protocol`` for one TCP connection. It cuts the byte stream into
lines, enforces the per-line cap (disconnect, never resynchronise: security reference §0.3), the
per-connection token bucket, the send-queue bound, and hands each decoded message to its
``Session``. Lines that arrive while an authorize is in flight wait in a short backlog so replies
keep their order. It owns no task and no timer: the server's one sweep calls ``check``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections import deque
from typing import TYPE_CHECKING, cast

from backend.stratum.codec import ProtocolError, decode_message, encode_error
from backend.stratum.limits import TokenBucket
from backend.stratum.session import Session

if TYPE_CHECKING:
    from backend.stratum.server import StratumServer

log = logging.getLogger("backend.stratum")


class Connection(asyncio.Protocol):
    """The protocol object of one miner connection (created by the server per accepted socket)."""

    __slots__ = (
        "_backlog",
        "_bucket",
        "_buf",
        "_out",
        "_server",
        "_task",
        "authed",
        "blocked_since",
        "closing",
        "connected_at",
        "heard",
        "ip",
        "peer",
        "registered",
        "session",
        "transport",
    )

    def __init__(self, server: StratumServer) -> None:
        self._server = server
        self.transport: asyncio.Transport | None = None
        self.session: Session | None = None
        self._buf = b""
        self._out: list[bytes] | None = None
        self._bucket: TokenBucket | None = None
        self._backlog: deque[bytes] | None = None
        self._task: asyncio.Task[None] | None = None
        self.peer = "?"
        self.ip = "?"
        self.connected_at = 0.0
        self.heard = False
        """True once a first complete line arrived (the first-message deadline is met)."""
        self.authed = False
        """True once some worker authorized (the socket no longer counts as pending)."""
        self.closing = False
        self.registered = False
        self.blocked_since: float | None = None

    # -- asyncio.Protocol ----------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, so no isinstance check.
        transport = cast(asyncio.Transport, transport)
        self.transport = transport
        server = self._server
        now = server.clock()
        self.connected_at = now
        peername = transport.get_extra_info("peername")
        host = str(peername[0]) if isinstance(peername, tuple) and peername else "?"
        port = peername[1] if isinstance(peername, tuple) and len(peername) > 1 else 0
        self.peer = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        self.ip = server.address_key(host)
        refused = server.admit(self, now)
        if refused is not None:
            self.closing = True
            transport.abort()
            return
        limits = server.limits
        if limits.socket_send_buffer:
            sock = transport.get_extra_info("socket")
            with contextlib.suppress(OSError, AttributeError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, limits.socket_send_buffer)
        # Past the high-water mark pause_writing fires, and a slow reader is dropped there.
        transport.set_write_buffer_limits(high=limits.max_send_queue)
        self._bucket = TokenBucket(limits.message_rate, limits.message_burst, now)
        self.session = Session(server.context, self, self.peer, self.ip)
        self.registered = True
        server.register(self)
        if server.paused:
            transport.pause_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closing = True
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if self.session is not None:
            self.session.close()
        if self.registered:
            self.registered = False
            self._server.unregister(self)

    def pause_writing(self) -> None:
        self.drop(f"send queue above {self._server.limits.max_send_queue} bytes", hard=True)

    def resume_writing(self) -> None:
        pass

    def data_received(self, data: bytes) -> None:
        # The replies to the lines of one read leave in one send(): a pipelining miner (and the
        # benchmark) would otherwise pay a system call per reply.
        self._out = []
        try:
            self._receive(data)
        finally:
            self._flush()
            self._out = None

    def _receive(self, data: bytes) -> None:
        if self.closing:
            return
        server = self._server
        now = server.clock()
        max_line = server.limits.max_line_bytes
        if self._buf:
            data = self._buf + data
            self._buf = b""
        start = 0
        while True:
            end = data.find(b"\n", start)
            if end < 0:
                break
            line = data[start:end]
            start = end + 1
            if line.endswith(b"\r"):
                line = line[:-1]
            if len(line) > max_line:
                self._junk("line too long", now)
                return
            if not line:
                continue
            assert self._bucket is not None
            if not self._bucket.take(now):
                self.drop("message flood (rate limit)")
                return
            self.heard = True
            if self._task is not None:
                self._hold(line)
            else:
                self._line(line, now)
            if self.closing:
                return
        if start < len(data):
            rest = data[start:]
            # One extra byte for a "\r" whose "\n" has not arrived yet.
            if len(rest) > max_line + 1:
                self._junk("line too long", now)
                return
            self._buf = rest
        if self._task is None and self.session is not None:
            self.session.flush(now)

    # -- lines ---------------------------------------------------------------------------

    def _line(self, line: bytes, now: float) -> None:
        try:
            msg = decode_message(line)
        except ProtocolError as exc:
            self._junk(exc.reason, now)
            return
        assert self.session is not None
        pending = self.session.handle(msg, now)
        if pending is not None:
            task = asyncio.get_running_loop().create_task(pending)
            self._task = task
            task.add_done_callback(self._resume)

    def _hold(self, line: bytes) -> None:
        backlog = self._backlog
        if backlog is None:
            backlog = self._backlog = deque()
        backlog.append(line)
        if len(backlog) >= self._server.limits.max_pending_lines and self.transport is not None:
            self.transport.pause_reading()

    def _resume(self, task: asyncio.Task[None]) -> None:
        if task is not self._task:
            return
        self._task = None
        if self.closing or task.cancelled():
            return
        error = task.exception()
        if error is not None:
            log.error("%s authorize crashed: %r", self.peer, error)
        now = self._server.clock()
        backlog = self._backlog
        self._out = []
        try:
            while backlog and self._task is None and not self.closing:
                self._line(backlog.popleft(), now)
        finally:
            self._flush()
            self._out = None
        if self.closing or self._task is not None:
            return
        self._backlog = None
        if self.transport is not None and not self._server.paused:
            self.resume()
        assert self.session is not None
        self.session.flush(now)

    def _junk(self, reason: str, now: float) -> None:
        # Junk disconnects; repeated junk from one address bans it (security reference §3).
        self.write(encode_error(None, 20, f"{reason}, disconnecting"))
        self.drop(reason)
        self._server.note_junk(self.ip, now)

    # -- Link ----------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Queue ``data`` for the miner; ignored once the connection is closing."""
        if not self.closing:
            out = self._out
            if out is not None:
                out.append(data)
            else:
                assert self.transport is not None
                self.transport.write(data)

    def _flush(self) -> None:
        out = self._out
        if out and not self.closing:
            self._out = []
            assert self.transport is not None
            self.transport.write(out[0] if len(out) == 1 else b"".join(out))

    def drop(self, reason: str, hard: bool = False) -> None:
        """Close after the queued bytes are flushed (``hard``: at once), logging ``reason``."""
        if self.closing:
            return
        if not hard:
            self._flush()
        self.closing = True
        log.info("%s disconnected: %s", self.peer, reason)
        assert self.transport is not None
        if hard:
            self.transport.abort()
        else:
            self.transport.close()

    def shutdown(self, farewell: bytes | None) -> None:
        """Server stop: send ``farewell`` (if any) and close after the queued bytes, quietly."""
        if self.closing:
            return
        assert self.transport is not None
        if farewell:
            self.transport.write(farewell)
        self.closing = True
        self.transport.close()

    def pause(self) -> None:
        """Stop reading from the socket (the server's back-pressure)."""
        if self.transport is not None and not self.closing and self.transport.is_reading():
            self.transport.pause_reading()

    def resume(self) -> None:
        """Read again, unless lines held behind an authorize still wait."""
        transport = self.transport
        if transport is None or self.closing or self._task is not None:
            return
        if not transport.is_reading():
            transport.resume_reading()

    def authenticated(self) -> None:
        """Called by the session when its first worker is authorized."""
        if not self.authed:
            self.authed = True
            self._server.authenticated(self)

    # -- deadlines -----------------------------------------------------------------------

    def check(self, now: float) -> None:
        """Enforce the deadlines (called by the server's sweep)."""
        if self.closing:
            return
        limits = self._server.limits
        age = now - self.connected_at
        session = self.session
        assert session is not None and self.transport is not None
        if not self.heard and age >= limits.first_message_timeout:
            self.drop(f"no message within {limits.first_message_timeout:g} s")
            return
        if not self.authed and age >= limits.authorize_timeout:
            self.drop(f"not authorized within {limits.authorize_timeout:g} s")
            return
        if (
            limits.idle_timeout
            and session.started
            and now - session.last_share >= limits.idle_timeout
        ):
            self.drop(f"no share for {limits.idle_timeout:g} s")
            return
        if self.transport.get_write_buffer_size():
            if self.blocked_since is None:
                self.blocked_since = now
            elif now - self.blocked_since >= limits.blocked_write_timeout:
                self.drop(f"writes blocked for {limits.blocked_write_timeout:g} s", hard=True)
                return
        else:
            self.blocked_since = None
        session.tick(now)
