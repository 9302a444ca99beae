"""Merkle roots and the stratum coinbase branch (stratum reference §3.5, vectors in §8.2).

All hashes are in internal order. Odd levels pair their last node with itself, as Core does.
"""

import hashlib
from collections.abc import Sequence

_sha256 = hashlib.sha256


def _parent(left: bytes, right: bytes) -> bytes:
    return _sha256(_sha256(left + right).digest()).digest()


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """Return the merkle root of ``leaves`` (txids or wtxids, internal order).

    One leaf is its own root. ValueError for an empty sequence: a block always has a coinbase.
    """
    if not leaves:
        raise ValueError("merkle root of no leaves")
    level = list(leaves)
    while len(level) > 1:
        if len(level) & 1:
            level.append(level[-1])
        level = [_parent(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def stratum_branch(txids: Sequence[bytes]) -> list[bytes]:
    """Return the merkle branch for the coinbase slot, as sent in ``mining.notify``.

    ``txids`` are the block's NON-coinbase txids in internal order and block order. The coinbase
    (unknown to the pool: it holds the miner's extranonce) is leaf 0; each step records the
    sibling of the path from it. No transactions gives an empty branch.
    """
    branch: list[bytes] = []
    # ``level`` holds every node of the current level except the one on the coinbase's path.
    level = list(txids)
    while level:
        branch.append(level[0])
        rest = level[1:]
        if len(rest) & 1:
            # The level (path node + level) has an odd count, so its last node pairs with itself.
            rest.append(rest[-1])
        level = [_parent(rest[i], rest[i + 1]) for i in range(0, len(rest), 2)]
    return branch


def fold_branch(leaf: bytes, branch: Sequence[bytes]) -> bytes:
    """Fold a leaf up a branch (leaf on the left each step): the merkle root a miner computes."""
    node = leaf
    for sibling in branch:
        node = _sha256(_sha256(node + sibling).digest()).digest()
    return node
