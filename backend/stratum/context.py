"""What all sessions of one listener share, and the interface a session writes through.

``SessionContext`` holds the domain collaborators (job table, job builder, vardiff settings,
extranonce allocator), the pool's ports (authorizer, share sink), the tables shared across
connections (failed-authorize back-off, invalid-share bans), the broadcast audience, and the
encoded notify lines, which are built once per job and shared by every session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from backend.mining.extranonce import ExtranonceAllocator
from backend.mining.jobs import Job, JobBuilder, JobTable
from backend.mining.shares import MinerWork
from backend.mining.vardiff import VardiffSettings
from backend.stratum.codec import encode_notification
from backend.stratum.limits import Backoff, ExpiryTable, StratumLimits
from backend.stratum.ports import Authorizer, NoWatcher, ShareSink, WorkerWatcher

if TYPE_CHECKING:
    from backend.stratum.session import Session


class Link(Protocol):
    """The connection a session writes to."""

    def write(self, data: bytes) -> None:
        """Queue ``data`` for the miner (dropped silently once the connection is closing)."""
        ...

    def drop(self, reason: str) -> None:
        """Close the connection after what is queued, logging ``reason``."""
        ...

    def authenticated(self) -> None:
        """The first worker on this connection was authorized (it no longer counts as pending)."""
        ...


class SessionContext:
    """What every session shares: the domain collaborators, the pool's ports, the shared tables,
    and the set of sessions that receive job broadcasts."""

    __slots__ = (
        "_lines",
        "_spare",
        "account_bans",
        "auth_backoff",
        "authorizer",
        "builder",
        "clock",
        "current",
        "extranonces",
        "jobs",
        "limits",
        "ready",
        "sink",
        "start_difficulty",
        "vardiff",
        "watcher",
    )

    def __init__(
        self,
        *,
        limits: StratumLimits,
        jobs: JobTable,
        builder: JobBuilder,
        authorizer: Authorizer,
        sink: ShareSink,
        vardiff: VardiffSettings,
        start_difficulty: float,
        extranonces: ExtranonceAllocator,
        clock: Callable[[], float],
        watcher: WorkerWatcher | None = None,
    ) -> None:
        self.limits = limits
        self.jobs = jobs
        self.builder = builder
        self.authorizer = authorizer
        self.sink = sink
        self.watcher: WorkerWatcher = watcher if watcher is not None else NoWatcher()
        """Told when workers join and leave and what difficulty they mine at."""
        self.vardiff = vardiff
        self.start_difficulty = start_difficulty
        self.extranonces = extranonces
        self.clock = clock
        self.current: Job | None = None
        """The job last broadcast; new sessions start on it."""
        self.ready: dict[Session, None] = {}
        """Sessions that are subscribed, authorized and mining: the broadcast audience."""
        self.auth_backoff: Backoff[str] = Backoff(
            limits.auth_backoff_initial, limits.auth_backoff_max, limits.table_capacity
        )
        self.account_bans: ExpiryTable[tuple[str, str]] = ExpiryTable(limits.table_capacity)
        self._lines: dict[tuple[str, bool], bytes] = {}
        self._spare: Job | None = None

    def current_job(self) -> Job | None:
        """The job a session that starts now should get."""
        return self.current if self.current is not None else self.jobs.current

    def notify_line(self, job: Job, clean: bool) -> bytes:
        """The encoded mining.notify for ``job``, encoded once and shared by every session."""
        key = (job.job_id, clean)
        line = self._lines.get(key)
        if line is None:
            if len(self._lines) >= 8:
                self._lines.clear()
            params = job.notify_params()
            params[8] = clean
            line = self._lines[key] = encode_notification("mining.notify", params)
        return line

    def fresh_job(self, work: MinerWork, now: float) -> Job | None:
        """A job this connection has not been sent yet, on the current work (after a difficulty
        change the miner needs a new job id, stratum reference §2.6). One such job is shared by
        every connection that retargets between two broadcasts, so the job table does not churn;
        the domain gives it the same duplicate filter as the job it copies."""
        current = self.current_job()
        if current is None:
            return None
        spare = self._spare
        if (
            spare is None
            or spare.template is not current.template
            or spare.job_id in work.job_difficulty
            or self.jobs.get(spare.job_id) is None
            or self.jobs.is_stale(spare)
        ):
            spare = self.builder.build(current.template, clean=False, now=now)
            self.jobs.add(spare)
            self._spare = spare
        return spare
