"""A template source that serves one fixed, mainnet-shaped template, for benchmarks.

The pool under benchmark must spend its time on the Stratum path, never on a chain: this source
answers every call at once from memory. Its template carries mainnet-like ``bits`` (so no share a
benchmark can produce meets the network target, and no block is ever assembled or submitted) and
enough synthetic segwit transactions that the merkle branch each share is folded through has
mainnet's length, and the coinbase carries a witness commitment as on mainnet.

``advance()`` moves the tip (a new previous-block hash, height + 1) and wakes
``wait_for_template``, so the pool's own template loop publishes a clean job exactly as it would
on a new block from Bitcoin Core.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from backend.bitcoin.hashes import sha256d, to_display
from backend.bitcoin.target import bits_to_difficulty
from backend.bitcoin.transaction import Transaction, TxIn, TxOut, witness_commitment_script
from backend.chain.source import ChainInfo
from backend.mining.template import BlockTemplate, TemplateTransaction

MAINNET_LIKE_BITS = 0x1705AE3A
"""nBits of a 2023 mainnet block, difficulty 4.95e13 (stratum reference §2.3 table): a hash
meeting it takes ~2**77 tries, so a benchmark's shares are never blocks."""

DEFAULT_TRANSACTIONS = 3000
"""Synthetic non-coinbase transactions per template. Mainnet blocks carry ~3,000-4,000, which
puts 12 hashes in the stratum merkle branch; the pool folds every share through all of them."""

DEFAULT_HEIGHT = 840_000
"""Height of the block the first template builds (mainnet's fourth-halving height)."""

BLOCK_SUBSIDY = 312_500_000
"""Subsidy at DEFAULT_HEIGHT in satoshis (3.125 BTC), so coinbase_value looks like mainnet's."""

BLOCK_VERSION = 0x20000000
"""BIP 9 top bits with no deployment signalled, as Core's getblocktemplate returns today."""

MEDIAN_TIME_LAG = 3600
"""Seconds median-time-past trails the current time; mintime is that + 1 (reference §3.1)."""

_SEQUENCE_RBF = 0xFFFFFFFD
_SIGNATURE_SIZE = 71
_PUBKEY_SIZE = 33


def synthetic_transactions(
    count: int, seed: bytes = b"minerpool-bench"
) -> tuple[TemplateTransaction, ...]:
    """Return ``count`` distinct one-input, two-output P2WPKH spends, as a mempool would hold.

    The bytes are deterministic in ``seed``; signatures are filler (nobody verifies them here).
    Each carries a witness, so ``txid != wtxid`` and the template needs a witness commitment.
    """
    transactions = []
    for index in range(count):
        tag = sha256d(seed + index.to_bytes(4, "little"))
        spend = TxIn(
            prev_txid=tag,
            prev_index=index % 3,
            script_sig=b"",
            sequence=_SEQUENCE_RBF,
            witness=(b"\x30" + tag * 2 + tag[: _SIGNATURE_SIZE - 65], b"\x02" + tag),
        )
        outputs = (
            TxOut(value=50_000 + index, script_pubkey=b"\x00\x14" + tag[:20]),
            TxOut(value=1_234_567, script_pubkey=b"\x00\x14" + tag[12:32]),
        )
        tx = Transaction(version=2, inputs=(spend,), outputs=outputs)
        fee = 1_000 + 7 * index
        transactions.append(
            TemplateTransaction(data=tx.serialize(), txid=tx.txid(), wtxid=tx.wtxid(), fee=fee)
        )
    return tuple(transactions)


class StaticSource:
    """A ``TemplateSource`` serving a fixed template until ``advance()`` moves the tip.

    ``clock`` gives the template's ``curtime`` (so share ntimes fall inside the pool's window).
    Blocks handed to ``submit_block`` are kept in ``submitted`` and answered "inconclusive": this
    source cannot judge them, and with mainnet-like bits a benchmark should never produce one.
    """

    def __init__(
        self,
        *,
        transactions: int = DEFAULT_TRANSACTIONS,
        height: int = DEFAULT_HEIGHT,
        bits: int = MAINNET_LIKE_BITS,
        clock: Callable[[], float] = time.time,
        seed: bytes = b"minerpool-bench",
    ) -> None:
        if transactions < 0:
            raise ValueError("transactions must be >= 0")
        self._clock = clock
        self._seed = seed
        self._transactions = synthetic_transactions(transactions, seed)
        self._commitment = (
            witness_commitment_script([tx.wtxid for tx in self._transactions])
            if self._transactions
            else None
        )
        self._fees = sum(tx.fee for tx in self._transactions)
        self._bits = bits
        self._changed = asyncio.Event()
        self._closed = False
        self.submitted: list[bytes] = []
        """Every block the pool submitted (expected to stay empty)."""
        self.advances = 0
        """How many times ``advance()`` moved the tip."""
        self._template = self._build(height, sha256d(seed + b"genesis-of-the-bench"))

    @property
    def template(self) -> BlockTemplate:
        """The template currently served."""
        return self._template

    def _build(self, height: int, prev_hash: bytes) -> BlockTemplate:
        now = int(self._clock())
        return BlockTemplate(
            height=height,
            prev_hash=prev_hash,
            version=BLOCK_VERSION,
            bits=self._bits,
            curtime=now,
            mintime=now - MEDIAN_TIME_LAG + 1,
            coinbase_value=BLOCK_SUBSIDY + self._fees,
            transactions=self._transactions,
            witness_commitment=self._commitment,
            # Core's longpollid is the tip hash followed by a mempool counter.
            longpollid=f"{to_display(prev_hash)}{self.advances}",
        )

    def advance(self) -> BlockTemplate:
        """Move the tip: the next template builds on a new block one higher. Wakes waiters."""
        old = self._template
        self.advances += 1
        # The "block just found" hash: any fresh 32 bytes will do, derived so runs repeat.
        new_prev = sha256d(old.prev_hash + self.advances.to_bytes(4, "little"))
        self._template = self._build(old.height + 1, new_prev)
        self._wake()
        return self._template

    def _wake(self) -> None:
        # Waiters hold the old event; swapping in a fresh one keeps the next wait blocking.
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def get_template(self) -> BlockTemplate:
        """Return the current template."""
        return self._template

    async def wait_for_template(self, longpollid: str, timeout: float) -> BlockTemplate:  # noqa: ASYNC109
        """Return the current template once the tip moved past ``longpollid`` or after ``timeout``.

        A template with a different longpollid than the caller's is returned at once.
        """
        if longpollid != self._template.longpollid or self._closed:
            return self._template
        changed = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), timeout)
        return self._template

    async def submit_block(self, block: bytes) -> str | None:
        """Record the block; "inconclusive" because this source cannot check it."""
        self.submitted.append(block)
        return "inconclusive"

    async def chain_info(self) -> ChainInfo:
        """Describe the fictional chain: mainnet's name and difficulty, the template's tip."""
        template = self._template
        return ChainInfo(
            chain="main",
            height=template.height - 1,
            best_hash=to_display(template.prev_hash),
            bits=template.bits,
            difficulty=bits_to_difficulty(template.bits),
            median_time=template.mintime - 1,
        )

    async def close(self) -> None:
        """Stop serving: any waiter returns at once."""
        self._closed = True
        self._wake()
