"""How a v4 signed endpoint is declared: one decorator that verifies, parses, runs and answers,
and documents all of it in the OpenAPI document.

Signed endpoints read the raw body themselves (the signature covers its exact bytes), so FastAPI
never parses it; the request model's JSON schema is put into the OpenAPI document by hand, with
the authentication fields every signed body carries.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from backend.api.context import ApiContext
from backend.api.schemas import V4Error
from backend.api.signing import SignedCall
from backend.api.validation import parse_body

M = TypeVar("M", bound=BaseModel)

EXTENSION_NOTE = (
    "**Extension** — not part of the WhiteBIT v4 reference; added for the minerconsole."
)
"""Prefix of the description of every v4 endpoint this pool adds."""

SIGNED_SECURITY = [{"apiKey": [], "payload": [], "signature": []}]
"""The OpenAPI security requirement of a signed endpoint (three headers together)."""

AUTH_PROPERTIES: dict[str, Any] = {
    "request": {"type": "string", "description": "The request path, e.g. /api/v4/mining/rewards"},
    "nonce": {
        "type": "integer",
        "minimum": 1,
        "description": "Larger than the key's previous nonce; Unix ms recommended",
    },
    "nonceWindow": {
        "type": "boolean",
        "description": "Nonce is Unix ms within ±5 s of server time, unique",
    },
}

SIGNED_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": V4Error, "description": "Validation failed, or Invalid payload."},
    401: {"model": V4Error, "description": "Authentication failed (see API decisions)"},
    403: {"model": V4Error, "description": "You don't have permission to use this endpoint."},
    413: {"model": V4Error, "description": "Body larger than 64 KiB"},
    422: {"model": V4Error, "description": "Incorrect timestamp"},
    429: {"model": V4Error, "description": "Rate limit exceeded; see Retry-After"},
}


def json_response(model: BaseModel, status: int = 200) -> Response:
    """`model` as its wire JSON (camelCase aliases, nulls kept)."""
    return Response(
        model.model_dump_json(by_alias=True), status_code=status, media_type="application/json"
    )


def client_ip(request: Request) -> str:
    """The peer address the failure and public budgets are keyed on."""
    return request.client.host if request.client else "unknown"


def context(request: Request) -> ApiContext:
    """The app's ApiContext."""
    return request.app.state.context


def request_body_schema(model: type[BaseModel] | None) -> dict[str, Any]:
    """The OpenAPI `requestBody` of a signed endpoint: the model's fields plus `request`,
    `nonce` and `nonceWindow`."""
    schema: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
    if model is not None:
        schema = model.model_json_schema(by_alias=True)
        if "$defs" in schema:
            raise ValueError(f"{model.__name__}: nested models are not supported in request bodies")
        schema.pop("title", None)
        schema.setdefault("required", [])
    schema["properties"] = {**schema["properties"], **AUTH_PROPERTIES}
    schema["required"] = [*schema["required"], "request", "nonce"]
    return {"required": True, "content": {"application/json": {"schema": schema}}}


Handler = Callable[[ApiContext, SignedCall, Any], Awaitable[BaseModel]]


def signed_route(
    router: APIRouter,
    path: str,
    *,
    name: str,
    scope: str,
    request_model: type[BaseModel] | None,
    response_model: type[BaseModel],
    summary: str,
    status: int = 200,
    extension: bool = False,
) -> Callable[[Handler], Handler]:
    """Declare `POST path` as a signed endpoint needing `scope`; the decorated handler gets the
    context, the verified call and the parsed request model, and returns the response model."""

    def decorate(handler: Handler) -> Handler:
        async def endpoint(request: Request) -> Response:
            ctx = context(request)
            body = await request.body()
            call = await ctx.signed.verify(
                request.headers, body, request.url.path, name, scope, client_ip(request)
            )
            parsed = parse_body(request_model, call.body) if request_model is not None else None
            return json_response(await handler(ctx, call, parsed), status)

        doc = (handler.__doc__ or "").strip()
        router.add_api_route(
            path,
            endpoint,
            methods=["POST"],
            name=name,
            summary=summary,
            description=f"{EXTENSION_NOTE}\n\n{doc}" if extension else doc,
            status_code=status,
            response_model=None,
            responses={status: {"model": response_model}, **SIGNED_ERRORS},
            openapi_extra={
                "requestBody": request_body_schema(request_model),
                "security": SIGNED_SECURITY,
                "x-scope": scope,
                **({"x-extension": True} if extension else {}),
            },
        )
        return handler

    return decorate
