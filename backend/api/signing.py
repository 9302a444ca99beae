"""Verifying a WhiteBIT-v4 signed request, in the order of security-and-reliability.md §4.1.

Headers `X-TXC-APIKEY`, `X-TXC-PAYLOAD` (base64 of the exact body) and `X-TXC-SIGNATURE`
(lowercase hex HMAC-SHA512 of the payload text under the secret). The steps, each refusing with
the reference's exact message (`errors.AUTH`):

1. the caller's IP has not used up its failed-authentication budget (else 429, nothing checked);
2. the payload header is present; it is strict, canonical base64 and decodes to exactly the body
   bytes (no re-serialisation, no whitespace games);
3. the key exists and the signature matches, compared in constant time on bytes; an unknown key
   costs the same HMAC as a known one and gets the same answer as a bad signature;
4. the key is enabled;
5. the body parses as one strict JSON object (no duplicate keys, NaN or runaway nesting);
6. `request` equals the path actually routed (v1: with its query string);
7. the key's budget for this endpoint is not spent (else 429; the nonce is not consumed);
8. `nonce` (and `nonceWindow`) pass the nonce rules (`nonces.NonceGuard`);
9. the key holds the endpoint's scope (403);
10. the accepted nonce is durable before anything runs.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from backend.api.errors import AuthFailure, v4_rate_limited
from backend.api.keys import ApiKey, ApiKeys
from backend.api.nonces import OUT_OF_WINDOW, NonceGuard
from backend.api.ratelimit import FailureWindow, TokenBuckets, retry_after

MAX_NONCE = 2**63 - 1
"""Largest nonce accepted: it is stored in a signed 64-bit column (security §4.1 step 7)."""

MAX_KEY_LENGTH = 128
"""Longest `X-TXC-APIKEY` looked up; anything longer cannot be a key of ours."""

_SIGNATURE = re.compile(r"[0-9a-f]{128}", re.ASCII)
_DIGITS = re.compile(r"[0-9]{1,19}", re.ASCII)
_DUMMY_SECRET = b"\x00" * 64


@dataclass(frozen=True, slots=True)
class SignedCall:
    """A verified signed request: who sent it and what it says."""

    key: ApiKey
    """The key that signed it."""
    body: dict[str, Any]
    """The signed JSON object (including `request` and `nonce`)."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate key")
    return result


def parse_json_object(raw: bytes) -> dict[str, Any] | None:
    """`raw` as a JSON object under strict rules (security §1.10), or None when it is not one."""
    try:
        value = json.loads(
            raw.decode("utf-8"),
            object_pairs_hook=_unique_keys,
            parse_constant=_reject_constant,
        )
    except (ValueError, RecursionError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def decode_payload(payload: str) -> bytes | None:
    """Strict, canonical base64 (security §4.1 step 4): None for anything else."""
    try:
        encoded = payload.encode("ascii")
        raw = base64.b64decode(encoded, validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError):
        return None
    return raw if base64.b64encode(raw) == encoded else None


def sign(secret: bytes, payload: str) -> str:
    """hex(HMAC-SHA512(secret, payload text)): what a client puts in `X-TXC-SIGNATURE`."""
    return hmac.new(secret, payload.encode("ascii"), hashlib.sha512).hexdigest()


class SignedRequests:
    """Verifies signed requests against the keys, nonces and limiters it is given."""

    def __init__(
        self,
        keys: ApiKeys,
        nonces: NonceGuard,
        budgets: TokenBuckets,
        failures: FailureWindow,
    ) -> None:
        self.keys = keys
        self.nonces = nonces
        self.budgets = budgets
        self.failures = failures

    async def verify(
        self,
        headers: Any,
        body: bytes | None,
        request: str,
        route: str,
        scope: str,
        client: str,
        on_failure: Callable[[str], None] | None = None,
    ) -> SignedCall:
        """Run the checks of the module docstring; raise AuthFailure (or the 429 ApiError).

        `body` is the raw request body, or None for a GET whose signed payload stands alone;
        `request` is what the signed `request` must equal; `route` names the endpoint for the
        key's budget; `client` is the caller's IP for the failure budget.
        """
        waited = self.failures.blocked(client)
        if waited:
            raise v4_rate_limited(retry_after(waited))
        try:
            return await self._verify(headers, body, request, route, scope)
        except AuthFailure as failure:
            self.failures.fail(client)
            if on_failure is not None:
                on_failure(failure.name)
            raise

    async def _verify(
        self, headers: Any, body: bytes | None, request: str, route: str, scope: str
    ) -> SignedCall:
        payload = headers.get("x-txc-payload")
        if not payload:
            raise AuthFailure("payload_missing")
        raw = decode_payload(payload)
        if raw is None or (body is not None and raw != body):
            raise AuthFailure("invalid_payload")
        key_name = headers.get("x-txc-apikey") or ""
        signature = headers.get("x-txc-signature") or ""
        key = None
        if 0 < len(key_name) <= MAX_KEY_LENGTH and key_name.isascii():
            key = await self.keys.find(key_name)
        expected = sign(key.secret if key else _DUMMY_SECRET, payload).encode("ascii")
        well_formed = _SIGNATURE.fullmatch(signature) is not None
        given = signature.encode("ascii") if well_formed else b"\x00" * len(expected)
        if not hmac.compare_digest(expected, given) or key is None or not well_formed:
            raise AuthFailure("unauthorized")
        if key.disabled:
            raise AuthFailure("disabled")
        fields = parse_json_object(raw)
        if fields is None:
            raise AuthFailure("invalid_payload")
        if "request" not in fields or fields["request"] in (None, ""):
            raise AuthFailure("request_missing")
        if fields["request"] != request:
            raise AuthFailure(
                "unauthorized", {"request": ["The request does not match the requested path."]}
            )
        waited = self.budgets.take((key.key, route))
        if waited:
            raise v4_rate_limited(retry_after(waited))
        nonce = _nonce(fields)
        window = fields.get("nonceWindow", False)
        if type(window) is not bool:
            raise AuthFailure("nonce_window_type")
        refusal = self.nonces.check(key.key, key.last_nonce, nonce, window)
        if refusal is not None:
            raise AuthFailure("nonce_window" if refusal == OUT_OF_WINDOW else "nonce_used")
        if scope not in key.scopes:
            raise AuthFailure("forbidden")
        await self.nonces.durable()
        return SignedCall(key=key, body=fields)


def _nonce(fields: dict[str, Any]) -> int:
    """The nonce as an integer: a JSON integer (current docs) or a string of digits (older docs
    and samples, gap 5); anything else is refused as not provided."""
    if "nonce" not in fields or fields["nonce"] in (None, ""):
        raise AuthFailure("nonce_missing")
    value = fields["nonce"]
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        value = int(value)
    if type(value) is not int or not 0 < value <= MAX_NONCE:
        raise AuthFailure(
            "nonce_missing", {"nonce": ["The nonce must be a positive 64-bit integer."]}
        )
    return value
