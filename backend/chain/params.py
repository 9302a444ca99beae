"""The consensus parameters of the embedded private chain.

Regtest's block and address formats (stratum reference §3.8) with three deliberate departures:
the difficulty retargets every block so blocks come at a human pace whatever hashrate is
connected (regtest never retargets), the subsidy halves on mainnet's schedule rather than
regtest's 150 blocks, and a block found long after its parent may use the minimum difficulty
(the testnet rule, so a chain left at an ASIC's difficulty does not lock out a CPU miner).
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.bitcoin.encoding import push_data
from backend.bitcoin.header import BlockHeader
from backend.bitcoin.network import REGTEST, Network
from backend.bitcoin.transaction import Block, Transaction, TxIn, TxOut

COIN = 100_000_000
"""Satoshis per bitcoin."""

MAX_MONEY = 21_000_000 * COIN
"""Core's ``MAX_MONEY``: no output and no transaction's output total may exceed it."""

REGTEST_POW_LIMIT = 0x7FFFFF << 232
"""The target that ``0x207fffff`` expands to: regtest's genesis difficulty (reference §3.8)."""

MAX_HALVINGS = 64
"""After 64 halvings the subsidy is 0 (Core's ``GetBlockSubsidy``; reference §3.8)."""


@dataclass(frozen=True)
class ChainParams:
    """Consensus and template parameters of an ``EmbeddedChain``.

    Defaults give a regtest-shaped chain with one-minute blocks. Tests shorten
    ``target_block_interval`` or turn off ``synthetic_transactions``; everything else is best
    left alone because a data directory's blocks were checked under these values.
    """

    network: Network = REGTEST
    """Address formats and the ``chain`` name reported by ``info()`` (``bcrt1…`` addresses)."""

    pow_limit: int = REGTEST_POW_LIMIT
    """The easiest target any block may have: the target of ``0x207fffff``, regtest's powLimit
    as the genesis block encodes it (reference §3.8). Retargeting never goes easier."""

    target_block_interval: int = 60
    """Seconds between blocks that retargeting aims at. Block times are whole seconds, so this
    is an integer of at least 1."""

    retarget_window: int = 12
    """Blocks of history the difficulty estimate looks at: the hashrate is estimated as the work
    of the last ``retarget_window`` blocks over the time they took. Twelve keeps the estimate's
    noise near 30 % while reacting to a new miner within a dozen blocks."""

    max_retarget_step: int = 4
    """Each block's target is within a factor of this of its parent's. Four lets the chain climb
    from regtest's genesis difficulty to a 1 MH/s miner's one-minute difficulty (about 2^25
    times harder) in 13 blocks, most of them found in well under a second."""

    stall_reset_intervals: int = 20
    """A block whose time is more than this many ``target_block_interval`` after its parent's
    must carry ``pow_limit`` bits, and the retarget window restarts after it (testnet's
    minimum-difficulty rule). At a steady hashrate a block this late happens with probability
    e^-20, so it fires only when the hashrate dropped or the chain sat idle. As on testnet, a
    miner that rolls ntime across that point changes the required bits (``bad-diffbits``)."""

    halving_interval: int = 210_000
    """Blocks between subsidy halvings. Mainnet's value, not regtest's 150, so rewards stay at
    50 BTC through any demo and a long-running test never sees them change (reference §3.8)."""

    initial_subsidy: int = 50 * COIN
    """Subsidy of the blocks before the first halving, in satoshis."""

    coinbase_maturity: int = 100
    """Blocks before a coinbase output is spendable (Core ``COINBASE_MATURITY``; reference §3.6).
    The chain keeps no UTXO set, so this is advisory: the ledger reads it to age rewards."""

    bip34_height: int = 1
    """First height whose coinbase must start with the height push (regtest ``BIP34Height``)."""

    median_time_span: int = 11
    """Blocks in the median-time-past: a block's time must be above the median of the previous
    11 (Core ``CBlockIndex::nMedianTimeSpan``; reference §2.7)."""

    max_future_block_time: int = 7200
    """Seconds a block's time may run ahead of the clock (Core ``MAX_FUTURE_BLOCK_TIME``;
    reference §2.7); later is ``time-too-new``."""

    block_version: int = 0x20000000
    """Version of template blocks: BIP 9 top bits with no deployment signalled."""

    min_block_version: int = 4
    """Lowest version accepted: regtest activates BIP 34, 66 and 65 at height 1, after which
    Core rejects versions below 4 with ``bad-version``."""

    max_block_weight: int = 4_000_000
    """Consensus block weight limit (BIP 141; GBT ``weightlimit``, reference §3.1)."""

    coinbase_weight_reserve: int = 4_000
    """Weight a template leaves free for the coinbase the pool builds (Core reserves 4000)."""

    synthetic_transactions: int = 3
    """Made-up transactions put in each template so merkle branches are not empty; 0 for none."""

    mempool_seed: bytes = b"minerconsole embedded mempool"
    """Seed of the synthetic transactions; with the height it fixes them, so every template and
    every restart at a height offers the same ones."""

    def __post_init__(self) -> None:
        if self.target_block_interval < 1:
            raise ValueError("target_block_interval must be at least 1 second")
        if self.retarget_window < 1:
            raise ValueError("retarget_window must be at least 1 block")
        if self.max_retarget_step < 2:
            raise ValueError("max_retarget_step must be at least 2")
        if self.stall_reset_intervals < 2:
            raise ValueError("stall_reset_intervals must be at least 2")
        if self.halving_interval < 1:
            raise ValueError("halving_interval must be at least 1")
        if not 0 < self.pow_limit < 1 << 256:
            raise ValueError("pow_limit must be a 256-bit target")
        if self.synthetic_transactions < 0:
            raise ValueError("synthetic_transactions cannot be negative")

    @property
    def stall_seconds(self) -> int:
        """Gap after a parent beyond which a block must use the minimum difficulty."""
        return self.stall_reset_intervals * self.target_block_interval

    def subsidy(self, height: int) -> int:
        """The block subsidy at ``height`` in satoshis: halved every ``halving_interval``."""
        halvings = height // self.halving_interval
        if halvings >= MAX_HALVINGS:
            return 0
        return self.initial_subsidy >> halvings


