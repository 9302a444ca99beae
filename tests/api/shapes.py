"""Field-by-field shape checks written from the references (not from backend.api.schemas): every
key present, no key extra, every value of the documented JSON type."""

from __future__ import annotations

import re
from typing import Any

INT = "integer"
NUM = "number"
STR = "string"
BOOL = "boolean"
DEC = "decimal string"
NULL = None

_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def nullable(kind: Any) -> tuple:
    """`kind` or null."""
    return (kind, NULL)


def check(value: Any, spec: Any, where: str = "$") -> None:
    """Assert `value` has the shape `spec` (a dict of field specs, a one-item list, a type name,
    a tuple of alternatives, or a set of allowed literal values)."""
    if isinstance(spec, tuple):
        errors = []
        for option in spec:
            try:
                check(value, option, where)
                return
            except AssertionError as exc:
                errors.append(str(exc))
        raise AssertionError(f"{where}: none of {spec} matched {value!r}: {errors}")
    if spec is NULL:
        assert value is None, f"{where}: expected null, got {value!r}"
    elif isinstance(spec, dict):
        assert isinstance(value, dict), f"{where}: expected an object, got {value!r}"
        assert set(value) == set(spec), f"{where}: keys {sorted(value)} != {sorted(spec)}"
        for key, inner in spec.items():
            check(value[key], inner, f"{where}.{key}")
    elif isinstance(spec, list):
        assert isinstance(value, list), f"{where}: expected an array, got {value!r}"
        for index, item in enumerate(value):
            check(item, spec[0], f"{where}[{index}]")
    elif isinstance(spec, set):
        assert value in spec, f"{where}: {value!r} not one of {sorted(spec)}"
    elif spec == INT:
        assert type(value) is int, f"{where}: expected an integer, got {value!r}"
    elif spec == NUM:
        assert type(value) in (int, float), f"{where}: expected a number, got {value!r}"
    elif spec == STR:
        assert isinstance(value, str), f"{where}: expected a string, got {value!r}"
    elif spec == BOOL:
        assert type(value) is bool, f"{where}: expected a boolean, got {value!r}"
    elif spec == DEC:
        assert isinstance(value, str) and _DECIMAL.fullmatch(value), (
            f"{where}: expected a decimal string, got {value!r}"
        )
    else:
        raise AssertionError(f"unknown spec {spec!r}")


# --- whitebit-v4-mining-api.md §6 ------------------------------------------------------------

DESTINATIONS = {"main_balance", "external_address"}
POOL_OVERVIEW = {
    "data": {
        "connection_links": [STR],
        "location": STR,
        "assets": [STR],
        "reward_schemes": [STR],
        "workers": INT,
        "current_hash_rate": DEC,
        "last7days_hash_rate": [{"timestamp": INT, "hashrate": DEC}],
        "blocks": [{"block_found_at": INT, "block_height": INT}],
    }
}
ACCOUNT_ITEM = {"name": STR, "createdAt": INT}
ACCOUNT_CREATED = {"data": ACCOUNT_ITEM}
ACCOUNTS = {"data": [ACCOUNT_ITEM], "limit": INT, "offset": INT}
MINING_REWARD = {
    "miningAccountName": STR,
    "payoutDestination": DESTINATIONS,
    "payoutTransactionHash": nullable(STR),
    "payoutAddress": nullable(STR),
    "payoutTime": nullable(INT),
    "rewardCurrency": STR,
    "totalReward": DEC,
    "reward": DEC,
    "fee": DEC,
    "fppsRate": DEC,
    "hashRate": DEC,
    "date": INT,
    "status": {"pending", "successful", "canceled"},
}
REWARDS = {"offset": INT, "limit": INT, "data": [MINING_REWARD]}
ACCOUNT_HASHRATE = {
    "data": {"account": STR, "hashrate": [{"timestamp": INT, "hashrate": DEC, "rejectRate": NUM}]}
}
PAYOUT_DESTINATION = {"payoutDestination": DESTINATIONS, "externalAddress": nullable(STR)}
MINERS_INFO = {
    "data": {
        "fee": DEC,
        "workers": {"online": INT, "offline": INT, "low": INT},
        "stratum": [{"url": STR, "workersCount": INT}],
    }
}
WORKER_NAMES = {"data": {"workers": [STR]}, "limit": INT, "offset": INT}
WORKER_HASHRATE = {"data": {"hashrates": [{"time": INT, "hashrate": DEC}]}}
LINK_CREATED = {"data": {"id": STR, "link": STR, "liveUntil": nullable(INT), "createdAt": INT}}
PERMISSIONS = {"dashboard", "rewards", "workers"}
LINKS = {
    "data": [
        {
            "id": STR,
            "accounts": [STR],
            "name": STR,
            "link": STR,
            "permissions": [PERMISSIONS],
            "liveUntil": nullable(INT),
            "createdAt": INT,
        }
    ]
}
PAYOUT = {
    "id": STR,
    "amount": DEC,
    "address": STR,
    "txid": nullable(STR),
    "status": {"reserved", "sent", "confirmed", "released"},
    "createdAt": INT,
    "sentAt": nullable(INT),
    "confirmedAt": nullable(INT),
}

