"""EmbeddedSource: the embedded chain as a TemplateSource on an event loop."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from backend.chain.embedded import EmbeddedChain, EmbeddedSource
from backend.chain.params import ChainParams
from backend.chain.source import ChainUnavailable, TemplateSource
from backend.chain.validation import DUPLICATE

from .blocks import assemble, grind


def solved(chain: EmbeddedChain) -> bytes:
    return grind(assemble(chain.template()))[0].serialize()


@pytest.fixture
async def source(chain):
    source = EmbeddedSource(chain)
    yield source
    await source.close()


async def test_is_a_template_source(source, chain):
    typed: TemplateSource = source
    assert await typed.get_template() == chain.template()
    info = await typed.chain_info()
    assert (info.chain, info.height) == ("regtest", 0)


async def test_submit_block_returns_cores_results(source, chain):
    raw = solved(chain)
    assert await source.submit_block(raw) is None
    assert await source.submit_block(raw) == DUPLICATE
    assert (await source.chain_info()).height == 1


async def test_stale_longpollid_returns_at_once(source):
    started = time.monotonic()
    template = await source.wait_for_template("not the current id", timeout=30)
    assert time.monotonic() - started < 1
    assert template.height == 1


async def test_times_out_with_the_current_template(source, chain):
    current = await source.get_template()
    started = time.monotonic()
    template = await source.wait_for_template(current.longpollid, timeout=0.05)
    assert 0.04 <= time.monotonic() - started < 1
    assert template == chain.template()


async def test_wakes_on_a_block_from_another_thread(source, chain):
    current = await source.get_template()
    raw = solved(chain)

    def submit_later() -> None:
        time.sleep(0.1)
        assert chain.submit_block(raw) is None

    thread = threading.Thread(target=submit_later)
    started = time.monotonic()
    thread.start()
    template = await source.wait_for_template(current.longpollid, timeout=30)
    thread.join()
    assert time.monotonic() - started < 5
    assert template.height == 2
    assert template.prev_hash == chain.tip_hash


async def test_wakes_on_a_block_submitted_on_the_same_loop(source, chain):
    current = await source.get_template()
    waiters = [
        asyncio.create_task(source.wait_for_template(current.longpollid, timeout=30))
        for _ in range(3)
    ]
    await asyncio.sleep(0.01)
    assert not any(w.done() for w in waiters)
    assert await source.submit_block(solved(chain)) is None
    done = await asyncio.wait_for(asyncio.gather(*waiters), timeout=5)
    assert {t.height for t in done} == {2}


async def test_wakes_when_the_stall_rule_lowers_the_difficulty(data_dir, clock):
    params = ChainParams(target_block_interval=10)
    with EmbeddedChain(data_dir, params, clock) as chain:
        for _ in range(6):
            assert chain.submit_block(solved(chain)) is None
        source = EmbeddedSource(chain)
        current = await source.get_template()
        assert current.bits != 0x207FFFFF
        clock.now = chain.min_difficulty_time() - 0.1
        started = time.monotonic()
        await source.wait_for_template(current.longpollid, timeout=30)
        assert time.monotonic() - started < 5
        clock.advance(0.1)
        assert (await source.get_template()).bits == 0x207FFFFF
        # Past the stall point the wait no longer ends early.
        started = time.monotonic()
        await source.wait_for_template(current.longpollid, timeout=0.05)
        assert time.monotonic() - started >= 0.04
        await source.close()


async def test_close_wakes_waiters_and_closes_an_owned_chain(data_dir, clock):
    chain = EmbeddedChain(data_dir, clock=clock)
    source = EmbeddedSource(chain, owns_chain=True)
    current = await source.get_template()
    waiter = asyncio.create_task(source.wait_for_template(current.longpollid, timeout=30))
    await asyncio.sleep(0.01)
    await source.close()
    with pytest.raises(ChainUnavailable):
        await asyncio.wait_for(waiter, timeout=5)
    with pytest.raises(ChainUnavailable):
        await source.get_template()


async def test_close_leaves_a_shared_chain_open(chain):
    source = EmbeddedSource(chain)
    await source.close()
    assert chain.template().height == 1
    assert chain.submit_block(solved(chain)) is None
