"""`minerpool node` over real HTTP on loopback: Core's JSON-RPC framing, auth and methods.

Expected replies, status codes and messages are Bitcoin Core's, as its functional test
`interface_rpc.py` and its RPC sources state them.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import stat
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from backend.bitcoin.hashes import from_display, to_display
from backend.bitcoin.transaction import Block, Transaction, TxIn, TxOut
from backend.chain.core_json import parse_template
from backend.chain.embedded import EmbeddedChain
from backend.chain.node_server import build_rpc_app, serve_node

from .blocks import Clock, assemble, coinbase, grind

GENESIS = "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206"
"""Regtest's genesis block hash (reference §3.8)."""

P2PKH = bytes.fromhex("76a914" + "00" * 20 + "88ac")
"""A pay-to-pubkey-hash output script: one OP_CHECKSIG."""

GBT_KEYS = [
    "capabilities", "version", "rules", "vbavailable", "vbrequired", "previousblockhash",
    "transactions", "coinbaseaux", "coinbasevalue", "longpollid", "target", "mintime", "mutable",
    "noncerange", "sigoplimit", "sizelimit", "weightlimit", "curtime", "bits", "height",
    "default_witness_commitment",
]  # fmt: skip
"""getblocktemplate's fields in the order Core writes them (rpc/mining.cpp)."""

HEADER_KEYS = [
    "hash", "confirmations", "height", "version", "versionHex", "merkleroot", "time",
    "mediantime", "nonce", "bits", "target", "difficulty", "chainwork", "nTx",
]  # fmt: skip
"""getblockheader's fields in Core 29's order, before previous/nextblockhash."""


@dataclass
class Node:
    """A running `serve_node` and what a client needs to reach it."""

    url: str
    cookie_path: Path
    chain: EmbeddedChain
    clock: Clock
    http: httpx.AsyncClient

    @property
    def auth(self) -> tuple[str, str]:
        user, _, password = self.cookie_path.read_text().partition(":")
        return user, password

    async def post(self, body: object, *, raw: bytes | None = None) -> httpx.Response:
        content = raw if raw is not None else json.dumps(body).encode()
        return await self.http.post(self.url, content=content, auth=self.auth)

    async def call(self, method: str, *params: object, version: str | None = None) -> dict:
        """One request with id 1; returns the decoded reply whatever the status."""
        request: dict[str, object] = {"id": 1, "method": method, "params": list(params)}
        if version is not None:
            request["jsonrpc"] = version
        return (await self.post(request)).json()

    async def result(self, method: str, *params: object) -> object:
        reply = await self.call(method, *params)
        assert reply["error"] is None, reply
        return reply["result"]

    async def mine(self, tag: bytes = b"/node-test/") -> Block:
        """Mine the next block from getblocktemplate and submit it; a minute passes first, so
        the difficulty stays at regtest's minimum."""
        self.clock.advance(60)
        template = parse_template(await self.result("getblocktemplate", {"rules": ["segwit"]}))
        block, _ = grind(assemble(template, tag=tag))
        assert await self.result("submitblock", block.serialize().hex()) is None
        return block


