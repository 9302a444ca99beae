"""The Stratum V1 listener: accepts sockets, admits or refuses them, broadcasts jobs, sweeps
deadlines, and stops gracefully.

Built on ``asyncio.Protocol`` and transports rather than streams: one ``Connection`` object per
socket, no task per connection, and one loop-level timer (the sweep) for every deadline. A job
broadcast encodes the mining.notify line once and writes the same bytes to every mining session.

Admission (security reference §2.1, §3): a global connection cap, IP bans (repeated junk), a
new-connection token bucket per IP, and a cap on unauthenticated sockets per IP. A refused socket
is accepted and closed at once so the listen backlog keeps draining.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
from collections.abc import Callable

from backend.mining.extranonce import ExtranonceAllocator
from backend.mining.jobs import Job, JobBuilder, JobTable
from backend.mining.vardiff import VardiffSettings, clamp_difficulty
from backend.stratum.codec import encode_notification
from backend.stratum.connection import Connection
from backend.stratum.context import SessionContext
from backend.stratum.limits import BucketTable, EventCounter, ExpiryTable, StratumLimits
from backend.stratum.ports import Authorizer, ShareSink, WorkerWatcher

log = logging.getLogger("backend.stratum")

_WARN_INTERVAL = 60.0
"""Seconds between repeated warnings of one kind (ckpool warns about maxclients once a minute)."""


class StratumServer:
    """The Stratum listener. Collaborators come in through the constructor; nothing is global.

    ``jobs`` is the pool's job table (shared: the pool adds each new job, then calls
    ``broadcast``); ``builder`` is the pool's job builder, used only to re-issue the current
    template under a new job id after a difficulty change (stratum reference §2.6).
    """

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
        clock: Callable[[], float] = time.time,
        watcher: WorkerWatcher | None = None,
    ) -> None:
        if limits.extranonce2_size != builder.extranonce2_size:
            raise ValueError("limits.extranonce2_size must match the job builder's")
        if extranonces.size != builder.extranonce1_size:
            raise ValueError("the extranonce allocator's size must match the job builder's")
        if clamp_difficulty(start_difficulty, vardiff.minimum, vardiff.maximum) is None:
            raise ValueError(f"unusable start difficulty {start_difficulty!r}")
        self.limits = limits
        self.clock = clock
        self.context = SessionContext(
            limits=limits,
            jobs=jobs,
            builder=builder,
            authorizer=authorizer,
            sink=sink,
            vardiff=vardiff,
            start_difficulty=start_difficulty,
            extranonces=extranonces,
            clock=clock,
            watcher=watcher,
        )
        self._connections: dict[Connection, None] = {}
        self._pending_per_ip: dict[str, int] = {}
        self._new_per_ip: BucketTable[str] = BucketTable(
            limits.new_connection_rate_per_ip,
            limits.new_connection_burst_per_ip,
            limits.table_capacity,
        )
        self._junk: EventCounter[str] = EventCounter(
            limits.junk_ban_threshold, limits.junk_window, limits.table_capacity
        )
        self._ip_bans: ExpiryTable[str] = ExpiryTable(limits.table_capacity)
        self._warned: dict[str, float] = {}
        self._listener: asyncio.Server | None = None
        self._sweeper: asyncio.TimerHandle | None = None
        self._stopping = False
        self._empty: asyncio.Event | None = None
        self.paused = False
        """True while the pool holds reads back (the share recorder's back-pressure)."""
        self.port = 0
        """The bound TCP port (after ``start``; useful when started on port 0)."""

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self, host: str, port: int) -> None:
        """Listen on ``host``:``port`` (0 picks a free port; see ``port``) and start the sweep."""
        loop = asyncio.get_running_loop()
        self._listener = await loop.create_server(
            lambda: Connection(self), host, port, backlog=1024, reuse_address=True
        )
        sockets = self._listener.sockets
        self.port = sockets[0].getsockname()[1] if sockets else port
        self._sweeper = loop.call_later(self.limits.sweep_interval, self._sweep)
        log.info("stratum listening on %s:%d", host, self.port)

    async def stop(self, reconnect: bool = True) -> None:
        """Stop listening, send ``client.reconnect`` to every connection (unless ``reconnect`` is
        False), close them after their queued bytes, and abort what is still open after
        ``limits.stop_grace`` seconds."""
        self._stopping = True
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        if self._listener is not None:
            self._listener.close()
        line = encode_notification("client.reconnect", []) if reconnect else None
        log.info("stratum stopping: closing %d connections", len(self._connections))
        for conn in list(self._connections):
            conn.shutdown(line)
        if self._connections:
            self._empty = asyncio.Event()
            try:
                await asyncio.wait_for(self._empty.wait(), self.limits.stop_grace)
            except TimeoutError:
                for conn in list(self._connections):
                    if conn.transport is not None:
                        conn.transport.abort()
                await asyncio.sleep(0)
        if self._listener is not None:
            await self._listener.wait_closed()
            self._listener = None
        log.info("stratum stopped")

    def pause_reading(self) -> None:
        """Stop reading from every miner socket (new ones included) until ``resume_reading``:
        the share recorder's back-pressure when the database falls behind. Miners' submits then
        wait in their TCP buffers instead of in the pool's memory."""
        self.paused = True
        for conn in self._connections:
            conn.pause()

    def resume_reading(self) -> None:
        """Read from miner sockets again."""
        self.paused = False
        for conn in self._connections:
            conn.resume()

    @property
    def session_count(self) -> int:
        """Open miner connections (subscribed or not)."""
        return len(self._connections)

    @property
    def mining_count(self) -> int:
        """Connections that are subscribed, authorized and receiving jobs."""
        return len(self.context.ready)

    # -- jobs ----------------------------------------------------------------------------

    def broadcast(self, job: Job) -> int:
        """Send ``job`` to every mining session; returns how many got it.

        The pool adds the job to the shared table first (it is added here if it is missing). The
        notify line is encoded once; each session records the difficulty the job is issued at.
        Sessions that never had a job get it with ``clean_jobs`` true (reference §1.3).
        """
        ctx = self.context
        if ctx.jobs.get(job.job_id) is None:
            ctx.jobs.add(job)
        ctx.current = job
        line = ctx.notify_line(job, job.clean)
        clean_line = line if job.clean else None
        count = 0
        # A copy: a write can find a slow reader and drop it (its session leaves ``ready``).
        for session in tuple(ctx.ready):
            work = session.work
            if work is None:
                continue
            if clean_line is not line and not work.job_difficulty:
                if clean_line is None:
                    clean_line = ctx.notify_line(job, True)
                session.send_job(job, clean_line)
            else:
                session.send_job(job, line)
            count += 1
        return count

    # -- admission and bookkeeping (called by Connection) --------------------------------

    @staticmethod
    def address_key(host: str) -> str:
        """The key per-IP limits use: the IPv4 address, or an IPv6 address's /64 network
        (one IPv6 host usually owns a whole /64)."""
        if ":" not in host:
            return host
        try:
            addr = ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            return host
        if addr.ipv4_mapped is not None:
            return str(addr.ipv4_mapped)
        return str(ipaddress.IPv6Network((addr, 64), strict=False))

    def admit(self, conn: Connection, now: float) -> str | None:
        """Why a new connection is refused, or None to accept it."""
        limits = self.limits
        key = conn.ip
        reason = None
        if self._stopping:
            reason = "stopping"
        elif len(self._connections) >= limits.max_connections:
            reason = f"connection cap {limits.max_connections} reached"
        elif self._ip_bans.remaining(key, now):
            reason = f"address {key} is banned"
        elif not self._new_per_ip.take(key, now):
            reason = f"too many new connections from {key}"
        elif self._pending_per_ip.get(key, 0) >= limits.max_unauthenticated_per_ip:
            reason = f"too many unauthenticated sockets from {key}"
        if reason is not None:
            self._warn(reason.split(" from ")[0], f"refusing connections: {reason}", now)
        return reason

    def register(self, conn: Connection) -> None:
        """An admitted connection is open."""
        self._connections[conn] = None
        self._pending_per_ip[conn.ip] = self._pending_per_ip.get(conn.ip, 0) + 1

    def authenticated(self, conn: Connection) -> None:
        """``conn`` authorized its first worker: it no longer counts against its IP."""
        self._release_pending(conn.ip)

    def unregister(self, conn: Connection) -> None:
        """An admitted connection is gone."""
        self._connections.pop(conn, None)
        if not conn.authed:
            self._release_pending(conn.ip)
        if self._empty is not None and not self._connections:
            self._empty.set()

    def note_junk(self, key: str, now: float) -> None:
        """Count undecodable or oversize input from ``key``; ban it after repeats."""
        if self._junk.hit(key, now):
            self._ip_bans.activate(key, now + self.limits.junk_ban)
            log.warning("banning %s for %g s after repeated junk", key, self.limits.junk_ban)

    def _release_pending(self, key: str) -> None:
        count = self._pending_per_ip.get(key, 0) - 1
        if count > 0:
            self._pending_per_ip[key] = count
        else:
            self._pending_per_ip.pop(key, None)

    def _warn(self, kind: str, message: str, now: float) -> None:
        # Floods of refused sockets must not flood the log: one line per kind per minute.
        last = self._warned.get(kind)
        if last is None or now - last >= _WARN_INTERVAL:
            if len(self._warned) > 64:
                self._warned.clear()
            self._warned[kind] = now
            log.warning("%s", message)

    # -- the sweep -----------------------------------------------------------------------

    def _sweep(self) -> None:
        loop = asyncio.get_running_loop()
        now = self.clock()
        for conn in list(self._connections):
            try:
                conn.check(now)
            except Exception:
                log.exception("%s deadline check failed", conn.peer)
                conn.drop("internal error", hard=True)
        if not self._stopping:
            self._sweeper = loop.call_later(self.limits.sweep_interval, self._sweep)
