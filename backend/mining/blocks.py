"""Block assembly for submitblock (stratum reference §3.6)."""

from __future__ import annotations

from backend.bitcoin.encoding import varint
from backend.mining.jobs import Job

HEADER_SIZE = 80
"""Bytes in a block header (reference §2.1)."""


def assemble_block(job: Job, header: bytes, coinbase_witness: bytes) -> bytes:
    """Return the serialized block: header ‖ varint(1 + n) ‖ coinbase ‖ the template's txs.

    ``coinbase_witness`` is the coinbase as it goes in the block: its witness form when the
    coinbase carries a witness commitment (``coinbase_with_witness``), else the plain form.
    Template transactions go in verbatim, in template order.
    """
    if len(header) != HEADER_SIZE:
        raise ValueError(f"header must be {HEADER_SIZE} bytes, not {len(header)}")
    transactions = job.template.transactions
    return b"".join(
        [header, varint(1 + len(transactions)), coinbase_witness] + [tx.data for tx in transactions]
    )
