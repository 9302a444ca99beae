"""Payouts: which are due, the state machine, and reconciliation after a crash at any point."""

import hashlib

import pytest

from backend.ledger.journal import POOL_FPPS, POOL_PAID, POOL_PAYOUTS, Journal, posting
from backend.ledger.journal import EntryKind as K
from backend.ledger.payouts import (
    DUST_LIMIT,
    Action,
    Payout,
    PayoutDestination,
    PayoutSetting,
    PayoutState,
    WalletAnswer,
    WalletView,
    confirm_posting,
    due_payouts,
    payout_id,
    reconcile,
    release_posting,
    reserve_posting,
)

T = 1_733_011_200
ADDR = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"
TXID = "cd" * 32
EXTERNAL = PayoutDestination.EXTERNAL_ADDRESS


def external(account, threshold=100_000):
    return PayoutSetting(account, EXTERNAL, ADDR, threshold)


def test_due_when_external_and_at_threshold():
    settings = [
        external("carol", 50_000),
        external("alice"),
        PayoutSetting("bob"),  # main balance: never sent
        external("dave"),
    ]
    balances = {"alice": 100_000, "bob": 10**9, "carol": 49_999, "dave": 250_000}
    due = due_payouts(settings, balances, [], T)
    assert [(p.id, p.account, p.amount, p.address, p.state) for p in due] == [
        ("payout/alice/1733011200", "alice", 100_000, ADDR, PayoutState.RESERVED),
        ("payout/dave/1733011200", "dave", 250_000, ADDR, PayoutState.RESERVED),
    ]


def test_no_cycle_while_a_payout_is_reserved_and_no_second_payout_in_flight():
    settings = [external("alice"), external("dave")]
    balances = {"alice": 200_000, "dave": 200_000}
    reserved = Payout("payout/alice/1", "alice", ADDR, 5, 1)
    assert due_payouts(settings, balances, [reserved], T) == []
    sent = reserved.sent(TXID, 2)
    assert [p.account for p in due_payouts(settings, balances, [sent], T)] == ["dave"]
    done = sent.confirmed(3)
    assert len(due_payouts(settings, balances, [done], T)) == 2


def test_settings_validation():
    with pytest.raises(ValueError):
        PayoutSetting("alice", EXTERNAL)  # no address
    with pytest.raises(ValueError):
        PayoutSetting("alice", PayoutDestination.MAIN_BALANCE, ADDR)
    with pytest.raises(ValueError):
        PayoutSetting("alice", EXTERNAL, ADDR, DUST_LIMIT - 1)


def test_state_machine_transitions():
    payout = Payout("p", "alice", ADDR, 1000, T)
    with pytest.raises(ValueError):
        payout.confirmed(T)
    sent = payout.sent(TXID, T + 1)
    assert (sent.state, sent.txid, sent.sent_at) == (PayoutState.SENT, TXID, T + 1)
    with pytest.raises(ValueError):
        sent.sent(TXID, T + 2)
    done = sent.confirmed(T + 3)
    assert (done.state, done.open) == (PayoutState.CONFIRMED, False)
    with pytest.raises(ValueError):
        done.released(T + 4)
    assert payout.released(T + 1).state is PayoutState.RELEASED
    assert sent.released(T + 1).state is PayoutState.RELEASED


RESERVED = Payout("payout/alice/1", "alice", ADDR, 1000, T)
SENT = RESERVED.sent(TXID, T + 1)
OTHER = "ef" * 32


@pytest.mark.parametrize(
    ("payout", "view", "action"),
    [
        # reserved: nothing recorded; the wallet is asked by payout id
        (RESERVED, WalletView(WalletAnswer.UNREACHABLE), Action.WAIT),
        (RESERVED, WalletView(WalletAnswer.ABSENT), Action.SEND),
        (RESERVED, WalletView(WalletAnswer.FOUND, TXID, 0), Action.RECORD_TXID),
        (RESERVED, WalletView(WalletAnswer.FOUND, TXID, 5), Action.RECORD_TXID),
        (RESERVED, WalletView(WalletAnswer.FOUND, None, 0), Action.ESCALATE),
        (RESERVED, WalletView(WalletAnswer.FAILED), Action.RELEASE),
        # sent: txid recorded; the wallet is asked by txid
        (SENT, WalletView(WalletAnswer.UNREACHABLE), Action.WAIT),
        (SENT, WalletView(WalletAnswer.ABSENT), Action.ESCALATE),
        (SENT, WalletView(WalletAnswer.FOUND, TXID, 0), Action.WAIT),
        (SENT, WalletView(WalletAnswer.FOUND, TXID, 1), Action.CONFIRM),
        (SENT, WalletView(WalletAnswer.FOUND, OTHER, 1), Action.ESCALATE),
        (SENT, WalletView(WalletAnswer.FAILED), Action.RELEASE),
        # final states
        (SENT.confirmed(T + 2), WalletView(WalletAnswer.FAILED), Action.NOTHING),
        (RESERVED.released(T + 2), WalletView(WalletAnswer.ABSENT), Action.NOTHING),
    ],
)
def test_reconciliation_table(payout, view, action):
    """| state    | wallet says              | decision    |
    |----------|--------------------------|-------------|
    | reserved | unreachable              | wait        |
    | reserved | absent                   | send        |
    | reserved | found (txid, any conf.)  | record txid |
    | reserved | found without a txid     | escalate    |
    | reserved | failed (proven)          | release     |
    | sent     | unreachable              | wait        |
    | sent     | absent                   | escalate    |  ← may have left: never released
    | sent     | found, < required conf.  | wait        |
    | sent     | found, ≥ required conf.  | confirm     |
    | sent     | found, another txid      | escalate    |
    | sent     | failed (proven)          | release     |
    | final    | anything                 | nothing     |
    """
    assert reconcile(payout, view) is action