async def start_node(
    chain: EmbeddedChain, cookie_path: Path, port: int = 0
) -> tuple[asyncio.Task[None], int]:
    """Start `serve_node` on loopback; return its task and port once it listens."""
    listening: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(
        serve_node(
            chain, "127.0.0.1", port, cookie_path, on_listening=lambda h, p: listening.set_result(p)
        )
    )
    done, _ = await asyncio.wait({task, listening}, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        task.result()  # raises what stopped it
    return task, listening.result()


async def stop_node(task: asyncio.Task[None]) -> None:
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


@pytest.fixture
async def node(chain: EmbeddedChain, clock: Clock, tmp_path: Path) -> AsyncIterator[Node]:
    cookie_path = tmp_path / ".cookie"
    task, port = await start_node(chain, cookie_path)
    async with httpx.AsyncClient(timeout=10) as http:
        yield Node(f"http://127.0.0.1:{port}/", cookie_path, chain, clock, http)
    await stop_node(task)


# -- serving, cookie and auth ----------------------------------------------------------------


async def test_cookie_is_written_owner_only_and_removed_on_shutdown(chain, tmp_path):
    cookie_path = tmp_path / ".cookie"
    task, _ = await start_node(chain, cookie_path)
    assert re.fullmatch(r"__cookie__:[0-9a-f]{64}", cookie_path.read_text())
    assert stat.S_IMODE(cookie_path.stat().st_mode) == 0o600
    await stop_node(task)
    assert not cookie_path.exists()


async def test_each_start_writes_a_new_cookie(chain, tmp_path):
    cookie_path = tmp_path / ".cookie"
    first, _ = await start_node(chain, cookie_path)
    old = cookie_path.read_text()
    await stop_node(first)
    second, _ = await start_node(chain, cookie_path)
    assert cookie_path.read_text() != old
    await stop_node(second)


async def test_no_credentials_get_401_with_an_empty_body(node):
    response = await node.http.post(node.url, content=b'{"method":"getblockcount"}')
    assert response.status_code == 401
    assert response.content == b""
    assert response.headers["www-authenticate"] == 'Basic realm="jsonrpc"'


@pytest.mark.parametrize(
    "header",
    ["Basic " + "X19jb29raWVfXzp3cm9uZw==", "Basic not-base64!", "Bearer abc", "basic abc"],
)
async def test_wrong_credentials_get_401_after_a_delay(node, header):
    started = time.monotonic()
    response = await node.http.post(
        node.url, content=b'{"method":"getblockcount"}', headers={"Authorization": header}
    )
    assert response.status_code == 401
    assert response.content == b""
    assert time.monotonic() - started >= 0.25


async def test_only_post_to_root_is_served(node):
    response = await node.http.get(node.url, auth=node.auth)
    assert response.status_code == 405
    assert response.text == "JSONRPC server handles only POST requests"
    response = await node.http.post(node.url + "wallet/x", content=b"{}", auth=node.auth)
    assert response.status_code == 404
    assert response.content == b""


async def test_a_body_over_4_mib_is_refused_with_413(node):
    response = await node.post(None, raw=b" " * (4 * 1024 * 1024 + 1))
    assert response.status_code == 413


# -- JSON-RPC framing: Core's interface_rpc.py ------------------------------------------------


async def test_legacy_requests_map_errors_to_http_statuses(node):
    response = await node.post({"id": 0, "method": "getblockhash", "params": [0]})
    assert response.status_code == 200
    assert response.json() == {"result": GENESIS, "error": None, "id": 0}
    assert response.headers["content-type"] == "application/json"
    assert response.content.endswith(b"}\n")

    response = await node.post({"id": 0, "method": "invalidmethod", "params": []})
    assert response.status_code == 404
    assert response.json() == {
        "result": None,
        "error": {"code": -32601, "message": "Method not found"},
        "id": 0,
    }
    response = await node.post({"id": 0, "method": "getblockhash", "params": [42]})
    assert response.status_code == 500
    assert response.json()["error"] == {"code": -8, "message": "Block height out of range"}

    parse_error = {"id": None, "result": None, "error": {"code": -32700, "message": "Parse error"}}
    for body in (b"", b"this is bad"):
        response = await node.post(None, raw=body)
        assert response.status_code == 500
        assert response.json() == parse_error


async def test_jsonrpc_2_errors_come_with_http_200(node):
    response = await node.post({"jsonrpc": "2.0", "id": 0, "method": "getblockhash", "params": [0]})
    assert (response.status_code, response.json()) == (
        200,
        {"jsonrpc": "2.0", "result": GENESIS, "id": 0},
    )
    response = await node.post({"jsonrpc": "2.0", "id": 0, "method": "invalidmethod"})
    assert (response.status_code, response.json()) == (
        200,
        {"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": 0},
    )
    response = await node.post(
        {"jsonrpc": "2.0", "id": 0, "method": "getblockhash", "params": [42]}
    )
    assert response.status_code == 200
    assert response.json()["error"]["code"] == -8


@pytest.mark.parametrize(
    ("version", "message"),
    [(2, "jsonrpc field must be a string"), ("3.0", "JSON-RPC version not supported")],
)
async def test_a_bad_jsonrpc_field_is_an_invalid_request(node, version, message):
    response = await node.post({"jsonrpc": version, "method": "getblockcount"})
    assert response.status_code == 400
    assert response.json() == {"result": None, "error": {"code": -32600, "message": message}}


async def test_notifications_run_but_get_204(node):
    block = await node.mine()
    response = await node.post(
        {"jsonrpc": "2.0", "method": "invalidateblock", "params": [block.header.hash_hex()]}
    )
    assert (response.status_code, response.content) == (204, b"")
    assert await node.result("getblockcount") == 0  # it ran
    # A failing notification is not answered either; an explicit null id is no notification.
    response = await node.post({"jsonrpc": "2.0", "method": "getblockhash", "params": [9]})
    assert (response.status_code, response.content) == (204, b"")
    response = await node.post({"jsonrpc": "2.0", "id": None, "method": "getblockcount"})
    assert (response.status_code, response.json()) == (
        200,
        {"jsonrpc": "2.0", "result": 0, "id": None},
    )
    # A legacy request without an id is answered, without an id.
    response = await node.post({"method": "getblockcount"})
    assert (response.status_code, response.json()) == (200, {"result": 0, "error": None})


BATCH_CALLS = [
    ({"method": "getblockcount"}, {"result": 0}),
    ({"method": "invalidmethod"}, {"error": {"code": -32601, "message": "Method not found"}}),
    ({"method": "getblockhash", "params": [0]}, {"result": GENESIS}),
    ({"pizza": "sausage"}, {"error": {"code": -32600, "message": "Missing method"}}),
]
"""Core's `test_batch_request` calls and what each answers."""


def _batch(version: int | None, notification, fields=None, reply_fields=None):
    """Core's `format_request`/`format_response` for one batch variant."""
    requests, replies = [], []
    for idx, (call, result) in enumerate(BATCH_CALLS, 1):
        request: dict[str, object] = {}
        if version == 1:
            request["version"] = "1.1"
        elif version == 2:
            request["jsonrpc"] = "2.0"
        silent = notification(idx)
        if not silent:
            request["id"] = idx
        request |= call | (fields or {})
        requests.append(request)
        if version == 2 and silent:
            continue
        reply: dict[str, object] = {} if silent else {"id": idx}
        reply |= {"jsonrpc": "2.0"} if version == 2 else {"result": None, "error": None}
        replies.append(reply | result | (reply_fields or {}))
    return requests, replies


@pytest.mark.parametrize(
    ("version", "notification", "fields", "reply_fields"),
    [
        (2, lambda idx: False, None, None),
        (2, lambda idx: idx < 2, None, None),
        (1, lambda idx: False, None, None),
        (None, lambda idx: False, None, None),
        (None, lambda idx: True, None, None),
        (None, lambda idx: False, {"jsonrpc": "1.0"}, None),
        (
            None,
            lambda idx: False,
            {"jsonrpc": "2.1"},
            {
                "result": None,
                "error": {"code": -32600, "message": "JSON-RPC version not supported"},
            },
        ),
    ],
    ids=["v2", "v2-notifications", "v1.1", "no-version", "no-ids", "jsonrpc-1.0", "jsonrpc-2.1"],
)
async def test_batches_answer_each_call(node, version, notification, fields, reply_fields):
    requests, replies = _batch(version, notification, fields, reply_fields)
    response = await node.post(requests)
    assert response.status_code == 200
    assert response.json() == replies


async def test_batch_edge_cases(node):
    response = await node.post([])
    assert (response.status_code, response.json()) == (200, [])
    requests, _ = _batch(2, lambda idx: True)
    response = await node.post(requests)
    assert (response.status_code, response.content) == (204, b"")
    # Mixed 1.1 and 2.0 members, each answered in its own version.
    requests, _ = _batch(2, lambda idx: False)
    requests[0].pop("jsonrpc")
    assert (await node.post(requests)).json()[0] == {"result": 0, "error": None, "id": 1}


@pytest.mark.parametrize(
    "body",
    [b'{"method": "getblockcount", "id": NaN}', b'{"method": "getblockcount", "method": "x"}',
     b'\xff{"method": "getblockcount"}', b"[" * 100_000],
)  # fmt: skip
async def test_bodies_must_be_strict_json(node, body):
    response = await node.post(None, raw=body)
    assert response.status_code == 500
    assert response.json()["error"] == {"code": -32700, "message": "Parse error"}


async def test_a_top_level_scalar_is_refused(node):
    response = await node.post(42)
    assert response.status_code == 500
    assert response.json() == {
        "result": None,
        "error": {"code": -32700, "message": "Top-level object parse error"},
        "id": None,
    }


async def test_params_must_be_array_or_object(node):
    response = await node.post({"id": 3, "method": "getblockcount", "params": "x"})
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": -32600,
        "message": "Params must be an array or object",
    }
    assert response.json()["id"] == 3


