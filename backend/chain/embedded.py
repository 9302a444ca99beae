"""The embedded private chain, and the ``TemplateSource`` that serves it in process.

``EmbeddedChain`` is a synchronous, thread-safe chain with real Bitcoin block structure: regtest's
genesis block and address formats, every-block retargeting toward a human block interval
(``retarget``), synthetic mempool transactions (``mempool``) and Core's block checks with Core's
reject strings (``validation``). Blocks and the tip live in SQLite (``blockstore``); reopening a
data directory resumes the same tip.

Submitted blocks go through Core's stages in Core's order. A valid block with more work than the
tip becomes the tip, reorganising onto its branch if it is not on the active one; a valid block
with no more work is stored on its side branch and answered ``inconclusive``, as Core does.
``invalidate_block`` is Core's ``invalidateblock``.

``EmbeddedSource`` (in ``embedded_source``, re-exported here) adapts the chain to
``TemplateSource`` for the pool's event loop.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from backend.bitcoin.hashes import to_display
from backend.bitcoin.target import bits_to_difficulty
from backend.bitcoin.transaction import (
    Block,
    Transaction,
    parse_block,
    parse_transaction,
    witness_commitment_script,
)
from backend.chain import validation
from backend.chain.blockindex import BlockIndex, HeaderInfo
from backend.chain.blockstore import BlockStatus, BlockStore, IndexEntry
from backend.chain.embedded_source import EmbeddedSource
from backend.chain.mempool import Mempool, MempoolEntry
from backend.chain.params import MAX_MONEY, ChainParams, genesis_block
from backend.chain.retarget import BlockPoint, block_work, next_bits
from backend.chain.source import ChainInfo, ChainUnavailable
from backend.mining.template import BlockTemplate

__all__ = ["DEFAULT_PARAMS", "EmbeddedChain", "EmbeddedSource", "HeaderInfo", "TipListener"]

log = logging.getLogger(__name__)

DEFAULT_PARAMS = ChainParams()
"""The parameters an ``EmbeddedChain`` uses unless given others."""

TipListener = Callable[[bytes], None]
"""Called with the new tip hash (internal order) whenever the tip changes. Two threads changing
the tip at once may notify out of order: read ``tip_hash`` for the truth."""


class EmbeddedChain:
    """The pool's own private chain (see the module docstring).

    Every public method is thread-safe. Tip listeners run on the thread that changed the tip,
    after the chain's lock is released; they must be quick and must not raise.
    """

    def __init__(
        self,
        data_dir: Path,
        params: ChainParams = DEFAULT_PARAMS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.params = params
        """The chain's consensus parameters."""
        self.clock = clock
        """The injected wall clock, in seconds since the epoch."""
        self._lock = threading.RLock()
        self._listeners: list[TipListener] = []
        self._closed = False
        self._template_cache: tuple[tuple[bytes, int], tuple[MempoolEntry, ...]] | None = None
        self._store = BlockStore(Path(data_dir))
        try:
            self._index = self._open_index()
            self._mempool, self._wallet_blocks = self._open_mempool()
        except BaseException:
            self._store.close()
            raise

    def _open_index(self) -> BlockIndex:
        genesis = genesis_block()
        index = BlockIndex(self._store.entries())
        if len(index) == 0:
            entry = IndexEntry(
                hash=genesis.header.hash(),
                header=genesis.header,
                height=0,
                chain_work=block_work(genesis.header.bits),
                seq=0,
                status=BlockStatus.VALID,
                n_tx=1,
            )
            txids = [tx.txid() for tx in genesis.transactions]
            self._store.add_block(entry, genesis.serialize(), txids, tip=entry.hash)
            index.add(entry)
        if index.get(genesis.header.hash()) is None:
            raise ValueError(f"{self._store.path} holds another chain (no regtest genesis block)")
        stored_tip = self._store.tip()
        tip = index.get(stored_tip) if stored_tip is not None else None
        if tip is None or not tip.valid:
            tip = index.best_valid()
            self._store.set_tip(tip.hash)
        index.set_tip(tip)
        return index

    def _open_mempool(self) -> tuple[Mempool, dict[bytes, set[bytes]]]:
        entries = []
        blocks: dict[bytes, set[bytes]] = {}
        for raw, fee in self._store.wallet_transactions():
            entry = MempoolEntry.of(_parse_transaction(raw), fee)
            entries.append(entry)
            blocks[entry.txid] = set(self._store.blocks_containing(entry.txid))
        return Mempool(self.params, entries), blocks

    # -- reading -----------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise ChainUnavailable("the embedded chain is closed")

    @property
    def tip_hash(self) -> bytes:
        """Hash of the tip, internal order."""
        with self._lock:
            self._check_open()
            return self._index.tip.hash

    @property
    def height(self) -> int:
        """Height of the tip."""
        with self._lock:
            self._check_open()
            return self._index.tip.height

    @property
    def longpollid(self) -> str:
        """The current longpollid: tip hash (display hex) followed by the mempool sequence."""
        with self._lock:
            self._check_open()
            return to_display(self._index.tip.hash) + str(self._mempool.sequence)

    def min_difficulty_time(self) -> int:
        """The first block time at which a block on the tip must use ``pow_limit`` (stall rule)."""
        with self._lock:
            self._check_open()
            return self._index.tip.header.time + self.params.stall_seconds + 1

    def info(self) -> ChainInfo:
        """Summary of the tip (Core's ``getblockchaininfo`` subset)."""
        with self._lock:
            self._check_open()
            tip = self._index.tip
            return ChainInfo(
                chain=self.params.network.name,
                height=tip.height,
                best_hash=to_display(tip.hash),
                bits=tip.header.bits,
                difficulty=bits_to_difficulty(tip.header.bits),
                median_time=self._index.median_time_past(tip, self.params.median_time_span),
            )

    def block_hash(self, height: int) -> bytes:
        """The active chain's block hash at ``height``; IndexError when out of range."""
        with self._lock:
            self._check_open()
            return self._index.active_hash(height)

    def block(self, block_hash: bytes) -> Block:
        """A stored block (any branch, valid or not); KeyError when unknown."""
        with self._lock:
            self._check_open()
            raw = self._store.block_raw(block_hash)
        if raw is None:
            raise KeyError(to_display(block_hash))
        return parse_block(raw)

    def header_info(self, block_hash: bytes) -> HeaderInfo:
        """Core's ``getblockheader`` facts about a stored block; KeyError when unknown."""
        with self._lock:
            self._check_open()
            entry = self._index.get(block_hash)
            if entry is None:
                raise KeyError(to_display(block_hash))
            return self._index.header_info(entry, self.params.median_time_span)

    def find_transaction(self, txid: bytes) -> bytes | None:
        """Hash of the active-chain block that holds ``txid``, or None (mempool or unknown)."""
        with self._lock:
            self._check_open()
            for block_hash in self._store.blocks_containing(txid):
                if self._index.is_active(block_hash):
                    return block_hash
            return None

    def pending_transactions(self) -> tuple[MempoolEntry, ...]:
        """Wallet transactions not yet in the active chain, in the order they were added."""
        with self._lock:
            self._check_open()
            return tuple(e for e in self._mempool.wallet_entries() if not self._confirmed(e.txid))

    def _confirmed(self, txid: bytes) -> bool:
        return any(self._index.is_active(h) for h in self._wallet_blocks.get(txid, ()))

    def _required_bits(self, parent: IndexEntry, block_time: int) -> int:
        ancestors = self._index.ancestors(parent, self.params.retarget_window + 1)
        history = [BlockPoint(a.height, a.header.time, a.header.bits) for a in ancestors]
        return next_bits(self.params, history, block_time)

    def _median_time_past(self, entry: IndexEntry) -> int:
        return self._index.median_time_past(entry, self.params.median_time_span)

    # -- templates ---------------------------------------------------------------------------

    def template(self) -> BlockTemplate:
        """A block template on the tip (Core's getblocktemplate with the segwit rule)."""
        with self._lock:
            self._check_open()
            tip = self._index.tip
            height = tip.height + 1
            mintime = self._median_time_past(tip) + 1
            curtime = max(int(self.clock()), mintime)
            key = (tip.hash, self._mempool.sequence)
            if self._template_cache is None or self._template_cache[0] != key:
                entries = self._mempool.select(height, self._confirmed)
                self._template_cache = (key, entries)
            entries = self._template_cache[1]
            return BlockTemplate(
                height=height,
                prev_hash=tip.hash,
                version=self.params.block_version,
                bits=self._required_bits(tip, curtime),
                curtime=curtime,
                mintime=mintime,
                coinbase_value=self.params.subsidy(height) + sum(e.fee for e in entries),
                transactions=tuple(e.template_transaction() for e in entries),
                witness_commitment=witness_commitment_script([e.wtxid for e in entries]),
                longpollid=to_display(tip.hash) + str(self._mempool.sequence),
            )

    def add_transaction(self, tx: Transaction, fee: int) -> bytes:
        """Queue a wallet transaction for the next block; return its txid.

        Idempotent for a transaction already queued. ValueError for a coinbase, a transaction
        that breaks Core's ``CheckTransaction`` rules, or a fee outside 0..MAX_MONEY. Inputs are
        not looked up: the chain keeps no UTXO set (see ``mempool``).
        """
        if tx.is_coinbase:
            raise ValueError("a coinbase transaction cannot enter the mempool")
        reason = validation.check_transaction(tx, self.params)
        if reason is not None:
            raise ValueError(f"transaction rejected: {reason}")
        if isinstance(fee, bool) or not 0 <= fee <= MAX_MONEY:
            raise ValueError(f"fee out of range: {fee!r}")
        entry = MempoolEntry.of(tx, fee)
        with self._lock:
            self._check_open()
            if entry.txid not in self._wallet_blocks:
                self._store.add_wallet_transaction(entry.txid, entry.data, fee)
                self._wallet_blocks[entry.txid] = set(self._store.blocks_containing(entry.txid))
                self._mempool.add(entry)
        return entry.txid

    # -- blocks ------------------------------------------------------------------------------

    def submit_block(self, raw: bytes) -> str | None:
        """Check and store a serialized block; return Core's submitblock result.

        None when the block became the tip; ``"duplicate"``, ``"duplicate-invalid"``,
        ``"inconclusive"`` (stored on a side branch), a reject reason from ``validation``, or
        ``validation.BLOCK_DECODE_FAILED`` when the bytes are not a block.
        """
        try:
            block = parse_block(raw)
        except ValueError:
            return validation.BLOCK_DECODE_FAILED
        with self._lock:
            self._check_open()
            old_tip = self._index.tip.hash
            result = self._accept(block, raw)
            new_tip = self._index.tip.hash
        if new_tip != old_tip:
            self._notify(new_tip)
        return result

    def _accept(self, block: Block, raw: bytes) -> str | None:
        params = self.params
        header = block.header
        block_hash = header.hash()
        known = self._index.get(block_hash)
        if known is not None:
            return validation.DUPLICATE if known.valid else validation.DUPLICATE_INVALID
        reason = validation.check_block(block, params)
        if reason is not None:
            return reason
        parent = self._index.get(header.prev_hash)
        if parent is None:
            return validation.PREV_BLK_NOT_FOUND
        if not parent.valid:
            return validation.BAD_PREVBLK
        height = parent.height + 1
        mtp = self._median_time_past(parent)
        reason = validation.check_header_context(
            header,
            params,
            required_bits=self._required_bits(parent, header.time),
            median_time_past=mtp,
            now=int(self.clock()),
        )
        if reason is not None:
            return reason
        reason = validation.check_block_context(block, params, height=height, median_time_past=mtp)
        txids = [tx.txid() for tx in block.transactions]
        if reason is None:
            fees = sum(self._mempool.fee(txid, height) for txid in txids[1:])
            reason = validation.check_coinbase_amount(block, params.subsidy(height) + fees)
        if reason is not None and reason not in validation.CACHED_REJECTIONS:
            return reason
        entry = IndexEntry(
            hash=block_hash,
            header=header,
            height=height,
            chain_work=parent.chain_work + block_work(header.bits),
            seq=self._index.next_seq,
            status=BlockStatus.VALID if reason is None else BlockStatus.FAILED,
            n_tx=len(block.transactions),
        )
        becomes_tip = reason is None and entry.chain_work > self._index.tip.chain_work
        self._store.add_block(entry, raw, txids, tip=block_hash if becomes_tip else None)
        self._index.add(entry)
        for txid in txids:
            if txid in self._wallet_blocks:
                self._wallet_blocks[txid].add(block_hash)
        if reason is not None:
            log.info("block %s at height %d is invalid: %s", to_display(block_hash), height, reason)
            return reason
        if not becomes_tip:
            return validation.INCONCLUSIVE
        self._index.set_tip(entry)
        log.info("new tip %s at height %d", to_display(block_hash), height)
        return None

    def invalidate_block(self, block_hash: bytes) -> None:
        """Core's ``invalidateblock``: mark a block and its descendants invalid, move the tip back.

        The tip becomes the valid block with the most work (usually the invalidated block's
        parent). KeyError for an unknown block, ValueError for genesis.
        """
        with self._lock:
            self._check_open()
            entry = self._index.get(block_hash)
            if entry is None:
                raise KeyError(to_display(block_hash))
            if entry.height == 0:
                raise ValueError("the genesis block cannot be invalidated")
            old_tip = self._index.tip.hash
            changes = [(entry, BlockStatus.FAILED)]
            changes += [
                (child, BlockStatus.FAILED_PARENT)
                for child in self._index.descendants(entry)
                if child.valid
            ]
            best = self._index.best_valid(frozenset(e.hash for e, _ in changes))
            self._store.set_status([(e.hash, status) for e, status in changes], best.hash)
            for changed, status in changes:
                changed.status = status
            self._index.set_tip(best)
            new_tip = best.hash
        if new_tip != old_tip:
            log.info(
                "block %s invalidated; tip is now %s", to_display(block_hash), to_display(new_tip)
            )
            self._notify(new_tip)

    # -- listeners and lifetime --------------------------------------------------------------

    def add_listener(self, callback: TipListener) -> None:
        """Call ``callback(new_tip_hash)`` after every tip change."""
        with self._lock:
            self._listeners.append(callback)

    def remove_listener(self, callback: TipListener) -> None:
        """Stop calling a listener (no error if it is not registered)."""
        with self._lock:
            if callback in self._listeners:
                self._listeners.remove(callback)

    def _notify(self, tip: bytes) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(tip)
            except Exception:
                # One broken listener must not stop the others or fail the submission.
                log.exception("tip listener %r failed", listener)

    def close(self) -> None:
        """Close the block store; later calls raise ChainUnavailable. Idempotent."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._listeners.clear()
                self._store.close()

    def __enter__(self) -> EmbeddedChain:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _parse_transaction(raw: bytes) -> Transaction:
    tx, end = parse_transaction(raw)
    if end != len(raw):
        raise ValueError("trailing bytes after a stored wallet transaction")
    return tx
