"""A client for the owner API written from whitebit-v4-mining-api.md alone (§3): it signs the
way the reference says, and knows nothing of the pool's code."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import time

import httpx

_counter = itertools.count()


def next_nonce() -> int:
    """Unix milliseconds, made strictly increasing within this process."""
    return int(time.time() * 1000) * 1000 + next(_counter) % 1000


def signed_headers(key: str, secret: str, body: bytes) -> dict[str, str]:
    """§3.2: X-TXC-PAYLOAD = base64(body); X-TXC-SIGNATURE = hex HMAC-SHA512(secret, payload)."""
    payload = base64.b64encode(body).decode()
    signature = hmac.new(secret.encode(), payload.encode(), hashlib.sha512).hexdigest()
    return {
        "Content-type": "application/json",
        "X-TXC-APIKEY": key,
        "X-TXC-PAYLOAD": payload,
        "X-TXC-SIGNATURE": signature,
    }


def body_bytes(path: str, fields: dict, nonce: int | None = None, window: bool = False) -> bytes:
    """The JSON body of a signed call: the endpoint's fields plus `request` and `nonce`."""
    body = {**fields, "request": path, "nonce": next_nonce() if nonce is None else nonce}
    if window:
        body["nonceWindow"] = True
    return json.dumps(body, separators=(",", ":")).encode()


class OwnerClient:
    """Signed v4 calls, and v1 reads signed the same way (payload `request` = path + query)."""

    def __init__(self, client: httpx.AsyncClient, key: str, secret: str) -> None:
        self.http = client
        self.key = key
        self.secret = secret

    async def post(self, path: str, fields: dict | None = None, **options) -> httpx.Response:
        body = body_bytes(path, fields or {}, **options)
        return await self.http.post(
            path, content=body, headers=signed_headers(self.key, self.secret, body)
        )

    async def get(self, path_and_query: str) -> httpx.Response:
        body = body_bytes(path_and_query, {})
        headers = signed_headers(self.key, self.secret, body)
        headers.pop("Content-type")
        return await self.http.get(path_and_query, headers=headers)
