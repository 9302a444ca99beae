"""`BitcoindClient` against `minerpool node` (the stand-in for Bitcoin Core) over real HTTP.

Mines real blocks from the templates it fetches, longpolls, and loses and regains the node.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from backend.bitcoin.hashes import from_display, sha256d
from backend.bitcoin.transaction import parse_transaction
from backend.chain.bitcoind import BitcoindClient, RpcAuthError, RpcError
from backend.chain.core_json import parse_chain_info, parse_template
from backend.chain.embedded import EmbeddedChain
from backend.chain.source import ChainUnavailable
from backend.mining.template import BlockTemplate

from .blocks import Clock, assemble, grind
from .test_node_server import start_node, stop_node


def solve(template: BlockTemplate, tag: bytes = b"/client-test/") -> bytes:
    """A valid block on ``template``: its coinbase and transactions, nonce ground."""
    block, _ = grind(assemble(template, tag=tag))
    return block.serialize()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
async def served(chain: EmbeddedChain, tmp_path: Path) -> AsyncIterator[tuple[str, Path]]:
    """A running node: its URL and cookie file."""
    cookie_path = tmp_path / ".cookie"
    task, port = await start_node(chain, cookie_path)
    yield f"http://127.0.0.1:{port}/", cookie_path
    await stop_node(task)


@pytest.fixture
async def client(served: tuple[str, Path]) -> AsyncIterator[BitcoindClient]:
    url, cookie_path = served
    client = BitcoindClient(url, cookie_file=cookie_path, timeout=10)
    yield client
    await client.close()


async def next_template(client: BitcoindClient, clock: Clock) -> BlockTemplate:
    clock.advance(60)  # a minute per block keeps the difficulty at regtest's minimum
    return await client.get_template()


# -- templates, blocks, chain info -----------------------------------------------------------


async def test_get_template_reads_cores_fields(client, chain):
    template = await client.get_template()
    raw = await client.call("getblocktemplate", {"rules": ["segwit"]})
    assert template.height == raw["height"] == 1
    assert template.prev_hash == chain.tip_hash == from_display(raw["previousblockhash"])
    assert template.bits == int(raw["bits"], 16) == 0x207FFFFF
    assert template.target == int(raw["target"], 16)
    assert template.version == raw["version"]
    assert template.coinbase_value == raw["coinbasevalue"]
    assert template.witness_commitment == bytes.fromhex(raw["default_witness_commitment"])
    assert template.longpollid == raw["longpollid"] == chain.longpollid
    assert template.mintime <= template.curtime
    assert len(template.transactions) == 3
    for tx, entry in zip(template.transactions, raw["transactions"], strict=True):
        parsed, _ = parse_transaction(tx.data)
        # Display hex became internal order: the ids are the hashes of the data.
        assert tx.txid == sha256d(parsed.serialize(witness=False)) == parsed.txid()
        assert tx.wtxid == sha256d(tx.data)
        assert tx.fee == entry["fee"] > 0
    assert template == chain.template()


async def test_a_mined_block_is_accepted_then_duplicate(client, clock):
    template = await next_template(client, clock)
    block = solve(template)
    assert await client.submit_block(block) is None
    assert await client.submit_block(block) == "duplicate"
    info = await client.chain_info()
    assert info.height == 1
    assert info.best_hash == sha256d(block[:80])[::-1].hex()
    assert (await client.get_template()).height == 2


async def test_submit_block_reports_rejects_and_decode_failures(client, clock):
    template = await next_template(client, clock)
    block = solve(replace(template, coinbase_value=template.coinbase_value + 1))
    assert await client.submit_block(block) == "bad-cb-amount"
    with pytest.raises(RpcError) as raised:
        await client.submit_block(b"\x00" * 10)
    assert (raised.value.code, raised.value.message) == (-22, "Block decode failed")


async def test_chain_info(client, chain):
    info = await client.chain_info()
    # Core prints a double to 16 digits: 4.656542373906925e-10, where Python's shortest
    # round-trip form of the chain's own value has 17.
    assert info == replace(chain.info(), difficulty=4.656542373906925e-10)
    assert info.difficulty == pytest.approx(chain.info().difficulty, rel=1e-15)
    assert info.chain == "regtest" and info.height == 0 and info.bits == 0x207FFFFF


async def test_rpc_errors_and_batches(client):
    with pytest.raises(RpcError) as raised:
        await client.call("getblockhash", 99)
    assert (raised.value.code, raised.value.message) == (-8, "Block height out of range")
    with pytest.raises(RpcError) as raised:
        await client.call("nosuchmethod")
    assert raised.value.code == -32601
    count, missing, genesis = await client.batch(
        [("getblockcount", []), ("getblockhash", [7]), ("getblockhash", [0])]
    )
    assert count == 0
    assert isinstance(missing, RpcError) and missing.code == -8
    assert genesis == "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206"


# -- longpoll --------------------------------------------------------------------------------


async def test_wait_for_template_wakes_on_a_new_block(client, clock):
    template = await next_template(client, clock)
    waiting = asyncio.create_task(client.wait_for_template(template.longpollid, 30))
    await asyncio.sleep(0.3)
    assert not waiting.done()
    block = solve(template)
    assert await client.submit_block(block) is None
    woken = await asyncio.wait_for(waiting, 5)
    assert woken.height == template.height + 1
    assert woken.prev_hash == sha256d(block[:80])


async def test_wait_for_template_times_out_with_the_current_template(client):
    template = await client.get_template()
    started = time.monotonic()
    again = await client.wait_for_template(template.longpollid, 0.5)
    assert 0.5 <= time.monotonic() - started < 5
    assert again.height == template.height and again.prev_hash == template.prev_hash


async def test_wait_for_template_without_longpollid_polls_the_tip(client, clock):
    template = await next_template(client, clock)
    waiting = asyncio.create_task(client.wait_for_template("", 30))
    await asyncio.sleep(0.3)
    assert await client.submit_block(solve(template)) is None
    assert (await asyncio.wait_for(waiting, 5)).height == template.height + 1


# -- credentials -----------------------------------------------------------------------------


async def test_user_and_password_in_the_url_stay_out_of_sight(served, caplog):
    url, cookie_path = served
    user, password = cookie_path.read_text().split(":")
    client = BitcoindClient(url.replace("http://", f"http://{user}:{password}@"))
    try:
        caplog.set_level(logging.DEBUG)
        assert await client.call("getblockcount") == 0
        assert password not in client.url and password not in repr(client)
    finally:
        await client.close()
    assert password not in caplog.text


async def test_wrong_credentials_raise_auth_error_without_the_secret(served, caplog):
    url, _ = served
    caplog.set_level(logging.DEBUG)
    client = BitcoindClient(url, user="__cookie__", password="not-the-cookie")
    try:
        with pytest.raises(RpcAuthError) as raised:
            await client.get_template()
    finally:
        await client.close()
    assert isinstance(raised.value, ChainUnavailable)
    assert "401" in str(raised.value)
    assert "not-the-cookie" not in str(raised.value) and "not-the-cookie" not in caplog.text


async def test_a_rewritten_cookie_is_read_again(chain, tmp_path, caplog):
    """Core writes a new cookie on every start; the client re-reads it on 401."""
    caplog.set_level(logging.DEBUG)
    cookie_path = tmp_path / ".cookie"
    task, port = await start_node(chain, cookie_path)
    url = f"http://127.0.0.1:{port}/"
    client = BitcoindClient(url, cookie_file=cookie_path)
    old = cookie_path.read_text()
    stale = BitcoindClient(url, user="__cookie__", password=old.split(":")[1])
    try:
        assert await client.call("getblockcount") == 0
        await stop_node(task)
        task, _ = await start_node(chain, cookie_path, port)
        assert cookie_path.read_text() != old
        assert await client.call("getblockcount") == 0
        with pytest.raises(RpcAuthError):  # the old secret no longer works
            await stale.call("getblockcount")
    finally:
        await client.close()
        await stale.close()
        await stop_node(task)
    for secret in (old, cookie_path.read_text() if cookie_path.exists() else old):
        assert secret.split(":")[1] not in caplog.text


async def test_a_missing_cookie_file_is_an_outage(tmp_path):
    client = BitcoindClient("http://127.0.0.1:1/", cookie_file=tmp_path / ".cookie")
    try:
        with pytest.raises(ChainUnavailable, match="does not exist"):
            await client.chain_info()
    finally:
        await client.close()


# -- outages ---------------------------------------------------------------------------------


async def test_every_call_fails_fast_while_the_node_is_down():
    client = BitcoindClient(f"http://127.0.0.1:{free_port()}/", user="u", password="p")
    try:
        for call in (
            client.get_template(),
            client.wait_for_template("00" * 32 + "0", 30),
            client.submit_block(b"\x00" * 81),
            client.chain_info(),
        ):
            started = time.monotonic()
            with pytest.raises(ChainUnavailable):
                await call
            assert time.monotonic() - started < 1
    finally:
        await client.close()


async def test_wait_until_available_backs_off_then_recovers(chain, tmp_path):
    port = free_port()
    cookie_path = tmp_path / ".cookie"
    client = BitcoindClient(f"http://127.0.0.1:{port}/", cookie_file=cookie_path)
    pauses: list[float] = []
    node: list[asyncio.Task[None]] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 6:  # the node comes back after the sixth failure
            task, _ = await start_node(chain, cookie_path, port)
            node.append(task)

    try:
        template = await asyncio.wait_for(
            client.wait_until_available(
                initial_delay=1.0, max_delay=8.0, sleep=sleep, rng=lambda: 0.0
            ),
            10,
        )
    finally:
        await client.close()
        for task in node:
            await stop_node(task)
    assert pauses == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    assert template.height == 1


async def test_wait_until_available_jitters_and_really_waits(chain, tmp_path):
    port = free_port()
    cookie_path = tmp_path / ".cookie"
    client = BitcoindClient(f"http://127.0.0.1:{port}/", cookie_file=cookie_path)
    waiting = asyncio.create_task(
        client.wait_until_available(initial_delay=0.05, max_delay=0.2, jitter=0.5)
    )
    try:
        await asyncio.sleep(0.5)
        assert not waiting.done()
        task, _ = await start_node(chain, cookie_path, port)
        template = await asyncio.wait_for(waiting, 5)
        await stop_node(task)
    finally:
        await client.close()
    assert template.height == 1


async def test_wait_until_available_jitter_shortens_delays():
    client = BitcoindClient(f"http://127.0.0.1:{free_port()}/", user="u", password="p")
    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 3:
            raise asyncio.CancelledError

    try:
        with pytest.raises(asyncio.CancelledError):
            await client.wait_until_available(sleep=sleep, rng=lambda: 1.0, jitter=0.5)
    finally:
        await client.close()
    assert pauses == [0.5, 1.0, 2.0]


# -- replies are input -----------------------------------------------------------------------

GOOD_TEMPLATE = {
    "version": 536870912, "previousblockhash": "11" * 32, "transactions": [],
    "coinbasevalue": 5_000_000_000, "longpollid": "11" * 32 + "0", "mintime": 1,
    "curtime": 2, "bits": "207fffff", "height": 1,
}  # fmt: skip


def test_parse_template_converts_fields():
    template = parse_template(
        GOOD_TEMPLATE | {"version": -1, "default_witness_commitment": "6a24aa21a9ed" + "00" * 32}
    )
    assert template.version == 0xFFFFFFFF
    assert template.prev_hash == bytes.fromhex("11" * 32)
    assert template.witness_commitment == bytes.fromhex("6a24aa21a9ed" + "00" * 32)
    assert parse_template(GOOD_TEMPLATE).witness_commitment is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"height": True}, "height"),
        ({"height": -1}, "height"),
        ({"bits": "207fff"}, "bits"),
        ({"bits": 545259519}, "bits"),
        ({"coinbasevalue": 21_000_000 * 10**8 + 1}, "coinbasevalue"),
        ({"previousblockhash": "11" * 31}, "previousblockhash"),
        ({"transactions": [{"data": "0", "txid": "11" * 32, "hash": "11" * 32}]}, "data"),
        ({"transactions": [{"data": "00", "txid": "xx" * 32, "hash": "11" * 32}]}, "txid"),
        ({"default_witness_commitment": 5}, "default_witness_commitment"),
        ({"default_witness_commitment": "6a24aa21a9ed00"}, "default_witness_commitment"),
        (
            {"transactions": [{"data": "00", "txid": "11" * 32, "hash": "11" * 32, "fee": -1}]},
            "fee",
        ),
        ({"longpollid": 5}, "longpollid"),
        ({"curtime": 2.5}, "curtime"),
    ],
)
def test_parse_template_refuses_malformed_fields(change, field):
    with pytest.raises(ValueError, match=field):
        parse_template(GOOD_TEMPLATE | change)


def test_parse_chain_info_refuses_malformed_fields():
    good = {
        "chain": "main", "blocks": 5, "bestblockhash": "22" * 32, "bits": "1d00ffff",
        "difficulty": 1, "mediantime": 7,
    }  # fmt: skip
    info = parse_chain_info(good)
    assert (info.height, info.bits, info.difficulty, info.best_hash) == (
        5,
        0x1D00FFFF,
        1.0,
        "22" * 32,
    )
    assert parse_chain_info(good | {"bits": None}, bits=0x1D00FFFF).bits == 0x1D00FFFF
    for change in ({"difficulty": float("nan")}, {"chain": ""}, {"blocks": "5"}):
        with pytest.raises(ValueError):
            parse_chain_info(good | change)
