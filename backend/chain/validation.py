"""The checks a block submitted to the embedded chain must pass, with Core's reject strings.

The stages follow Core (``validation.cpp``), in Core's order:

1. ``check_block`` — context-free (``CheckBlock``): proof of work against the header's own bits,
   merkle root, duplicate transactions, size, coinbase position, each transaction's own rules.
2. ``check_header_context`` — against the parent (``ContextualCheckBlockHeader``): bits the
   retarget requires, time above median-time-past and not too far in the future, version.
3. ``check_block_context`` — against the height (``ContextualCheckBlock``): finality, BIP34
   height, witness commitment, weight.
4. ``check_coinbase_amount`` — the coinbase pays at most subsidy plus fees (``ConnectBlock``).

Each returns None or the reject reason. What is not checked, because the chain keeps no UTXO
set and runs no scripts: input existence and value, scripts and signatures, sigop counts.

Core remembers a block as invalid (a later submission answers ``duplicate-invalid``) only for
failures that are a property of the block's hash: ``CACHED_REJECTIONS``. The others either
depend on the body, which can be malleated without changing the hash, or on the clock.
"""

from __future__ import annotations

from backend.bitcoin.encoding import bip34_height_script, varint
from backend.bitcoin.hashes import sha256d
from backend.bitcoin.header import BlockHeader
from backend.bitcoin.merkle import merkle_root
from backend.bitcoin.target import bits_to_target, hash_to_int
from backend.bitcoin.transaction import Block, Transaction, find_witness_commitment
from backend.chain.params import MAX_MONEY, ChainParams

BLOCK_DECODE_FAILED = "Block decode failed"
"""The submitted bytes are not a block. Core's submitblock raises this as an RPC error
(RPC_DESERIALIZATION_ERROR, -22) instead of returning a result; an RPC layer turns this string
into that error."""

DUPLICATE = "duplicate"
"""The block is already stored and valid (ckpool counts this as accepted; reference §2.4)."""

DUPLICATE_INVALID = "duplicate-invalid"
"""The block is already known to be invalid (or was invalidated with ``invalidate_block``)."""

INCONCLUSIVE = "inconclusive"
"""The block is valid and stored but on a side branch with no more work than the tip: Core
answers this when a submitted block is not connected."""

PREV_BLK_NOT_FOUND = "prev-blk-not-found"
BAD_PREVBLK = "bad-prevblk"
HIGH_HASH = "high-hash"
BAD_TXNMRKLROOT = "bad-txnmrklroot"
BAD_TXNS_DUPLICATE = "bad-txns-duplicate"
BAD_BLK_LENGTH = "bad-blk-length"
BAD_CB_MISSING = "bad-cb-missing"
"""First transaction is not a coinbase (CheckBlock's reason). Core's submitblock RPC checks this
before validating and raises RPC_DESERIALIZATION_ERROR "Block does not start with a coinbase"
instead; an RPC layer that wants that fidelity maps this string."""
BAD_CB_MULTIPLE = "bad-cb-multiple"
BAD_CB_LENGTH = "bad-cb-length"
BAD_DIFFBITS = "bad-diffbits"
TIME_TOO_OLD = "time-too-old"
TIME_TOO_NEW = "time-too-new"
BAD_TXNS_NONFINAL = "bad-txns-nonfinal"
BAD_CB_HEIGHT = "bad-cb-height"
BAD_WITNESS_NONCE_SIZE = "bad-witness-nonce-size"
BAD_WITNESS_MERKLE_MATCH = "bad-witness-merkle-match"
UNEXPECTED_WITNESS = "unexpected-witness"
BAD_BLK_WEIGHT = "bad-blk-weight"
BAD_CB_AMOUNT = "bad-cb-amount"
BAD_TXNS_VIN_EMPTY = "bad-txns-vin-empty"
BAD_TXNS_VOUT_EMPTY = "bad-txns-vout-empty"
BAD_TXNS_OVERSIZE = "bad-txns-oversize"
BAD_TXNS_VOUT_NEGATIVE = "bad-txns-vout-negative"
BAD_TXNS_VOUT_TOOLARGE = "bad-txns-vout-toolarge"
BAD_TXNS_TXOUTTOTAL_TOOLARGE = "bad-txns-txouttotal-toolarge"
BAD_TXNS_INPUTS_DUPLICATE = "bad-txns-inputs-duplicate"
BAD_TXNS_PREVOUT_NULL = "bad-txns-prevout-null"

