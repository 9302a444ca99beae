"""Block subsidy, FPPS per-share value, accrual per bucket, and the daily close into one reward per
account and UTC day.

FPPS (full pay per share) pays every accepted share its expected value whether or not the pool
finds a block:

    value = (1 - pool fee) * (subsidy + average fees) * d / D

with ``d`` the share's credited difficulty and ``D`` the network difficulty. The pool carries the
luck, so an orphaned block reverses nothing under FPPS: the shares were paid, the block's loss is
the pool's.

Units. Money is integer satoshis everywhere a balance is concerned. A share is worth far less than
a satoshi (a difficulty-1 share on mainnet is ~3e-6 sat), so values before the daily close are
held in *femto-bitcoin*: 1 femto = 1e-15 BTC = 1e-7 sat, as Python ints (``FEMTO_PER_SAT``). Pico
(1e-12 BTC) would not do: that mainnet share is 0.03 pico but ~29 femto. The exact value is a
``Fraction``; accrual floors it once per (account, 5-minute bucket), losing under 1 femto per
bucket — never anything per share. A 64-bit integer column holds up to ~9 200 BTC in femto, far
above any bucket's accrual or a carry (under one satoshi).

Daily close. The accruals of a UTC day are summed per account; the reward and the fee are each
floored to whole satoshis and the sub-satoshi remainders carried to the account's next day
(``Carry``), so no femto is created or destroyed across days. ``total_reward = reward + fee``
exactly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from backend.ledger.buckets import BASE_BUCKET, DAY_BUCKET, HASHES_PER_DIFFICULTY, ShareBucket
from backend.ledger.journal import (
    POOL_FEES,
    POOL_FPPS,
    EntryKind,
    Posting,
    fpps_key,
    posting,
)
from backend.ledger.payouts import PayoutDestination

SATS_PER_BTC = 100_000_000
"""Satoshis in one bitcoin."""

FEMTO_PER_SAT = 10_000_000
"""Femto-bitcoin (1e-15 BTC) in one satoshi: the unit of FPPS values before the daily close."""

FEMTO_PER_BTC = SATS_PER_BTC * FEMTO_PER_SAT
"""Femto-bitcoin in one bitcoin (1e15)."""

INITIAL_SUBSIDY = 50 * SATS_PER_BTC
"""The block subsidy before any halving (reference §3.8)."""

MAINNET_HALVING_INTERVAL = 210_000
"""Blocks between halvings on mainnet, testnet and signet (reference §3.8)."""

REGTEST_HALVING_INTERVAL = 150
"""Blocks between halvings on regtest and the embedded chain (reference §3.8)."""

DEFAULT_POOL_FEE = Fraction(25, 1000)
"""The pool fee: 2.5 %, the fee the v4 miner-info example shows (``"fee": "2.5"``, §6.8)."""

FPPS_RATE_PLACES = 18
"""Decimal places kept in a reward's ``fpps_rate`` (truncated)."""

GIGA = 10**9
"""H/s per GH/s: ``fpps_rate`` is per GH/s per day (module ``DailyReward``)."""


def subsidy(height: int, halving_interval: int = MAINNET_HALVING_INTERVAL) -> int:
    """The block subsidy at ``height`` in satoshis: 50 BTC halved every ``halving_interval``
    blocks, 0 from the 64th halving on (Core ``GetBlockSubsidy``, reference §3.8)."""
    if height < 0 or halving_interval <= 0:
        raise ValueError("height must be >= 0 and the halving interval > 0")
    halvings = height // halving_interval
    return 0 if halvings >= 64 else INITIAL_SUBSIDY >> halvings


def pool_fee(percent: str | int | Decimal | Fraction) -> Fraction:
    """The fee fraction for a percentage given as text or an exact number (``"2.5"`` → 1/40).
    Floats are refused: 2.5 % must not become 0.025000000000000001."""
    if isinstance(percent, float | bool):
        raise TypeError("give the fee percentage as a string, int, Decimal or Fraction")
    fee = Fraction(percent) / 100
    if not 0 <= fee < 1:
        raise ValueError(f"pool fee must be at least 0 % and below 100 %, got {percent}%")
    return fee