# -- arguments ---------------------------------------------------------------------------------


async def test_argument_types_are_checked_like_core(node):
    reply = await node.call("getblockhash", "0")
    assert reply["error"] == {
        "code": -3,
        "message": "Wrong type passed:\n{\n"
        '    "Position 1 (height)": "JSON value of type string is not of expected type number"'
        "\n}",
    }
    reply = await node.call("getblockheader", 5, "yes")
    assert reply["error"]["message"] == (
        "Wrong type passed:\n{\n"
        '    "Position 1 (blockhash)": '
        '"JSON value of type number is not of expected type string",\n'
        '    "Position 2 (verbose)": "JSON value of type string is not of expected type bool"\n}'
    )
    reply = await node.call("getblockhash", 1.5)
    assert reply["error"] == {"code": -1, "message": "JSON integer out of range"}
    reply = await node.call("getblockhash", 2**31)
    assert reply["error"] == {"code": -1, "message": "JSON integer out of range"}
    reply = await node.call("getblock", GENESIS, "1")
    assert reply["error"] == {
        "code": -3,
        "message": "JSON value of type string is not of expected type number",
    }


async def test_a_wrong_argument_count_returns_the_usage(node):
    reply = await node.call("getblockhash")
    assert reply["error"] == {"code": -1, "message": "getblockhash height\n"}
    reply = await node.call("getblockcount", 1)
    assert reply["error"]["code"] == -1
    assert reply["error"]["message"].startswith("getblockcount")
    reply = await node.call("getblocktemplate")
    assert reply["error"]["message"].startswith("getblocktemplate {")


