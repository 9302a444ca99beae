"""The live event feed: per-account delivery, any thread may publish, slow readers lose the
oldest events and never block the publisher."""

import asyncio
import threading

import pytest

from backend.ledger.feed import EventFeed


async def next_events(stream, count):
    return [await asyncio.wait_for(anext(stream), 2) for _ in range(count)]


async def test_subscribers_get_their_account_only():
    feed = EventFeed()
    alice = feed.subscribe("alice")
    first = asyncio.ensure_future(anext(alice))
    await asyncio.sleep(0)
    feed.publish("bob", "worker", {"worker": "x"})
    feed.publish("alice", "block", {"height": 7})
    assert await asyncio.wait_for(first, 2) == ("block", {"height": 7})
    await alice.aclose()
    assert feed.subscribers("alice") == 0


async def test_publish_from_another_thread_is_delivered_on_the_loop():
    feed = EventFeed()
    stream = feed.subscribe("alice")
    waiting = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0)
    thread = threading.Thread(target=feed.publish, args=("alice", "payout", {"id": "p"}))
    thread.start()
    thread.join()
    assert await asyncio.wait_for(waiting, 2) == ("payout", {"id": "p"})
    await stream.aclose()


async def test_a_slow_subscriber_loses_the_oldest_events():
    feed = EventFeed(queue_size=3)
    stream = feed.subscribe("alice")
    waiting = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0)
    for height in range(10):
        feed.publish("alice", "block", {"height": height})
    first = await asyncio.wait_for(waiting, 2)
    rest = await next_events(stream, 2)
    # The first delivery is whichever event was queued when the reader woke; the queue then
    # holds only the newest three.
    assert [e[1]["height"] for e in [first, *rest]][-2:] == [8, 9]
    await stream.aclose()


def test_unknown_kinds_are_refused():
    with pytest.raises(ValueError, match="unknown event kind"):
        EventFeed().publish("alice", "gossip", {})
