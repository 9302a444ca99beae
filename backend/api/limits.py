"""Every limit of the HTTP API, with the reference default it comes from.

One frozen dataclass so the pool settings can override fields by name (`[api_limits]` in TOML,
`MINERPOOL_API_LIMITS` as JSON) and tests can shrink them to reach a limit quickly.
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True, slots=True)
class ApiLimits:
    """The numbers that bound what one caller can make the API do."""

    max_body_bytes: int = 64 * 1024
    """Largest request body: 64 KiB, then 413 without reading further (security §3 "API body";
    WhiteBIT bodies are tiny)."""

    max_header_bytes: int = 8 * 1024
    """Largest request head (request line and headers): 8 KiB (security §3 "header block")."""

    header_timeout: float = 10.0
    """Seconds a connection gets to deliver a complete request head, then it is closed
    (security §3 "API header/idle timeouts", §0.6: uvicorn has no header timeout)."""

    body_timeout: float = 10.0
    """Seconds a request gets to deliver its whole body, then 408 (security §3)."""

    keep_alive: float = 5.0
    """Seconds an idle keep-alive connection is held (security §3, uvicorn's default)."""

    max_connections: int = 1000
    """Concurrent connections and requests; beyond it uvicorn answers 503 (security §3
    "concurrent connections capped")."""

    key_requests: int = 1000
    """Signed requests per key per endpoint per `key_window` (whitebit-v4 §5: 1000 / 10 s)."""

    key_window: float = 10.0
    """The window of `key_requests`, seconds."""

    public_requests: int = 1000
    """Requests per IP per public endpoint per `key_window` (whitebit-v4 §5, pool overview)."""

    token_per_minute: int = 100
    """Requests per watcher token per minute (watcher-api-v1 "limits")."""

    token_per_hour: int = 1000
    """Requests per watcher token per hour (watcher-api-v1 "limits")."""

    failed_auth: int = 100
    """Failed authentications per IP per `failed_auth_window` before further attempts from that
    IP get 429 without being checked: 10/s on average (security §3 "API rate limit", §4.2)."""

    failed_auth_window: float = 10.0
    """The sliding window of `failed_auth`, seconds."""

    limiter_entries: int = 100_000
    """Most callers (keys and endpoints, tokens, IPs) each limiter tracks; the least recently seen
    is forgotten first, so rotating keys, tokens or IPs cannot grow memory (security §4.3)."""

    nonce_window_ms: int = 5000
    """`nonceWindow` tolerance: the nonce is Unix ms within ±5 s of server time (whitebit-v4
    §3.1)."""

    nonce_cache_ms: int = 15_000
    """How long a windowed nonce is remembered: it must outlive the ±5 s window (security §3
    "uniqueness cache ≥ 10 s")."""

    nonce_cache_entries: int = 1_000_000
    """Most windowed nonces remembered at once; when full, windowed requests are refused rather
    than remembered loosely."""

    watcher_links_per_account: int = 3
    """Active watcher links per mining account (whitebit-v4 §6.11, currently 3)."""

    accounts_per_owner: int = 1000
    """Mining accounts one owner may create through the API (whitebit-v4 §6.2: a cap exists,
    its value is unpublished)."""

    view_ttl: float = 2.0
    """Seconds a computed read view (a workers table, a hashrate series) is served from memory
    before it is rebuilt. Buckets change once per recorder batch, so this costs no freshness
    worth having and keeps 1,000-worker tables cheap under load."""

    sse_tick: float = 5.0
    """Seconds between `hashrate` events on an event stream, and between checks of the account's
    workers, blocks, rewards and payouts for changes (watcher-api-v1 #11: "a tick every few
    seconds")."""

    sse_heartbeat: float = 15.0
    """Seconds between keep-alive comments on an idle event stream (proxies drop silent ones)."""

    def replace(self, **overrides: float) -> ApiLimits:
        """A copy with `overrides` applied, each converted to the field's type."""
        kinds = {field.name: type(getattr(self, field.name)) for field in fields(self)}
        unknown = sorted(set(overrides) - set(kinds))
        if unknown:
            raise ValueError(f"unknown API limit(s): {', '.join(unknown)}")
        values = {field.name: getattr(self, field.name) for field in fields(self)}
        values.update({name: kinds[name](value) for name, value in overrides.items()})
        return ApiLimits(**values)


DEFAULT_LIMITS = ApiLimits()
"""The reference defaults."""
