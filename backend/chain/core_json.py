"""Core's JSON forms of the chain's values, in both directions (stratum reference §3.1).

Reading: ``parse_template`` and ``parse_chain_info`` turn a node's getblocktemplate and
getblockchaininfo results into a ``BlockTemplate`` and a ``ChainInfo``, checking every field's
type and range first (replies are input too, security §4.4 API10). Writing: ``template_json``
and ``header_json`` give ``minerpool node``'s results Core's fields in Core's order (Core 29).
"""

from __future__ import annotations

import math
import re
from typing import Any

from backend.bitcoin.hashes import from_display, to_display
from backend.bitcoin.target import bits_to_target
from backend.bitcoin.transaction import Transaction, parse_transaction, witness_commitment_script
from backend.chain.blockindex import HeaderInfo
from backend.chain.rpc_values import core_difficulty, signed_version
from backend.chain.source import ChainInfo
from backend.mining.template import BlockTemplate, TemplateTransaction

MAX_MONEY = 21_000_000 * 100_000_000
"""No amount in a template can exceed the 21 million BTC supply (Core's ``MAX_MONEY``)."""

MAX_BLOCK_SIGOPS_COST = 80_000
"""GBT's ``sigoplimit`` (Core's ``MAX_BLOCK_SIGOPS_COST``)."""

MAX_BLOCK_SERIALIZED_SIZE = 4_000_000
"""GBT's ``sizelimit`` (Core's ``MAX_BLOCK_SERIALIZED_SIZE``)."""

WITNESS_COMMITMENT_PREFIX = bytes.fromhex("6a24aa21a9ed")
"""How every witness commitment output script starts (BIP 141, reference §3.3)."""

_BITS = re.compile(r"[0-9a-fA-F]{8}")
_HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")
_SIGOPS = {0xAC: 1, 0xAD: 1, 0xAE: 20, 0xAF: 20}  # CHECKSIG(VERIFY) 1, CHECKMULTISIG(VERIFY) 20


def _check_int(obj: dict[str, Any], key: str, low: int, high: int) -> int:
    value = obj.get(key)
    # bool is an int in Python but never a JSON number.
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{key} must be an integer in {low}..{high}, got {value!r}")
    return value


def _check_hex(value: object, what: str) -> bytes:
    if not isinstance(value, str) or not _HEX.fullmatch(value):
        raise ValueError(f"{what} must be a non-empty even-length hex string")
    return bytes.fromhex(value)


