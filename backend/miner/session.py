"""One stratum session, from handshake to hang-up, as cpuminer conducts it (reference §7).

The session answers the pool, turns notifies into work for the shared cursor, and submits the
shares the hashing workers find. It ends when the pool goes away or asks for a reconnect; the
miner decides what happens next.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from backend.miner.connection import (
    ConnectionClosed,
    PoolAddress,
    ProtocolError,
    StratumConnection,
    error_text,
)
from backend.miner.cursor import Chunk, WorkCursor
from backend.miner.events import (
    Connected,
    DifficultyChanged,
    JobReceived,
    MinerEvent,
    MinerStats,
    PoolMessage,
)
from backend.miner.job import StratumJob, Work, parse_hex, valid_difficulty
from backend.miner.settings import MinerSettings
from backend.miner.shares import ShareSender
from backend.text import loggable

log = logging.getLogger("minerpool.miner")

_MASK = re.compile(r"[0-9a-fA-F]{1,8}", re.ASCII)

METHOD_NOT_FOUND = [20, "Method not found", None]
"""Error for pool requests we do not know; code 20 is "other" (reference §1.2)."""


class AuthorizationFailed(Exception):
    """The pool refused ``mining.authorize``."""


@dataclass(frozen=True, slots=True)
class SessionEnd:
    """Why a session ended and what the pool asked for."""

    reason: str
    established: bool
    """The session got as far as authorized (resets the reconnect back-off)."""
    reconnect_wait: float | None = None
    """Seconds the pool asked us to wait before reconnecting (``client.reconnect``)."""


async def cancel_and_wait(task: asyncio.Future[Any]) -> None:
    """Cancel ``task`` and wait for it to finish, without swallowing our own cancellation."""
    if task.done():
        return
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise  # we were cancelled too, not just the task


def parse_mask(text: object) -> int | None:
    """Parse a version mask: 1-8 hex digits (reference §1.3); None when it is anything else."""
    if isinstance(text, str) and _MASK.fullmatch(text):
        return int(text, 16)
    return None


class Session:
    """Drives one connection: handshake, pool methods, and share submission."""

    def __init__(
        self,
        conn: StratumConnection,
        address: PoolAddress,
        *,
        user: str,
        password: str,
        version_rolling: bool,
        settings: MinerSettings,
        cursor: WorkCursor,
        stats: MinerStats,
        emit: Callable[[MinerEvent], None],
        resume_id: str | None = None,
    ) -> None:
        self._conn = conn
        self._address = address
        self._user = user
        self._password = password
        self._version_rolling = version_rolling
        self._settings = settings
        self._cursor = cursor
        self._stats = stats
        self._emit = emit
        self._shares = ShareSender(conn, user, stats, emit)
        self.resume_id = resume_id
        """The session id from the subscribe result, offered again on the next connection."""
        self._extranonce1 = b""
        self._extranonce2_size = 0
        self._next_extranonce: tuple[bytes, int] | None = None
        self._difficulty = 1.0
        self._version_mask: int | None = None
        self._authorized = False
        self.established = False
        """True once this session was authorized, even after it ended."""
        self._latest: tuple[StratumJob, float] | None = None
        self._live: dict[str, Work] = {}
        self._reconnect_wait: float | None = None
        self._end_reason = "pool closed the connection"

    async def run(self) -> SessionEnd:
        """Hand-shake, then serve the pool until it hangs up or asks for a reconnect."""
        # cpuminer assumes difficulty 1 until the pool sets one, afresh for every session; the
        # reset happens before reading, as set_difficulty may follow the subscribe result at once.
        self._stats.difficulty = self._difficulty
        self._cursor.restart_extranonce2()
        reader = asyncio.create_task(self._read_loop(), name="miner-read")
        try:
            try:
                await self._handshake()
            except AuthorizationFailed as exc:
                return SessionEnd(f"authorization failed: {exc}", established=False)
            except (ConnectionClosed, ProtocolError, TimeoutError) as exc:
                reason = self._end_reason if reader.done() else f"handshake failed: {exc!r}"
                return SessionEnd(reason, established=False, reconnect_wait=self._reconnect_wait)
            self._on_authorized()
            await reader
            return SessionEnd(self._end_reason, True, self._reconnect_wait)
        finally:
            self._authorized = False
            await cancel_and_wait(reader)
            await self._conn.close()

    async def _read_loop(self) -> None:
        try:
            while (message := await self._conn.next_method()) is not None:
                if await self._handle(message):
                    break
        except (ConnectionClosed, ProtocolError) as exc:
            self._end_reason = str(exc) or type(exc).__name__
        finally:
            # Fails the requests still waiting, which ends a handshake in progress.
            await self._conn.close()

    async def _handshake(self) -> None:
        conn = self._conn
        configure = None
        if self._version_rolling:
            # BIP 310: configure goes first. It is pipelined with subscribe so that a pool that
            # never answers configure costs nothing: answers come in order, so by the time the
            # subscribe result is in, a configure answer would be too.
            mask_param = {"version-rolling.mask": f"{self._settings.requested_version_mask:08x}"}
            configure = await conn.request("mining.configure", [["version-rolling"], mask_param])
            # Mark a failure as seen: if subscribe fails first, nobody else looks at this future.
            configure.add_done_callback(lambda done: done.cancelled() or done.exception())
        await self._subscribe()
        if configure is not None:
            self._version_mask = self._negotiated_mask(configure)
        answer = await self._call("mining.authorize", [self._user, self._password])
        result, error = answer.get("result"), answer.get("error")
        # cpuminer's test: a null or false result, or any error, is a refusal.
        if result is None or result is False or error is not None:
            raise AuthorizationFailed(loggable(error_text(error, "refused")[0]))

    async def _call(self, method: str, params: list[Any]) -> dict[str, Any]:
        answer = await self._conn.request(method, params)
        async with asyncio.timeout(self._settings.response_timeout):
            return await answer

    async def _subscribe(self) -> None:
        agent = self._settings.user_agent
        params = [agent, self.resume_id] if self.resume_id else [agent]
        answer = await self._call("mining.subscribe", params)
        if answer.get("error") is not None or answer.get("result") is None:
            # cpuminer retries once with empty params, for pools that dislike the agent or id.
            answer = await self._call("mining.subscribe", [])
        result = answer.get("result")
        if answer.get("error") is not None or not isinstance(result, list) or len(result) < 3:
            raise ProtocolError(f"subscribe failed: {error_text(answer.get('error'))[0]}")
        try:
            self._extranonce1 = parse_hex(result[1], "extranonce1")
        except ValueError as exc:
            raise ProtocolError(str(exc)) from None
        size = result[2]
        if isinstance(size, bool) or not isinstance(size, int):
            raise ProtocolError("extranonce2_size is not an integer")
        if not 1 <= size <= self._settings.max_extranonce2_size:
            raise ProtocolError(f"extranonce2_size {size} out of range")
        self._extranonce2_size = size
        self.resume_id = _notify_subscription(result[0]) or self.resume_id

    def _negotiated_mask(self, configure: asyncio.Future[dict[str, Any]]) -> int | None:
        if not configure.done() or configure.cancelled() or configure.exception() is not None:
            configure.cancel()
            log.info("pool did not answer mining.configure; mining without version rolling")
            return None
        result = configure.result().get("result")
        mask = None
        if isinstance(result, dict) and result.get("version-rolling") is True:
            mask = parse_mask(result.get("version-rolling.mask"))
        if mask is None:
            log.info("pool declined version rolling")
            return None
        return mask & self._settings.requested_version_mask

    def _on_authorized(self) -> None:
        self._authorized = True
        self.established = True
        self._stats.connected = True
        self._stats.connections += 1
        log.info(
            "connected to %s as %s (extranonce1 %s, extranonce2 %d bytes%s)",
            self._address,
            loggable(self._user),
            self._extranonce1.hex(),
            self._extranonce2_size,
            "" if self._version_mask is None else f", version mask {self._version_mask:08x}",
        )
        self._emit(
            Connected(
                url=str(self._address),
                extranonce1=self._extranonce1.hex(),
                extranonce2_size=self._extranonce2_size,
                version_mask=self._version_mask,
            )
        )
        if self._latest is not None:
            self._activate(*self._latest)

    async def _handle(self, message: dict[str, Any]) -> bool:
        """Handle one pool request or notification; True when the session should end."""
        method = message["method"].lower()  # cpuminer matches methods case-insensitively
        params = message.get("params")
        params = params if isinstance(params, list) else []
        msg_id = message.get("id")
        if method == "mining.notify":
            self._on_notify(params)
        elif method == "mining.set_difficulty":
            self._on_set_difficulty(params)
        elif method == "mining.set_version_mask":
            self._on_set_version_mask(params)
        elif method == "mining.set_extranonce":
            await self._reply(msg_id, self._on_set_extranonce(params))
        elif method == "client.reconnect":
            self._on_reconnect(params)
            await self._reply(msg_id, True)
            return True
        elif method == "client.get_version":
            await self._reply(msg_id, self._settings.user_agent)
        elif method == "client.show_message":
            text = loggable(params[0] if params else "", limit=400)
            log.info("message from pool: %s", text)
            self._emit(PoolMessage(text))
            await self._reply(msg_id, True)
        elif method == "mining.ping":
            await self._reply(msg_id, "pong")
        elif msg_id is not None and method != "pong":
            await self._conn.respond(msg_id, None, METHOD_NOT_FOUND)
        else:
            log.debug("ignoring pool notification %s", loggable(method))
        return False

    async def _reply(self, msg_id: object, result: object) -> None:
        # Notifications (id null) get no answer.
        if msg_id is not None:
            await self._conn.respond(msg_id, result)

    def _on_notify(self, params: list[Any]) -> None:
        try:
            job = StratumJob.from_notify(params)
        except ValueError as exc:
            log.warning("ignoring a bad mining.notify: %s", loggable(exc))
            return
        if self._next_extranonce is not None:
            # mining.set_extranonce applies from the next job on (reference §1.3).
            self._extranonce1, self._extranonce2_size = self._next_extranonce
            self._next_extranonce = None
            self._cursor.restart_extranonce2()
        if job.clean:
            self._live.clear()
        # The difficulty in force now governs this job, even if it changes later (§1.3).
        self._latest = (job, self._difficulty)
        if self._authorized:
            self._activate(job, self._difficulty)

    def _activate(self, job: StratumJob, difficulty: float) -> None:
        try:
            work = Work.build(job, self._extranonce1, self._extranonce2_size, difficulty)
        except ValueError as exc:
            log.warning("cannot mine job %s: %s", loggable(job.job_id), exc)
            return
        self._live.pop(job.job_id, None)
        self._live[job.job_id] = work
        while len(self._live) > self._settings.max_live_jobs:
            del self._live[next(iter(self._live))]
        self._cursor.start(work, self._version_mask)
        self._stats.job_id = job.job_id
        log.debug("job %s (clean %s, difficulty %g)", loggable(job.job_id), job.clean, difficulty)
        self._emit(JobReceived(job.job_id, job.clean, difficulty))

    def _on_set_difficulty(self, params: list[Any]) -> None:
        difficulty = valid_difficulty(params[0] if params else None)
        if difficulty is None:
            log.warning("ignoring mining.set_difficulty %.80r", params)
            return
        self._difficulty = difficulty
        self._stats.difficulty = difficulty
        log.info("difficulty set to %g", difficulty)
        self._emit(DifficultyChanged(difficulty))

    def _on_set_version_mask(self, params: list[Any]) -> None:
        mask = parse_mask(params[0] if params else None)
        if self._version_mask is None or mask is None:
            log.warning("ignoring mining.set_version_mask %.80r", params)
            return
        # BIP 310: the new mask applies at once, to the current job too.
        self._version_mask = mask & self._settings.requested_version_mask
        self._cursor.set_version_mask(self._version_mask)
        log.info("version mask set to %08x", self._version_mask)

    def _on_set_extranonce(self, params: list[Any]) -> bool:
        try:
            extranonce1 = parse_hex(params[0] if params else None, "extranonce1")
            size = params[1] if len(params) > 1 else None
            if isinstance(size, bool) or not isinstance(size, int):
                raise ValueError("extranonce2_size is not an integer")
            if not 1 <= size <= self._settings.max_extranonce2_size:
                raise ValueError(f"extranonce2_size {size} out of range")
        except ValueError as exc:
            log.warning("ignoring mining.set_extranonce: %s", exc)
            return False
        self._next_extranonce = (extranonce1, size)
        return True

    def _on_reconnect(self, params: list[Any]) -> None:
        wait = params[2] if len(params) > 2 else 0
        if isinstance(wait, bool) or not isinstance(wait, int | float) or not wait >= 0:
            wait = 0
        self._reconnect_wait = min(float(wait), self._settings.max_reconnect_wait)
        if params[:2] and any(item is not None for item in params[:2]):
            where = loggable(params[:2])
            log.info("pool asked to move to %s; reconnecting to the same server", where)
        self._end_reason = "pool asked to reconnect"

    async def submit(self, chunk: Chunk, nonce: int, digest: bytes) -> None:
        """Send a share found in ``chunk``, unless its job has been cleared since."""
        work = chunk.work
        mask = self._version_mask
        bits = chunk.version_bits
        if (
            not self._authorized
            or self._conn.closed
            or self._live.get(work.job.job_id) is not work
            or (bits is not None and (mask is None or bits & ~mask))
        ):
            self._stats.discarded += 1
            return
        await self._shares.send(chunk, nonce, digest)


def _notify_subscription(subscriptions: object) -> str | None:
    """The id of the ``mining.notify`` subscription pair, used as cpuminer's resume id (§1.3)."""
    if not isinstance(subscriptions, list):
        return None
    for pair in subscriptions:
        if not isinstance(pair, list) or len(pair) < 2:
            break
        if isinstance(pair[0], str) and pair[0].lower() == "mining.notify":
            return pair[1] if isinstance(pair[1], str) else None
    return None
