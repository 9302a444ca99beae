"""The only code in the console that talks HTTP: `PoolClient` (owner key) and `WatcherClient`
(watcher token), both implementing `api.PoolApi` with models from `backend.api.schemas`.

Owner requests are signed as WhiteBIT v4 signs them (`signing.py`, whitebit-v4-mining-api.md §3);
read API v1 calls are GETs signed the same way, with `request` = path and query string
(watcher-api-v1.md). Watchers send their token as `?token=`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

import httpx
from pydantic import BaseModel, ValidationError

from backend.api.schemas import (
    AccountCreated,
    AccountCreateRequest,
    AccountRequest,
    AccountsPage,
    AccountsRequest,
    DailyRewards,
    Interval,
    MinerHashrate,
    MinerStats,
    PayoutDestination,
    PayoutDestinationEdit,
    PayoutDestinationRequest,
    PoolOverview,
    PoolStats,
    ReadError,
    RewardsStats,
    Transactions,
    V4Error,
    WatcherLinkCreate,
    WatcherLinkCreated,
    WatcherLinkRevoke,
    WatcherLinkRevoked,
    WatcherLinks,
    WatcherScope,
    WorkerHashrateV1,
    Workers,
)
from minerconsole.api import AccessDenied, ApiRejected, EventsUnsupported, PoolUnavailable
from minerconsole.events import parse_sse
from minerconsole.signing import OUT_OF_WINDOW, NonceSource, encode_body, sign_body

Model = TypeVar("Model", bound=BaseModel)

REQUEST_TIMEOUT = 10.0
"""Seconds one API call may take before the pool counts as unreachable."""

EVENT_READ_TIMEOUT = 45.0
"""Seconds of silence after which the event stream counts as broken and is reopened (the pool
sends a keep-alive comment well within this)."""

MAX_ERROR_BODY = 4096
"""Bytes of an error body read for its message: a hostile pool cannot make us buffer more."""


class _Http:
    """Shared plumbing: one httpx client, status → exception mapping, response parsing."""

    def __init__(self, base_url: str, transport: httpx.AsyncBaseTransport | None) -> None:
        self._base = base_url.rstrip("/")
        self._http = httpx.AsyncClient(
            base_url=self._base, timeout=REQUEST_TIMEOUT, transport=transport, trust_env=False
        )

    @property
    def base_url(self) -> str:
        """The pool's API address."""
        return self._base

    async def close(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def _send(self, request: httpx.Request, model: type[Model]) -> Model:
        try:
            response = await self._http.send(request)
        except httpx.HTTPError as exc:
            raise PoolUnavailable(f"cannot reach {self._base}: {type(exc).__name__}") from None
        if response.status_code >= 400:
            raise _error(response.status_code, response.content[:MAX_ERROR_BODY], response)
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            raise ApiRejected(
                response.status_code, f"unexpected answer from the pool: {exc.errors()[0]['msg']}"
            ) from None

    async def _call(self, build: Callable[[], httpx.Request], model: type[Model]) -> Model:
        """Send the request `build` makes (owners override this to order their nonces)."""
        return await self._send(build(), model)

    async def _open(self, build: Callable[[], httpx.Request]) -> httpx.Response:
        """Open a streaming response."""
        try:
            return await self._http.send(build(), stream=True)
        except httpx.HTTPError as exc:
            raise PoolUnavailable(f"cannot reach {self._base}: {type(exc).__name__}") from None

    async def _stream(self, build: Callable[[], httpx.Request]) -> AsyncIterator[tuple[str, dict]]:
        response = await self._open(build)
        try:
            if response.status_code in {404, 405, 501}:
                raise EventsUnsupported(f"no event stream ({response.status_code})")
            if response.status_code >= 400:
                body = b""
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) >= MAX_ERROR_BODY:
                        break
                raise _error(response.status_code, body[:MAX_ERROR_BODY], response)
            async for event in parse_sse(response.aiter_lines()):
                yield event
        except httpx.HTTPError as exc:
            raise PoolUnavailable(f"event stream broke: {type(exc).__name__}") from None
        finally:
            await response.aclose()


def _error(status: int, body: bytes, response: httpx.Response) -> Exception:
    """The exception for an error status, with the API's own message when its body has one."""
    if status == 429 or status >= 500:
        retry = response.headers.get("retry-after", "")
        return PoolUnavailable(f"pool answered {status}", float(retry) if retry.isdigit() else None)
    message, errors = f"HTTP {status}", None
    for shape in (V4Error, ReadError):
        try:
            parsed = shape.model_validate_json(body)
        except ValidationError:
            continue
        message, errors = parsed.message, parsed.errors
        break
    cls = AccessDenied if status in {401, 403} else ApiRejected
    return cls(status, message, errors)