async def test_named_arguments(node):
    response = await node.post({"id": 1, "method": "getblockhash", "params": {"height": 0}})
    assert response.json()["result"] == GENESIS
    response = await node.post(
        {"id": 1, "method": "getblock", "params": {"blockhash": GENESIS, "verbose": 0}}
    )
    assert response.json()["result"].startswith("01000000")
    response = await node.post({"id": 1, "method": "getblockhash", "params": {"hight": 0}})
    assert response.json()["error"] == {"code": -8, "message": "Unknown named parameter hight"}


# -- getblocktemplate ------------------------------------------------------------------------


async def test_getblocktemplate_has_cores_fields_in_cores_order(node):
    template = await node.result("getblocktemplate", {"rules": ["segwit"]})
    assert list(template) == GBT_KEYS
    tip = node.chain.info()
    assert template["previousblockhash"] == tip.best_hash == GENESIS
    assert template["height"] == 1
    assert template["version"] == 0x20000000
    assert template["rules"] == ["csv", "!segwit", "taproot"]
    assert template["vbavailable"] == {} and template["vbrequired"] == 0
    assert template["coinbaseaux"] == {}
    assert template["mutable"] == ["time", "transactions", "prevblock"]
    assert template["noncerange"] == "00000000ffffffff"
    assert (template["sigoplimit"], template["sizelimit"], template["weightlimit"]) == (
        80_000,
        4_000_000,
        4_000_000,
    )
    assert template["bits"] == "207fffff"
    assert template["target"] == "7fffff" + "0" * 58
    assert template["longpollid"] == GENESIS + "0"
    assert template["default_witness_commitment"].startswith("6a24aa21a9ed")
    assert template["mintime"] <= template["curtime"]
    chain_template = node.chain.template()
    assert template["coinbasevalue"] == chain_template.coinbase_value
    assert len(template["transactions"]) == len(chain_template.transactions) == 3
    for entry, tx in zip(template["transactions"], chain_template.transactions, strict=True):
        assert list(entry) == ["data", "txid", "hash", "depends", "fee", "sigops", "weight"]
        assert bytes.fromhex(entry["data"]) == tx.data
        assert from_display(entry["txid"]) == tx.txid
        assert from_display(entry["hash"]) == tx.wtxid
        assert entry["fee"] == tx.fee and entry["depends"] == []
        assert entry["weight"] > 0 and entry["sigops"] >= 0


