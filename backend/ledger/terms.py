"""The FPPS terms in force, read off the templates the pool mines.

A template says everything FPPS needs: its ``coinbase_value`` is subsidy + the fees of its
transactions, and its ``bits`` the network difficulty D. The subsidy is taken as coinbase value
minus those fees, so no halving schedule has to be known (the embedded chain and Core's regtest
halve on different schedules). The fees are averaged over the last ``FEE_WINDOW`` heights, so
one fat or empty block does not swing the price of a share.
"""

from __future__ import annotations

from collections import OrderedDict
from fractions import Fraction

from backend.bitcoin.target import DIFF1
from backend.ledger.rewards import DEFAULT_POOL_FEE, FppsTerms
from backend.mining.template import BlockTemplate

FEE_WINDOW = 144
"""Heights whose template fees are averaged: one day of mainnet blocks."""


class TermsTracker:
    """Turns each new template into the ``FppsTerms`` shares are paid by."""

    def __init__(self, pool_fee: Fraction = DEFAULT_POOL_FEE, window: int = FEE_WINDOW) -> None:
        if window < 1:
            raise ValueError("the fee window must hold at least one height")
        self.pool_fee = Fraction(pool_fee)
        """The pool fee every terms object carries."""
        self._window = window
        self._fees: OrderedDict[int, int] = OrderedDict()
        self.current: FppsTerms | None = None
        """The terms of the last template observed; None before the first."""

    def observe(self, template: BlockTemplate) -> FppsTerms:
        """Note ``template`` and return the terms in force from now on."""
        fees = sum(tx.fee for tx in template.transactions)
        # The newest template of a height replaces older ones: its fees are what that block pays.
        self._fees[template.height] = fees
        self._fees.move_to_end(template.height)
        while len(self._fees) > self._window:
            self._fees.popitem(last=False)
        average = sum(self._fees.values()) // len(self._fees)
        terms = FppsTerms(
            subsidy=max(template.coinbase_value - fees, 0),
            average_fees=average,
            network_difficulty=Fraction(DIFF1, template.target),
            pool_fee=self.pool_fee,
        )
        self.current = terms
        return terms