def _path(*segments: str) -> str:
    return "/" + "/".join(quote(segment, safe="") for segment in segments)


class _ReadApi(_Http):
    """The read API v1 calls, common to owners and watchers; subclasses authenticate them."""

    def _get(self, path: str, params: dict[str, str] | None = None) -> httpx.Request:
        raise NotImplementedError

    async def _read(self, model: type[Model], path: str, **params: str) -> Model:
        return await self._call(lambda: self._get(path, params), model)

    async def scope(self) -> WatcherScope:
        return await self._read(WatcherScope, "/api/v1/watcher")

    async def pool_stats(self) -> PoolStats:
        return await self._read(PoolStats, "/api/v1/pool/btc/stats")

    async def pool_overview(self) -> PoolOverview:
        return await self._send(
            self._http.build_request("GET", "/api/v4/public/mining-pool"), PoolOverview
        )

    async def miner_stats(self, account: str) -> MinerStats:
        return await self._read(MinerStats, _account(account, "btc", "miner", "stats"))

    async def miner_hashrate(self, account: str, interval: Interval) -> MinerHashrate:
        path = _account(account, "btc", "miner", "hashrate")
        return await self._read(MinerHashrate, path, interval=interval)

    async def workers(self, account: str) -> Workers:
        path = _account(account, "btc", "miner", "workers")
        return await self._read(Workers, path, status="all")

    async def worker_hashrate(
        self, account: str, worker: str, interval: Interval
    ) -> WorkerHashrateV1:
        path = _account(account, "btc", "miner", "workers", worker, "hashrate")
        return await self._read(WorkerHashrateV1, path, interval=interval)

    async def rewards_stats(self, account: str) -> RewardsStats:
        return await self._read(RewardsStats, _account(account, "btc", "rewards-stats"))

    async def daily_rewards(self, account: str, limit: int = 30) -> DailyRewards:
        path = _account(account, "btc", "rewards")
        return await self._read(DailyRewards, path, limit=str(limit))

    async def transactions(self, account: str, limit: int = 30) -> Transactions:
        path = _account(account, "transactions")
        return await self._read(Transactions, path, limit=str(limit))

    async def events(self, account: str) -> AsyncIterator[tuple[str, dict]]:
        def build() -> httpx.Request:
            request = self._get(_account(account, "btc", "events"))
            request.extensions["timeout"] = httpx.Timeout(
                REQUEST_TIMEOUT, read=EVENT_READ_TIMEOUT
            ).as_dict()
            request.headers["Accept"] = "text/event-stream"
            return request

        async for event in self._stream(build):
            yield event


def _account(account: str, *rest: str) -> str:
    return _path("api", "v1", "accounts", account, *rest)


