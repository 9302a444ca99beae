"""The address the embedded chain's block rewards go to when the operator names none.

The pool keeps one P2WPKH address per data directory, created on first start and reused after,
so rewards of every restart land in the same place.
"""

from __future__ import annotations

import os
from pathlib import Path

from backend.bitcoin.address import decode_address, p2wpkh_address
from backend.bitcoin.network import Network

FILE_NAME = "coinbase-address"


def pool_coinbase_address(data_dir: Path, network: Network) -> str:
    """The pool's own coinbase address in `data_dir`, created (atomically) on first use."""
    path = data_dir / FILE_NAME
    if path.exists():
        address = path.read_text().strip()
        decode_address(address, network)
        return address
    address = p2wpkh_address(os.urandom(20), network)
    partial = path.with_suffix(".partial")
    partial.write_text(address + "\n")
    os.replace(partial, path)
    return address
