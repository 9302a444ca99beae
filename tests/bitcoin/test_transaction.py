"""Transactions and blocks (stratum reference §3.2, §3.3, §8.3, §8.4, §8.5, §8.6)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.bitcoin.encoding import varint
from backend.bitcoin.hashes import from_display, sha256d, to_display
from backend.bitcoin.header import BlockHeader
from backend.bitcoin.merkle import merkle_root
from backend.bitcoin.transaction import (
    Block,
    Transaction,
    TxIn,
    TxOut,
    find_witness_commitment,
    parse_block,
    parse_transaction,
    witness_commitment_script,
)

EMPTY_COMMITMENT = "e2f61c3f71d1defd3fa999dfa36953755c690689799962b48bebd836974e8cf9"
EMPTY_COMMITMENT_SCRIPT = "6a24aa21a9ed" + EMPTY_COMMITMENT

# Stratum reference §8.5: a Core-format coinbase at height 3, witness serialization.
CORE_COINBASE = bytes.fromhex(
    "020000000001010000000000000000000000000000000000000000000000000000000000000000ffffffff0353"
    "0101ffffffff0200f2052a010000001976a9146b483f98a2e2c1f2a16dd91b5250fee785f76e1a88ac00000000"
    "00000000266a24aa21a9ede2f61c3f71d1defd3fa999dfa36953755c690689799962b48bebd836974e8cf90120"
    "000000000000000000000000000000000000000000000000000000000000000000000000"
)
CORE_COINBASE_TXID = "e50c64165ef3618bf945562d4d0b908d406212fd29a7758cdda4909006ac3302"
CORE_COINBASE_WTXID = "cb923531a4cd55d0a51aafdeb4c070b38ae393ef90118a28c3ac77ab75e24109"

# Stratum reference §8.6: the regtest block at height 1, as submitblock carries it.
REGTEST_BLOCK = bytes.fromhex(
    "0000002006226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f61f272d6ae3adc4653"
    "791e774f8e8bdf079045329c4aac8d7fd27ced6c10a28700f15365ffff7f2000000000010200000000010100"
    "00000000000000000000000000000000000000000000000000000000000000ffffffff11510811223344000000"
    "00062f746573742fffffffff0200f2052a010000001600146f58bac9506f9bfb821d62e69330410bb56f0085"
    "0000000000000000266a24aa21a9ede2f61c3f71d1defd3fa999dfa36953755c690689799962b48bebd83697"
    "4e8cf90120000000000000000000000000000000000000000000000000000000000000000000000000"
)
REGTEST_BLOCK_HASH = "24f81c5fe7889f8817fa96d7dd4b3a033cc90aa97449b9ffb6df920a5f295c7f"
REGTEST_COINB1 = (
    "02000000010000000000000000000000000000000000000000000000000000000000000000ffffffff115108"
)
REGTEST_COINB2 = (
    "062f746573742fffffffff0200f2052a010000001600146f58bac9506f9bfb821d62e69330410bb56f0085"
    "0000000000000000266a24aa21a9ede2f61c3f71d1defd3fa999dfa36953755c690689799962b48bebd83697"
    "4e8cf900000000"
)


def test_core_coinbase() -> None:
    tx, end = parse_transaction(CORE_COINBASE)
    assert end == len(CORE_COINBASE)
    assert tx.version == 2 and tx.locktime == 0
    assert tx.is_coinbase and tx.has_witness
    # Length 03, then OP_3 (height 3) and a 1-byte dummy push to reach the 2-byte minimum.
    assert tx.inputs[0].script_sig.hex() == "530101"
    assert tx.inputs[0].witness == (bytes(32),)
    assert [out.value for out in tx.outputs] == [5_000_000_000, 0]
    assert to_display(tx.txid()) == CORE_COINBASE_TXID
    assert to_display(tx.wtxid()) == CORE_COINBASE_WTXID
    assert tx.serialize() == CORE_COINBASE


def test_core_coinbase_commitment() -> None:
    tx, _ = parse_transaction(CORE_COINBASE)
    assert tx.outputs[1].script_pubkey.hex() == EMPTY_COMMITMENT_SCRIPT
    assert witness_commitment_script([]).hex() == EMPTY_COMMITMENT_SCRIPT
    assert find_witness_commitment(tx) == bytes.fromhex(EMPTY_COMMITMENT)
    # With no other transactions the commitment is sha256d of 64 zero bytes (§3.3).
    assert sha256d(bytes(64)).hex() == EMPTY_COMMITMENT


def test_txid_uses_the_non_witness_form() -> None:
    tx, _ = parse_transaction(CORE_COINBASE)
    legacy = tx.serialize(witness=False)
    assert sha256d(legacy) == tx.txid()
    stripped, end = parse_transaction(legacy)
    assert end == len(legacy)
    assert not stripped.has_witness
    assert stripped.txid() == stripped.wtxid() == tx.txid()


def test_regtest_block_round_trip() -> None:
    block = parse_block(REGTEST_BLOCK)
    assert block.serialize() == REGTEST_BLOCK
    assert block.header.hash_hex() == REGTEST_BLOCK_HASH
    (coinbase,) = block.transactions
    assert coinbase.is_coinbase
    assert to_display(coinbase.txid()) == (
        "87a2106ced7cd27f8dac4a9c32459007df8b8e4f771e795346dc3aaed672f261"
    )
    assert to_display(coinbase.wtxid()) == (
        "db820c01cd7aa47c174cac05ac3ba443b15d826d903d2ede3f9b0ab8e4da8d4f"
    )
    assert merkle_root([tx.txid() for tx in block.transactions]) == block.header.merkle_root
    assert find_witness_commitment(coinbase) == bytes.fromhex(EMPTY_COMMITMENT)
    # The non-witness form is exactly coinb1 ‖ extranonce1 ‖ extranonce2 ‖ coinb2.
    assert coinbase.serialize(witness=False).hex() == (
        REGTEST_COINB1 + "11223344" + "00000000" + REGTEST_COINB2
    )


@pytest.mark.parametrize(
    ("coinb1", "extranonce", "coinb2", "txid"),
    [
        # Stratum reference §8.3 vector A (mainnet, Braiins).
        (
            "01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4b03"
            "89130cfabe6d6d5cbab26a2599e92916edec5657a94a0708ddb970f5c45b5d12905085617eff8e",
            "0100000000000000",
            "31650707758de07b010000000000001cfd7038212f736c7573682f000000000379ad0c2a000000001976"
            "a9147c154ed1dc59609e3d26abb2df2ea3d587cd8c4188ac00000000000000002c6a4c2952534b424c4f"
            "434b3ae725d3994b811572c1f345deb98b56b465ef8e153ecbbd27fa37bf1b00516138000000000000000"
            "0266a24aa21a9ed63b06a7946b190a3fda1d76165b25c9b883bcc6621b040773050ee2a1bb18f180000"
            "0000",
            "80d95f27e6da652c6070f3b341bbfa9cb5f96d3e363286562df7f4496dee0b7a",
        ),
        # Stratum reference §8.4 (testnet, public-pool).
        (
            "02000000010000000000000000000000000000000000000000000000000000000000000000ffffffff19"
            "03c943255c7075626c69632d706f6f6c5c",
            "57a6f098c7080000",
            "ffffffff037a90000000000000160014e6f22ca44dc800e9d049621a3b9a42c509f1c4bc3b0f2500000000"
            "00160014e6f22ca44dc800e9d049621a3b9a42c509f1c4bc0000000000000000266a24aa21a9edbd3d1d"
            "916aa0b57326a2d88ebe1b68a1d7c48585f26d8335fe6a94b62755f64c00000000",
            "965f023fa72e099e58f4b1250c2295b52283828959cd368318cfdcbe57df4bec",
        ),
    ],
)
def test_stratum_coinbases(coinb1: str, extranonce: str, coinb2: str, txid: str) -> None:
    raw = bytes.fromhex(coinb1 + extranonce + coinb2)
    tx, end = parse_transaction(raw)
    assert end == len(raw)
    assert tx.is_coinbase and not tx.has_witness
    assert to_display(tx.txid()) == txid
    assert tx.serialize() == raw
    assert find_witness_commitment(tx) == tx.outputs[-1].script_pubkey[6:38]


def test_parse_at_an_offset_and_back_to_back() -> None:
    tx, _ = parse_transaction(CORE_COINBASE)
    legacy = tx.serialize(witness=False)
    buf = b"junk" + CORE_COINBASE + legacy
    first, middle = parse_transaction(buf, 4)
    second, end = parse_transaction(buf, middle)
    assert (middle, end) == (4 + len(CORE_COINBASE), len(buf))
    assert first.txid() == second.txid()


@pytest.mark.parametrize("size", range(len(CORE_COINBASE)))
def test_every_truncation_is_rejected(size: int) -> None:
    with pytest.raises(ValueError):
        parse_transaction(CORE_COINBASE[:size])


def _legacy_tx(inputs: str = "", outputs: str = "") -> bytes:
    txin = "00" * 32 + "ffffffff" + "00" + "ffffffff"
    txout = "0000000000000000" + "00"
    return bytes.fromhex(
        "02000000" + (inputs or "01" + txin) + (outputs or "01" + txout) + "00000000"
    )


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (_legacy_tx(inputs="fdffff"), "input count 65535 exceeds"),
        (_legacy_tx(inputs="ffffffffffffffffff"), "input count"),
        (_legacy_tx(outputs="fe00000001"), "output count"),
        (_legacy_tx(inputs="fd0100"), "non-canonical"),
        (bytes.fromhex("02000000" + "0002" + "00" * 50), "segwit flag"),
        (bytes.fromhex("02000000" + "0000" + "00000000"), "no inputs"),
        (bytes.fromhex("0200000000"), "no inputs"),
    ],
)
def test_malformed_transactions(raw: bytes, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_transaction(raw)


def test_script_length_beyond_the_data() -> None:
    raw = bytes.fromhex("02000000" + "01" + "00" * 32 + "ffffffff" + "fd0010" + "00" * 40)
    with pytest.raises(ValueError, match="scriptSig length 4096 exceeds"):
        parse_transaction(raw)


def test_superfluous_witness_is_rejected() -> None:
    # Marker and flag present but every input's witness stack is empty (Core refuses this).
    legacy = _legacy_tx()
    raw = legacy[:4] + b"\x00\x01" + legacy[4:-4] + b"\x00" + legacy[-4:]
    assert parse_transaction(legacy)[0].serialize() == legacy
    with pytest.raises(ValueError, match="without any witness"):
        parse_transaction(raw)


def test_negative_position() -> None:
    with pytest.raises(ValueError):
        parse_transaction(CORE_COINBASE, -1)


def test_block_with_trailing_bytes() -> None:
    with pytest.raises(ValueError, match="1 trailing bytes"):
        parse_block(REGTEST_BLOCK + b"\x00")


def test_block_with_fewer_transactions_than_announced() -> None:
    raw = REGTEST_BLOCK[:80] + b"\x02" + REGTEST_BLOCK[81:]
    with pytest.raises(ValueError):
        parse_block(raw)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (REGTEST_BLOCK[:79], "shorter than a header"),
        (REGTEST_BLOCK[:80], "truncated"),
        (REGTEST_BLOCK[:80] + b"\x00", "no transactions"),
        (REGTEST_BLOCK[:80] + varint(100_000) + REGTEST_BLOCK[81:], "transaction count"),
    ],
)
def test_malformed_blocks(raw: bytes, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_block(raw)


def test_block_serializes_legacy_and_witness_transactions() -> None:
    coinbase, _ = parse_transaction(CORE_COINBASE)
    spend = Transaction(
        1,
        (TxIn(coinbase.txid(), 0, b"\x51"),),
        (TxOut(4_999_000_000, bytes.fromhex("0014" + "11" * 20)),),
    )
    header = BlockHeader(
        0x20000000, bytes(32), merkle_root([coinbase.txid(), spend.txid()]), 0, 0x207FFFFF, 0
    )
    block = Block(header, (coinbase, spend))
    raw = block.serialize()
    assert raw == header.serialize() + b"\x02" + CORE_COINBASE + spend.serialize()
    assert parse_block(raw) == block


def test_commitment_over_wtxids() -> None:
    wtxids = [sha256d(bytes([i])) for i in range(3)]
    root = merkle_root([bytes(32), *wtxids])
    expected = bytes.fromhex("6a24aa21a9ed") + sha256d(root + bytes(32))
    assert witness_commitment_script(wtxids) == expected


def test_find_witness_commitment_takes_the_highest_matching_output() -> None:
    first = bytes.fromhex("6a24aa21a9ed") + b"\x01" * 32
    last = bytes.fromhex("6a24aa21a9ed") + b"\x02" * 32 + b"extra"
    too_short = bytes.fromhex("6a24aa21a9ed") + b"\x03" * 31
    coinbase, _ = parse_transaction(CORE_COINBASE)

    def with_outputs(*scripts: bytes) -> Transaction:
        outputs = tuple(TxOut(0, script) for script in scripts)
        return Transaction(coinbase.version, coinbase.inputs, outputs)

    assert find_witness_commitment(with_outputs(first, last, too_short)) == b"\x02" * 32
    assert find_witness_commitment(with_outputs(first, b"\x51")) == b"\x01" * 32
    assert find_witness_commitment(with_outputs(too_short)) is None
    assert find_witness_commitment(with_outputs()) is None


@pytest.mark.parametrize(
    "tx",
    [
        Transaction(-1, (TxIn(bytes(32), 0, b""),), ()),
        Transaction(1, (TxIn(bytes(31), 0, b""),), ()),
        Transaction(1, (TxIn(bytes(32), 2**32, b""),), ()),
        Transaction(1, (TxIn(bytes(32), 0, b""),), (TxOut(-1, b""),)),
        Transaction(1, (TxIn(bytes(32), 0, b""),), (), locktime=2**32),
    ],
)
def test_serialize_rejects_fields_that_do_not_fit(tx: Transaction) -> None:
    with pytest.raises(ValueError):
        tx.serialize()


_u32 = st.integers(min_value=0, max_value=2**32 - 1)
_script = st.binary(max_size=300)
_tx_inputs = st.builds(
    TxIn,
    prev_txid=st.binary(min_size=32, max_size=32),
    prev_index=_u32,
    script_sig=_script,
    sequence=_u32,
    witness=st.lists(st.binary(max_size=80), max_size=4).map(tuple),
)
_tx_outputs = st.builds(
    TxOut, value=st.integers(min_value=0, max_value=2**64 - 1), script_pubkey=_script
)
transactions = st.builds(
    Transaction,
    version=_u32,
    inputs=st.lists(_tx_inputs, min_size=1, max_size=5).map(tuple),
    outputs=st.lists(_tx_outputs, max_size=5).map(tuple),
    locktime=_u32,
)


@given(transactions)
def test_transaction_round_trip(tx: Transaction) -> None:
    raw = tx.serialize()
    parsed, end = parse_transaction(raw)
    assert (parsed, end) == (tx, len(raw))
    legacy = tx.serialize(witness=False)
    assert parse_transaction(legacy)[0].txid() == tx.txid() == sha256d(legacy)
    assert (tx.wtxid() == tx.txid()) == (not tx.has_witness)


@given(transactions, st.integers(min_value=1, max_value=40))
def test_truncated_transactions_never_parse(tx: Transaction, cut: int) -> None:
    raw = tx.serialize()
    with pytest.raises(ValueError):
        parse_transaction(raw[: max(0, len(raw) - cut)])


@given(st.lists(transactions, min_size=1, max_size=4))
def test_block_round_trip(txs: list[Transaction]) -> None:
    header = BlockHeader(1, bytes(32), merkle_root([tx.txid() for tx in txs]), 0, 0x207FFFFF, 0)
    block = Block(header, tuple(txs))
    assert parse_block(block.serialize()) == block


def test_from_display_helper_matches_header_field() -> None:
    block = parse_block(REGTEST_BLOCK)
    assert block.header.prev_hash == from_display(
        "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206"
    )
