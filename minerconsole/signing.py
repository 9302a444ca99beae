"""Signing owner requests as WhiteBIT v4 does (whitebit-v4-mining-api.md §3). Pure: no IO.

The JSON body carries `request` (the path; on the read API with its query string) and `nonce`;
`X-TXC-PAYLOAD` is the base64 of the exact body bytes sent and `X-TXC-SIGNATURE` the lowercase
hex HMAC-SHA512 of that base64 text, keyed with the API secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

OUT_OF_WINDOW = "Your nonce is more than 5 seconds lesser than the current nonce"
"""The pool's answer to a windowed nonce too far from its clock (whitebit-v4 §3.4)."""


def encode_body(fields: dict[str, Any]) -> bytes:
    """The compact JSON body (no whitespace, §3.2: the server checks a compact serialization)."""
    return json.dumps(fields, separators=(",", ":"), ensure_ascii=False).encode()


def sign_body(body: bytes, secret: str) -> tuple[str, str]:
    """(X-TXC-PAYLOAD, X-TXC-SIGNATURE) for `body`: base64 of the bytes, and the hex HMAC-SHA512
    of that base64 text keyed with the API secret (§3.2)."""
    payload = base64.b64encode(body).decode("ascii")
    signature = hmac.new(secret.encode(), payload.encode("ascii"), hashlib.sha512).hexdigest()
    return payload, signature


class NonceSource:
    """Unix-millisecond nonces that never repeat or go backwards for one key (§3.1: each nonce
    must be larger than the previous one), even when two calls land in the same millisecond."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._last = 0

    def next(self) -> int:
        """The next nonce."""
        self._last = max(int(self._clock() * 1000), self._last + 1)
        return self._last
