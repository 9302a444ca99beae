"""Parsing the pool's Server-Sent Events and decoding their rows."""

from __future__ import annotations

from backend.api.schemas import MinerHashratePoint, MinerStats, WorkerRow
from minerconsole.events import MAX_EVENT_BYTES, decode_event, parse_sse
from minerconsole.samples import make_worker


async def lines(*items: str):
    for item in items:
        yield item


async def collect(*items: str):
    return [event async for event in parse_sse(lines(*items))]


async def test_sse_rules():
    events = await collect(
        ": keep-alive",
        "",
        "event: worker",
        'data: {"a":',
        "data: 1}",
        "id: 7",
        "retry: 1000",
        "",
        'data: {"b": 2}',
        "",
        "event: worker",
        "data: [1, 2]",
        "",
        "event: worker",
        "data: {broken",
        "",
    )
    assert events == [("worker", {"a": 1}), ("message", {"b": 2})]


async def test_oversized_event_is_dropped():
    big = "x" * (MAX_EVENT_BYTES + 10)
    events = await collect("event: worker", f'data: {{"a": "{big}"}}', "", 'data: {"ok": 1}', "")
    assert events == [("message", {"ok": 1})]


def test_decode_rows_by_kind():
    row = make_worker("rig", 1, 1_700_000_000)
    event = decode_event("worker", row.model_dump(by_alias=True))
    assert isinstance(event.row, WorkerRow) and event.row == row
    point = {"timestamp": 1, "hashrate": 2.0, "rejectRate": 0.0, "activeWorkers": 3}
    assert isinstance(decode_event("hashrate", point).row, MinerHashratePoint)
    stats = {
        "hashrate5m": 1.0,
        "hashrate1h": 1.0,
        "hashrate24h": 1.0,
        "workers": {"online": 1, "low": 0, "offline": 0},
        "shares": {"accepted24h": 1, "rejected24h": 0, "stale24h": 0},
        "rejectRate1h": 0.0,
        "lastShareAt": None,
        "bestShare": 0.0,
        "currentDifficulty": None,
    }
    assert isinstance(decode_event("hashrate", stats).row, MinerStats)
    assert decode_event("worker", {"name": "x"}) is None
    assert decode_event("nonsense", {}) is None
