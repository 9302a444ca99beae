"""Where block templates come from and where found blocks go: the ``TemplateSource`` protocol.

Two implementations: ``EmbeddedSource`` (the pool's own private chain, in process) and
``BitcoindClient`` (Bitcoin Core over JSON-RPC). The pool talks only to this protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from backend.mining.template import BlockTemplate


@dataclass(frozen=True)
class ChainInfo:
    """A summary of the chain's tip, as Core's ``getblockchaininfo`` reports it."""

    chain: str
    """Core's chain name: main, test, signet or regtest."""
    height: int
    """Height of the tip."""
    best_hash: str
    """Tip hash, display hex."""
    bits: int
    """The tip's compact target."""
    difficulty: float
    """The tip's difficulty (DIFF1 / target)."""
    median_time: int
    """Median time of the tip and its 10 ancestors."""


class ChainUnavailable(Exception):
    """The source cannot be reached right now (node down, RPC refused, chain closed)."""


class TemplateSource(Protocol):
    """A source of block templates that also takes found blocks."""

    async def get_template(self) -> BlockTemplate:
        """The current template on the tip. Raises ChainUnavailable."""
        ...

    async def wait_for_template(self, longpollid: str, timeout: float) -> BlockTemplate:  # noqa: ASYNC109
        """Return early when the tip changes (or Core's longpoll returns), else at ``timeout``
        the current template. Raises ChainUnavailable."""
        ...

    async def submit_block(self, block: bytes) -> str | None:
        """Core's submitblock result: None if accepted, "duplicate", "inconclusive", or the
        reject reason ("high-hash", "bad-cb-height", ...). Raises ChainUnavailable."""
        ...

    async def chain_info(self) -> ChainInfo:
        """A summary of the tip. Raises ChainUnavailable."""
        ...

    async def close(self) -> None:
        """Release the source's resources."""
        ...
