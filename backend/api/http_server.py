"""Serving an ASGI app with uvicorn inside the pool's own event loop, hardened.

uvicorn has no header timeout (security §0.6, verified): `DeadlineProtocol` closes a connection
that has not delivered a complete request head within `header_timeout` seconds of connecting or
of finishing its previous response (slowloris). The head is capped at `max_header_bytes` by h11.
uvicorn's signal handling is not used: the pool owns SIGINT/SIGTERM and stops the server.

Tokens never reach a log line: uvicorn's access log (on only when the pool logs at debug level)
goes through `TokenRedactor`, which masks `token=` query values; headers are never logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import socket
from typing import Any

import h11
from uvicorn import Config, Server
from uvicorn.protocols.http.h11_impl import H11Protocol

from backend.api.limits import ApiLimits

log = logging.getLogger("minerpool.api")

SHUTDOWN_GRACE = 3.0
"""Seconds open requests get to finish when the server stops (event streams end at once)."""

_TOKEN = re.compile(r"(token=)[^&\s\"']*", re.IGNORECASE)


def redact(text: str) -> str:
    """`text` with every `token=` value replaced by `[redacted]`."""
    return _TOKEN.sub(r"\1[redacted]", text)


class TokenRedactor(logging.Filter):
    """Masks watcher tokens in uvicorn's access-log records (their path sits in `args`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        record.msg = redact(str(record.msg))
        return True


class DeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline on each request head (module docstring)."""

    header_timeout = 10.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_cycle: Any = None
        self._head_timer: asyncio.TimerHandle | None = None
        self._arm()

    def _arm(self) -> None:
        self._disarm()
        self._head_cycle = self.cycle
        self._head_timer = self.loop.call_later(self.header_timeout, self._expired)

    def _disarm(self) -> None:
        if getattr(self, "_head_timer", None) is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _expired(self) -> None:
        self._head_timer = None
        if self.cycle is self._head_cycle and not self.transport.is_closing():
            # No new request head arrived in time: slowloris or a dead peer.
            self.transport.close()

    def handle_events(self) -> None:
        super().handle_events()
        if self._head_timer is not None and self.cycle is not self._head_cycle:
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.our_state is not h11.MUST_CLOSE:
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


def set_access_log(enabled: bool) -> None:
    """Turn uvicorn's per-request log lines on (the pool logs at debug level) or off."""
    logging.getLogger("uvicorn.access").setLevel(logging.INFO if enabled else logging.WARNING)


class HttpServer:
    """One uvicorn listener for `app`, started and stopped by the pool."""

    def __init__(self, app: Any, host: str, port: int, limits: ApiLimits) -> None:
        protocol = type(
            "PoolHttpProtocol", (DeadlineProtocol,), {"header_timeout": limits.header_timeout}
        )
        self._config = Config(
            app,
            host=host,
            port=port,
            http=protocol,
            loop="none",
            lifespan="off",
            log_config=None,
            # Told False, uvicorn would strip the access logger for the whole process; whether
            # lines appear is the logger's level instead (`set_access_log`).
            server_header=False,
            proxy_headers=False,
            timeout_keep_alive=int(limits.keep_alive),
            limit_concurrency=limits.max_connections,
            h11_max_incomplete_event_size=limits.max_header_bytes,
            timeout_graceful_shutdown=int(SHUTDOWN_GRACE),
        )
        self._host, self._port = host, port
        self._server: Server | None = None
        self._socket: socket.socket | None = None
        self._ticker: asyncio.Task | None = None
        self.port = 0
        """The bound port (useful with port 0)."""
        access = logging.getLogger("uvicorn.access")
        access.propagate = True
        if not any(isinstance(f, TokenRedactor) for f in access.filters):
            access.addFilter(TokenRedactor())

    async def start(self) -> None:
        """Bind and start serving."""
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        # IPPROTO_TCP named explicitly: asyncio disables Nagle only on sockets whose proto says
        # TCP, and with Nagle on, every response's body waits 40 ms for a delayed ACK.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._port))
        sock.listen(2048)
        sock.setblocking(False)
        self._socket = sock
        self.port = sock.getsockname()[1]
        self._config.load()
        self._server = Server(self._config)
        # What Server.serve would do before startup; serve itself is not used (it takes signals).
        self._server.lifespan = self._config.lifespan_class(self._config)
        await self._server.startup(sockets=[sock])
        # main_loop refreshes the Date header once a second and returns when should_exit is set.
        self._ticker = asyncio.create_task(self._server.main_loop(), name="http-ticker")

    async def stop(self) -> None:
        """Stop accepting, give open requests a moment, then close everything."""
        if self._server is None:
            return
        self._server.should_exit = True
        if self._ticker is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        await self._server.shutdown(sockets=[self._socket] if self._socket else None)
        self._server = None
