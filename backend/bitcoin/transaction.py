"""Transactions and blocks: values, (de)serialization with BIP 144 witnesses, BIP 141 commitment.

Parsing is strict: truncated data, non-canonical varints, counts that cannot fit in the bytes
left, a segwit flag other than 1, a superfluous (all-empty) witness and trailing bytes after a
block are all rejected with ValueError. Consensus rules (values, sizes, scripts) are not checked
here; that is the chain's job.
"""

import struct
from collections.abc import Sequence
from dataclasses import dataclass

from backend.bitcoin.encoding import read_varint, varint
from backend.bitcoin.hashes import sha256d
from backend.bitcoin.header import HEADER_SIZE, BlockHeader
from backend.bitcoin.merkle import merkle_root

NULL_HASH = bytes(32)
"""The all-zero hash: a coinbase's prevout txid, and the coinbase's wtxid in the witness tree."""

COINBASE_INDEX = 0xFFFFFFFF
"""The prevout index of a coinbase input."""

WITNESS_RESERVED_VALUE = bytes(32)
"""The coinbase's single witness item, hashed into the commitment (BIP 141; stratum ref §3.3)."""

WITNESS_COMMITMENT_HEADER = bytes.fromhex("6a24aa21a9ed")
"""OP_RETURN, push 36 bytes, then the commitment tag ``aa21a9ed`` (BIP 141)."""

MIN_INPUT_SIZE = 41
"""Smallest serialized input: prevout 36 + empty-script varint 1 + sequence 4; bounds counts."""

MIN_OUTPUT_SIZE = 9
"""Smallest serialized output: value 8 + empty-script varint 1; bounds counts."""

MIN_TRANSACTION_SIZE = 4 + 1 + MIN_INPUT_SIZE + 1 + 4
"""Smallest parseable transaction (version, one minimal input, no outputs, locktime)."""

_SEGWIT_MARKER = 0x00
_SEGWIT_FLAG = 0x01
_u32 = struct.Struct("<I")
_u64 = struct.Struct("<Q")
_outpoint = struct.Struct("<32sI")


@dataclass(frozen=True, slots=True)
class TxIn:
    """A transaction input: the spent outpoint, its scriptSig, sequence and witness stack."""

    prev_txid: bytes
    prev_index: int
    script_sig: bytes
    sequence: int = 0xFFFFFFFF
    witness: tuple[bytes, ...] = ()


@dataclass(frozen=True, slots=True)
class TxOut:
    """A transaction output: value in satoshis and the locking script."""

    value: int
    script_pubkey: bytes


@dataclass(frozen=True, slots=True)
class Transaction:
    """A transaction. ``txid`` hashes the legacy form, ``wtxid`` the witness form (BIP 141)."""

    version: int
    inputs: tuple[TxIn, ...]
    outputs: tuple[TxOut, ...]
    locktime: int = 0

    @property
    def has_witness(self) -> bool:
        """True when any input carries a non-empty witness stack."""
        return any(txin.witness for txin in self.inputs)

    @property
    def is_coinbase(self) -> bool:
        """True for exactly one input spending the null outpoint (null txid, index ffffffff)."""
        return (
            len(self.inputs) == 1
            and self.inputs[0].prev_txid == NULL_HASH
            and self.inputs[0].prev_index == COINBASE_INDEX
        )

    def serialize(self, witness: bool = True) -> bytes:
        """Serialize; the BIP 144 witness form only when ``witness`` and some input has one.

        ValueError when a field does not fit its wire width.
        """
        with_witness = witness and self.has_witness
        parts = [_u32_bytes(self.version)]
        if with_witness:
            parts.append(bytes((_SEGWIT_MARKER, _SEGWIT_FLAG)))
        parts.append(varint(len(self.inputs)))
        for txin in self.inputs:
            if len(txin.prev_txid) != 32:
                raise ValueError("prev_txid must be 32 bytes")
            parts.append(txin.prev_txid)
            parts.append(_u32_bytes(txin.prev_index))
            parts.append(varint(len(txin.script_sig)))
            parts.append(txin.script_sig)
            parts.append(_u32_bytes(txin.sequence))
        parts.append(varint(len(self.outputs)))
        for txout in self.outputs:
            parts.append(_u64_bytes(txout.value))
            parts.append(varint(len(txout.script_pubkey)))
            parts.append(txout.script_pubkey)
        if with_witness:
            for txin in self.inputs:
                parts.append(varint(len(txin.witness)))
                for item in txin.witness:
                    parts.append(varint(len(item)))
                    parts.append(item)
        parts.append(_u32_bytes(self.locktime))
        return b"".join(parts)

    def txid(self) -> bytes:
        """Return sha256d of the non-witness serialization (internal order)."""
        return sha256d(self.serialize(witness=False))

    def wtxid(self) -> bytes:
        """Return sha256d of the witness serialization; equals ``txid`` without witnesses."""
        return sha256d(self.serialize(witness=True))


@dataclass(frozen=True, slots=True)
class Block:
    """A full block: header and transactions, coinbase first."""

    header: BlockHeader
    transactions: tuple[Transaction, ...]

    def serialize(self) -> bytes:
        """Return header ‖ varint(count) ‖ each transaction in witness form when it has one."""
        parts = [self.header.serialize(), varint(len(self.transactions))]
        parts.extend(tx.serialize() for tx in self.transactions)
        return b"".join(parts)


def _u32_bytes(n: int) -> bytes:
    try:
        return _u32.pack(n)
    except struct.error:
        raise ValueError(f"u32 field out of range: {n!r}") from None


def _u64_bytes(n: int) -> bytes:
    try:
        return _u64.pack(n)
    except struct.error:
        raise ValueError(f"u64 field out of range: {n!r}") from None


