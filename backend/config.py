"""Settings of the pool process: one pydantic model, filled from defaults, a TOML file, the
environment and the command line, in that order of increasing precedence.

Every field is also a TOML key (`--config pool.toml`) and an environment variable
(`MINERPOOL_` + the field name in upper case, e.g. `MINERPOOL_STRATUM=0.0.0.0:3333`).
"""

from __future__ import annotations

import json
import math
import os
import tomllib
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from backend.ledger.settings import LedgerSettings

if TYPE_CHECKING:
    from backend.api.limits import ApiLimits
    from backend.stratum.limits import StratumLimits

ENV_PREFIX = "MINERPOOL_"

MIN_DIFFICULTY_FLOOR = 1e-10
"""The smallest share difficulty the pool will ever assign (issue: any positive value down to
1e-10). Below that the share target exceeds 2**256 and every hash would pass."""

EMBEDDED_DIFFICULTY = (0.001, 1e-6)
"""(start, minimum) on the embedded chain, whose miners are CPU miners: at ~1 MH/s a difficulty of
0.001 gives a share every few seconds."""

BITCOIND_DIFFICULTY = (1.0, 1.0)
"""(start, minimum) against Bitcoin Core: mindiff 1 as ckpool, because a sub-1 difficulty lets an
ASIC flood the pool with millions of shares per second (security §1.4, public-pool#120)."""


def default_data_dir() -> Path:
    """The platform's per-user data directory for minerpool (platformdirs)."""
    return Path(platformdirs.user_data_dir("minerpool", appauthor=False))


class ConfigError(ValueError):
    """The settings could not be built; the message names the setting and the problem."""


def parse_host_port(text: str) -> tuple[str, int]:
    """Split `HOST:PORT` (IPv6 as `[::1]:3333`) and check the port range."""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ValueError(f"expected HOST:PORT, got {text!r}")
    number = int(port)
    if not 0 <= number <= 65535:
        raise ValueError(f"port {number} is outside 0-65535")
    return host.strip("[]"), number


