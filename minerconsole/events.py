"""The pool's live event stream: Server-Sent Events text → (kind, data) → schema rows.

Each event's data is the JSON of the matching read-API row (watcher-api-v1.md #11): `worker` →
`WorkerRow`, `hashrate` → `MinerStats` or a `MinerHashratePoint`, `block` → `BlockRow`, `reward`
→ `DailyReward`, `payout` → `Transaction`. Malformed events are dropped, never raised: a bad event
must not take the stream (or the console) down.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass

from pydantic import BaseModel, ValidationError

from backend.api.schemas import (
    BlockRow,
    DailyReward,
    MinerHashratePoint,
    MinerStats,
    Transaction,
    WorkerRow,
)

MAX_EVENT_BYTES = 1 << 20
"""Largest event data kept; a longer one is dropped so a hostile pool cannot grow our memory."""

_ROW_MODELS: dict[str, tuple[type[BaseModel], ...]] = {
    "worker": (WorkerRow,),
    "hashrate": (MinerStats, MinerHashratePoint),
    "block": (BlockRow,),
    "reward": (DailyReward,),
    "payout": (Transaction,),
}


@dataclass(frozen=True, slots=True)
class PoolEvent:
    """One decoded event: its kind and the schema row it carries."""

    kind: str
    row: BaseModel


async def parse_sse(lines: AsyncIterable[str]) -> AsyncIterator[tuple[str, dict]]:
    """(event name, JSON object) for every complete event in an SSE line stream.

    Follows the SSE rules that matter here: `event:` names the event (default `message`), `data:`
    lines are joined with newlines, a blank line dispatches, `:` lines are comments (keep-alives),
    other fields (`id`, `retry`) are ignored. Data that is not a JSON object is skipped.
    """
    kind = "message"
    data: list[str] = []
    size = 0
    async for raw in lines:
        line = raw.rstrip("\r\n")
        if not line:
            if data and size <= MAX_EVENT_BYTES:
                try:
                    decoded = json.loads("\n".join(data))
                except json.JSONDecodeError:
                    decoded = None
                if isinstance(decoded, dict):
                    yield kind, decoded
            kind, data, size = "message", [], 0
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "event":
            kind = value
        elif field == "data":
            size += len(value) + 1
            if size <= MAX_EVENT_BYTES:
                data.append(value)


def decode_event(kind: str, data: dict) -> PoolEvent | None:
    """The schema row `data` holds for an event of `kind`, or None for an unknown kind or a row
    that matches none of that kind's shapes."""
    for model in _ROW_MODELS.get(kind, ()):
        try:
            return PoolEvent(kind, model.model_validate(data))
        except ValidationError:
            continue
    return None