GENESIS_TIME = 1296688602
"""Regtest genesis time, nonce, bits and version (Core ``chainparams.cpp``; reference §3.8)."""
GENESIS_NONCE = 2
GENESIS_BITS = 0x207FFFFF
GENESIS_VERSION = 1

GENESIS_MESSAGE = b"The Times 03/Jan/2009 Chancellor on brink of second bailout for banks"
"""The text in every Bitcoin genesis coinbase."""

GENESIS_PUBKEY = bytes.fromhex(
    "04678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb6"
    "49f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5f"
)
"""The uncompressed key the genesis output pays to (pay-to-pubkey)."""

GENESIS_HASH = bytes.fromhex("0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206")[
    ::-1
]
"""Regtest genesis block hash, internal order (reference §8.1)."""


def genesis_block() -> Block:
    """Core's regtest genesis block, rebuilt from its parts (hash ``GENESIS_HASH``).

    The coinbase is Core's ``CreateGenesisBlock``: scriptSig ``CScript() << 486604799 <<
    CScriptNum(4) << message``, one 50 BTC pay-to-pubkey output.
    """
    script_sig = (
        push_data((486604799).to_bytes(4, "little")) + b"\x01\x04" + push_data(GENESIS_MESSAGE)
    )
    coinbase = Transaction(
        version=1,
        inputs=(TxIn(prev_txid=bytes(32), prev_index=0xFFFFFFFF, script_sig=script_sig),),
        outputs=(TxOut(value=50 * COIN, script_pubkey=push_data(GENESIS_PUBKEY) + b"\xac"),),
        locktime=0,
    )
    header = BlockHeader(
        version=GENESIS_VERSION,
        prev_hash=bytes(32),
        merkle_root=coinbase.txid(),
        time=GENESIS_TIME,
        bits=GENESIS_BITS,
        nonce=GENESIS_NONCE,
    )
    return Block(header=header, transactions=(coinbase,))
