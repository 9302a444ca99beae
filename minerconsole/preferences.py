"""What the console remembers between runs: the theme and the per-account alert thresholds.

Stored as JSON in the config dir. A missing or broken file gives the defaults (a preference is
never worth refusing to start over).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

PREFERENCES_FILE = "preferences.json"


class Preferences(BaseModel):
    """The user's choices."""

    model_config = ConfigDict(extra="ignore")

    theme: str | None = None
    """The theme last picked from the palette (None: the default theme)."""

    thresholds: dict[str, float] = Field(default_factory=dict)
    """Per-account hashrate alert threshold in H/s: an alert when the 5-minute hashrate falls
    below it."""

    @field_validator("thresholds")
    @classmethod
    def _positive(cls, value: dict[str, float]) -> dict[str, float]:
        return {k: v for k, v in value.items() if math.isfinite(v) and v > 0}


class PreferencesStore:
    """Loads and saves `Preferences`; `path` None keeps them in memory only (tests, demos)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.current = self._load()

    def _load(self) -> Preferences:
        if self.path is None:
            return Preferences()
        try:
            return Preferences.model_validate(json.loads(self.path.read_text()))
        except (OSError, ValueError, ValidationError):
            return Preferences()

    def save(self) -> None:
        """Write the current preferences (best effort: a read-only config dir is not fatal)."""
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(self.current.model_dump_json(indent=2))
        except OSError:
            pass

    def set_theme(self, name: str) -> None:
        """Remember the theme."""
        if self.current.theme != name:
            self.current.theme = name
            self.save()

    def threshold(self, account: str) -> float | None:
        """The account's alert threshold in H/s, or None."""
        return self.current.thresholds.get(account)

    def set_threshold(self, account: str, value: float | None) -> None:
        """Set or (with None or 0) clear an account's threshold."""
        if value is None or value <= 0:
            self.current.thresholds.pop(account, None)
        else:
            self.current.thresholds[account] = value
        self.save()