class PoolSettings(BaseModel):
    """Everything `minerpool run` can be told. Defaults make a bare `minerpool run` work."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    data_dir: Path = Field(default_factory=default_data_dir)
    """Where the store, the embedded chain and the owner key live."""

    stratum: str = "127.0.0.1:3333"
    """Where the Stratum listener binds. Loopback by default, so nothing is exposed until the
    operator says so (`--stratum 0.0.0.0:3333` to take miners from the LAN)."""

    node: str | None = None
    """Bitcoin Core JSON-RPC URL (`http://127.0.0.1:8332`, credentials may sit in the URL). Unset:
    the embedded chain."""

    node_cookie: Path | None = None
    """Core's `.cookie` file, used when the URL carries no credentials."""

    coinbase_address: str | None = None
    """Address the block reward is paid to. Required with `--node`; on the embedded chain the
    pool's own wallet address is used when unset."""

    pool_tag: str = "/minerpool/"
    """Text written into every coinbase scriptSig (at most 32 bytes)."""

    block_interval: float = 60.0
    """Target seconds between blocks on the embedded chain."""

    start_difficulty: float | None = None
    """First share difficulty of a connection. Unset: 0.001 on the embedded chain, 1 on Core."""

    min_difficulty: float | None = None
    """Lowest share difficulty vardiff may assign. Unset: 1e-6 on the embedded chain, 1 on Core.
    min = max fixes the difficulty."""

    max_difficulty: float = 1e15
    """Highest share difficulty vardiff may assign."""

    share_interval: float = 10.0
    """Seconds between shares vardiff aims for (reference §4.4: one share per 5-15 s)."""

    job_refresh: float = 30.0
    """Seconds between job refreshes on an unchanged tip (ckpool `update_interval`, security §3)."""

    instance_id: int = Field(default=0, ge=0, le=255)
    """High byte of every extranonce1 this process hands out, so several stratum processes on one
    chain never give two miners the same search space (security §1.7)."""

    log_level: str = "info"
    """debug, info, warning or error."""

    role: Literal["all", "stratum", "api"] = "all"
    """What this process runs. `all`: everything in one process (the default). `stratum`: the
    listener and the share recorder only. `api`: no listener; the ledger's background jobs (block
    tracking, daily close, payouts) — exactly one process per database runs them (README
    "Roles"). `stratum` and `api` share a database and a chain (`--node`) with other processes."""

    database: str | None = None
    """`postgresql://user:password@host/db` for the multi-node store, `sqlite:///path`, or unset
    for `pool.sqlite3` in the data directory."""

    reward_scheme: Literal["fpps", "pplns"] = "fpps"
    """How miners are paid: FPPS per share, closed into daily rewards (the default, as WhiteBIT),
    or PPLNS per found block (`backend/ledger/pplns.py`). Every process of a pool must agree."""

    pool_fee: Decimal = Field(default=Decimal("2.5"), ge=0, lt=100)
    """The pool fee in percent (2.5 %, the fee the v4 miner-info example shows, §6.8)."""

    ledger: LedgerSettings = Field(default_factory=LedgerSettings)
    """Recorder, block tracker, close and payout tunables (`[ledger]` table in TOML, JSON in
    `MINERPOOL_LEDGER`). Defaults: `backend/ledger/settings.py`."""

    @field_validator("ledger", "limits", "api_limits", mode="before")
    @classmethod
    def _parse_table(cls, value: object) -> object:
        # From the environment a table arrives as JSON text (`MINERPOOL_LIMITS='{...}'`).
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError as exc:
                raise ValueError(f"not JSON: {exc.msg}") from None
        return value

    @field_validator("pool_fee", mode="before")
    @classmethod
    def _exact_fee(cls, value: object) -> object:
        # A TOML float such as 2.5 is taken by its shortest text, never its binary expansion.
        return str(value) if isinstance(value, float) else value

    @field_validator("database")
    @classmethod
    def _check_database(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(
            ("postgresql://", "postgres://", "sqlite:///")
        ):
            raise ValueError("expected postgresql://... or sqlite:///path")
        return value

    limits: dict[str, float] = Field(default_factory=dict)
    """Overrides of the Stratum listener's limits by field name (`[limits]` table in TOML, JSON in
    `MINERPOOL_LIMITS`), e.g. `max_line_bytes = 8192`. Defaults: `backend/stratum/limits.py`."""

    @field_validator("limits")
    @classmethod
    def _known_limits(cls, value: dict[str, float]) -> dict[str, float]:
        from backend.stratum.limits import StratumLimits

        unknown = sorted(set(value) - set(StratumLimits.__dataclass_fields__))
        if unknown:
            raise ValueError(f"unknown limit(s): {', '.join(unknown)}")
        for name, number in value.items():
            if not math.isfinite(number) or number < 0:
                raise ValueError(f"{name} must be a finite number >= 0")
        return value

    api: str = "127.0.0.1:8080"
    """Where the HTTP API listens (`--api HOST:PORT`). Loopback by default: the owner API changes
    payout addresses, so exposing it is the operator's explicit choice (security §1.14)."""

    metrics: str | None = "127.0.0.1:9464"
    """Where Prometheus scrapes `/metrics` (`--metrics HOST:PORT`), a listener of its own, loopback
    by default (security §1.14: admin surfaces apart from the public API). Empty: no metrics."""

    public_url: str | None = None
    """The API's base URL as watchers reach it, used in watcher links. Unset: the API's own
    address (`http://127.0.0.1:8080`)."""

    stratum_urls: list[str] = Field(default_factory=list)
    """Stratum URLs the API advertises (pool overview, miners info). Unset: the listener's
    address as `stratum+tcp://HOST:PORT`."""

    api_limits: dict[str, float] = Field(default_factory=dict)
    """Overrides of the API's limits by field name (`[api_limits]` in TOML, JSON in
    `MINERPOOL_API_LIMITS`), e.g. `key_requests = 2000`. Defaults: `backend/api/limits.py`."""

    api_secret_key: Path | None = None
    """File holding the key that seals API secrets at rest. Unset: `api-secret.key` in the data
    directory. Several API processes on one database must share it."""

    @field_validator("api_limits")
    @classmethod
    def _known_api_limits(cls, value: dict[str, float]) -> dict[str, float]:
        from backend.api.limits import ApiLimits

        ApiLimits().replace(**value)
        for name, number in value.items():
            if not math.isfinite(number) or number < 0:
                raise ValueError(f"{name} must be a finite number >= 0")
        return value

    @field_validator("api")
    @classmethod
    def _check_api(cls, value: str) -> str:
        parse_host_port(value)
        return value

    @field_validator("metrics", mode="before")
    @classmethod
    def _check_metrics(cls, value: object) -> object:
        if value in ("", None):
            return None
        parse_host_port(str(value))
        return value

    @field_validator("stratum")
    @classmethod
    def _check_stratum(cls, value: str) -> str:
        parse_host_port(value)
        return value

    @field_validator("pool_tag")
    @classmethod
    def _check_tag(cls, value: str) -> str:
        if len(value.encode()) > 32:
            raise ValueError("at most 32 bytes")
        return value

    @field_validator("log_level")
    @classmethod
    def _check_level(cls, value: str) -> str:
        if value.lower() not in {"debug", "info", "warning", "error"}:
            raise ValueError("one of debug, info, warning, error")
        return value.lower()

    @field_validator("start_difficulty", "min_difficulty", "max_difficulty", "block_interval")
    @classmethod
    def _positive(cls, value: float | None) -> float | None:
        if value is not None and (not math.isfinite(value) or value <= 0):
            raise ValueError("must be a positive finite number")
        return value

    @field_validator("start_difficulty", "min_difficulty", "max_difficulty")
    @classmethod
    def _not_below_floor(cls, value: float | None) -> float | None:
        if value is not None and value < MIN_DIFFICULTY_FLOOR:
            raise ValueError(f"must be at least {MIN_DIFFICULTY_FLOOR:g}")
        return value

    @model_validator(mode="after")
    def _check_role(self) -> PoolSettings:
        if self.role != "all" and self.node is None:
            # The embedded chain lives inside one process; other processes cannot share it.
            raise ValueError(
                f"role {self.role} needs --node (Bitcoin Core or `minerpool node`) shared by all "
                "processes"
            )
        return self

    @model_validator(mode="after")
    def _check_difficulty_order(self) -> PoolSettings:
        start, minimum, maximum = self.difficulty_range
        if not minimum <= maximum:
            raise ValueError(f"min_difficulty {minimum:g} is above max_difficulty {maximum:g}")
        if not minimum <= start <= maximum:
            raise ValueError(f"start_difficulty {start:g} is outside [{minimum:g}, {maximum:g}]")
        return self

    @property
    def embedded(self) -> bool:
        """True when work comes from the embedded chain rather than Bitcoin Core."""
        return self.node is None

    @property
    def difficulty_range(self) -> tuple[float, float, float]:
        """(start, minimum, maximum) after chain-dependent defaults are applied."""
        start, minimum = EMBEDDED_DIFFICULTY if self.embedded else BITCOIND_DIFFICULTY
        minimum = self.min_difficulty if self.min_difficulty is not None else minimum
        if self.start_difficulty is not None:
            start = self.start_difficulty
        else:
            start = min(max(start, minimum), self.max_difficulty)
        if self.min_difficulty is None:
            minimum = min(minimum, start)
        return start, minimum, self.max_difficulty

    def stratum_limits(self) -> StratumLimits:
        """The listener's limits: the reference defaults with this file's overrides applied."""
        from backend.stratum.limits import StratumLimits

        defaults = StratumLimits()
        values = {
            name: type(getattr(defaults, name))(number) for name, number in self.limits.items()
        }
        return StratumLimits(**values)

    def api_limits_in_force(self) -> ApiLimits:
        """The API's limits: the reference defaults with this file's overrides applied."""
        from backend.api.limits import ApiLimits

        return ApiLimits().replace(**self.api_limits)

    @property
    def stratum_address(self) -> tuple[str, int]:
        """The Stratum bind address as (host, port)."""
        return parse_host_port(self.stratum)


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> PoolSettings:
    """Build settings from a TOML file, then the environment, then `overrides` (the CLI).

    `None` values in `overrides` mean "not given" and do not mask lower layers.
    Raises ConfigError with one readable line per problem.
    """
    values: dict[str, Any] = {}
    if config_file is not None:
        try:
            values.update(tomllib.loads(config_file.read_text()))
        except OSError as exc:
            raise ConfigError(f"cannot read {config_file}: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{config_file}: {exc}") from None
    env = os.environ if environ is None else environ
    for name in PoolSettings.model_fields:
        key = ENV_PREFIX + name.upper()
        if key in env:
            values[name] = env[key]
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    try:
        return PoolSettings(**values)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None


def _describe(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "settings"
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown setting"
        lines.append(f"{where}: {message}")
    return "; ".join(lines)