@dataclass(frozen=True, slots=True)
class FppsTerms:
    """What a unit of difficulty is worth while these terms are in force."""

    subsidy: int
    """Block subsidy at the height being mined, satoshis (``subsidy()``)."""
    average_fees: int
    """Average transaction fees per block, satoshis (over a window the caller chooses)."""
    network_difficulty: Fraction
    """Network difficulty D (floats are converted exactly)."""
    pool_fee: Fraction = DEFAULT_POOL_FEE
    """Fraction kept by the pool."""

    def __post_init__(self) -> None:
        difficulty = Fraction(self.network_difficulty)
        if difficulty <= 0:
            raise ValueError("network difficulty must be positive")
        if min(self.subsidy, self.average_fees) < 0:
            raise ValueError("subsidy and fees cannot be negative")
        if not 0 <= self.pool_fee < 1:
            raise ValueError("pool fee must be in [0, 1)")
        object.__setattr__(self, "network_difficulty", difficulty)
        object.__setattr__(self, "pool_fee", Fraction(self.pool_fee))

    def gross_value(self, difficulty: Fraction | float) -> Fraction:
        """Exact satoshis ``(subsidy + fees) * d / D``, before the pool fee."""
        return (self.subsidy + self.average_fees) * Fraction(difficulty) / self.network_difficulty

    def net_value(self, difficulty: Fraction | float) -> Fraction:
        """Exact satoshis ``(1 - fee) * (subsidy + fees) * d / D``: what the miner earns."""
        return (1 - self.pool_fee) * self.gross_value(difficulty)

    def share_value(self, difficulty: Fraction | float) -> int:
        """A share's net value in femto-bitcoin, floored."""
        return int(self.net_value(difficulty) * FEMTO_PER_SAT)


@dataclass(frozen=True, slots=True)
class FppsAccrual:
    """What an account's accepted shares in one bucket earned, in femto-bitcoin."""

    account: str
    """The account."""
    start: int
    """Bucket start, Unix seconds."""
    difficulty: Fraction
    """Accepted difficulty in the bucket."""
    gross: int
    """floor(gross value * 10^7): the reward before the fee."""
    fee: int
    """gross - net: the pool fee."""
    net: int
    """floor(net value * 10^7): the miner's share."""


def accrue(row: ShareBucket, terms: FppsTerms) -> FppsAccrual:
    """The FPPS accrual of an account-wide 5-minute bucket (``buckets.account_totals``)."""
    if row.worker is not None or row.seconds != BASE_BUCKET:
        raise ValueError("accrue takes account-wide 5-minute rows")
    gross = int(terms.gross_value(row.accepted_difficulty) * FEMTO_PER_SAT)
    net = int(terms.net_value(row.accepted_difficulty) * FEMTO_PER_SAT)
    return FppsAccrual(row.account, row.start, row.accepted_difficulty, gross, gross - net, net)


class RewardStatus(StrEnum):
    """v4 ``status`` of a reward (§6.4) as this pool uses it."""

    PENDING = "pending"
    """Closed but not final: not yet credited, or its payout transaction not yet confirmed."""
    SUCCESSFUL = "successful"
    """Credited to the main balance, or its payout transaction confirmed."""


@dataclass(frozen=True, slots=True)
class Carry:
    """Sub-satoshi remainders an account carries from one day's close into the next (femto)."""

    reward: int = 0
    """Remainder of the miner's side, 0 ≤ reward < 10^7."""
    fee: int = 0
    """Remainder of the fee side, 0 ≤ fee < 10^7."""

    def __post_init__(self) -> None:
        if not (0 <= self.reward < FEMTO_PER_SAT and 0 <= self.fee < FEMTO_PER_SAT):
            raise ValueError("a carry is less than one satoshi on each side")


@dataclass(frozen=True, slots=True)
class DailyReward:
    """One account's FPPS reward for one UTC day: the v4 ``MiningReward`` (§6.4) field for field.
    Amounts are satoshis here; the API writes them as BTC decimal strings."""

    account: str
    """``miningAccountName``."""
    date: int
    """``date``: the day's UTC midnight, Unix seconds."""
    total_reward: int
    """``totalReward``: reward + fee, satoshis."""
    reward: int
    """``reward``: the miner's side, satoshis."""
    fee: int
    """``fee``: the pool fee, satoshis."""
    fpps_rate: Decimal
    """``fppsRate``: the day's gross reward per GH/s of its average hashrate, BTC per GH/s per day
    (``totalReward / (hashRate / 1e9)`` before the carry), truncated to 18 places."""
    hash_rate: int
    """``hashRate``: the day's average hashrate, accepted difficulty * 2^32 / 86 400, H/s."""
    payout_destination: PayoutDestination
    """``payoutDestination`` in force at the close."""
    payout_address: str | None = None
    """``payoutAddress``: the external address, None for main_balance."""
    status: RewardStatus = RewardStatus.PENDING
    """``status``."""
    payout_txid: str | None = None
    """``payoutTransactionHash``: the payout that carried it (external_address, once settled)."""
    payout_time: int | None = None
    """``payoutTime``: when that payout confirmed."""
    currency: str = "BTC"
    """``rewardCurrency``."""