def _check_hash(value: object, what: str) -> bytes:
    try:
        return from_display(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be 64 hex digits, got {value!r}") from None


def _check_bits(value: object) -> int:
    if not isinstance(value, str) or not _BITS.fullmatch(value):
        raise ValueError(f"bits must be 8 hex digits, got {value!r}")
    return int(value, 16)


def _check_commitment(value: object) -> bytes:
    script = _check_hex(value, "default_witness_commitment")
    # OP_RETURN, push 36, the BIP 141 header aa21a9ed, then the 32-byte commitment (§3.3).
    if len(script) != 38 or not script.startswith(WITNESS_COMMITMENT_PREFIX):
        raise ValueError("default_witness_commitment is not a BIP 141 commitment script")
    return script


def parse_template(reply: object) -> BlockTemplate:
    """Build a ``BlockTemplate`` from Core's getblocktemplate result (stratum reference §3.1).

    txid/hash are display hex and become internal order, ``bits`` hex becomes an int, the signed
    int32 ``version`` becomes its u32 bit pattern and ``default_witness_commitment`` (the whole
    commitment script) becomes bytes. ValueError names the first field that is missing or wrong.
    """
    if not isinstance(reply, dict):
        raise ValueError("getblocktemplate result is not an object")
    transactions = reply.get("transactions")
    if not isinstance(transactions, list):
        raise ValueError("transactions must be an array")
    txs = []
    for index, entry in enumerate(transactions):
        if not isinstance(entry, dict):
            raise ValueError(f"transactions[{index}] is not an object")
        # BIP 22 lets a node leave a fee out ("unknown"); Core never does.
        fee = _check_int(entry, "fee", 0, MAX_MONEY) if "fee" in entry else 0
        txs.append(
            TemplateTransaction(
                data=_check_hex(entry.get("data"), f"transactions[{index}].data"),
                txid=_check_hash(entry.get("txid"), f"transactions[{index}].txid"),
                wtxid=_check_hash(entry.get("hash"), f"transactions[{index}].hash"),
                fee=fee,
            )
        )
    commitment = reply.get("default_witness_commitment")
    longpollid = reply.get("longpollid", "")
    if not isinstance(longpollid, str):
        raise ValueError("longpollid must be a string")
    return BlockTemplate(
        height=_check_int(reply, "height", 0, 2**31 - 1),
        prev_hash=_check_hash(reply.get("previousblockhash"), "previousblockhash"),
        version=_check_int(reply, "version", -(2**31), 2**32 - 1) & 0xFFFFFFFF,
        bits=_check_bits(reply.get("bits")),
        curtime=_check_int(reply, "curtime", 0, 2**32 - 1),
        mintime=_check_int(reply, "mintime", 0, 2**32 - 1),
        coinbase_value=_check_int(reply, "coinbasevalue", 0, MAX_MONEY),
        transactions=tuple(txs),
        witness_commitment=None if commitment is None else _check_commitment(commitment),
        longpollid=longpollid,
    )


def parse_chain_info(reply: object, bits: int | None = None) -> ChainInfo:
    """Build ``ChainInfo`` from getblockchaininfo; ``bits`` when the reply lacks it (Core < 29)."""
    if not isinstance(reply, dict):
        raise ValueError("getblockchaininfo result is not an object")
    chain = reply.get("chain")
    difficulty = reply.get("difficulty")
    if not isinstance(chain, str) or not chain:
        raise ValueError("chain must be a non-empty string")
    if isinstance(difficulty, bool) or not isinstance(difficulty, int | float):
        raise ValueError("difficulty must be a number")
    if not math.isfinite(difficulty) or difficulty <= 0:
        raise ValueError("difficulty must be positive")
    best = _check_hash(reply.get("bestblockhash"), "bestblockhash")
    return ChainInfo(
        chain=chain,
        height=_check_int(reply, "blocks", 0, 2**31 - 1),
        best_hash=best[::-1].hex(),
        bits=_check_bits(reply.get("bits")) if bits is None else bits,
        difficulty=float(difficulty),
        median_time=_check_int(reply, "mediantime", 0, 2**32 - 1),
    )


def parse_header_bits(header: object) -> int:
    """The ``bits`` of a verbose getblockheader result (for Core before 29)."""
    if not isinstance(header, dict):
        raise ValueError("getblockheader result is not an object")
    return _check_bits(header.get("bits"))


def _legacy_sigops(script: bytes) -> int:
    # Core's GetSigOpCount(fAccurate=false); a push running off the end stops the count.
    count, pos = 0, 0
    while pos < len(script):
        op = script[pos]
        pos += 1
        if 0 < op < 0x4C:
            pos += op
        elif 0x4C <= op <= 0x4E:
            width = 1 << (op - 0x4C)
            if pos + width > len(script):
                break
            pos += width + int.from_bytes(script[pos : pos + width], "little")
        else:
            count += _SIGOPS.get(op, 0)
    return count


def sigop_cost(tx: Transaction) -> int:
    """GBT's ``sigops``: legacy sigops x 4, plus 1 per P2WPKH-shaped witness (signature and a
    33-byte key). P2SH and P2WSH sigops need the spent outputs, which this chain does not keep."""
    legacy = sum(_legacy_sigops(txin.script_sig) for txin in tx.inputs)
    legacy += sum(_legacy_sigops(txout.script_pubkey) for txout in tx.outputs)
    p2wpkh = sum(1 for txin in tx.inputs if len(txin.witness) == 2 and len(txin.witness[1]) == 33)
    return legacy * 4 + p2wpkh


def template_json(template: BlockTemplate, weight_limit: int) -> dict[str, object]:
    """getblocktemplate's result for ``template``, field for field as Core writes it (§3.1)."""
    transactions = []
    numbers: dict[bytes, int] = {}
    for number, entry in enumerate(template.transactions, start=1):
        tx, _ = parse_transaction(entry.data)
        numbers[entry.txid] = number
        transactions.append(
            {
                "data": entry.data.hex(),
                "txid": to_display(entry.txid),
                "hash": to_display(entry.wtxid),
                "depends": [numbers[i.prev_txid] for i in tx.inputs if i.prev_txid in numbers],
                "fee": entry.fee,
                "sigops": sigop_cost(tx),
                "weight": len(tx.serialize(witness=False)) * 3 + len(entry.data),
            }
        )
    # Core adds the commitment whenever segwit is active, witness transactions or not.
    commitment = template.witness_commitment or witness_commitment_script(
        [tx.wtxid for tx in template.transactions]
    )
    return {
        "capabilities": [],
        "version": signed_version(template.version),
        # Regtest's rules: csv and segwit buried, taproot always active (reference §3.8).
        "rules": ["csv", "!segwit", "taproot"],
        "vbavailable": {},
        "vbrequired": 0,
        "previousblockhash": to_display(template.prev_hash),
        "transactions": transactions,
        "coinbaseaux": {},
        "coinbasevalue": template.coinbase_value,
        "longpollid": template.longpollid,
        "target": f"{template.target:064x}",
        "mintime": template.mintime,
        "mutable": ["time", "transactions", "prevblock"],
        "noncerange": "00000000ffffffff",
        "sigoplimit": MAX_BLOCK_SIGOPS_COST,
        "sizelimit": MAX_BLOCK_SERIALIZED_SIZE,
        "weightlimit": weight_limit,
        "curtime": template.curtime,
        "bits": f"{template.bits:08x}",
        "height": template.height,
        "default_witness_commitment": commitment.hex(),
    }


def header_json(info: HeaderInfo) -> dict[str, object]:
    """getblockheader's verbose result (and the head of getblock's), in Core's order."""
    header = info.header
    result: dict[str, object] = {
        "hash": to_display(info.hash),
        "confirmations": info.confirmations,
        "height": info.height,
        "version": signed_version(header.version),
        "versionHex": f"{header.version:08x}",
        "merkleroot": to_display(header.merkle_root),
        "time": header.time,
        "mediantime": info.median_time_past,
        "nonce": header.nonce,
        "bits": f"{header.bits:08x}",
        "target": f"{bits_to_target(header.bits):064x}",
        "difficulty": core_difficulty(header.bits),
        "chainwork": f"{info.chain_work:064x}",
        "nTx": info.n_tx,
    }
    if info.height > 0:
        result["previousblockhash"] = to_display(header.prev_hash)
    if info.next_hash is not None:
        result["nextblockhash"] = to_display(info.next_hash)
    return result
