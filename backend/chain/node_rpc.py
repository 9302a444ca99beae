"""The Core RPC methods ``minerpool node`` answers, over an ``EmbeddedChain``.

Results carry Core's fields in Core's order (Core 29: ``rpc/blockchain.cpp``, ``rpc/mining.cpp``,
``rpc/net.cpp``), errors Core's codes and messages (``rpc_values``). The HTTP and JSON-RPC
framing around them is ``node_server``'s.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from backend.bitcoin.encoding import read_varint, varint
from backend.bitcoin.hashes import to_display
from backend.bitcoin.header import HEADER_SIZE
from backend.bitcoin.target import bits_to_target
from backend.bitcoin.transaction import (
    find_witness_commitment,
    parse_transaction,
)
from backend.chain import validation
from backend.chain.blockindex import HeaderInfo
from backend.chain.core_json import header_json, template_json
from backend.chain.embedded import EmbeddedChain
from backend.chain.rpc_values import (
    HEX_DIGITS,
    RPC_CLIENT_NOT_CONNECTED,
    RPC_DATABASE_ERROR,
    RPC_DESERIALIZATION_ERROR,
    RPC_INVALID_ADDRESS_OR_KEY,
    RPC_INVALID_PARAMETER,
    RPC_METHOD_NOT_FOUND,
    RPC_MISC_ERROR,
    ArgSpec,
    RpcError,
    bind_params,
    core_difficulty,
    core_double,
    get_int,
    parse_hash,
    parse_verbosity,
    type_error,
)
from backend.chain.source import ChainUnavailable

log = logging.getLogger(__name__)

LONGPOLL_MEMPOOL_CHECKS = (60.0, 10.0)
"""A longpoll looks at the mempool after 60 s, then every 10 s (Core's getblocktemplate)."""

DISCONNECT_CHECK_INTERVAL = 1.0
"""Seconds between checks that a longpolling client is still connected."""

NETWORK_HASHPS_BLOCKS = 120
"""Blocks ``networkhashps`` averages over (Core's ``getnetworkhashps`` default)."""

MAX_TIP_AGE = 24 * 60 * 60
"""A tip older than this means initial block download (Core's ``DEFAULT_MAX_TIP_AGE``)."""

MAX_BLOCK_SIGOPS_COST = 80_000
"""GBT's ``sigoplimit`` (Core's ``MAX_BLOCK_SIGOPS_COST``)."""

MAX_BLOCK_SERIALIZED_SIZE = 4_000_000
"""GBT's ``sizelimit`` (Core's ``MAX_BLOCK_SERIALIZED_SIZE``)."""

_SIGOPS = {0xAC: 1, 0xAD: 1, 0xAE: 20, 0xAF: 20}  # CHECKSIG(VERIFY) 1, CHECKMULTISIG(VERIFY) 20

Disconnected = Callable[[], Awaitable[bool]]
"""Answers whether the client that sent the request has gone away."""


class ClientGone(Exception):
    """A longpolling client disconnected: nobody is left to answer."""


def decode_block(text: str) -> bytes | None:
    """Core's ``DecodeHexBlk``: the block in ``text``, or None. Trailing bytes are ignored.

    A coinbase without the witness its commitment needs gets the 32-zero-byte reserved value, as
    Core's submitblock gives it (``UpdateUncommittedBlockStructures``, reference §3.6).
    """
    if len(text) < 2 * HEADER_SIZE or len(text) % 2 or not HEX_DIGITS.issuperset(text):
        return None
    raw = bytes.fromhex(text)
    try:
        count, start = read_varint(raw, HEADER_SIZE)
        ends = [start]
        txs = []
        for _ in range(count):
            tx, end = parse_transaction(raw, ends[-1])
            txs.append(tx)
            ends.append(end)
    except ValueError:
        return None
    block = raw[: ends[-1]]
    if not txs or txs[0].has_witness or find_witness_commitment(txs[0]) is None:
        return block
    coinbase = txs[0]
    inputs = (replace(coinbase.inputs[0], witness=(bytes(32),)), *coinbase.inputs[1:])
    return block[:start] + replace(coinbase, inputs=inputs).serialize() + block[ends[1] :]


@dataclass(frozen=True)
class _Method:
    handler: Callable[..., Awaitable[object]]
    args: tuple[ArgSpec, ...]
    usage: str


_GBT_USAGE = (
    'getblocktemplate {"mode":"str","capabilities":["str",...],'
    '"rules":["segwit","str",...],"longpollid":"str","data":"hex"}'
)


class NodeRpc:
    """Core's methods over one ``EmbeddedChain``; longpolls wake when the chain's tip moves."""

    def __init__(self, chain: EmbeddedChain) -> None:
        self.chain = chain
        """The chain served."""
        self.closing = False
        """Set by ``close``: pending longpolls end with "Shutting down"."""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tip_changed = asyncio.Event()
        hash_arg = ArgSpec("blockhash", "string", required=True)
        self._methods = {
            name: _Method(getattr(self, name), args, usage)
            for name, args, usage in (
                ("getbestblockhash", (), "getbestblockhash"),
                ("getblockcount", (), "getblockcount"),
                ("getdifficulty", (), "getdifficulty"),
                ("getblockchaininfo", (), "getblockchaininfo"),
                ("getmininginfo", (), "getmininginfo"),
                ("getnetworkinfo", (), "getnetworkinfo"),
                ("getblockhash", (ArgSpec("height", "number", True),), "getblockhash height"),
                (
                    "getblockheader",
                    (hash_arg, ArgSpec("verbose", "bool")),
                    'getblockheader "blockhash" ( verbose )',
                ),
                (
                    "getblock",
                    (hash_arg, ArgSpec("verbosity|verbose", "number", checked=False)),
                    'getblock "blockhash" ( verbosity )',
                ),
                ("getblocktemplate", (ArgSpec("template_request", "object", True),), _GBT_USAGE),
                (
                    "submitblock",
                    (ArgSpec("hexdata", "string", True), ArgSpec("dummy", "string")),
                    'submitblock "hexdata" ( "dummy" )',
                ),
                ("invalidateblock", (hash_arg,), 'invalidateblock "blockhash"'),
            )
        }
        chain.add_listener(self._on_tip)

    def _on_tip(self, _tip: bytes) -> None:
        # Runs on whichever thread moved the tip; the event belongs to the server's loop.
        if self._loop is not None:
            with contextlib.suppress(RuntimeError):  # that loop is closed: nobody waits
                self._loop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:
        self._tip_changed.set()
        self._tip_changed = asyncio.Event()

    def close(self) -> None:
        """Stop listening to the chain and end pending longpolls."""
        self.closing = True
        self.chain.remove_listener(self._on_tip)
        if self._loop is not None:
            self._wake()

    async def execute(
        self, method: str, params: list[object] | dict[str, object], gone: Disconnected
    ) -> object:
        """Run one method as Core's ``CRPCTable::execute``; every failure is an ``RpcError``
        (``ClientGone`` aside)."""
        self._loop = asyncio.get_running_loop()
        spec = self._methods.get(method)
        if spec is None:
            raise RpcError(RPC_METHOD_NOT_FOUND, "Method not found")
        values = bind_params(spec.args, params, spec.usage)
        try:
            return await spec.handler(*values, gone=gone)
        except (RpcError, ClientGone):
            raise
        except ChainUnavailable as exc:
            raise RpcError(RPC_CLIENT_NOT_CONNECTED, str(exc)) from None
        except sqlite3.Error as exc:
            raise RpcError(RPC_DATABASE_ERROR, str(exc)) from None
        except Exception as exc:
            # Core answers any other exception with RPC_MISC_ERROR and its text.
            log.exception("RPC %s failed", method)
            raise RpcError(RPC_MISC_ERROR, str(exc)) from None

    # -- blockchain --------------------------------------------------------------------------

    def _header_info(self, block_hash: bytes) -> HeaderInfo:
        try:
            return self.chain.header_info(block_hash)
        except KeyError:
            raise RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Block not found") from None

    async def getbestblockhash(self, *, gone: Disconnected) -> str:
        return to_display(self.chain.tip_hash)

    async def getblockcount(self, *, gone: Disconnected) -> int:
        return self.chain.height

    async def getdifficulty(self, *, gone: Disconnected) -> float | int:
        return core_difficulty(self.chain.info().bits)

    async def getblockhash(self, height: object, *, gone: Disconnected) -> str:
        try:
            return to_display(self.chain.block_hash(get_int(height)))
        except IndexError:
            raise RpcError(RPC_INVALID_PARAMETER, "Block height out of range") from None

    async def getblockheader(
        self, blockhash: object, verbose: object, *, gone: Disconnected
    ) -> object:
        info = self._header_info(parse_hash(blockhash, "hash"))
        if verbose is False:
            return info.header.serialize().hex()
        return header_json(info)

    async def getblock(self, blockhash: object, verbosity: object, *, gone: Disconnected) -> object:
        block_hash = parse_hash(blockhash, "blockhash")
        info = self._header_info(block_hash)
        level = parse_verbosity(verbosity, 1)
        block = self.chain.block(block_hash)
        if level <= 0:
            return block.serialize().hex()
        if level >= 2:
            raise RpcError(
                RPC_INVALID_PARAMETER,
                "getblock verbosity 2 and 3 (decoded transactions) are not served by "
                "minerpool node",
            )
        size = len(block.serialize())
        stripped = HEADER_SIZE + len(varint(len(block.transactions)))
        stripped += sum(len(tx.serialize(witness=False)) for tx in block.transactions)
        return header_json(info) | {
            "strippedsize": stripped,
            "size": size,
            "weight": stripped * 3 + size,
            "tx": [to_display(tx.txid()) for tx in block.transactions],
        }

    async def getblockchaininfo(self, *, gone: Disconnected) -> dict[str, object]:
        info = self._header_info(self.chain.tip_hash)
        header = info.header
        return {
            "chain": self.chain.params.network.name,
            "blocks": info.height,
            "headers": info.height,
            "bestblockhash": to_display(info.hash),
            "bits": f"{header.bits:08x}",
            "target": f"{bits_to_target(header.bits):064x}",
            "difficulty": core_difficulty(header.bits),
            "time": header.time,
            "mediantime": info.median_time_past,
            "verificationprogress": 1,
            "initialblockdownload": header.time < self.chain.clock() - MAX_TIP_AGE,
            "chainwork": f"{info.chain_work:064x}",
            "size_on_disk": 0,
            "pruned": False,
            "warnings": [],
        }

    def _network_hashps(self) -> float | int:
        # Core's GetNetworkHashPS: the work of the last blocks over the span of their times.
        tip = self._header_info(self.chain.tip_hash)
        first, times = tip, [tip.header.time]
        for _ in range(min(NETWORK_HASHPS_BLOCKS, tip.height)):
            first = self._header_info(first.header.prev_hash)
            times.append(first.header.time)
        if first is tip or min(times) == max(times):
            return 0
        return core_double((tip.chain_work - first.chain_work) / (max(times) - min(times)))

    async def getmininginfo(self, *, gone: Disconnected) -> dict[str, object]:
        tip = self._header_info(self.chain.tip_hash)
        template = self.chain.template()
        bits = tip.header.bits
        return {
            "blocks": tip.height,
            "bits": f"{bits:08x}",
            "difficulty": core_difficulty(bits),
            "target": f"{bits_to_target(bits):064x}",
            "networkhashps": self._network_hashps(),
            "pooledtx": len(template.transactions),
            "chain": self.chain.params.network.name,
            "next": {
                "height": template.height,
                "bits": f"{template.bits:08x}",
                "difficulty": core_difficulty(template.bits),
                "target": f"{template.target:064x}",
            },
            "warnings": [],
        }

    async def getnetworkinfo(self, *, gone: Disconnected) -> dict[str, object]:
        # A node without P2P: no services, no peers, the network switched off.
        return {
            "version": 10000,
            "subversion": "/minerpool:0.1.0/",
            "protocolversion": 70016,
            "localservices": "0000000000000000",
            "localservicesnames": [],
            "localrelay": False,
            "timeoffset": 0,
            "networkactive": False,
            "connections": 0,
            "connections_in": 0,
            "connections_out": 0,
            "networks": [],
            "relayfee": 0.00001,
            "incrementalfee": 0.00001,
            "localaddresses": [],
            "warnings": [],
        }

    async def invalidateblock(self, blockhash: object, *, gone: Disconnected) -> None:
        try:
            self.chain.invalidate_block(parse_hash(blockhash, "blockhash"))
        except KeyError:
            raise RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Block not found") from None
        except ValueError as exc:
            raise RpcError(RPC_DATABASE_ERROR, str(exc)) from None

    # -- mining ------------------------------------------------------------------------------

    async def submitblock(
        self, hexdata: object, dummy: object, *, gone: Disconnected
    ) -> str | None:
        raw = decode_block(str(hexdata))
        result = None if raw is None else self.chain.submit_block(raw)
        if raw is None or result == validation.BLOCK_DECODE_FAILED:
            raise RpcError(RPC_DESERIALIZATION_ERROR, "Block decode failed")
        return result

    async def getblocktemplate(self, request: object, *, gone: Disconnected) -> object:
        assert isinstance(request, dict)
        mode = request.get("mode")
        if mode is not None and not isinstance(mode, str):
            raise RpcError(RPC_INVALID_PARAMETER, "Invalid mode")
        rules = request.get("rules")
        client_rules = set()
        for rule in rules if isinstance(rules, list) else ():
            if not isinstance(rule, str):
                raise type_error(rule, "string")
            client_rules.add(rule)
        # No block proposals (BIP 23) here: "proposal" is one more mode this node lacks.
        if mode not in (None, "template"):
            raise RpcError(RPC_INVALID_PARAMETER, "Invalid mode")
        if request.get("longpollid") is not None:
            await self._longpoll(request["longpollid"], gone)
        if "segwit" not in client_rules:
            raise RpcError(
                RPC_INVALID_PARAMETER,
                "getblocktemplate must be called with the segwit rule set "
                '(call with {"rules": ["segwit"]})',
            )
        return template_json(self.chain.template(), self.chain.params.max_block_weight)

    def _mempool_sequence(self) -> int:
        return int(self.chain.longpollid[64:])

    async def _longpoll(self, longpollid: object, gone: Disconnected) -> None:
        """Wait until the tip leaves the longpollid's block, the mempool changed (looked at after
        60 s, then every 10 s) or the chain's stall rule is about to lower the difficulty, which
        changes the template as much as a new block does."""
        if isinstance(longpollid, str):
            watched = parse_hash(longpollid[:64], "longpollid")
            rest = longpollid[64:]
            digits = len(rest) - len(rest.lstrip("0123456789"))
            sequence = int(rest[:digits] or "0")  # LocaleIndependentAtoi
        else:
            watched, sequence = self.chain.tip_hash, self._mempool_sequence()
        loop = asyncio.get_running_loop()
        first, every = LONGPOLL_MEMPOOL_CHECKS
        mempool_at = loop.time() + first
        stall_in = self.chain.min_difficulty_time() - self.chain.clock()
        stall_at = loop.time() + stall_in if stall_in > 0 else float("inf")
        while not self.closing:
            changed = self._tip_changed  # taken before looking, so no wake-up is missed
            if self.chain.tip_hash != watched:
                return
            now = loop.time()
            if now >= mempool_at:
                if self._mempool_sequence() != sequence:
                    return
                mempool_at = now + every
            if now >= stall_at:
                return
            wait = min(DISCONNECT_CHECK_INTERVAL, mempool_at - now, stall_at - now)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.0, wait)):
                    await changed.wait()
            if await gone():
                raise ClientGone
        raise RpcError(RPC_CLIENT_NOT_CONNECTED, "Shutting down")
