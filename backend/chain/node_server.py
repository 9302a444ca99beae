"""``minerpool node``: the embedded chain served over Bitcoin Core's JSON-RPC (a subset).

It stands in for Core wherever the pool, or anything else, expects one. The framing is Core's
(``httprpc.cpp``, ``rpc/request.cpp``): a JSON-RPC 1.0 request gets HTTP 200 on success, and on
an RPC error 500 with the error object (400 for an invalid request, 404 for an unknown method);
a 2.0 request (``"jsonrpc": "2.0"``) gets 200 whatever the outcome, without ``error`` on success
and without ``result`` on error, and 204 with no body when it is a notification (no ``id``). A
JSON array is a batch, always 200. Auth is Basic with the cookie ``serve_node`` writes
(``__cookie__:<64 hex>``, mode 0600); no or wrong credentials get 401 with an empty body, wrong
ones after Core's 250 ms delay. The methods are ``node_rpc``'s.

Bodies are strict JSON: NaN/Infinity, duplicate keys and invalid UTF-8 are parse errors (Core's
parser takes the first of duplicate keys; refusing them leaves no room for two readers to
disagree about a request).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hmac
import json
import logging
import os
import secrets
import socket
from collections.abc import Callable
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from backend.chain.embedded import EmbeddedChain
from backend.chain.node_rpc import ClientGone, Disconnected, NodeRpc
from backend.chain.rpc_values import (
    RPC_INVALID_REQUEST,
    RPC_METHOD_NOT_FOUND,
    RPC_PARSE_ERROR,
    RpcError,
)

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 4 * 1024 * 1024
"""Largest request body read (HTTP 413 beyond): a submitblock of a 2 MB block is 4 MB of hex."""

AUTH_FAILURE_DELAY = 0.25
"""Seconds before answering wrong credentials: Core's brute-force deterrent (``httprpc.cpp``)."""

MAX_IN_FLIGHT = 64
"""Requests handled at once before HTTP 503 "Work queue depth exceeded": Core's
``-rpcworkqueue`` default (``DEFAULT_HTTP_WORKQUEUE``, 64 since bitcoin#29386). Longpolls
count, so this also bounds how many can pile up."""

SHUTDOWN_GRACE = 1.0
"""Seconds ``serve_node`` lets open requests finish on shutdown before cancelling them."""

COOKIE_USER = "__cookie__"
"""User name of cookie auth (Core's ``COOKIEAUTH_USER``)."""

_WWW_AUTHENTICATE = {"WWW-Authenticate": 'Basic realm="jsonrpc"'}
# Every method reaches the endpoint, which answers non-POST with Core's 405 text.
_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
_LEGACY_STATUS = {RPC_INVALID_REQUEST: 400, RPC_METHOD_NOT_FOUND: 404}


def _strict_json(body: bytes) -> object:
    def unique(pairs: list[tuple[str, object]]) -> dict[str, object]:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            raise ValueError("duplicate key")
        return obj

    def no_constant(name: str) -> object:
        raise ValueError(f"{name} is not JSON")

    try:
        text = body.decode("utf-8")
        return json.loads(text, object_pairs_hook=unique, parse_constant=no_constant)
    except (ValueError, RecursionError):
        raise RpcError(RPC_PARSE_ERROR, "Parse error") from None


