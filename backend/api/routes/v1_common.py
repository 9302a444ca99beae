"""What the v1 route modules share: query parameter declarations, the error responses every
v1 endpoint documents, and opening an account for a caller."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Query, Request, Response

from backend.api.context import ApiContext
from backend.api.readers import allow, reader
from backend.api.routing import context
from backend.api.schemas import ReadError

Token = Annotated[
    str | None,
    Query(description="Watcher token (or send `Authorization: Bearer <token>`)"),
]
IntervalQuery = Annotated[Literal["5m", "1h", "24h"], Query(description="Bucket size")]
LimitQuery = Annotated[int, Query(ge=1, le=100, description="Page size, 1-100")]
OffsetQuery = Annotated[int, Query(ge=0, le=10000, description="Rows to skip, 0-10000")]
FromQuery = Annotated[
    int | None, Query(alias="from", ge=0, le=2**53, description="Unix seconds, inclusive")
]
ToQuery = Annotated[int | None, Query(ge=0, le=2**53, description="Unix seconds, inclusive")]
StatusQuery = Annotated[
    Literal["all", "online", "low", "offline"], Query(description="Only workers in this state")
]

READ_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ReadError, "description": "request.invalid"},
    401: {"model": ReadError, "description": "auth.unauthorized: no token"},
    403: {"model": ReadError, "description": "auth.unexpected_error: permission check failed"},
    429: {"model": ReadError, "description": "rate_limit.exceeded; see Retry-After"},
}
"""The errors of every v1 account endpoint (watcher-api-v1 "what the seed fixes")."""

READ_SECURITY = [
    {"watcherToken": []},
    {"bearer": []},
    {"apiKey": [], "payload": [], "signature": []},
]
"""Any one of: a watcher token in the query, a Bearer token, or the owner's signature."""


def json_bytes(body: bytes) -> Response:
    """Serialized JSON as a response."""
    return Response(body, media_type="application/json")


async def open_account(
    request: Request, token: str | None, account: str, permission: str | None
) -> ApiContext:
    """Authenticate the caller and check it may read `account` with `permission`; the context."""
    route = getattr(request.scope.get("route"), "path", request.url.path)
    who = await reader(request, token, route)
    ctx = context(request)
    await allow(ctx, who, account, permission)
    return ctx
