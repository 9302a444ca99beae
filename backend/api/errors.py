"""The API's errors as exceptions that carry their exact response, in each family's own shape.

v4 (owner API, whitebit-v4-mining-api.md §3.4, §4): `{"code": int, "message": str, "errors"?}`.
v1 (read API, watcher-api-v1.md): `{"code": "dotted.name", "message": str, ...}`.
The HTTP status and `code` of every authentication message are our decision (gap 3), listed in
`AUTH` and in the README's "API decisions".
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from backend.api.schemas import ReadError, V4Error


class ApiError(Exception):
    """An error response: status, JSON body, extra headers."""

    def __init__(self, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {body.get('message')}")
        self.status = status
        self.body = body
        self.headers = headers or {}


@dataclass(frozen=True, slots=True)
class AuthProblem:
    """One authentication outcome: HTTP status, v4 `code`, and the reference's exact message."""

    status: int
    code: int
    message: str


AUTH = {
    "payload_missing": AuthProblem(401, 1, "Payload not provided."),
    "unauthorized": AuthProblem(401, 2, "Unauthorized request."),
    "disabled": AuthProblem(401, 3, "This action is unauthorized. Enable your key in API settings"),
    "forbidden": AuthProblem(403, 4, "You don't have permission to use this endpoint."),
    "request_missing": AuthProblem(401, 5, "Request not provided."),
    "nonce_missing": AuthProblem(401, 6, "Nonce not provided."),
    "nonce_used": AuthProblem(401, 7, "Too many requests."),
    "nonce_window": AuthProblem(
        401, 8, "Your nonce is more than 5 seconds lesser than the current nonce"
    ),
    "invalid_payload": AuthProblem(400, 9, "Invalid payload."),
    "nonce_window_type": AuthProblem(401, 10, "Invalid nonceWindow."),
}
"""Every signed-request refusal (gap 3). `Invalid payload.` keeps the documented 400/`code` 9;
permission failures are 403 (FAQ); every other authentication failure is 401."""


class AuthFailure(ApiError):
    """A signed request was refused before anything ran. Counts against the caller's IP."""

    def __init__(self, name: str, errors: dict[str, list[str]] | None = None) -> None:
        problem = AUTH[name]
        body = V4Error(code=problem.code, message=problem.message, errors=errors)
        super().__init__(problem.status, body.model_dump(exclude_none=True))
        self.name = name


def validation_failed(errors: dict[str, list[str]]) -> ApiError:
    """v4 validation failure: 400, `code` 0, `Validation failed` (current mining pages, gap 2)."""
    body = V4Error(code=0, message="Validation failed", errors=errors)
    return ApiError(400, body.model_dump())


def incorrect_timestamp() -> ApiError:
    """v4 timestamp failure, exactly as documented: 422 `{"code":422,"message":"Incorrect
    timestamp"}` with no `errors`."""
    return ApiError(422, {"code": 422, "message": "Incorrect timestamp"})


def account_not_found(name: str) -> ApiError:
    """The miners/workers/watcher-links not-found error: `user` → `Mining pool account '<name>'
    not found` (§6.8-§6.12). Foreign accounts get it too, so nobody can probe names."""
    return validation_failed({"user": [f"Mining pool account '{name}' not found"]})


def v4_rate_limited(retry_after: str) -> ApiError:
    """429 on the v4 family (gap 19: the reference's body is undefined; ours is JSON)."""
    return ApiError(
        429, {"code": 429, "message": "Rate limit exceeded."}, {"Retry-After": retry_after}
    )


def v4_status(status: int, message: str) -> ApiError:
    """A plain v4-shaped error for HTTP-level failures (404, 405, 408, 413, 500)."""
    return ApiError(status, {"code": status, "message": message})


# --- read API v1 ---------------------------------------------------------------------------

FORBIDDEN_V1 = ReadError(code="auth.unexpected_error", message="permission check failed")
"""The seed's 403 body, for a bad, expired or revoked token, no permission, or a foreign account."""


def unauthorized_v1() -> ApiError:
    """The seed's 401 body for a request without any credential."""
    body = ReadError(
        code="auth.unauthorized",
        message="Unauthorized",
        redirect=f"/api/oauth/authorize?state={uuid.uuid4()}",
    )
    return ApiError(401, body.model_dump(exclude_none=True))


def forbidden_v1() -> ApiError:
    """403 `permission check failed`."""
    return ApiError(403, FORBIDDEN_V1.model_dump(exclude_none=True))


def invalid_v1(errors: dict[str, list[str]]) -> ApiError:
    """400 `request.invalid` naming the bad query parameters."""
    first = next(iter(errors.values()))[0] if errors else "Invalid request"
    body = ReadError(code="request.invalid", message=first, errors=errors)
    return ApiError(400, body.model_dump(exclude_none=True))


def v1_rate_limited(retry_after: str) -> ApiError:
    """429 `rate_limit.exceeded` with `Retry-After` (watcher-api-v1 "our decisions")."""
    body = ReadError(code="rate_limit.exceeded", message="Too Many Requests")
    return ApiError(429, body.model_dump(exclude_none=True), {"Retry-After": retry_after})


def v1_status(status: int, code: str, message: str) -> ApiError:
    """A v1-shaped error for HTTP-level failures and unknown anonymous addresses."""
    return ApiError(status, ReadError(code=code, message=message).model_dump(exclude_none=True))