class PoolClient(_ReadApi):
    """An owner's connection: v4 signed writes, v1 reads with the owner signature."""

    def __init__(
        self,
        base_url: str,
        key: str,
        secret: str,
        *,
        clock: Callable[[], float] = time.time,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(base_url, transport)
        self._key = key
        self._secret = secret
        self._nonces = NonceSource(clock)
        self.nonce_window = True
        """Sign with `nonceWindow` (concurrent requests allowed, clocks within ±5 s). Turned off
        for good when the pool says the clocks differ more: then nonces are counters and
        requests go one at a time, so they reach the pool in nonce order."""
        self._serial = asyncio.Lock()

    def __repr__(self) -> str:
        # Never show the secret, not even in a traceback's locals.
        return f"PoolClient({self.base_url!r}, key={self._key[:6]}…)"

    @property
    def is_owner(self) -> bool:
        return True

    def _headers(self, body: bytes) -> dict[str, str]:
        payload, signature = sign_body(body, self._secret)
        return {
            "Content-Type": "application/json",
            "X-TXC-APIKEY": self._key,
            "X-TXC-PAYLOAD": payload,
            "X-TXC-SIGNATURE": signature,
        }

    def _auth_fields(self, request: str) -> dict[str, Any]:
        fields: dict[str, Any] = {"request": request, "nonce": self._nonces.next()}
        if self.nonce_window:
            fields["nonceWindow"] = True
        return fields

    def _get(self, path: str, params: dict[str, str] | None = None) -> httpx.Request:
        request = path + ("?" + urlencode(params) if params else "")
        body = encode_body(self._auth_fields(request))
        return self._http.build_request("GET", request, headers=self._headers(body))

    async def _post(self, path: str, model: type[Model], fields: BaseModel | None = None) -> Model:
        data = fields.model_dump(by_alias=True, exclude_none=True) if fields else {}

        def build() -> httpx.Request:
            body = encode_body({**data, **self._auth_fields(path)})
            return self._http.build_request("POST", path, content=body, headers=self._headers(body))

        return await self._call(build, model)

    async def _call(self, build: Callable[[], httpx.Request], model: type[Model]) -> Model:
        if self.nonce_window:
            try:
                return await self._send(build(), model)
            except AccessDenied as exc:
                if exc.message != OUT_OF_WINDOW:
                    raise
                self.nonce_window = False
        async with self._serial:
            return await self._send(build(), model)

    async def _open(self, build: Callable[[], httpx.Request]) -> httpx.Response:
        if self.nonce_window:
            return await super()._open(build)
        async with self._serial:
            return await super()._open(build)

    async def accounts(self) -> AccountsPage:
        return await self._post("/api/v4/mining/accounts", AccountsPage, AccountsRequest())

    async def create_account(self, name: str) -> AccountCreated:
        fields = AccountCreateRequest(name=name)
        return await self._post("/api/v4/mining/accounts/create", AccountCreated, fields)

    async def payout_destination(self, account: str) -> PayoutDestination:
        fields = PayoutDestinationRequest(account_name=account)
        return await self._post("/api/v4/mining/payout-destination", PayoutDestination, fields)

    async def set_payout_destination(self, edit: PayoutDestinationEdit) -> PayoutDestination:
        path = "/api/v4/mining/payout-destination/edit"
        return await self._post(path, PayoutDestination, edit)

    async def watcher_links(self, account: str) -> WatcherLinks:
        fields = AccountRequest(account=account)
        return await self._post("/api/v4/mining/watcher-links/list", WatcherLinks, fields)

    async def create_watcher_link(self, request: WatcherLinkCreate) -> WatcherLinkCreated:
        path = "/api/v4/mining/watcher-links/create"
        return await self._post(path, WatcherLinkCreated, request)

    async def revoke_watcher_link(self, link_id: str) -> WatcherLinkRevoked:
        fields = WatcherLinkRevoke(id=link_id)
        return await self._post("/api/v4/mining/watcher-links/revoke", WatcherLinkRevoked, fields)


class WatcherClient(_ReadApi):
    """A watcher link's connection: read API v1 with `?token=`, nothing else."""

    def __init__(
        self, base_url: str, token: str, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        super().__init__(base_url, transport)
        self._token = token

    def __repr__(self) -> str:
        return f"WatcherClient({self.base_url!r})"

    @property
    def is_owner(self) -> bool:
        return False

    def _get(self, path: str, params: dict[str, str] | None = None) -> httpx.Request:
        query = {**(params or {}), "token": self._token}
        return self._http.build_request("GET", path, params=query)

    async def _owner_only(self) -> Any:
        raise AccessDenied(403, "a watcher link is read-only")

    async def accounts(self) -> AccountsPage:
        return await self._owner_only()

    async def create_account(self, name: str) -> AccountCreated:
        return await self._owner_only()

    async def payout_destination(self, account: str) -> PayoutDestination:
        return await self._owner_only()

    async def set_payout_destination(self, edit: PayoutDestinationEdit) -> PayoutDestination:
        return await self._owner_only()

    async def watcher_links(self, account: str) -> WatcherLinks:
        return await self._owner_only()

    async def create_watcher_link(self, request: WatcherLinkCreate) -> WatcherLinkCreated:
        return await self._owner_only()

    async def revoke_watcher_link(self, link_id: str) -> WatcherLinkRevoked:
        return await self._owner_only()


async def pool_answers(
    base_url: str, *, patience: float = 2.0, transport: httpx.AsyncBaseTransport | None = None
) -> bool:
    """Whether a pool API answers at `base_url` within `patience` seconds (its public overview,
    no key needed)."""
    async with httpx.AsyncClient(
        base_url=base_url.rstrip("/"), timeout=patience, transport=transport, trust_env=False
    ) as http:
        try:
            response = await http.get("/api/v4/public/mining-pool")
        except httpx.HTTPError:
            return False
    return response.status_code < 500
