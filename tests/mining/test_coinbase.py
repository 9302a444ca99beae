"""Coinbase construction: the §8.6 bytes exactly, BIP34 heights, the slot, the witness form."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.bitcoin.encoding import bip34_height_script
from backend.bitcoin.hashes import sha256d, to_display
from backend.bitcoin.transaction import find_witness_commitment, parse_transaction
from backend.mining.coinbase import build_coinbase_parts, coinbase_with_witness
from backend.mining.template import TemplateTransaction

from .vectors import (
    E2E_BLOCK,
    E2E_COINB1,
    E2E_COINB2,
    E2E_EXTRANONCE1,
    E2E_PAYOUT,
    E2E_TAG,
    E2E_TXID,
    E2E_WTXID,
    e2e_template,
)

P2WSH = bytes.fromhex("0020ecce89afb8f0bdbcab325d6e11f2aaeb549f50a9d91fb8e64c814faa685367b2")


def test_reference_8_6_parts_exactly() -> None:
    coinb1, coinb2 = build_coinbase_parts(e2e_template(), E2E_PAYOUT, E2E_TAG, 8)
    assert coinb1.hex() == E2E_COINB1
    assert coinb2.hex() == E2E_COINB2


def test_reference_8_6_txid_wtxid_and_witness_form() -> None:
    coinb1, coinb2 = build_coinbase_parts(e2e_template(), E2E_PAYOUT, E2E_TAG, 8)
    extranonce = E2E_EXTRANONCE1 + bytes(4)
    plain = coinb1 + extranonce + coinb2
    assert to_display(sha256d(plain)) == E2E_TXID
    witness = coinbase_with_witness(coinb1, extranonce, coinb2)
    assert witness.hex() in E2E_BLOCK
    tx, end = parse_transaction(witness)
    assert end == len(witness)
    assert tx.is_coinbase
    assert tx.inputs[0].witness == (bytes(32),)
    assert to_display(tx.txid()) == E2E_TXID
    assert to_display(tx.wtxid()) == E2E_WTXID


def test_no_commitment_output_when_template_needs_none() -> None:
    template = e2e_template(witness_commitment=None)
    coinb1, coinb2 = build_coinbase_parts(template, E2E_PAYOUT, E2E_TAG, 8)
    tx, _ = parse_transaction(coinb1 + bytes(8) + coinb2)
    assert [(o.value, o.script_pubkey) for o in tx.outputs] == [(5_000_000_000, E2E_PAYOUT)]
    assert find_witness_commitment(tx) is None


def test_commitment_output_computed_for_witness_transactions() -> None:
    tx_in = TemplateTransaction(data=b"x", txid=sha256d(b"t"), wtxid=sha256d(b"w"), fee=500)
    template = e2e_template(witness_commitment=None, transactions=(tx_in,))
    coinb1, coinb2 = build_coinbase_parts(template, E2E_PAYOUT, E2E_TAG, 8)
    tx, _ = parse_transaction(coinb1 + bytes(8) + coinb2)
    commitment = template.commitment_script()
    assert commitment is not None
    assert tx.outputs[-1].value == 0
    assert tx.outputs[-1].script_pubkey == commitment
    assert find_witness_commitment(tx) == commitment[6:38]


def test_empty_tag_is_left_out() -> None:
    coinb1, coinb2 = build_coinbase_parts(e2e_template(), E2E_PAYOUT, b"", 8)
    tx, _ = parse_transaction(coinb1 + bytes(8) + coinb2)
    assert tx.inputs[0].script_sig == bytes.fromhex("5108") + bytes(8)


@pytest.mark.parametrize(
    ("height", "prefix"),
    [(1, "51"), (16, "60"), (17, "0111"), (128, "028000"), (840000, "0340d10c")],
)
def test_script_sig_starts_with_core_height_encoding(height: int, prefix: str) -> None:
    coinb1, coinb2 = build_coinbase_parts(e2e_template(height=height), E2E_PAYOUT, E2E_TAG, 8)
    tx, _ = parse_transaction(coinb1 + bytes(8) + coinb2)
    assert tx.inputs[0].script_sig.hex().startswith(prefix + "08")


def test_script_sig_over_100_bytes_is_refused() -> None:
    # OP_1 + push opcode + 8 slot bytes + PUSHDATA1 (2 bytes) + 88 = 100 fits; 89 does not.
    coinb1, coinb2 = build_coinbase_parts(e2e_template(), E2E_PAYOUT, b"t" * 88, 8)
    tx, _ = parse_transaction(coinb1 + bytes(8) + coinb2)
    assert len(tx.inputs[0].script_sig) == 100
    with pytest.raises(ValueError, match="100"):
        build_coinbase_parts(e2e_template(), E2E_PAYOUT, b"t" * 89, 8)


@pytest.mark.parametrize("size", [0, 0x4C, 100])
def test_slot_size_must_fit_one_push_opcode(size: int) -> None:
    with pytest.raises(ValueError, match="extranonce"):
        build_coinbase_parts(e2e_template(), E2E_PAYOUT, E2E_TAG, size)


def test_empty_payout_script_is_refused() -> None:
    with pytest.raises(ValueError, match="payout"):
        build_coinbase_parts(e2e_template(), b"", E2E_TAG, 8)


def test_typical_coinbase_stays_under_255_bytes_for_nerdminer() -> None:
    # Largest accepted payout script (P2WSH, 34 bytes), a 4-byte height, a 20-byte tag,
    # extranonce 4 + 8 and the commitment (reference §3.4: NerdMiner breaks past 255 bytes).
    template = e2e_template(height=8_388_608)
    coinb1, coinb2 = build_coinbase_parts(template, P2WSH, b"/minerpool.example/", 12)
    assert len(coinb1) + 12 + len(coinb2) < 255


def test_witness_form_needs_whole_parts() -> None:
    with pytest.raises(ValueError, match="short"):
        coinbase_with_witness(b"\x02\x00\x00\x00", b"", b"\x00\x00\x00\x00")


@given(
    height=st.integers(min_value=0, max_value=2**31 - 1),
    tag=st.binary(max_size=60),
    extranonce=st.binary(min_size=1, max_size=16),
    value=st.integers(min_value=0, max_value=21_000_000 * 100_000_000),
)
def test_any_filled_slot_makes_a_well_formed_coinbase(
    height: int, tag: bytes, extranonce: bytes, value: int
) -> None:
    template = e2e_template(height=height, coinbase_value=value)
    coinb1, coinb2 = build_coinbase_parts(template, E2E_PAYOUT, tag, len(extranonce))
    plain = coinb1 + extranonce + coinb2
    tx, end = parse_transaction(plain)
    assert end == len(plain)
    assert tx.is_coinbase
    assert tx.version == 2
    assert tx.locktime == 0
    script = tx.inputs[0].script_sig
    height_push = bip34_height_script(height)
    assert script.startswith(height_push + bytes([len(extranonce)]) + extranonce)
    assert 2 <= len(script) <= 100
    assert sum(o.value for o in tx.outputs) == value
    witness_tx, _ = parse_transaction(coinbase_with_witness(coinb1, extranonce, coinb2))
    assert witness_tx.txid() == tx.txid()
    assert witness_tx.inputs[0].witness == (bytes(32),)
