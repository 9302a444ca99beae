"""The account dashboard's row of stat tiles, filled from a MinerStats row."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal

from backend.api.schemas import MinerStats
from minerconsole.formatting import format_count, format_hashrate, format_percent
from minerconsole.widgets.stat_tile import StatTile

REJECT_WARN = 0.02
"""Reject rate from which the reject tile is highlighted (2 %: well above a healthy rig's)."""


class AccountTiles(Horizontal):
    """Hashrate 5m/1h/24h, workers online/low/offline, shares 24h, reject rate 1h."""

    TILES = (
        ("h5m", "Rate 5m"),
        ("h1h", "Rate 1h"),
        ("h24h", "Rate 24h"),
        ("workers", "On/Low/Off"),
        ("shares", "Acc/Rej/Stale 24h"),
        ("reject", "Reject 1h"),
    )

    def compose(self) -> ComposeResult:
        for key, label in self.TILES:
            yield StatTile(label, id=f"tile-{key}")

    def show(self, stats: MinerStats | None) -> None:
        """Fill the tiles (dashes when the stats are not available)."""
        tile = {key: self.query_one(f"#tile-{key}", StatTile) for key, _ in self.TILES}
        if stats is None:
            for each in tile.values():
                each.set_value("—")
            return
        tile["h5m"].set_value(format_hashrate(stats.hashrate5m))
        tile["h1h"].set_value(format_hashrate(stats.hashrate1h))
        tile["h24h"].set_value(format_hashrate(stats.hashrate24h))
        counts = stats.workers
        level = "bad" if counts.offline else "warn" if counts.low else ""
        tile["workers"].set_value(f"{counts.online}/{counts.low}/{counts.offline}", level)
        shares = stats.shares
        tile["shares"].set_value(
            f"{format_count(shares.accepted24h)}/{format_count(shares.rejected24h)}"
            f"/{format_count(shares.stale24h)}"
        )
        warn = "warn" if stats.reject_rate1h >= REJECT_WARN else ""
        tile["reject"].set_value(format_percent(stats.reject_rate1h, 2), warn)
