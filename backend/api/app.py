"""The ASGI app: the v4 owner API, the v1 read API, the event stream, and `/openapi.json`.

`build_app` composes the routers over one `ApiContext` and wraps the result in the `Guard`
(limits, headers, metrics). Every error leaves as JSON in its family's shape; an unexpected
exception is logged with its traceback and answered with a bare 500, never the traceback.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.exceptions import HTTPException

from backend.api.context import ApiContext
from backend.api.errors import ApiError, invalid_v1, v1_status, v4_status
from backend.api.guard import Guard
from backend.api.routes import (
    v1_accounts,
    v1_anonymous,
    v1_events,
    v1_pool,
    v4_accounts,
    v4_extensions,
    v4_mining,
    v4_payouts,
    v4_public,
    v4_watchers,
    v4_workers,
)

log = logging.getLogger("minerpool.api")

TITLE = "minerpool API"

DESCRIPTION = """\
The pool's HTTP API.

* **v4** — the owner API, compatible with the WhiteBIT Mining Pool API v4: `POST` with a JSON
  body signed by an API key (`X-TXC-APIKEY`, `X-TXC-PAYLOAD`, `X-TXC-SIGNATURE`).
  Endpoints tagged *v4 extensions* are this pool's additions.
* **v1** — the read API (OurPool compatible): `GET`, with a watcher token (`?token=` or
  `Authorization: Bearer`) or the owner's signature; anonymous miners under
  `/api/v1/anonymous/{address}/...`; live events as Server-Sent Events.
"""

TAGS: list[dict[str, Any]] = [
    {"name": "v4 public", "description": "Unauthenticated v4 endpoints."},
    {"name": "v4 accounts", "description": "Mining accounts (WhiteBIT v4 §6.2-6.3)."},
    {"name": "v4 rewards and hashrate", "description": "WhiteBIT v4 §6.4-6.5."},
    {"name": "v4 payout destination", "description": "WhiteBIT v4 §6.6-6.7."},
    {"name": "v4 miners and workers", "description": "WhiteBIT v4 §6.8-6.10."},
    {"name": "v4 watcher links", "description": "WhiteBIT v4 §6.11-6.12, plus revoke."},
    {
        "name": "v4 extensions",
        "description": "Extensions: not in the WhiteBIT reference; added for the console.",
    },
    {"name": "v1 pool", "description": "Public pool statistics and the OAuth notice."},
    {"name": "v1 accounts", "description": "Read API per account (watcher token or owner)."},
    {"name": "v1 anonymous", "description": "Read API for anonymous miners, by BTC address."},
    {"name": "v1 events", "description": "Server-Sent Events stream of an account."},
]

SECURITY_SCHEMES = {
    "apiKey": {"type": "apiKey", "in": "header", "name": "X-TXC-APIKEY"},
    "payload": {"type": "apiKey", "in": "header", "name": "X-TXC-PAYLOAD"},
    "signature": {"type": "apiKey", "in": "header", "name": "X-TXC-SIGNATURE"},
    "watcherToken": {"type": "apiKey", "in": "query", "name": "token"},
    "bearer": {"type": "http", "scheme": "bearer"},
}


def _is_v1(request: Request) -> bool:
    return request.url.path.startswith("/api/v1")


def build_fastapi(ctx: ApiContext) -> FastAPI:
    """The FastAPI app with every route and error handler, without the Guard."""
    app = FastAPI(
        title=TITLE,
        description=DESCRIPTION,
        version="1",
        openapi_tags=TAGS,
        docs_url=None,
        redoc_url=None,
    )
    app.state.context = ctx
    for module in (
        v4_public,
        v4_accounts,
        v4_mining,
        v4_payouts,
        v4_workers,
        v4_watchers,
        v4_extensions,
        v1_pool,
        v1_accounts,
        v1_anonymous,
        v1_events,
    ):
        app.include_router(module.router)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.body, exc.status, headers=exc.headers)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        text = {404: "Not Found", 405: "Method Not Allowed"}.get(exc.status_code, str(exc.detail))
        if _is_v1(request):
            code = {404: "request.not_found", 405: "request.method_not_allowed"}.get(
                exc.status_code, "request.error"
            )
            error = v1_status(exc.status_code, code, text)
        else:
            error = v4_status(exc.status_code, text + ".")
        return JSONResponse(error.body, error.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def query_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors: dict[str, list[str]] = {}
        for error in exc.errors():
            loc = [str(part) for part in error.get("loc", ()) if part not in ("query", "path")]
            errors.setdefault(".".join(loc) or "request", []).append(str(error.get("msg")))
        failure = invalid_v1(errors)
        return JSONResponse(failure.body, failure.status)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error on %s", request.url.path, exc_info=exc)
        if _is_v1(request):
            error = v1_status(500, "server.error", "Internal Server Error")
        else:
            error = v4_status(500, "Internal server error.")
        return JSONResponse(error.body, error.status)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
            )
            schema.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.get("/api/oauth/authorize", include_in_schema=False)
    async def authorize_notice() -> HTMLResponse:
        return HTMLResponse(OAUTH_NOTICE)

    return app


OAUTH_NOTICE = """<!doctype html><title>Watcher access</title>
<p>This pool's read API takes a watcher token. Ask the account's owner for a watcher link
(created with <code>POST /api/v4/mining/watcher-links/create</code> or in minerconsole) and pass
its token as <code>?token=...</code> or <code>Authorization: Bearer ...</code>.</p>
"""
"""The page `GET /api/oauth/authorize` answers with (watcher-api-v1 "our decisions")."""


def build_app(ctx: ApiContext, observe=None) -> Guard:
    """The served ASGI app: the FastAPI app inside the Guard. `observe(route, status)` counts
    requests for the metrics."""
    return Guard(build_fastapi(ctx), ctx.limits, observe)
