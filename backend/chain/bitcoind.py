"""Bitcoin Core as a template source: a JSON-RPC 1.0 client over HTTP (stratum reference §3.1).

Core answers a legacy (1.0) request with HTTP 200 on success, 500 with the error object on an RPC
error (400 for an invalid request, 404 for an unknown method) and 401 with an empty body on bad
credentials; every error object is ``{"code": int, "message": str}``. The client reads the body,
never the status alone. Replies are input like any other (security §4.4 API10): every field a
template or chain summary is built from is type- and range-checked before it is used.

While the node is down every call raises ``ChainUnavailable`` at once (a refused connection fails
in milliseconds; a silent host within ``connect_timeout``), so the pool keeps serving its last
valid job; ``wait_until_available`` then retries with exponential back-off and jitter
(security §2.3: "resume with exponential back-off + jitter").
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import httpx

from backend.chain.core_json import parse_chain_info, parse_header_bits, parse_template
from backend.chain.rpc_values import RpcError
from backend.chain.source import ChainInfo, ChainUnavailable
from backend.mining.template import BlockTemplate

__all__ = ["BitcoindClient", "RpcAuthError", "RpcError"]

log = logging.getLogger(__name__)

SEGWIT_RULES: tuple[str, ...] = ("segwit",)
"""getblocktemplate's ``rules``: Core refuses a request without ``segwit`` (error -8); signet
needs ``("segwit", "signet")`` (stratum reference §3.1)."""

UNAVAILABLE_CODES = frozenset({-28, -10, -9})
"""RPC errors that mean "the node cannot serve work right now", not "the request is wrong":
-28 RPC_IN_WARMUP (starting up), -10 RPC_CLIENT_IN_INITIAL_DOWNLOAD and -9 RPC_CLIENT_NOT_CONNECTED
(getblocktemplate on mainnet while syncing or without peers, reference §3.1; also "Shutting down"
from an interrupted longpoll). They surface as ``ChainUnavailable``."""

MAX_REPLY_BYTES = 32 * 1024 * 1024
"""Largest reply body read: Core's own HTTP body cap (``MAX_SIZE``, 32 MiB). A full 4 MWU block's
template is about 8.5 MB of hex plus per-transaction fields, far inside it."""


class RpcAuthError(ChainUnavailable):
    """The node refused the credentials (HTTP 401) or the method (HTTP 403, ``-rpcwhitelist``).

    A ``ChainUnavailable``: with cookie auth a restarting node answers 401 until it has written
    its new cookie, so the pool treats it as an outage and keeps retrying.
    """


def _read_cookie(path: Path) -> tuple[str, str]:
    # Core writes "__cookie__:<64 hex>" and reads back only the first line (GetAuthCookie).
    try:
        line = path.read_text(encoding="utf-8").partition("\n")[0].strip()
    except FileNotFoundError:
        raise ChainUnavailable(
            f"cookie file {path} does not exist (is bitcoind running?)"
        ) from None
    except OSError as exc:
        raise ChainUnavailable(f"cannot read cookie file {path}: {exc.strerror}") from None
    user, sep, password = line.partition(":")
    if not sep:
        raise ChainUnavailable(f"cookie file {path} is not in user:password form")
    return user, password


class BitcoindClient:
    """Bitcoin Core's JSON-RPC as a ``TemplateSource`` (``backend.chain.source``).

    Credentials come from ``user``/``password``, from the URL's userinfo, or from Core's
    ``.cookie`` file, which is re-read whenever the node answers 401 (Core writes a new cookie on
    every start). Neither password nor cookie is ever logged or shown in an error. ``timeout``
    bounds each call; a longpoll is bounded by the ``timeout`` given to ``wait_for_template``.
    """

    def __init__(
        self,
        url: str,
        *,
        cookie_file: Path | None = None,
        user: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        connect_timeout: float = 5.0,
        rules: Sequence[str] = SEGWIT_RULES,
        block_poll_interval: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Set up the client; no connection is made until the first call.

        ``connect_timeout`` bounds reaching the node, so a host that drops packets turns into
        ``ChainUnavailable`` quickly. ``block_poll_interval`` is how often the tip is polled when a
        template carries no longpollid (public-pool polls every 500 ms, reference §3.7).
        ``clock`` measures those poll deadlines.
        """
        parsed = httpx.URL(url)
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise ValueError("bitcoind URL must be http(s)://host:port/")
        if parsed.username and user is None and password is None:
            user, password = parsed.username, parsed.password
        # Credentials never stay in the URL, so no message or repr can leak them.
        self.url = str(parsed.copy_with(username=None, password=None))
        """The node's URL without credentials (safe to log)."""
        self._cookie_file = cookie_file
        self._auth: tuple[str, str] | None = None if user is None else (user, password or "")
        self._timeout = timeout
        self._connect_timeout = connect_timeout
        self._rules = list(rules)
        self._poll_interval = block_poll_interval
        self._clock = clock
        self._ids = itertools.count(1)
        # trust_env=False: an HTTP(S)_PROXY in the environment must not receive RPC credentials.
        self._http = httpx.AsyncClient(trust_env=False, follow_redirects=False)

    def __repr__(self) -> str:
        return f"BitcoindClient({self.url!r})"

    def _credentials(self, reload: bool) -> tuple[str, str]:
        if self._cookie_file is not None and (reload or self._auth is None):
            self._auth = _read_cookie(self._cookie_file)
        if self._auth is None:
            raise RpcAuthError("no RPC credentials: give user/password or a cookie file")
        return self._auth

    def _timeouts(self, limit: float | None) -> httpx.Timeout:
        seconds = self._timeout if limit is None else limit
        return httpx.Timeout(seconds, connect=min(seconds, self._connect_timeout))

    async def _post(self, payload: object, limit: float | None) -> tuple[int, bytes]:
        body = json.dumps(payload, separators=(",", ":")).encode()
        for attempt in (0, 1):
            auth = httpx.BasicAuth(*self._credentials(reload=attempt == 1))
            try:
                status, data = await self._exchange(body, auth, limit)
            except (httpx.ConnectTimeout, httpx.PoolTimeout):
                raise ChainUnavailable(
                    f"bitcoind at {self.url} did not accept a connection"
                ) from None
            except httpx.TimeoutException:
                # A read or write timeout: the caller decides (a longpoll expects one).
                raise
            except (httpx.TransportError, OSError) as exc:
                raise ChainUnavailable(f"bitcoind at {self.url} unreachable: {exc!r}") from None
            # 401: the cookie may have been rewritten by a restart; read it once more.
            if status != 401 or self._cookie_file is None or attempt == 1:
                break
        if status == 401:
            raise RpcAuthError(f"bitcoind at {self.url} rejected the RPC credentials (HTTP 401)")
        if status == 403:
            raise RpcAuthError(f"bitcoind at {self.url} forbids this call (HTTP 403, rpcwhitelist)")
        return status, data

    async def _exchange(
        self, body: bytes, auth: httpx.BasicAuth, limit: float | None
    ) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/json"}
        async with self._http.stream(
            "POST",
            self.url,
            content=body,
            headers=headers,
            auth=auth,
            timeout=self._timeouts(limit),
        ) as response:
            chunks = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > MAX_REPLY_BYTES:
                    raise ChainUnavailable(f"bitcoind reply exceeds {MAX_REPLY_BYTES} bytes")
                chunks.append(chunk)
            return response.status_code, b"".join(chunks)

    def _decode(self, status: int, data: bytes) -> object:
        try:
            return json.loads(data, parse_constant=_refuse_constant)
        except (ValueError, RecursionError):
            # Core sends plain text only for transport-level trouble, e.g. 503 "Work queue depth
            # exceeded": the node is there but cannot take the call now.
            raise ChainUnavailable(
                f"bitcoind at {self.url} answered HTTP {status} without a JSON-RPC reply"
            ) from None

    def _result(self, reply: object, status: int, request_id: int) -> object:
        # A 1.0 reply has both keys, one null; a 2.0 one (from a proxy, say) only one of them.
        if not isinstance(reply, dict) or ("error" not in reply and "result" not in reply):
            raise ChainUnavailable(f"bitcoind answered HTTP {status} with a malformed reply")
        error = reply.get("error")
        if error is not None:
            raise _rpc_error(error)
        if reply.get("id") != request_id:
            raise ChainUnavailable("bitcoind reply id does not match the request")
        if status != 200:
            raise ChainUnavailable(f"bitcoind answered HTTP {status} without an error object")
        return reply.get("result")

    async def call(
        self,
        method: str,
        *params: object,
        timeout: float | None = None,  # noqa: ASYNC109 - httpx's: connect and read told apart
    ) -> Any:
        """Call one method (JSON-RPC 1.0, positional params) and return its result.

        Raises ``RpcError`` for Core's error replies, ``ChainUnavailable`` when the node cannot
        be reached, times out, is warming up or syncing, or answers something that is not
        JSON-RPC; ``RpcAuthError`` (a ``ChainUnavailable``) on 401/403.
        """
        request_id = next(self._ids)
        payload = {"jsonrpc": "1.0", "id": request_id, "method": method, "params": list(params)}
        try:
            status, data = await self._post(payload, timeout)
        except httpx.TimeoutException:
            raise ChainUnavailable(f"bitcoind {method} timed out") from None
        return _available(lambda: self._result(self._decode(status, data), status, request_id))

    async def batch(
        self,
        calls: Sequence[tuple[str, Sequence[object]]],
        *,
        timeout: float | None = None,  # noqa: ASYNC109 - as for call
    ) -> list[object]:
        """Send several calls in one request (a JSON array); return results in call order.

        Each element is the call's result or the ``RpcError`` it failed with; Core answers a
        batch with HTTP 200 whatever its members do, and the replies are matched by id.
        """
        ids = [next(self._ids) for _ in calls]
        payload = [
            {"jsonrpc": "1.0", "id": i, "method": method, "params": list(params)}
            for i, (method, params) in zip(ids, calls, strict=True)
        ]
        try:
            status, data = await self._post(payload, timeout)
        except httpx.TimeoutException:
            raise ChainUnavailable("bitcoind batch timed out") from None
        replies = self._decode(status, data)
        if status != 200 or not isinstance(replies, list):
            raise ChainUnavailable(f"bitcoind answered a batch with HTTP {status}")
        by_id = {r.get("id"): r for r in replies if isinstance(r, dict)}
        results: list[object] = []
        for i in ids:
            if i not in by_id:
                raise ChainUnavailable(f"bitcoind batch reply lacks id {i}")
            try:
                results.append(_available(lambda r=by_id[i], i=i: self._result(r, 200, i)))
            except RpcError as exc:
                results.append(exc)
        return results

    async def get_template(self) -> BlockTemplate:
        """Fetch a fresh template: ``getblocktemplate {"rules": ["segwit"]}``."""
        reply = await self.call("getblocktemplate", {"rules": self._rules})
        return _parsed(parse_template, reply)

    async def wait_for_template(
        self,
        longpollid: str,
        timeout: float,  # noqa: ASYNC109 - the TemplateSource signature
    ) -> BlockTemplate:
        """Longpoll (BIP 22): return when Core answers a request carrying ``longpollid`` (the tip
        changed, or the mempool did, checked after 1 min then every 10 s), or after ``timeout``
        seconds with the current template.

        A template without a longpollid falls back to polling ``getbestblockhash``.
        """
        if not longpollid:
            return await self._poll_for_tip(timeout)
        request = {"rules": self._rules, "longpollid": longpollid}
        try:
            reply = await self._longpoll(request, timeout)
        except httpx.TimeoutException:
            # Nothing changed within the timeout: that is an answer, not an outage.
            return await self.get_template()
        return _parsed(parse_template, reply)

    async def _longpoll(self, request: dict[str, object], limit: float) -> object:
        request_id = next(self._ids)
        payload = {
            "jsonrpc": "1.0",
            "id": request_id,
            "method": "getblocktemplate",
            "params": [request],
        }
        status, data = await self._post(payload, limit)
        return _available(lambda: self._result(self._decode(status, data), status, request_id))

    async def _poll_for_tip(self, limit: float) -> BlockTemplate:
        deadline = self._clock() + limit
        start = await self.call("getbestblockhash")
        while self._clock() < deadline:
            await asyncio.sleep(min(self._poll_interval, max(0.0, deadline - self._clock())))
            if await self.call("getbestblockhash") != start:
                break
        return await self.get_template()

    async def submit_block(self, block: bytes) -> str | None:
        """``submitblock <hex>``: None if accepted, else Core's BIP 22 string ("duplicate",
        "inconclusive", "high-hash", ...). An undecodable block raises ``RpcError`` -22."""
        result = await self.call("submitblock", block.hex())
        if result is not None and not isinstance(result, str):
            raise ChainUnavailable(f"submitblock returned {type(result).__name__}, not a string")
        return result

    async def chain_info(self) -> ChainInfo:
        """Summarise the active chain from ``getblockchaininfo``.

        Core before 29.0 has no ``bits`` there; it is then read from the tip's header.
        """
        reply = await self.call("getblockchaininfo")
        bits = None
        if isinstance(reply, dict) and "bits" not in reply:
            header = await self.call("getblockheader", reply.get("bestblockhash"), True)
            bits = _parsed(parse_header_bits, header)
        return _parsed(lambda r: parse_chain_info(r, bits), reply)

    async def block_hash_at(self, height: int) -> bytes | None:
        """``getblockhash <height>`` in internal byte order; None above the tip (Core's -8)."""
        try:
            reply = await self.call("getblockhash", height)
        except RpcError as exc:
            if exc.code == RPC_INVALID_PARAMETER:
                return None
            raise ChainUnavailable(f"getblockhash {height} failed: {exc}") from exc
        try:
            if isinstance(reply, str) and len(reply) == 64:
                return bytes.fromhex(reply)[::-1]
        except ValueError:
            pass
        raise ChainUnavailable(f"getblockhash returned {reply!r}, not a block hash")

    async def wait_until_available(
        self,
        *,
        initial_delay: float = 1.0,
        max_delay: float = 30.0,
        factor: float = 2.0,
        jitter: float = 0.5,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: Callable[[], float] = random.random,
    ) -> BlockTemplate:
        """Retry ``get_template`` until the node serves one again, and return it.

        Delays start at ``initial_delay`` and grow by ``factor`` up to ``max_delay`` (1 s doubling
        to a 30 s cap, security §4.5); each is shortened by up to ``jitter`` of itself so pools
        restarted together do not retry in step. ``RpcError`` (a wrong request, not an outage)
        is raised at once.
        """
        delay = initial_delay
        attempt = 0
        while True:
            try:
                template = await self.get_template()
            except ChainUnavailable as exc:
                attempt += 1
                pause = delay * (1.0 - jitter * rng())
                level = logging.WARNING if attempt == 1 else logging.INFO
                log.log(level, "bitcoind unavailable (%s); retry %d in %.2fs", exc, attempt, pause)
                await sleep(pause)
                delay = min(delay * factor, max_delay)
                continue
            if attempt:
                log.warning("bitcoind at %s is available again", self.url)
            return template

    async def close(self) -> None:
        """Close the HTTP connection pool."""
        await self._http.aclose()


RPC_INVALID_PARAMETER = -8
"""Core's error for ``getblockhash`` above the tip ("Block height out of range")."""


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _rpc_error(error: object) -> RpcError:
    if isinstance(error, dict):
        code, message = error.get("code"), error.get("message")
        if isinstance(code, int) and not isinstance(code, bool) and isinstance(message, str):
            return RpcError(code, message)
    raise ChainUnavailable("bitcoind sent a malformed error object")


def _available(read: Callable[[], object]) -> Any:
    try:
        return read()
    except RpcError as exc:
        if exc.code in UNAVAILABLE_CODES:
            raise ChainUnavailable(f"bitcoind cannot serve work now: {exc}") from exc
        raise


def _parsed(parse: Callable[[Any], Any], reply: object) -> Any:
    try:
        return parse(reply)
    except ValueError as exc:
        raise ChainUnavailable(f"bitcoind sent an unusable reply: {exc}") from None
