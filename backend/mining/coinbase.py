"""The coinbase transaction, cut in two around the extranonce slot (stratum reference §3.2-3.4)."""

from __future__ import annotations

from backend.bitcoin.encoding import bip34_height_script, push_data, varint
from backend.bitcoin.transaction import Transaction, TxIn, TxOut
from backend.mining.template import BlockTemplate

COINBASE_VERSION = 2
"""Transaction version of our coinbase; Core and public-pool use 2 (reference §3.2)."""

MAX_SCRIPT_SIG = 100
"""Consensus upper bound on a coinbase scriptSig; longer is ``bad-cb-length`` (reference §3.2)."""

MAX_DIRECT_PUSH = 0x4B
"""The largest push a single opcode byte can make; the slot uses one such opcode (0x08 for 8)."""

WITNESS_RESERVED_VALUE = bytes(32)
"""The coinbase's single witness item, hashed into the commitment (BIP 141, reference §3.3)."""

_NULL_PREVOUT = bytes(32)
_NULL_INDEX = 0xFFFFFFFF
_FINAL_SEQUENCE = 0xFFFFFFFF
# version (4) + input count (1) + prevout txid (32) + prevout index (4): where scriptSig's
# length byte sits in the serialization.
_SCRIPT_SIG_OFFSET = 4 + 1 + 32 + 4


def build_coinbase_parts(
    template: BlockTemplate, payout_script: bytes, pool_tag: bytes, extranonce_size: int
) -> tuple[bytes, bytes]:
    """Return ``(coinb1, coinb2)``: the non-witness coinbase with an extranonce slot cut out.

    scriptSig = BIP34 height ‖ one push opcode of ``extranonce_size`` ‖ the slot (extranonce1 ‖
    extranonce2, filled by the miner) ‖ push of ``pool_tag`` (left out when the tag is empty).
    Outputs: the whole ``coinbase_value`` to ``payout_script``, then the witness commitment
    (value 0) when the template needs one. ``coinb1 ‖ slot ‖ coinb2`` is the txid preimage, so
    the split is of the non-witness form (reference §3.4). Raises ValueError when the scriptSig
    would exceed 100 bytes or the slot size cannot be pushed by a single opcode.
    """
    if not 1 <= extranonce_size <= MAX_DIRECT_PUSH:
        raise ValueError(
            f"extranonce size must be 1..{MAX_DIRECT_PUSH} bytes, not {extranonce_size}"
        )
    if not payout_script:
        raise ValueError("payout script is empty")
    if template.coinbase_value < 0:
        raise ValueError("coinbase value is negative")
    height_push = bip34_height_script(template.height)
    tag_push = push_data(pool_tag) if pool_tag else b""
    head = height_push + bytes([extranonce_size])
    script_sig = head + bytes(extranonce_size) + tag_push
    if len(script_sig) > MAX_SCRIPT_SIG:
        raise ValueError(
            f"coinbase scriptSig would be {len(script_sig)} bytes, more than {MAX_SCRIPT_SIG}; "
            "shorten the pool tag"
        )
    outputs = [TxOut(value=template.coinbase_value, script_pubkey=payout_script)]
    commitment = template.commitment_script()
    if commitment is not None:
        outputs.append(TxOut(value=0, script_pubkey=commitment))
    coinbase = Transaction(
        version=COINBASE_VERSION,
        inputs=(TxIn(_NULL_PREVOUT, _NULL_INDEX, script_sig, _FINAL_SEQUENCE),),
        outputs=tuple(outputs),
        locktime=0,
    )
    raw = coinbase.serialize(witness=False)
    slot_start = _SCRIPT_SIG_OFFSET + len(varint(len(script_sig))) + len(head)
    return raw[:slot_start], raw[slot_start + extranonce_size :]


def coinbase_with_witness(coinb1: bytes, extranonce: bytes, coinb2: bytes) -> bytes:
    """Return the witness serialization of ``coinb1 ‖ extranonce ‖ coinb2`` for a block.

    Adds the marker and flag after nVersion and one 32-zero-byte witness item before nLockTime
    (reference §3.2, §3.6). The txid is unchanged; only the block carries this form.
    """
    if len(coinb1) < 5 or len(coinb2) < 4:
        raise ValueError("coinb1/coinb2 too short to be a coinbase")
    return b"".join(
        (
            coinb1[:4],
            b"\x00\x01",
            coinb1[4:],
            extranonce,
            coinb2[:-4],
            b"\x01",
            varint(len(WITNESS_RESERVED_VALUE)),
            WITNESS_RESERVED_VALUE,
            coinb2[-4:],
        )
    )