@dataclass(frozen=True, slots=True)
class DayClose:
    """The outcome of closing a day for one account."""

    reward: DailyReward | None
    """The day's reward, None when the account earned nothing that day."""
    carry: Carry
    """What the account carries into the next day."""


def _truncate(value: Fraction, places: int) -> Decimal:
    # Built from text, which Decimal takes exactly (arithmetic would round to the context's 28
    # digits).
    return Decimal(f"{value.numerator * 10**places // value.denominator}E-{places}")


def close_day(
    account: str,
    day: int,
    accruals: Iterable[FppsAccrual],
    carry: Carry,
    destination: PayoutDestination,
    address: str | None = None,
) -> DayClose:
    """Close the UTC day starting at ``day`` for ``account``.

    ``reward = (Σ net + carry.reward) // 10^7`` and ``fee = (Σ fee + carry.fee) // 10^7``
    satoshis; the remainders are the new carry. The reward is PENDING.
    """
    if day % DAY_BUCKET:
        raise ValueError("day must be a UTC midnight")
    net = fee = gross = 0
    difficulty = Fraction()
    seen = False
    for accrual in accruals:
        if accrual.account != account or not day <= accrual.start < day + DAY_BUCKET:
            raise ValueError(f"accrual {accrual.account}@{accrual.start} is not {account}'s day")
        seen = True
        net += accrual.net
        fee += accrual.fee
        gross += accrual.gross
        difficulty += accrual.difficulty
    if not seen or difficulty == 0:
        return DayClose(None, carry)
    reward_sats, reward_rest = divmod(net + carry.reward, FEMTO_PER_SAT)
    fee_sats, fee_rest = divmod(fee + carry.fee, FEMTO_PER_SAT)
    hash_rate = difficulty * HASHES_PER_DIFFICULTY / DAY_BUCKET
    rate = Fraction(gross, FEMTO_PER_BTC) / (hash_rate / GIGA)
    external = destination is PayoutDestination.EXTERNAL_ADDRESS
    reward = DailyReward(
        account=account,
        date=day,
        total_reward=reward_sats + fee_sats,
        reward=reward_sats,
        fee=fee_sats,
        fpps_rate=_truncate(rate, FPPS_RATE_PLACES),
        hash_rate=int(hash_rate),
        payout_destination=destination,
        payout_address=address if external else None,
    )
    return DayClose(reward, Carry(reward_rest, fee_rest))


def fpps_posting(reward: DailyReward, time: int) -> Posting:
    """The journal posting that credits a daily reward: ``pool:fpps`` pays ``total_reward``, the
    account receives ``reward`` and ``pool:fees`` the fee. Key ``fpps/<account>/<day>``, so closing
    a day twice credits it once. Empty when the day came to 0 satoshis."""
    return posting(
        fpps_key(reward.account, reward.date),
        str(reward.date),
        time,
        [
            (POOL_FPPS, -reward.total_reward, EntryKind.FPPS_REWARD),
            (reward.account, reward.reward, EntryKind.FPPS_REWARD),
            (POOL_FEES, reward.fee, EntryKind.POOL_FEE),
        ],
    )


def settle(reward: DailyReward, *, txid: str | None = None, time: int | None = None) -> DailyReward:
    """The reward marked successful: a main_balance reward once its posting is applied (no txid);
    an external_address reward once the payout carrying it is confirmed (its txid and time)."""
    if reward.status is not RewardStatus.PENDING:
        raise ValueError(f"reward {reward.account}@{reward.date} is already {reward.status}")
    external = reward.payout_destination is PayoutDestination.EXTERNAL_ADDRESS
    if external != (txid is not None and time is not None):
        raise ValueError("an external reward settles with its payout's txid and time, only it")
    return replace(reward, status=RewardStatus.SUCCESSFUL, payout_txid=txid, payout_time=time)
