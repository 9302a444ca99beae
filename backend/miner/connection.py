"""One TCP connection to a pool, speaking newline-delimited JSON (stratum reference §1.1)."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger("minerpool.miner")

SCHEME = "stratum+tcp"
"""The only URL scheme the miner speaks (TLS is not implemented)."""

CLOSE_TIMEOUT = 1.0
"""Seconds to let a closing socket flush before it is aborted."""


class ConnectionClosed(ConnectionError):
    """The pool closed the connection, or it failed, while a request was waiting."""


class ProtocolError(ConnectionError):
    """The pool sent something that cannot be stratum (an endless line)."""


@dataclass(frozen=True, slots=True)
class PoolAddress:
    """Where the pool listens."""

    host: str
    port: int

    @classmethod
    def parse(cls, url: str) -> PoolAddress:
        """Parse ``stratum+tcp://HOST:PORT`` (IPv6 hosts in brackets); ValueError otherwise."""
        parts = urlsplit(url)
        if parts.scheme != SCHEME:
            raise ValueError(f"pool URL must start with {SCHEME}://, got {url!r}")
        try:
            port = parts.port
        except ValueError:
            raise ValueError(f"pool URL has a bad port: {url!r}") from None
        if not parts.hostname or port is None:
            raise ValueError(f"pool URL needs a host and a port: {url!r}")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ValueError(f"pool URL must be just {SCHEME}://HOST:PORT: {url!r}")
        return cls(parts.hostname, port)

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{SCHEME}://{host}:{self.port}"


def error_text(error: object, fallback: str = "unknown reason") -> tuple[str, int | None]:
    """Return (message, code) from a stratum error in any of the shapes pools send (§1.2).

    The array ``[code, message, traceback]``, a bare string (ckpool) and a JSON-RPC 2.0 object
    (Miningcore) are all understood.
    """
    if isinstance(error, list) and error:
        code = error[0] if isinstance(error[0], int) and not isinstance(error[0], bool) else None
        message = error[1] if len(error) > 1 else None
        return (str(message) if message not in (None, "") else fallback), code
    if isinstance(error, dict):
        code = error.get("code")
        code = code if isinstance(code, int) and not isinstance(code, bool) else None
        message = error.get("message")
        return (str(message) if message not in (None, "") else fallback), code
    if isinstance(error, str) and error:
        return error, None
    return fallback, None


class StratumConnection:
    """Requests with ids matched to their responses, and incoming pool methods in order."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, idle_timeout: float
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._idle_timeout = idle_timeout
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._closed = False

    @classmethod
    async def open(
        cls, address: PoolAddress, *, max_line: int, idle_timeout: float
    ) -> StratumConnection:
        """Connect to the pool; OSError when it cannot be reached."""
        reader, writer = await asyncio.open_connection(address.host, address.port, limit=max_line)
        return cls(reader, writer, idle_timeout)

    @property
    def closed(self) -> bool:
        """True once the connection has been closed by either side."""
        return self._closed

    async def _send(self, message: dict[str, Any]) -> None:
        if self._closed:
            raise ConnectionClosed("connection is closed")
        self._writer.write(json.dumps(message, separators=(",", ":")).encode() + b"\n")
        try:
            await self._writer.drain()
        except OSError as exc:
            raise ConnectionClosed(str(exc)) from exc

    async def request(self, method: str, params: list[Any]) -> asyncio.Future[dict[str, Any]]:
        """Send a request and return a future for its response (the whole response object)."""
        msg_id = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[msg_id] = future
        try:
            await self._send({"id": msg_id, "method": method, "params": params})
        except ConnectionClosed:
            self._pending.pop(msg_id, None)
            raise
        return future

    async def respond(self, msg_id: object, result: object, error: object = None) -> None:
        """Answer a request from the pool (``mining.ping``, ``client.get_version`` ...)."""
        await self._send({"id": msg_id, "result": result, "error": error})

    async def next_method(self) -> dict[str, Any] | None:
        """Return the next request or notification from the pool; None once it hangs up.

        Responses met on the way resolve their waiting futures. Lines that are not JSON objects
        are logged and skipped, as cpuminer does.
        """
        while not self._closed:
            try:
                # asyncio.timeout, not wait_for: 3.11's wait_for loses a cancellation that lands
                # just as a line arrives, and the miner would then never stop.
                async with asyncio.timeout(self._idle_timeout):
                    line = await self._reader.readline()
            except TimeoutError:
                raise ProtocolError(f"nothing from the pool for {self._idle_timeout:g} s") from None
            except ValueError:
                raise ProtocolError("line from the pool is too long") from None
            except OSError as exc:
                raise ConnectionClosed(str(exc)) from exc
            if not line.endswith(b"\n"):
                return None  # EOF, possibly after a partial line that can never complete
            line = line.strip()
            if not line:
                continue
            try:
                message = json.loads(line)
            except ValueError:
                log.warning("pool sent a line that is not JSON: %.120r", line)
                continue
            if not isinstance(message, dict):
                log.warning("pool sent JSON that is not an object: %.120r", line)
                continue
            if isinstance(message.get("method"), str):
                return message
            if self._resolve(message):
                # Let the waiting coroutine act on its answer before the next line is handled,
                # as a client that reads one line at a time would (e.g. authorized, then notify).
                await asyncio.sleep(0)
        return None

    def _resolve(self, message: dict[str, Any]) -> bool:
        msg_id = message.get("id")
        ours = isinstance(msg_id, int) and not isinstance(msg_id, bool)
        future = self._pending.pop(msg_id, None) if ours else None
        if future is None:
            log.debug("response to no request of ours: %.120r", message)
            return False
        if future.done():
            return False
        future.set_result(message)
        return True

    async def close(self) -> None:
        """Close the socket and fail every request still waiting for an answer."""
        if not self._closed:
            self._closed = True
            self._writer.close()
            try:
                async with asyncio.timeout(CLOSE_TIMEOUT):
                    await self._writer.wait_closed()
            except (OSError, TimeoutError):
                # A pool that stopped reading would keep our unsent bytes, and us, waiting.
                self._writer.transport.abort()
        pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(ConnectionClosed("connection closed before the answer"))
