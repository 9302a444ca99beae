"""BlockTemplate: the target from bits and which witness commitment the coinbase needs."""

from backend.bitcoin.hashes import sha256d
from backend.bitcoin.transaction import witness_commitment_script
from backend.mining.template import TemplateTransaction

from .vectors import EMPTY_COMMITMENT, e2e_template


def _tx(tag: bytes, witness: bool) -> TemplateTransaction:
    txid = sha256d(b"txid" + tag)
    return TemplateTransaction(
        data=b"raw" + tag, txid=txid, wtxid=sha256d(b"wtxid" + tag) if witness else txid, fee=1
    )


def test_target_expands_bits() -> None:
    assert e2e_template().target == 0x7FFFFF << 232
    assert e2e_template(bits=0x1D00FFFF).target == 0xFFFF << 208


def test_has_witness_compares_txid_and_wtxid() -> None:
    assert _tx(b"a", witness=True).has_witness
    assert not _tx(b"a", witness=False).has_witness


def test_template_commitment_is_used_verbatim() -> None:
    template = e2e_template(transactions=(_tx(b"a", witness=True),))
    assert template.commitment_script() == EMPTY_COMMITMENT


def test_no_commitment_without_witness_data() -> None:
    template = e2e_template(witness_commitment=None, transactions=(_tx(b"a", witness=False),))
    assert template.commitment_script() is None


def test_commitment_computed_when_a_transaction_has_witness() -> None:
    txs = (_tx(b"a", witness=False), _tx(b"b", witness=True))
    template = e2e_template(witness_commitment=None, transactions=txs)
    assert template.commitment_script() == witness_commitment_script([t.wtxid for t in txs])