async def test_template_transactions_carry_depends_weight_and_sigops(node):
    multisig = bytes([0x51, 0x21]) + bytes(33) + bytes([0x51, 0xAE])  # 1-of-1 bare multisig
    parent = Transaction(
        2,
        (TxIn(bytes(range(32)), 0, b"\x01\x02", witness=()),),
        (TxOut(50_000, multisig), TxOut(40_000, P2PKH)),
    )
    child = Transaction(
        2,
        (TxIn(parent.txid(), 1, b"", witness=(bytes(71), bytes(33))),),  # a P2WPKH spend
        (TxOut(30_000, P2PKH),),
    )
    node.chain.add_transaction(parent, 1_000)
    node.chain.add_transaction(child, 2_000)
    template = await node.result("getblocktemplate", {"rules": ["segwit"]})
    first, second = template["transactions"][:2]
    assert (first["txid"], second["txid"]) == (parent.txid()[::-1].hex(), child.txid()[::-1].hex())
    assert (first["depends"], second["depends"]) == ([], [1])
    assert (first["fee"], second["fee"]) == (1_000, 2_000)
    # Legacy sigops count four: a bare multisig 20, a P2PKH output 1; a P2WPKH input counts 1.
    assert (first["sigops"], second["sigops"]) == ((20 + 1) * 4, 1 * 4 + 1)
    assert first["weight"] == len(parent.serialize()) * 4
    assert second["weight"] == len(child.serialize(witness=False)) * 3 + len(child.serialize())


@pytest.mark.parametrize(
    ("request_", "error"),
    [
        ({}, (-8, 'getblocktemplate must be called with the segwit rule set '
                  '(call with {"rules": ["segwit"]})')),
        ({"rules": ["csv"]}, (-8, "getblocktemplate must be called with the segwit rule set "
                                  '(call with {"rules": ["segwit"]})')),
        ({"rules": ["segwit", 1]},
         (-3, "JSON value of type number is not of expected type string")),
        ({"rules": ["segwit"], "mode": "proposal", "data": "00"}, (-8, "Invalid mode")),
        ({"rules": ["segwit"], "mode": 7}, (-8, "Invalid mode")),
        ({"rules": ["segwit"], "longpollid": "abc"},
         (-8, "longpollid must be of length 64 (not 3, for 'abc')")),
        ({"rules": ["segwit"], "longpollid": "g" * 64},
         (-8, f"longpollid must be hexadecimal string (not '{'g' * 64}')")),
        ("segwit", (-3, "Wrong type passed:\n{\n    \"Position 1 (template_request)\": "
                        '"JSON value of type string is not of expected type object"\n}')),
    ],
)  # fmt: skip
async def test_getblocktemplate_errors(node, request_, error):
    reply = await node.call("getblocktemplate", request_)
    assert (reply["error"]["code"], reply["error"]["message"]) == error


async def test_longpoll_waits_for_a_block_without_blocking_the_server(node):
    template = await node.result("getblocktemplate", {"rules": ["segwit"]})
    request = {"rules": ["segwit"], "longpollid": template["longpollid"]}
    poll = asyncio.create_task(node.call("getblocktemplate", request))
    await asyncio.sleep(0.3)
    assert not poll.done()
    started = time.monotonic()
    assert await node.result("getblockcount") == 0  # served while the longpoll waits
    assert time.monotonic() - started < 1
    block = await node.mine()
    reply = await asyncio.wait_for(poll, 5)
    assert reply["error"] is None
    assert reply["result"]["previousblockhash"] == block.header.hash_hex()
    assert reply["result"]["height"] == 2


async def test_a_stale_longpollid_returns_at_once(node):
    await node.mine()
    request = {"rules": ["segwit"], "longpollid": GENESIS + "0"}
    reply = await asyncio.wait_for(node.call("getblocktemplate", request), 2)
    assert reply["result"]["height"] == 2


async def test_a_non_string_longpollid_watches_the_tip(node):
    poll = asyncio.create_task(
        node.call("getblocktemplate", {"rules": ["segwit"], "longpollid": 1})
    )
    await asyncio.sleep(0.3)
    assert not poll.done()
    await node.mine()
    assert (await asyncio.wait_for(poll, 5))["result"]["height"] == 2