# --- watcher-api-v1.md -----------------------------------------------------------------------

COUNTS = {"online": INT, "low": INT, "offline": INT}
POOL_STATS = {
    "hashrate5m": NUM,
    "hashrate1h": NUM,
    "hashrate24h": NUM,
    "activeWorkers": INT,
    "activeAccounts": INT,
    "rewardScheme": STR,
    "poolFeePct": DEC,
    "networkDifficulty": NUM,
    "networkHashrate": NUM,
    "blockHeight": INT,
    "roundEffortPct": NUM,
    "lastBlock": nullable({"height": INT, "hash": STR, "foundAt": INT}),
}
SCOPE = {"accounts": [STR], "permissions": [PERMISSIONS], "liveUntil": nullable(INT)}
MINER_STATS = {
    "hashrate5m": NUM,
    "hashrate1h": NUM,
    "hashrate24h": NUM,
    "workers": COUNTS,
    "shares": {"accepted24h": INT, "rejected24h": INT, "stale24h": INT},
    "rejectRate1h": NUM,
    "lastShareAt": nullable(INT),
    "bestShare": NUM,
    "currentDifficulty": nullable(NUM),
}
REWARDS_STATS = {
    "totalPaid": DEC,
    "totalEarned": DEC,
    "unpaid": DEC,
    "todayEstimated": DEC,
    "yesterday": DEC,
    "last7d": DEC,
    "last30d": DEC,
    "payoutThreshold": DEC,
    "payoutDestination": {"type": DESTINATIONS, "address": nullable(STR)},
    "lastPayoutAt": nullable(INT),
    "rewardScheme": STR,
    "poolFeePct": DEC,
}
DAILY_REWARDS = {
    "rewards": [
        {
            "date": INT,
            "totalReward": DEC,
            "reward": DEC,
            "fee": DEC,
            "fppsRate": DEC,
            "hashrate": NUM,
            "status": {"pending", "successful", "canceled"},
        }
    ],
    "limit": INT,
    "offset": INT,
}
MINER_HASHRATE = {
    "interval": {"5m", "1h", "24h"},
    "points": [{"timestamp": INT, "hashrate": NUM, "rejectRate": NUM, "activeWorkers": INT}],
}
WORKER_ROW = {
    "name": STR,
    "status": {"online", "low", "offline"},
    "hashrate5m": NUM,
    "hashrate1h": NUM,
    "hashrate24h": NUM,
    "accepted24h": INT,
    "rejected24h": INT,
    "stale24h": INT,
    "rejectRate": NUM,
    "lastShareAt": nullable(INT),
    "currentDifficulty": nullable(NUM),
    "bestShare": NUM,
    "connectedAt": nullable(INT),
    "userAgent": nullable(STR),
}
WORKERS = {"workers": [WORKER_ROW], "totals": COUNTS}
WORKER_POINTS = {"points": [{"timestamp": INT, "hashrate": NUM, "rejectRate": NUM}]}
TRANSACTIONS = {
    "transactions": [
        {
            "id": STR,
            "type": {
                "TX_TYPE_MINING_REWARD",
                "TX_TYPE_SCHEDULED_USER_MINING_REWARDS_WITHDRAWAL",
                "TX_TYPE_POOL_FEE",
            },
            "value": DEC,
            "createdAt": INT,
            "status": STR,
            "txid": nullable(STR),
            "address": nullable(STR),
        }
    ],
    "limit": INT,
    "offset": INT,
}
BLOCKS = {
    "blocks": [
        {
            "height": INT,
            "hash": STR,
            "foundAt": INT,
            "status": {"pending", "confirmed", "orphaned"},
            "confirmations": INT,
            "value": DEC,
            "worker": nullable(STR),
        }
    ],
    "limit": INT,
    "offset": INT,
}
