"""The in-memory tree of stored blocks and the active chain through it.

Core's block index in miniature: every stored block by hash, its children, and the active chain
as a list of hashes by height. The best chain is the valid block with the most work; among equal
work the one that arrived first (Core's ``nSequenceId``), so a competing block of equal work never
displaces the tip.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from backend.bitcoin.header import BlockHeader
from backend.chain.blockstore import BlockStatus, IndexEntry


@dataclass(frozen=True, slots=True)
class HeaderInfo:
    """What Core's ``getblockheader`` reports of a block, as values."""

    hash: bytes
    """The block hash, internal order."""
    header: BlockHeader
    """The 80-byte header, parsed."""
    height: int
    """Height of the block on its own branch."""
    chain_work: int
    """Total expected hashes of the chain ending at this block."""
    median_time_past: int
    """Median time of this block and its 10 ancestors (Core's ``mediantime``)."""
    n_tx: int
    """Transactions in the block, coinbase included."""
    valid: bool
    """False once the block or an ancestor failed a check or was invalidated."""
    in_active_chain: bool
    """True when the block is on the chain ending at the tip."""
    confirmations: int
    """Blocks from here to the tip inclusive on the active chain; -1 off it (Core's convention)."""
    next_hash: bytes | None
    """The next block on the active chain, if any."""


class BlockIndex:
    """Every stored block's index entry, the tree they form and the active chain."""

    def __init__(self, entries: Iterable[IndexEntry]) -> None:
        self._entries: dict[bytes, IndexEntry] = {}
        self._children: dict[bytes, list[bytes]] = {}
        self._active: list[bytes] = []
        self.next_seq = 0
        """Arrival number for the next stored block."""
        for entry in entries:
            self.add(entry)

    def add(self, entry: IndexEntry) -> None:
        """Record a stored block (not yet on the active chain)."""
        self._entries[entry.hash] = entry
        if entry.height > 0:
            self._children.setdefault(entry.prev_hash, []).append(entry.hash)
        self.next_seq = max(self.next_seq, entry.seq + 1)

    def get(self, block_hash: bytes) -> IndexEntry | None:
        """The entry of a stored block, or None."""
        return self._entries.get(block_hash)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def tip(self) -> IndexEntry:
        """The last block of the active chain."""
        return self._entries[self._active[-1]]

    def active_hash(self, height: int) -> bytes:
        """The active chain's block at ``height``; IndexError outside 0..tip height."""
        if height < 0 or height >= len(self._active):
            raise IndexError(f"block height {height} out of range")
        return self._active[height]

    def is_active(self, block_hash: bytes) -> bool:
        """True when the block is on the active chain."""
        entry = self._entries.get(block_hash)
        return (
            entry is not None
            and entry.height < len(self._active)
            and self._active[entry.height] == block_hash
        )

    def ancestors(self, entry: IndexEntry, count: int) -> list[IndexEntry]:
        """Up to ``count`` blocks ending at ``entry``, oldest first (fewer near genesis)."""
        chain = [entry]
        while len(chain) < count and chain[-1].height > 0:
            chain.append(self._entries[chain[-1].prev_hash])
        chain.reverse()
        return chain

    def median_time_past(self, entry: IndexEntry, span: int) -> int:
        """Median time of ``entry`` and the ``span - 1`` blocks before it.

        Core's ``GetMedianTimePast``: the middle of the sorted times, the later one of two.
        """
        times = sorted(block.header.time for block in self.ancestors(entry, span))
        return times[len(times) // 2]

    def descendants(self, entry: IndexEntry) -> list[IndexEntry]:
        """Every stored block built on ``entry``, on any branch."""
        found: list[IndexEntry] = []
        stack = list(self._children.get(entry.hash, ()))
        while stack:
            child = self._entries[stack.pop()]
            found.append(child)
            stack.extend(self._children.get(child.hash, ()))
        return found

    def best_valid(self, excluding: frozenset[bytes] = frozenset()) -> IndexEntry:
        """The valid block with the most work, earliest arrival first among equals."""
        candidates = (
            entry
            for entry in self._entries.values()
            if entry.status is BlockStatus.VALID and entry.hash not in excluding
        )
        return min(candidates, key=lambda entry: (-entry.chain_work, entry.seq))

    def set_tip(self, entry: IndexEntry) -> None:
        """Make ``entry`` the tip, rewriting the active chain from the fork point."""
        path: list[bytes] = []
        cursor: IndexEntry | None = entry
        while cursor is not None and not self.is_active(cursor.hash):
            path.append(cursor.hash)
            cursor = self._entries.get(cursor.prev_hash) if cursor.height > 0 else None
        del self._active[0 if cursor is None else cursor.height + 1 :]
        self._active.extend(reversed(path))

    def header_info(self, entry: IndexEntry, median_time_span: int) -> HeaderInfo:
        """The ``HeaderInfo`` of a stored block."""
        active = self.is_active(entry.hash)
        above = entry.height + 1
        return HeaderInfo(
            hash=entry.hash,
            header=entry.header,
            height=entry.height,
            chain_work=entry.chain_work,
            median_time_past=self.median_time_past(entry, median_time_span),
            n_tx=entry.n_tx,
            valid=entry.valid,
            in_active_chain=active,
            confirmations=len(self._active) - entry.height if active else -1,
            next_hash=self._active[above] if active and above < len(self._active) else None,
        )