async def test_shutdown_ends_a_pending_longpoll(chain, tmp_path):
    cookie_path = tmp_path / ".cookie"
    task, port = await start_node(chain, cookie_path)
    auth = tuple(cookie_path.read_text().split(":"))
    longpollid = chain.longpollid
    request = {"id": 1, "method": "getblocktemplate",
               "params": [{"rules": ["segwit"], "longpollid": longpollid}]}  # fmt: skip
    async with httpx.AsyncClient(timeout=10) as http:
        poll = asyncio.create_task(http.post(f"http://127.0.0.1:{port}/", json=request, auth=auth))
        await asyncio.sleep(0.3)
        await stop_node(task)
        response = await asyncio.wait_for(poll, 5)
    assert response.status_code == 500
    assert response.json()["error"] == {"code": -9, "message": "Shutting down"}


async def test_work_queue_limit_and_disconnected_longpolls(chain, tmp_path):
    """A longpoll occupies the one slot (503 for others) until its client goes away."""
    app = build_rpc_app(chain, "__cookie__:secret", max_in_flight=1)
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_config=None))
    sock = socket.create_server(("127.0.0.1", 0))  # listening now; uvicorn accepts when up
    port = sock.getsockname()[1]
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    url, auth = f"http://127.0.0.1:{port}/", ("__cookie__", "secret")
    request = {"method": "getblocktemplate",
               "params": [{"rules": ["segwit"], "longpollid": chain.longpollid}]}  # fmt: skip
    try:
        async with httpx.AsyncClient(timeout=0.5) as http:
            with pytest.raises(httpx.ReadTimeout):
                await http.post(url, json=request, auth=auth)
            busy = await http.post(url, json={"method": "getblockcount"}, auth=auth)
            assert (busy.status_code, busy.text) == (503, "Work queue depth exceeded")
            for _ in range(40):  # the server notices the disconnect within a second
                await asyncio.sleep(0.1)
                response = await http.post(url, json={"method": "getblockcount"}, auth=auth)
                if response.status_code == 200:
                    break
            assert response.json() == {"result": 0, "error": None}
    finally:
        app.state.node.close()
        server.should_exit = True
        await serving


# -- mining and chain methods ----------------------------------------------------------------


async def test_submitblock_accepts_then_reports_duplicate(node):
    block = await node.mine()
    assert await node.result("submitblock", block.serialize().hex()) == "duplicate"
    assert await node.result("getblockcount") == 1
    assert await node.result("getbestblockhash") == block.header.hash_hex()


async def test_submitblock_decode_failures(node):
    for text in ("zz", "", "00" * 79, "abc", "00" * 81):
        reply = await node.call("submitblock", text)
        assert reply["error"] == {"code": -22, "message": "Block decode failed"}, text


async def test_submitblock_returns_reject_reasons(node):
    node.clock.advance(60)
    template = parse_template(await node.result("getblocktemplate", {"rules": ["segwit"]}))
    missed, _ = grind(assemble(template), meets=False)
    assert await node.result("submitblock", missed.serialize().hex()) == "high-hash"
    wrong_height = assemble(template, cb=coinbase(7, template.coinbase_value,
                                                  template.witness_commitment))  # fmt: skip
    solved, _ = grind(wrong_height)
    assert await node.result("submitblock", solved.serialize().hex()) == "bad-cb-height"


async def test_submitblock_fills_in_the_coinbase_witness_and_ignores_trailing_bytes(node):
    node.clock.advance(60)
    template = parse_template(await node.result("getblocktemplate", {"rules": ["segwit"]}))
    bare = coinbase(template.height, template.coinbase_value, template.witness_commitment,
                    witness=())  # fmt: skip
    block, _ = grind(assemble(template, cb=bare))
    assert await node.result("submitblock", block.serialize().hex() + "00ff") is None
    stored = await node.result("getblock", block.header.hash_hex(), 0)
    assert stored != block.serialize().hex()  # the stored coinbase carries the witness
    assert await node.result("getbestblockhash") == block.header.hash_hex()