def test_required_confirmations_is_a_parameter():
    view = WalletView(WalletAnswer.FOUND, TXID, 2)
    assert reconcile(SENT, view, required_confirmations=3) is Action.WAIT
    assert reconcile(SENT, view, required_confirmations=2) is Action.CONFIRM


def test_postings_move_the_balance_through_the_pool():
    journal = Journal()
    journal.post(posting("credit", "r", T, [(POOL_FPPS, -1000, K.FPPS_REWARD),
                                             ("alice", 1000, K.FPPS_REWARD)]))  # fmt: skip
    payout = Payout("payout/alice/1", "alice", ADDR, 1000, T)
    journal.post(reserve_posting(payout))
    assert (journal.balance("alice"), journal.balance(POOL_PAYOUTS)) == (0, 1000)
    journal.post(release_posting(payout, T + 5))
    assert (journal.balance("alice"), journal.balance(POOL_PAYOUTS)) == (1000, 0)
    again = Payout("payout/alice/2", "alice", ADDR, 1000, T + 10)
    journal.post(reserve_posting(again))
    journal.post(confirm_posting(again, T + 20))
    assert (journal.balance("alice"), journal.balance(POOL_PAYOUTS)) == (0, 0)
    assert journal.balance(POOL_PAID) == 1000


class Wallet:
    """A wallet double that remembers sends by payout id, as the real one must."""

    def __init__(self):
        self.sends = {}  # payout id -> txid
        self.confirmations = {}

    def send(self, payout):
        assert payout.id not in self.sends, "paid twice"
        txid = hashlib.sha256(payout.id.encode()).hexdigest()
        self.sends[payout.id] = txid
        self.confirmations[txid] = 0
        return txid

    def view(self, payout):
        txid = payout.txid or self.sends.get(payout.id)
        if txid is None or txid not in self.confirmations:
            return WalletView(WalletAnswer.ABSENT)
        return WalletView(WalletAnswer.FOUND, txid, self.confirmations[txid])


class Runner:
    """The payout runner reduced to its steps, each one a separate commit; ``crash_after`` stops
    it after that many steps, as a process kill would."""

    def __init__(self, wallet, journal, payouts, crash_after):
        self.wallet, self.journal, self.payouts = wallet, journal, payouts
        self.budget = crash_after

    def step(self, fn):
        if self.budget == 0:
            raise SystemExit("crash")
        self.budget -= 1
        fn()

    def act(self, payout, now):
        action = reconcile(payout, self.wallet.view(payout))
        if action is Action.SEND:
            txid = None

            def send():
                nonlocal txid
                txid = self.wallet.send(payout)

            self.step(send)
            self.step(lambda: self.payouts.__setitem__(payout.id, payout.sent(txid, now)))
        elif action is Action.RECORD_TXID:
            txid = self.wallet.view(payout).txid
            self.step(lambda: self.payouts.__setitem__(payout.id, payout.sent(txid, now)))
        elif action is Action.CONFIRM:

            def confirm():
                self.journal.post(confirm_posting(payout, now))
                self.payouts[payout.id] = payout.confirmed(now)

            self.step(confirm)
        return action

    def cycle(self, now):
        settings = [external("alice")]
        balances = {"alice": self.journal.balance("alice")}
        for payout in due_payouts(settings, balances, list(self.payouts.values()), now):

            def reserve(payout=payout):
                self.journal.post(reserve_posting(payout))  # one transaction with the row
                self.payouts[payout.id] = payout

            self.step(reserve)
        for payout in list(self.payouts.values()):
            self.act(payout, now)


@pytest.mark.parametrize("crash_after", range(6))
def test_a_crash_at_any_point_never_pays_twice_nor_forgets(crash_after):
    """Kill the runner after each of its steps (reserve, send, record txid, confirm), restart it
    with a fresh runner over the same journal, payouts and wallet, and run cycles to the end:
    the wallet sent exactly once, the payout is confirmed with the txid the wallet used, and
    alice's 150 000 sat ended in pool:paid."""
    wallet, journal, payouts = Wallet(), Journal(), {}
    journal.post(posting("credit", "r", T, [(POOL_FPPS, -150_000, K.FPPS_REWARD),
                                             ("alice", 150_000, K.FPPS_REWARD)]))  # fmt: skip
    first = Runner(wallet, journal, payouts, crash_after)
    try:
        first.cycle(T)
        wallet.confirmations = dict.fromkeys(wallet.confirmations, 1)
        first.cycle(T + 600)
    except SystemExit:
        pass
    wallet.confirmations = dict.fromkeys(wallet.confirmations, 1)
    restarted = Runner(wallet, journal, payouts, crash_after=100)
    for now in (T + 1200, T + 1800, T + 2400):
        restarted.cycle(now)
        wallet.confirmations = dict.fromkeys(wallet.confirmations, 1)
    assert len(wallet.sends) == 1
    (payout,) = payouts.values()
    assert payout.state is PayoutState.CONFIRMED
    assert payout.txid == next(iter(wallet.sends.values()))
    assert journal.balance("alice") == 0
    assert journal.balance(POOL_PAID) == 150_000
    assert sum(journal.balances().values()) == 0


def test_payout_id_is_stable_per_cycle():
    assert payout_id("alice", T) == "payout/alice/1733011200"