class _Reader:
    """A cursor over a buffer that refuses to read past its end."""

    __slots__ = ("buf", "end", "pos")

    def __init__(self, buf: bytes, pos: int) -> None:
        self.buf = buf
        self.pos = pos
        self.end = len(buf)

    def take(self, n: int) -> bytes:
        start = self.pos
        stop = start + n
        if stop > self.end:
            raise ValueError("transaction data truncated")
        self.pos = stop
        return bytes(self.buf[start:stop])

    def u32(self) -> int:
        if self.pos + 4 > self.end:
            raise ValueError("transaction data truncated")
        (value,) = _u32.unpack_from(self.buf, self.pos)
        self.pos += 4
        return value

    def u64(self) -> int:
        if self.pos + 8 > self.end:
            raise ValueError("transaction data truncated")
        (value,) = _u64.unpack_from(self.buf, self.pos)
        self.pos += 8
        return value

    def peek(self, offset: int = 0) -> int | None:
        index = self.pos + offset
        return self.buf[index] if index < self.end else None

    def count(self, min_item_size: int, what: str) -> int:
        # Bound every count by the bytes left, so a hostile count cannot make us allocate.
        value, self.pos = read_varint(self.buf, self.pos)
        if value * min_item_size > self.end - self.pos:
            raise ValueError(f"{what} {value} exceeds the remaining data")
        return value

    def blob(self, what: str) -> bytes:
        return self.take(self.count(1, f"{what} length"))


def _read_transaction(reader: _Reader) -> Transaction:
    version = reader.u32()
    segwit = False
    if reader.peek() == _SEGWIT_MARKER:
        flag = reader.peek(1)
        if flag != _SEGWIT_FLAG:
            # Zero inputs cannot be told apart from a segwit marker (Core reads it as one).
            raise ValueError("transaction has no inputs or an unknown segwit flag")
        reader.pos += 2
        segwit = True
    input_count = reader.count(MIN_INPUT_SIZE, "input count")
    if input_count == 0:
        raise ValueError("transaction has no inputs")
    raw_inputs = []
    for _ in range(input_count):
        prev_txid, prev_index = _outpoint.unpack(reader.take(36))
        script_sig = reader.blob("scriptSig")
        raw_inputs.append((prev_txid, prev_index, script_sig, reader.u32()))
    output_count = reader.count(MIN_OUTPUT_SIZE, "output count")
    outputs = []
    for _ in range(output_count):
        value = reader.u64()
        outputs.append(TxOut(value, reader.blob("scriptPubKey")))
    witnesses: list[tuple[bytes, ...]] = [()] * input_count
    if segwit:
        for i in range(input_count):
            item_count = reader.count(1, "witness item count")
            witnesses[i] = tuple(reader.blob("witness item") for _ in range(item_count))
        if not any(witnesses):
            # Core: "Superfluous witness record"; the form must carry a witness to be used.
            raise ValueError("segwit transaction without any witness data")
    locktime = reader.u32()
    inputs = tuple(
        TxIn(prev_txid, prev_index, script_sig, sequence, witness)
        for (prev_txid, prev_index, script_sig, sequence), witness in zip(
            raw_inputs, witnesses, strict=True
        )
    )
    return Transaction(version, inputs, tuple(outputs), locktime)


def parse_transaction(buf: bytes, pos: int = 0) -> tuple[Transaction, int]:
    """Parse one transaction at ``buf[pos:]``; return it and the position after it.

    Handles the BIP 144 segwit marker and flag. ValueError on truncation, non-canonical varints,
    impossible counts, zero inputs, an unknown flag or a witness section with no witness data.
    """
    if pos < 0:
        raise ValueError("negative position")
    reader = _Reader(buf, pos)
    transaction = _read_transaction(reader)
    return transaction, reader.pos


def parse_block(data: bytes) -> Block:
    """Parse a full serialized block (as submitblock carries it).

    ValueError on a short header, no transactions, a malformed transaction, or trailing bytes.
    """
    if len(data) < HEADER_SIZE:
        raise ValueError("block shorter than a header")
    header = BlockHeader.parse(data[:HEADER_SIZE])
    reader = _Reader(data, HEADER_SIZE)
    tx_count = reader.count(MIN_TRANSACTION_SIZE, "transaction count")
    if tx_count == 0:
        raise ValueError("block has no transactions")
    transactions = tuple(_read_transaction(reader) for _ in range(tx_count))
    if reader.pos != len(data):
        raise ValueError(f"{len(data) - reader.pos} trailing bytes after the block")
    return Block(header, transactions)


def witness_commitment_script(wtxids_without_coinbase: Sequence[bytes]) -> bytes:
    """Return the BIP 141 commitment output script ``6a24aa21a9ed ‖ commitment``.

    commitment = sha256d(witness root ‖ 32 zero bytes), the root taken over the wtxids in block
    order with the coinbase's wtxid replaced by 32 zero bytes (stratum reference §3.3).
    """
    root = merkle_root([NULL_HASH, *wtxids_without_coinbase])
    return WITNESS_COMMITMENT_HEADER + sha256d(root + WITNESS_RESERVED_VALUE)


def find_witness_commitment(coinbase: Transaction) -> bytes | None:
    """Return the 32-byte witness commitment of a coinbase, or None when it has none.

    Per BIP 141 the output with the highest index whose script is at least 38 bytes and starts
    with ``6a24aa21a9ed`` counts; bytes after the 38th carry no meaning.
    """
    for txout in reversed(coinbase.outputs):
        script = txout.script_pubkey
        if len(script) >= 38 and script.startswith(WITNESS_COMMITMENT_HEADER):
            return script[6:38]
    return None