CACHED_REJECTIONS = frozenset({BAD_TXNS_NONFINAL, BAD_CB_HEIGHT, BAD_BLK_WEIGHT, BAD_CB_AMOUNT})
"""Failures Core marks in its block index (``BLOCK_FAILED_VALID``): ContextualCheckBlock's
non-malleation failures and ConnectBlock's. CheckBlock and header failures are never cached."""

COINBASE_SCRIPT_SIG_SIZE = (2, 100)
"""Allowed coinbase scriptSig lengths, inclusive (Core ``CheckTransaction``; reference §3.2)."""

LOCKTIME_THRESHOLD = 500_000_000
"""nLockTime below this is a height, at or above it a time (Core ``LOCKTIME_THRESHOLD``)."""

WITNESS_RESERVED_VALUE_SIZE = 32
"""The coinbase's single witness item must be 32 bytes when the block commits (BIP 141)."""

_NULL_TXID = bytes(32)
_NULL_INDEX = 0xFFFFFFFF
_FINAL_SEQUENCE = 0xFFFFFFFF
_INT64_SIGN = 1 << 63
_INT32_SIGN = 1 << 31


def _is_null_prevout(txid: bytes, index: int) -> bool:
    return txid == _NULL_TXID and index == _NULL_INDEX


def check_transaction(tx: Transaction, params: ChainParams) -> str | None:
    """Core's ``CheckTransaction``: the rules a transaction must meet on its own."""
    if not tx.inputs:
        return BAD_TXNS_VIN_EMPTY
    if not tx.outputs:
        return BAD_TXNS_VOUT_EMPTY
    if len(tx.serialize(witness=False)) * 4 > params.max_block_weight:
        return BAD_TXNS_OVERSIZE
    total = 0
    for out in tx.outputs:
        # Core holds values as int64: the upper half of the u64 range reads as negative.
        if out.value < 0 or out.value >= _INT64_SIGN:
            return BAD_TXNS_VOUT_NEGATIVE
        if out.value > MAX_MONEY:
            return BAD_TXNS_VOUT_TOOLARGE
        total += out.value
        if total > MAX_MONEY:
            return BAD_TXNS_TXOUTTOTAL_TOOLARGE
    prevouts = {(txin.prev_txid, txin.prev_index) for txin in tx.inputs}
    if len(prevouts) != len(tx.inputs):
        return BAD_TXNS_INPUTS_DUPLICATE
    if tx.is_coinbase:
        low, high = COINBASE_SCRIPT_SIG_SIZE
        if not low <= len(tx.inputs[0].script_sig) <= high:
            return BAD_CB_LENGTH
    elif any(_is_null_prevout(txin.prev_txid, txin.prev_index) for txin in tx.inputs):
        return BAD_TXNS_PREVOUT_NULL
    return None


def check_proof_of_work(header: BlockHeader, params: ChainParams) -> bool:
    """Core's ``CheckProofOfWork``: bits give a target in (0, pow_limit] that the hash meets."""
    try:
        target = bits_to_target(header.bits)
    except ValueError:
        return False
    if target <= 0 or target > params.pow_limit:
        return False
    return hash_to_int(header.hash()) <= target


def block_base_size(block: Block) -> int:
    """Serialized size of the block without witness data."""
    txs = block.transactions
    return 80 + len(varint(len(txs))) + sum(len(tx.serialize(witness=False)) for tx in txs)


def block_weight(block: Block) -> int:
    """BIP 141 weight: base size times three plus total size."""
    return block_base_size(block) * 3 + len(block.serialize())


