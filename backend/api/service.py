"""The API as the pool runs it: the app and the metrics, each on its own listener, plus the
owner key the local console uses.

`pool.py` calls `ApiService.start` after the stratum listener is up and `stop` before anything
else shuts down. The master key that seals API secrets lives in its own file (mode 0600) next to
the database, never inside it (security §4.1).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from backend.accounts.registry import AccountRegistry
from backend.api.app import build_app
from backend.api.context import ApiContext
from backend.api.facts import PoolFacts
from backend.api.http_server import HttpServer, set_access_log
from backend.api.keys import ensure_owner_key
from backend.api.limits import DEFAULT_LIMITS, ApiLimits
from backend.api.metrics import ApiMetrics
from backend.api.secretbox import load_master_key
from backend.bitcoin.network import Network
from backend.ledger.status import StatusThresholds

log = logging.getLogger("minerpool.api")

MASTER_KEY_FILE = "api-secret.key"
"""Default file of the key that seals API secrets, in the data directory."""


def url_host(host: str) -> str:
    """`host` as it goes into a URL (IPv6 in brackets; a wildcard bind as loopback)."""
    if host in ("0.0.0.0", ""):  # noqa: S104 - naming the wildcard, not binding it
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


class ApiService:
    """The API and metrics listeners of one pool process."""

    def __init__(
        self,
        *,
        store: Any,
        accounts: AccountRegistry,
        network: Network,
        facts: PoolFacts,
        data_dir: Path,
        limits: ApiLimits = DEFAULT_LIMITS,
        public_url: str | None = None,
        master_key_file: Path | None = None,
        feed: Any = None,
        thresholds: StatusThresholds | None = None,
        access_log: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._accounts = accounts
        self._network = network
        self._facts = facts
        self._data_dir = data_dir
        self._limits = limits
        self._public_url = public_url
        self._key_file = master_key_file or data_dir / MASTER_KEY_FILE
        self._feed = feed
        self._thresholds = thresholds
        self._access_log = access_log
        self._clock = clock
        self.context: ApiContext | None = None
        self.metrics = ApiMetrics(facts)
        self.api: HttpServer | None = None
        self.metrics_server: HttpServer | None = None
        self.owner_key_file: Path | None = None

    @property
    def url(self) -> str:
        """Base URL of the running API."""
        assert self.api is not None, "API not started"
        return f"http://{url_host(self._host)}:{self.api.port}"

    async def start(self, api: tuple[str, int], metrics: tuple[str, int] | None) -> None:
        """Listen for the API at `api` and for Prometheus at `metrics` (None: no metrics)."""
        self._host = api[0]
        self._data_dir.mkdir(parents=True, exist_ok=True)
        master = load_master_key(self._key_file)
        set_access_log(self._access_log)
        # The link base needs the bound port, so the context is completed after binding.
        holder: dict[str, ApiContext] = {}
        self.api = HttpServer(_Deferred(holder), *api, self._limits)
        await self.api.start()
        public = (self._public_url or self.url).rstrip("/")
        ctx = ApiContext.build(
            store=self._store,
            accounts=self._accounts,
            network=self._network,
            facts=self._facts,
            master_key=master,
            public_url=public,
            limits=self._limits,
            feed=self._feed,
            clock=self._clock,
        )
        if self._thresholds is not None:
            ctx.views["thresholds"] = self._thresholds
        self.context = ctx
        holder["app"] = build_app(ctx, self.metrics.observe)
        self.owner_key_file = ensure_owner_key(ctx.keys, self._data_dir, self.url)
        log.info("API on %s (owner key in %s)", self.url, self.owner_key_file)
        if metrics is not None:
            self.metrics_server = HttpServer(self.metrics.app(), *metrics, self._limits)
            await self.metrics_server.start()
            log.info(
                "metrics on http://%s:%d/metrics", url_host(metrics[0]), self.metrics_server.port
            )

    async def stop(self) -> None:
        """End event streams, then close both listeners."""
        if self.context is not None:
            self.context.closing.set()
        for server in (self.api, self.metrics_server):
            if server is not None:
                await server.stop()


class _Deferred:
    """An ASGI app that forwards to the real one once it is built (the listener has to be
    bound before the app knows its own public URL)."""

    def __init__(self, holder: dict[str, Any]) -> None:
        self._holder = holder

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        app = self._holder.get("app")
        if app is None:
            # The few milliseconds between bind and build: nothing can be answered yet.
            await send({"type": "http.response.start", "status": 503, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await app(scope, receive, send)