async def test_block_and_header_queries(node):
    first = await node.mine()
    second = await node.mine(tag=b"/second/")
    first_hash, second_hash = first.header.hash_hex(), second.header.hash_hex()
    assert await node.result("getblockhash", 1) == first_hash
    assert await node.result("getblockhash", 2) == second_hash
    assert (await node.call("getblockhash", 3))["error"]["message"] == "Block height out of range"
    assert (await node.call("getblockhash", -1))["error"]["code"] == -8

    header = await node.result("getblockheader", first_hash)
    assert list(header) == [*HEADER_KEYS, "previousblockhash", "nextblockhash"]
    assert header["hash"] == first_hash
    assert (header["confirmations"], header["height"], header["nTx"]) == (2, 1, 4)
    assert header["previousblockhash"] == GENESIS
    assert header["nextblockhash"] == second_hash
    assert header["merkleroot"] == to_display(first.header.merkle_root)
    assert header["versionHex"] == "20000000" and header["bits"] == "207fffff"
    assert header["difficulty"] == 4.656542373906925e-10
    assert int(header["chainwork"], 16) == 4  # genesis and block 1, each of work 2
    raw = await node.result("getblockheader", first_hash, False)
    assert raw == first.header.serialize().hex()
    genesis = await node.result("getblockheader", GENESIS)
    assert "previousblockhash" not in genesis and genesis["confirmations"] == 3

    block = await node.result("getblock", second_hash)
    assert list(block)[:14] == HEADER_KEYS
    assert list(block)[-4:] == ["strippedsize", "size", "weight", "tx"]
    assert "nextblockhash" not in block
    assert block["tx"] == [to_display(tx.txid()) for tx in second.transactions]
    assert block["size"] == len(second.serialize())
    assert block["weight"] == block["strippedsize"] * 3 + block["size"]
    assert await node.result("getblock", second_hash, True) == block
    assert await node.result("getblock", second_hash, 0) == second.serialize().hex()
    assert await node.result("getblock", second_hash, False) == second.serialize().hex()
    reply = await node.call("getblock", second_hash, 2)
    assert reply["error"]["code"] == -8

    unknown = "11" * 32
    for method in ("getblock", "getblockheader", "invalidateblock"):
        reply = await node.call(method, unknown)
        assert reply["error"] == {"code": -5, "message": "Block not found"}
    reply = await node.call("getblockheader", "zz" * 32)
    assert reply["error"] == {
        "code": -8,
        "message": f"hash must be hexadecimal string (not '{'zz' * 32}')",
    }
    reply = await node.call("getblock", "00")
    assert reply["error"] == {
        "code": -8,
        "message": "blockhash must be of length 64 (not 2, for '00')",
    }


async def test_invalidateblock_moves_the_tip_back(node):
    first = await node.mine()
    second = await node.mine(tag=b"/second/")
    assert await node.result("invalidateblock", second.header.hash_hex()) is None
    assert await node.result("getbestblockhash") == first.header.hash_hex()
    assert await node.result("getblockcount") == 1
    assert (await node.result("getblockheader", second.header.hash_hex()))["confirmations"] == -1
    assert await node.result("submitblock", second.serialize().hex()) == "duplicate-invalid"
    reply = await node.call("invalidateblock", GENESIS)
    assert reply["error"]["code"] == -20


async def test_summaries(node):
    block = await node.mine()
    info = await node.result("getblockchaininfo")
    assert list(info) == [
        "chain", "blocks", "headers", "bestblockhash", "bits", "target", "difficulty", "time",
        "mediantime", "verificationprogress", "initialblockdownload", "chainwork",
        "size_on_disk", "pruned", "warnings",
    ]  # fmt: skip
    assert info["chain"] == "regtest"
    assert (info["blocks"], info["headers"]) == (1, 1)
    assert info["bestblockhash"] == block.header.hash_hex()
    assert info["time"] == block.header.time
    assert info["initialblockdownload"] is False
    assert info["warnings"] == []

    mining = await node.result("getmininginfo")
    assert mining["blocks"] == 1 and mining["chain"] == "regtest"
    assert mining["next"]["height"] == 2
    assert mining["pooledtx"] == 3
    assert mining["networkhashps"] > 0

    network = await node.result("getnetworkinfo")
    assert network["connections"] == 0 and network["networkactive"] is False
    assert network["subversion"] == "/minerpool:0.1.0/"

    assert await node.result("getdifficulty") == 4.656542373906925e-10


async def test_a_fresh_chain_is_in_initial_block_download(node):
    info = await node.result("getblockchaininfo")
    assert info["initialblockdownload"] is True  # the genesis block is from 2011
    assert (await node.result("getmininginfo"))["networkhashps"] == 0
