"""Variable difficulty: one share every ``target_interval`` seconds per connection (reference §4).

The rate of work is estimated in difficulty units per second: the sum of the assigned
difficulties of accepted shares, exponentially decayed over ``window`` seconds (ckpool's dsps,
reference §4.1). Work per second does not depend on the difficulty, so the estimate stays
meaningful across a change; it is restarted at each change all the same, so that the next
decision rests only on shares found at the new difficulty. A restarted (or new) estimator has
seen only ``age`` seconds, so the decayed sum is divided by ``window * (1 - e^(-age/window))``
instead of ``window`` — ckpool's young-connection correction, which makes it unbiased for a
steady miner at any age.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real

LOWEST_DIFFICULTY = 1e-10
"""The smallest difficulty any setting may allow; CPU and test miners go below 1 (§4.5)."""


@dataclass(frozen=True)
class VardiffSettings:
    """Vardiff knobs, defaults from reference §4.4 and security §3."""

    target_interval: float = 10.0
    """Seconds per share aimed at (public-pool 10 s; reference §4.4 suggests 5-15 s)."""
    retarget_interval: float = 60.0
    """Least number of seconds between two changes (reference §4.4: ~60-90 s)."""
    minimum: float = 1.0
    """Pool minimum difficulty (security §3: mindiff default 1); may go down to 1e-10."""
    maximum: float = 1e15
    """Pool maximum difficulty."""
    tolerance: float = 2.0
    """Change only when the ideal difficulty is more than this factor away (reference §4.4)."""
    window: float = 300.0
    """Decay time constant of the rate estimate in seconds (ckpool's 5-minute dsps, §4.1)."""

    def __post_init__(self) -> None:
        values = (
            self.target_interval,
            self.retarget_interval,
            self.minimum,
            self.maximum,
            self.tolerance,
            self.window,
        )
        if not all(math.isfinite(v) for v in values):
            raise ValueError("vardiff settings must be finite")
        if self.target_interval <= 0 or self.retarget_interval <= 0 or self.window <= 0:
            raise ValueError("vardiff intervals must be positive")
        if not LOWEST_DIFFICULTY <= self.minimum <= self.maximum:
            raise ValueError(f"need {LOWEST_DIFFICULTY} <= minimum <= maximum")
        if self.tolerance <= 1:
            raise ValueError("tolerance must be above 1")


def clamp_difficulty(value: object, minimum: float, maximum: float) -> float | None:
    """``value`` as a float clamped to [minimum, maximum], or None when it is not a usable
    difficulty: not a real number, a bool, NaN, infinite, or <= 0 (security §1.4)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        return None
    try:
        number = float(value)
    except OverflowError:
        # A huge finite int or Fraction: no float holds it, but it is a valid, large request.
        return maximum if value > 0 else None
    if math.isnan(number) or math.isinf(number) or value <= 0:
        return None
    return min(max(number, minimum), maximum)


def _rounded(value: float) -> float:
    # Three significant digits keep set_difficulty readable; the estimate is not finer anyway.
    return float(f"{value:.3g}")


class Vardiff:
    """Difficulty for one connection.

    Call ``record`` for each accepted share and ``idle`` from time to time; each returns the new
    difficulty when one should be sent, else None. Changes happen at most once per
    ``retarget_interval`` and only when the ideal is more than ``tolerance`` times away; the
    result is clamped to [max(minimum, floor), maximum].
    """

    def __init__(self, settings: VardiffSettings, start: float, now: float) -> None:
        current = clamp_difficulty(start, settings.minimum, settings.maximum)
        if current is None:
            raise ValueError(f"bad starting difficulty {start!r}")
        self._settings = settings
        # With minimum == maximum every clamp lands on that one value: no change is possible,
        # so record and idle skip the estimate (the rate bookkeeping still runs).
        self._pinned = settings.minimum == settings.maximum
        self._floor = settings.minimum
        self._current = current
        self._shares = 0
        self._last_share = now
        self._restart(now)

    @property
    def current(self) -> float:
        """The difficulty in force."""
        return self._current

    @property
    def floor(self) -> float:
        """The lowest difficulty vardiff may choose: the pool minimum or the miner's suggestion."""
        return self._floor

    @property
    def settings(self) -> VardiffSettings:
        """The settings this vardiff runs with."""
        return self._settings

    def rate(self, now: float) -> float:
        """Estimated work in difficulty-1 shares per second (0 before any share)."""
        return self._estimate(now, 0.0)

    def record(self, now: float, difficulty: float) -> float | None:
        """Count an accepted share credited at ``difficulty``; maybe return a new difficulty.

        A non-positive or non-finite ``difficulty`` carries no work and is ignored.
        """
        if not 0 < difficulty < math.inf:
            return None
        # The decayed sum plus this share (as _decayed, without exp() for shares that arrive
        # at the same instant, which pipelined submits read in one batch do).
        elapsed = now - self._weight_at
        if elapsed > 0:
            self._weight = self._weight * math.exp(-elapsed / self._settings.window) + difficulty
            self._weight_at = now
        else:
            self._weight += difficulty
        self._shares += 1
        self._last_share = now
        # Most shares arrive inside the retarget interval: decide that before estimating.
        if self._pinned or now - self._changed_at < self._settings.retarget_interval:
            return None
        return self._retarget(now, self._estimate(now, 0.0), only_lower=False)

    def idle(self, now: float) -> float | None:
        """Lower the difficulty of a miner that has gone quiet; maybe return a new difficulty.

        Acts only after ``retarget_interval`` without a share or a change, and then estimates as
        if a share at the current difficulty had just arrived. That overestimates the rate, so
        the decrease it leads to is conservative; it never raises the difficulty.
        """
        quiet_since = max(self._last_share, self._changed_at)
        if self._pinned or now - quiet_since < self._settings.retarget_interval:
            return None
        return self._retarget(now, self._estimate(now, self._current), only_lower=True)

    def set_floor(self, value: object) -> float | None:
        """Take a miner's suggested difficulty as the floor; maybe return a new difficulty.

        The suggestion is clamped to the pool range and ignored (None) when unusable. Before the
        first share it also becomes the difficulty (reference §1.3: the first suggestion is the
        starting difficulty); later it only raises the difficulty when it is below the floor.
        """
        floor = clamp_difficulty(value, self._settings.minimum, self._settings.maximum)
        if floor is None:
            return None
        self._floor = floor
        new = floor if self._shares == 0 else max(self._current, floor)
        if new == self._current:
            return None
        self._current = new
        return new

    def _restart(self, now: float) -> None:
        self._changed_at = now
        self._weight = 0.0
        self._weight_at = now

    def _decayed(self, now: float) -> float:
        elapsed = max(0.0, now - self._weight_at)
        return self._weight * math.exp(-elapsed / self._settings.window)

    def _estimate(self, now: float, extra: float) -> float:
        age = now - self._changed_at
        if age <= 0:
            return 0.0
        window = self._settings.window
        # -expm1(-x) is 1 - e^-x without cancellation for small ages.
        return (self._decayed(now) + extra) / (window * -math.expm1(-age / window))

    def _retarget(self, now: float, rate: float, only_lower: bool) -> float | None:
        settings = self._settings
        if now - self._changed_at < settings.retarget_interval:
            return None
        ideal = rate * settings.target_interval
        current = self._current
        if current / settings.tolerance <= ideal <= current * settings.tolerance:
            return None
        new = min(max(_rounded(ideal), self._floor), settings.maximum)
        if new == current or (new > current and only_lower):
            return None
        self._current = new
        self._restart(now)
        return new
