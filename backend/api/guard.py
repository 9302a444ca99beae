"""The outermost ASGI layer of the API: body size and body time limits, security headers, and
the per-route request count.

Runs before FastAPI sees the request (security §4.1 step 1: size and timeouts first). A declared
`Content-Length` over the cap is answered 413 without reading a byte; a body that grows past it
while streaming, or that takes longer than `body_timeout` to arrive, ends in 413 / 408 and the
connection is closed (the rest of the body is never read).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from backend.api.errors import ApiError
from backend.api.limits import ApiLimits
from backend.api.metrics import UNMATCHED_ROUTE

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

SECURITY_HEADERS = [
    (b"cache-control", b"no-store"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
]
"""On every API response: watcher responses must not be cached or leak the token through
`Referer` (watcher-api-v1 "our decisions", security §4.2); the rest lose nothing by it."""


def too_large(path: str) -> ApiError:
    """413 in the path's API family shape; the connection closes after it."""
    return _http_error(path, 413, "payload.too_large", "Payload too large.")


def too_slow(path: str) -> ApiError:
    """408 in the path's API family shape; the connection closes after it."""
    return _http_error(path, 408, "request.timeout", "Request body not received in time.")


def _http_error(path: str, status: int, code: str, message: str) -> ApiError:
    body: dict[str, Any] = {"code": code if path.startswith("/api/v1") else status}
    body["message"] = message
    return ApiError(status, body, {"Connection": "close"})


class Guard:
    """ASGI middleware: limits, headers and metrics around the FastAPI app."""

    def __init__(
        self,
        app: Callable[[Scope, Receive, Send], Awaitable[None]],
        limits: ApiLimits,
        observe: Callable[[str, int], None] | None = None,
    ) -> None:
        self.app = app
        self.limits = limits
        self.observe = observe

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        path = scope.get("path", "")

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        try:
            declared = _content_length(scope)
            if declared is not None and declared > self.limits.max_body_bytes:
                await _answer(send_wrapper, too_large(path))
                return
            await self.app(scope, self._limited(receive, path), send_wrapper)
        finally:
            if self.observe is not None:
                route = scope.get("route")
                self.observe(getattr(route, "path", UNMATCHED_ROUTE), status)

    def _limited(self, receive: Receive, path: str) -> Receive:
        limit = self.limits.max_body_bytes
        timeout = self.limits.body_timeout
        received = 0
        deadline: float | None = None
        complete = False

        async def limited() -> Message:
            nonlocal received, deadline, complete
            if complete:
                # The body is in; later receives wait for the disconnect (event streams).
                return await receive()
            if deadline is None:
                deadline = time.monotonic() + timeout
            try:
                message = await asyncio.wait_for(receive(), max(deadline - time.monotonic(), 0))
            except TimeoutError:
                raise too_slow(path) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise too_large(path)
                complete = not message.get("more_body", False)
            return message

        return limited


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _answer(send: Send, error: ApiError) -> None:
    body = json.dumps(error.body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in error.headers.items()]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