class _Request:
    """Core's ``JSONRPCRequest``: filled field by field, so an error reply carries the id and
    version parsed before the failure (and, in a batch, those of the element before)."""

    def __init__(self) -> None:
        self.has_id: bool = True  # Core's default id is a present null
        self.id: object = None
        self.v2 = False
        self.method = ""
        self.params: list[object] | dict[str, object] = []

    def parse(self, value: object) -> None:
        if not isinstance(value, dict):
            raise RpcError(RPC_INVALID_REQUEST, "Invalid Request object")
        self.has_id, self.id = "id" in value, value.get("id")
        self.v2 = False
        version = value.get("jsonrpc")
        if version is not None:
            if not isinstance(version, str):
                raise RpcError(RPC_INVALID_REQUEST, "jsonrpc field must be a string")
            if version not in ("1.0", "2.0"):
                raise RpcError(RPC_INVALID_REQUEST, "JSON-RPC version not supported")
            self.v2 = version == "2.0"
        method = value.get("method")
        if method is None:
            raise RpcError(RPC_INVALID_REQUEST, "Missing method")
        if not isinstance(method, str):
            raise RpcError(RPC_INVALID_REQUEST, "Method must be a string")
        params = value.get("params")
        if params is not None and not isinstance(params, list | dict):
            raise RpcError(RPC_INVALID_REQUEST, "Params must be an array or object")
        self.method, self.params = method, [] if params is None else params

    @property
    def notification(self) -> bool:
        """A 2.0 request without an ``id`` key: run, never answered."""
        return self.v2 and not self.has_id

    def reply(self, result: object = None, error: RpcError | None = None) -> dict[str, object]:
        """Core's ``JSONRPCReplyObj``: 1.0 always has result and error, 2.0 only the one."""
        body: dict[str, object] = {"jsonrpc": "2.0"} if self.v2 else {}
        if error is None:
            body["result"] = result
            if not self.v2:
                body["error"] = None
        else:
            if not self.v2:
                body["result"] = None
            body["error"] = {"code": error.code, "message": error.message}
        if self.has_id:
            body["id"] = self.id
        return body


class _RpcEndpoint:
    """``POST /``: method, auth, work queue and body checks, then the JSON-RPC exchange."""

    def __init__(
        self,
        node: NodeRpc,
        cookie: str,
        max_body_bytes: int,
        auth_failure_delay: float,
        max_in_flight: int,
    ) -> None:
        if ":" not in cookie:
            raise ValueError("cookie must be user:password")
        self.node = node
        self._credentials = cookie.encode()
        self._max_body = max_body_bytes
        self._auth_delay = auth_failure_delay
        self._max_in_flight = max_in_flight
        self._in_flight = 0

    def _authorized(self, header: str) -> bool:
        # Core's RPCAuthorized: "Basic " then base64 of user:password, compared in constant time.
        if not header.startswith("Basic "):
            return False
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True)
        except (binascii.Error, ValueError):
            return False
        return b":" in decoded and hmac.compare_digest(decoded, self._credentials)

    async def respond(self, request: Request) -> Response:
        if request.method != "POST":
            return PlainTextResponse("JSONRPC server handles only POST requests", 405)
        header = request.headers.get("authorization")
        if header is None:
            return Response(status_code=401, headers=_WWW_AUTHENTICATE)
        if not self._authorized(header):
            log.warning("incorrect RPC password attempt from %s", request.client)
            await asyncio.sleep(self._auth_delay)
            return Response(status_code=401, headers=_WWW_AUTHENTICATE)
        if self._in_flight >= self._max_in_flight:
            return PlainTextResponse("Work queue depth exceeded", 503)
        self._in_flight += 1
        try:
            body = await self._body(request)
            if body is None:
                return Response(status_code=413)
            status, reply = await self.exchange(body, request.is_disconnected)
        except ClientGone:
            return Response(status_code=204)  # written to a closed connection, read by no one
        finally:
            self._in_flight -= 1
        if reply is None:
            return Response(status_code=status)
        text = json.dumps(reply, separators=(",", ":"), ensure_ascii=False) + "\n"
        return Response(text.encode(), status, media_type="application/json")

    async def _body(self, request: Request) -> bytes | None:
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > self._max_body:
            return None
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self._max_body:
                return None
            chunks.append(chunk)
        return b"".join(chunks)

    async def exchange(self, body: bytes, gone: Disconnected) -> tuple[int, object | None]:
        """Core's ``HTTPReq_JSONRPC`` after auth: (HTTP status, reply; None for no body)."""
        req = _Request()
        try:
            value = _strict_json(body)
            if isinstance(value, dict):
                req.parse(value)
                try:
                    reply = req.reply(await self.node.execute(req.method, req.params, gone))
                except RpcError as exc:
                    if not req.v2:
                        raise
                    reply = req.reply(error=exc)  # 2.0: an RPC error is no HTTP error
                return (204, None) if req.notification else (200, reply)
            if not isinstance(value, list):
                raise RpcError(RPC_PARSE_ERROR, "Top-level object parse error")
            replies = []
            for element in value:
                # A batch never fails as a whole; like Core, one request object serves them all.
                try:
                    req.parse(element)
                    response = req.reply(await self.node.execute(req.method, req.params, gone))
                except RpcError as exc:
                    response = req.reply(error=exc)
                if not req.notification:
                    replies.append(response)
            # Core answers [] with [] (compatibility) but an all-notification batch with 204.
            return (204, None) if value and not replies else (200, replies)
        except RpcError as exc:
            return _LEGACY_STATUS.get(exc.code, 500), req.reply(error=exc)