def check_block(block: Block, params: ChainParams) -> str | None:
    """Core's ``CheckBlock``: everything that needs no other block."""
    if not check_proof_of_work(block.header, params):
        return HIGH_HASH
    txs = block.transactions
    txids = [tx.txid() for tx in txs]
    computed = merkle_root(txids) if txids else bytes(32)
    if computed != block.header.merkle_root:
        return BAD_TXNMRKLROOT
    # Any merkle malleation (CVE-2012-2459) repeats a txid, so this also covers Core's
    # "mutated" check; a repeated txid is invalid anyway as a double spend.
    if len(set(txids)) != len(txids):
        return BAD_TXNS_DUPLICATE
    if not txs or len(txs) * 4 > params.max_block_weight:
        return BAD_BLK_LENGTH
    if block_base_size(block) * 4 > params.max_block_weight:
        return BAD_BLK_LENGTH
    if not txs[0].is_coinbase:
        return BAD_CB_MISSING
    if any(tx.is_coinbase for tx in txs[1:]):
        return BAD_CB_MULTIPLE
    for tx in txs:
        reason = check_transaction(tx, params)
        if reason is not None:
            return reason
    return None


def check_header_context(
    header: BlockHeader,
    params: ChainParams,
    *,
    required_bits: int,
    median_time_past: int,
    now: int,
) -> str | None:
    """Core's ``ContextualCheckBlockHeader`` for a header whose parent is known and valid."""
    if header.bits != required_bits:
        return BAD_DIFFBITS
    if header.time <= median_time_past:
        return TIME_TOO_OLD
    if header.time > now + params.max_future_block_time:
        return TIME_TOO_NEW
    # nVersion is a signed int32 in Core: versions with the top bit set are negative.
    version = header.version - (1 << 32) if header.version >= _INT32_SIGN else header.version
    if version < params.min_block_version:
        return f"bad-version(0x{header.version:08x})"
    return None


def is_final(tx: Transaction, height: int, median_time_past: int) -> bool:
    """Core's ``IsFinalTx`` with BIP 113: lock times count against the median-time-past."""
    if tx.locktime == 0:
        return True
    cutoff = height if tx.locktime < LOCKTIME_THRESHOLD else median_time_past
    if tx.locktime < cutoff:
        return True
    return all(txin.sequence == _FINAL_SEQUENCE for txin in tx.inputs)


def witness_root(block: Block) -> bytes:
    """Merkle root of the wtxids, with the coinbase's taken as 32 zero bytes (BIP 141)."""
    return merkle_root([bytes(32)] + [tx.wtxid() for tx in block.transactions[1:]])


def check_witness(block: Block) -> str | None:
    """The BIP 141 commitment rules of Core's ``ContextualCheckBlock`` (segwit always active).

    The coinbase must carry its witness reserved value: unlike Core's submitblock, the embedded
    chain does not fill in a missing one (reference §3.6: only that RPC path repairs it).
    """
    coinbase = block.transactions[0]
    commitment = find_witness_commitment(coinbase)
    if commitment is None:
        if any(tx.has_witness for tx in block.transactions):
            return UNEXPECTED_WITNESS
        return None
    stack = coinbase.inputs[0].witness
    if len(stack) != 1 or len(stack[0]) != WITNESS_RESERVED_VALUE_SIZE:
        return BAD_WITNESS_NONCE_SIZE
    if sha256d(witness_root(block) + stack[0]) != commitment:
        return BAD_WITNESS_MERKLE_MATCH
    return None


def check_block_context(
    block: Block, params: ChainParams, *, height: int, median_time_past: int
) -> str | None:
    """Core's ``ContextualCheckBlock`` for a block at ``height``."""
    if not all(is_final(tx, height, median_time_past) for tx in block.transactions):
        return BAD_TXNS_NONFINAL
    if height >= params.bip34_height:
        expected = bip34_height_script(height)
        if not block.transactions[0].inputs[0].script_sig.startswith(expected):
            return BAD_CB_HEIGHT
    reason = check_witness(block)
    if reason is not None:
        return reason
    if block_weight(block) > params.max_block_weight:
        return BAD_BLK_WEIGHT
    return None


def check_coinbase_amount(block: Block, allowed: int) -> str | None:
    """Core's ``ConnectBlock`` reward rule: coinbase outputs at most subsidy plus fees."""
    if sum(out.value for out in block.transactions[0].outputs) > allowed:
        return BAD_CB_AMOUNT
    return None