def build_rpc_app(
    chain: EmbeddedChain,
    cookie: str,
    *,
    max_body_bytes: int = MAX_BODY_BYTES,
    auth_failure_delay: float = AUTH_FAILURE_DELAY,
    max_in_flight: int = MAX_IN_FLIGHT,
) -> Starlette:
    """The ASGI app serving ``chain`` at ``POST /``, Basic auth ``cookie`` ("user:password").

    Any other path answers 404 with an empty body, as Core's HTTP server does.
    ``app.state.node.close()`` detaches the app from the chain and ends pending longpolls.
    """
    node = NodeRpc(chain)
    endpoint = _RpcEndpoint(node, cookie, max_body_bytes, auth_failure_delay, max_in_flight)

    async def not_found(request: Request, exc: Exception) -> Response:
        return Response(status_code=404)

    app = Starlette(
        routes=[Route("/", endpoint.respond, methods=_ALL_METHODS)],
        exception_handlers={404: not_found},
    )
    app.state.node = node
    return app


def write_cookie(path: Path, cookie: str) -> None:
    """Write ``cookie`` to ``path`` with mode 0600, atomically: like Core, write
    ``<name>.tmp`` and rename it over, so no reader ever sees half a cookie."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # O_CREAT's mode does not apply to a file that already existed
        os.write(fd, cookie.encode())
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _remove_cookie(path: Path, cookie: str) -> None:
    # Only our own: another node may have started on this data directory since.
    with contextlib.suppress(OSError):
        if path.read_text() == cookie:
            path.unlink()


def _listen(host: str, port: int) -> socket.socket:
    family, _, _, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    return socket.create_server(address[:2], family=family)


async def serve_node(
    chain: EmbeddedChain,
    host: str,
    port: int,
    cookie_path: Path,
    *,
    on_listening: Callable[[str, int], None] | None = None,
    shutdown_grace: float = SHUTDOWN_GRACE,
) -> None:
    """Serve ``chain`` over JSON-RPC on ``host:port`` until cancelled (``minerpool node``).

    Writes a fresh cookie to ``cookie_path`` (mode 0600) before serving and removes it on the
    way out, as Core does. uvicorn runs inside the running loop; ``on_listening(host, port)``
    is called once the socket listens (with port 0, to learn the port).
    """
    cookie = f"{COOKIE_USER}:{secrets.token_hex(32)}"
    sock = _listen(host, port)
    app = build_rpc_app(chain, cookie)
    try:
        write_cookie(cookie_path, cookie)
        config = uvicorn.Config(
            app,
            lifespan="off",
            log_config=None,
            access_log=False,
            server_header=False,
            timeout_graceful_shutdown=shutdown_grace,
        )
        server = uvicorn.Server(config)
        bound_host, bound_port = sock.getsockname()[:2]
        log.info("minerpool node serving JSON-RPC on %s port %d", bound_host, bound_port)
        if on_listening is not None:
            on_listening(bound_host, bound_port)
        serving = asyncio.ensure_future(server.serve(sockets=[sock]))
        try:
            await asyncio.shield(serving)
        except asyncio.CancelledError:
            # Shut down like Ctrl-C would: stop accepting, end longpolls, let requests finish.
            server.should_exit = True
            app.state.node.close()
            await serving
            raise
    finally:
        app.state.node.close()
        sock.close()
        _remove_cookie(cookie_path, cookie)
