"""One miner connection's Stratum state machine: parse, call the mining domain, reply, emit.

A ``Session`` receives decoded messages in arrival order and answers each through its ``Link``
(the connection that owns the socket). It keeps only what the protocol needs: the extranonce1
and negotiated mask (in the domain's ``MinerWork``), the authorized workers, the vardiff, and two
share counters for the invalid-share ban. Sockets, deadlines, rate limits and broadcast belong to
the server; share judgement belongs to ``backend.mining``; what happens to a share belongs to the
pool's ``ShareSink``.

Ordering (stratum reference §1.4): configure, subscribe, authorize, suggest_difficulty and
extranonce.subscribe are accepted in any order. Nothing unsolicited is sent before the subscribe
reply; once the connection is subscribed and authorized, ``flush`` sends set_difficulty and then
a clean notify. ``flush`` runs after each batch of lines, so a suggest_difficulty pipelined behind
authorize still sets the starting difficulty.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Coroutine
from typing import Any

from backend.mining.jobs import VERSION_ROLLING_MASK, Job
from backend.mining.shares import (
    MinerWork,
    RejectReason,
    ShareResult,
    Submission,
    parse_submission,
    validate_share,
)
from backend.mining.vardiff import Vardiff, clamp_difficulty
from backend.stratum.codec import (
    Message,
    encode_error,
    encode_notification,
    encode_result,
)
from backend.stratum.context import Link, SessionContext
from backend.stratum.ports import AuthorizationError, Identity
from backend.text import loggable

log = logging.getLogger("backend.stratum")

_MASK_HEX = re.compile(r"[0-9a-fA-F]{1,8}", re.ASCII)
_MAX_CONFIGURE_CODES = 16
_IGNORED = frozenset({"pong", "mining.multi_version"})


def _reply(link: Link, msg_id: int | str | None, result: Any) -> None:
    if msg_id is not None:
        link.write(encode_result(msg_id, result))


def _error(link: Link, msg_id: int | str | None, code: int, message: str) -> None:
    if msg_id is not None:
        link.write(encode_error(msg_id, code, message))


class Session:
    """The protocol state of one connection (see the module docstring for the rules)."""

    __slots__ = (
        "_ctx",
        "_link",
        "floor",
        "invalid",
        "ip",
        "last_share",
        "peer",
        "started",
        "suggested",
        "user_agent",
        "valid",
        "vardiff",
        "version_mask",
        "work",
        "workers",
    )

    def __init__(self, ctx: SessionContext, link: Link, peer: str, ip: str) -> None:
        self._ctx = ctx
        self._link = link
        self.peer = peer
        """``host:port`` of the miner, as given to the share sink."""
        self.ip = ip
        """The address key bans apply to (IPv6 collapsed to its /64)."""
        self.work: MinerWork | None = None
        """The domain's per-connection state; exists from subscribe on."""
        self.version_mask = 0
        """The negotiated BIP 310 mask (kept here until subscribe creates ``work``)."""
        self.user_agent = ""
        self.workers: dict[str, Identity] = {}
        """Authorized usernames on this connection and who they are."""
        self.floor: float | None = None
        """The miner's difficulty floor (suggest_difficulty or minimum-difficulty), clamped."""
        self.suggested = False
        self.vardiff: Vardiff | None = None
        self.started = False
        self.valid = 0
        self.invalid = 0
        self.last_share = 0.0

    # -- inbound -------------------------------------------------------------------------

    def handle(self, msg: Message, now: float) -> Coroutine[Any, Any, None] | None:
        """Answer one message. Returns a coroutine when the answer needs IO (authorize); the
        caller runs it and holds later lines until it finishes, so replies stay in order."""
        method = msg.method
        if method == "mining.submit":
            self._submit(msg, now)
        elif method == "mining.authorize":
            return self._authorize(msg, now)
        elif method == "mining.subscribe":
            self._subscribe(msg)
        elif method == "mining.configure":
            self._configure(msg, now)
        elif method == "mining.suggest_difficulty":
            self._suggest_difficulty(msg, now)
        elif method == "mining.extranonce.subscribe":
            _reply(self._link, msg.id, True)
        elif method is None or method in _IGNORED:
            pass  # a response to us, ESP-Miner's "pong", bmminer's multi_version (§1.3, §7)
        elif msg.id is not None:
            # Unknown requests get error 20 and keep the connection (reference §1.4 rule 5).
            _error(self._link, msg.id, 20, "Method not found")
            log.debug("%s unknown method %s", self.peer, loggable(method))
        return None

    def flush(self, now: float) -> None:
        """After a batch of lines: start mining once subscribed and authorized."""
        if not self.started and self.work is not None and self.workers:
            self._start(now)

    def tick(self, now: float) -> None:
        """Periodic: let vardiff lower the difficulty of a connection that has gone quiet."""
        if self.vardiff is not None:
            new = self.vardiff.idle(now)
            if new is not None:
                self._retarget(new, now)

    def close(self) -> None:
        """The connection is gone: leave the broadcast set, give the extranonce1 back and tell
        the watcher its workers left."""
        self._ctx.ready.pop(self, None)
        for identity in self.workers.values():
            self._watch("worker_disconnected", identity)
        if self.work is not None:
            self._ctx.extranonces.release(self.work.extranonce1)
            self.work = None

    # -- handlers ------------------------------------------------------------------------

    def _subscribe(self, msg: Message) -> None:
        ctx = self._ctx
        if self.work is None:
            params = msg.params
            if params and type(params[0]) is str:
                self.user_agent = params[0][: ctx.limits.max_user_agent_length]
            # params[1] (resume id) is not honoured: every connection gets a fresh extranonce1.
            try:
                extranonce1 = ctx.extranonces.allocate()
            except RuntimeError:
                _error(self._link, msg.id, 20, "No extranonce available, try later")
                self._link.drop("extranonce1 space exhausted")
                return
            self.work = MinerWork(
                extranonce1=extranonce1,
                extranonce2_size=ctx.limits.extranonce2_size,
                version_mask=self.version_mask,
                difficulty=ctx.start_difficulty,
            )
            log.info("%s subscribed, agent %s", self.peer, loggable(self.user_agent))
        # A repeated subscribe gets the same answer again rather than silence (reference §1.2).
        sid = self.work.extranonce1.hex()
        result = [[["mining.set_difficulty", sid], ["mining.notify", sid]], sid]
        result.append(self.work.extranonce2_size)
        _reply(self._link, msg.id, result)

    def _configure(self, msg: Message, now: float) -> None:
        params = msg.params
        codes = params[0] if params else []
        options = params[1] if len(params) > 1 else {}
        if type(codes) is not list or type(options) is not dict:
            _error(self._link, msg.id, 20, "Invalid configure params")
            return
        result: dict[str, Any] = {}
        set_mask = False
        floor: float | None = None
        # Every requested code gets a key (BIP 310); unknown ones get false.
        for code in codes[:_MAX_CONFIGURE_CODES]:
            if type(code) is not str or code in result:
                continue
            if code == "version-rolling":
                mask = self._version_rolling(options.get("version-rolling.mask", "ffffffff"))
                set_mask = self.started and mask != self.version_mask
                self.version_mask = mask
                if self.work is not None:
                    self.work.version_mask = mask
                result[code] = mask != 0
                if mask:
                    result["version-rolling.mask"] = f"{mask:08x}"
            elif code == "minimum-difficulty":
                floor = self._minimum_difficulty(options.get("minimum-difficulty.value"))
                result[code] = floor is not None
            elif code in ("subscribe-extranonce", "info"):
                result[code] = True
            else:
                result[code] = False
        if "info" in result:
            log.info(
                "%s configure info %s",
                self.peer,
                loggable({k: v for k, v in options.items() if k.startswith("info.")}, 200),
            )
        _reply(self._link, msg.id, result)
        if set_mask:
            # A mask changed mid-session takes effect at once (BIP 310 mining.set_version_mask).
            self._link.write(
                encode_notification("mining.set_version_mask", [f"{self.version_mask:08x}"])
            )
        if floor:
            self._apply_floor(floor, now)

    @staticmethod
    def _version_rolling(miner_mask: object) -> int:
        # pool mask AND miner mask; an unreadable miner mask negotiates nothing (reference §1.3).
        if type(miner_mask) is not str or _MASK_HEX.fullmatch(miner_mask) is None:
            return 0
        return VERSION_ROLLING_MASK & int(miner_mask, 16)

    def _minimum_difficulty(self, value: object) -> float | None:
        # The floor to apply; 0.0 for BIP 310's "0 = no minimum"; None when unusable.
        if type(value) in (int, float) and value == 0:
            return 0.0
        settings = self._ctx.vardiff
        return clamp_difficulty(value, settings.minimum, settings.maximum)

    def _suggest_difficulty(self, msg: Message, now: float) -> None:
        settings = self._ctx.vardiff
        value = msg.params[0] if msg.params else None
        clamped = clamp_difficulty(value, settings.minimum, settings.maximum)
        if clamped is None:
            _error(self._link, msg.id, 20, "Invalid difficulty")
            return
        _reply(self._link, msg.id, True)
        # Only the first suggestion counts: NerdMiner repeats it every 30 s as a keepalive.
        if not self.suggested:
            self.suggested = True
            self._apply_floor(clamped, now)

    def _apply_floor(self, value: float, now: float) -> None:
        self.floor = value
        if self.vardiff is None:
            return  # _start applies it
        # Before the first share the floor is also the new difficulty (Vardiff.set_floor).
        new = self.vardiff.set_floor(value)
        if new is not None:
            self._retarget(new, now)

    def _authorize(self, msg: Message, now: float) -> Coroutine[Any, Any, None] | None:
        ctx = self._ctx
        limits = ctx.limits
        params = msg.params
        username = params[0] if params else None
        password = params[1] if len(params) > 1 else ""
        if password is None:
            password = ""
        if (
            type(username) is not str
            or not username
            or len(username) > limits.max_username_length
            or type(password) is not str
            or len(password) > limits.max_password_length
        ):
            self._auth_refused(msg.id, "Invalid username or password")
            return None
        if username in self.workers:
            _reply(self._link, msg.id, True)
            return None
        if len(self.workers) >= limits.max_workers_per_connection:
            self._auth_refused(msg.id, "Too many workers on this connection")
            return None
        wait = ctx.auth_backoff.remaining(username, now)
        if wait > 0:
            self._auth_refused(msg.id, f"Too many failed attempts, retry in {math.ceil(wait)} s")
            return None
        return self._authorize_remote(msg.id, username, password)

    async def _authorize_remote(
        self, msg_id: int | str | None, username: str, password: str
    ) -> None:
        ctx = self._ctx
        try:
            identity = await ctx.authorizer.authorize(username, password)
        except AuthorizationError as exc:
            wait = ctx.auth_backoff.fail(username, ctx.clock())
            log.info(
                "%s authorize %s refused: %s (back-off %.0f s)",
                self.peer,
                loggable(username),
                loggable(exc.message),
                wait,
            )
            self._auth_refused(msg_id, exc.message)
            return
        except Exception:
            log.exception("%s authorizer failed for %s", self.peer, loggable(username))
            self._auth_refused(msg_id, "Authorization unavailable")
            return
        now = ctx.clock()
        banned = ctx.account_bans.remaining((identity.account, self.ip), now)
        if banned:
            self._auth_refused(msg_id, f"Banned for invalid shares, retry in {math.ceil(banned)} s")
            return
        ctx.auth_backoff.succeed(username)
        first = not self.workers
        self.workers[username] = identity
        if first:
            self._link.authenticated()
        self._watch("worker_connected", identity, self.user_agent)
        if self.started and self.work is not None:
            self._watch("worker_difficulty", identity, self.work.difficulty)
        log.info(
            "%s authorized %s (account %s)",
            self.peer,
            loggable(username),
            loggable(identity.account),
        )
        _reply(self._link, msg_id, True)

    def _auth_refused(self, msg_id: int | str | None, message: str) -> None:
        if msg_id is not None:
            self._link.write(encode_error(msg_id, 24, message, result=False))

    def _submit(self, msg: Message, now: float) -> None:
        work = self.work
        params = msg.params
        if work is None:
            self._refuse(msg.id, RejectReason.NOT_SUBSCRIBED, None, now)
            return
        worker = params[0] if params else None
        identity = self.workers.get(worker) if type(worker) is str else None
        if identity is None:
            self._refuse(msg.id, RejectReason.UNAUTHORIZED, None, now)
            return
        sub = parse_submission(params, work.extranonce2_size)
        if type(sub) is not Submission:
            self._refuse(msg.id, sub, identity, now)
            return
        result = validate_share(work, sub, self._ctx.jobs, int(now))
        self._emit(identity, result)
        reason = result.reason
        if reason is not None:
            self._refuse(msg.id, reason, None, now)
            return
        self.valid += 1
        self.last_share = now
        if msg.id is not None:
            self._link.write(encode_result(msg.id, True))
        vardiff = self.vardiff
        if vardiff is not None:
            new = vardiff.record(now, result.difficulty)
            if new is not None:
                self._retarget(new, now)
        if self.valid + self.invalid >= self._ctx.limits.invalid_share_min_shares:
            self._judge(now)

    def _refuse(
        self, msg_id: int | str | None, reason: Any, identity: Identity | None, now: float
    ) -> None:
        if identity is not None:
            self._emit(identity, ShareResult.rejected(reason))
        self.invalid += 1
        if msg_id is not None:
            self._link.write(
                encode_error(msg_id, reason.code, reason.message, False, reason.message)
            )
        if self.valid + self.invalid >= self._ctx.limits.invalid_share_min_shares:
            self._judge(now)

    def _emit(self, identity: Identity, result: ShareResult) -> None:
        try:
            self._ctx.sink.share(identity, result, self.peer)
        except Exception:
            # A broken sink must not take the miner's connection down with it.
            log.exception("share sink failed for %s", self.peer)

    def _watch(self, event: str, identity: Identity, *args: Any) -> None:
        # Like the sink, a failing watcher must not take the miner's connection down.
        try:
            getattr(self._ctx.watcher, event)(identity, self.peer, *args)
        except Exception:
            log.exception("worker watcher failed for %s", self.peer)

    def _judge(self, now: float) -> None:
        # Invalid-share ban (security reference §2.1, §3): judged every N shares, then reset.
        limits = self._ctx.limits
        total = self.valid + self.invalid
        ratio = self.invalid / total
        self.valid = self.invalid = 0
        if ratio < limits.invalid_share_ratio:
            return
        until = now + limits.invalid_share_ban
        for identity in self.workers.values():
            self._ctx.account_bans.activate((identity.account, self.ip), until)
        self._link.drop(
            f"{ratio:.0%} of {total} shares invalid, banned {limits.invalid_share_ban:.0f} s"
        )

    # -- outbound ------------------------------------------------------------------------

    def _start(self, now: float) -> None:
        ctx = self._ctx
        work = self.work
        assert work is not None
        vardiff = self.vardiff = Vardiff(ctx.vardiff, ctx.start_difficulty, now)
        if self.floor is not None:
            # The miner's suggestion is both the floor and the starting difficulty (§1.3).
            vardiff.set_floor(self.floor)
        work.difficulty = vardiff.current
        self.started = True
        for identity in self.workers.values():
            self._watch("worker_difficulty", identity, work.difficulty)
        self.last_share = now
        self._link.write(encode_notification("mining.set_difficulty", [work.difficulty]))
        job = ctx.current_job()
        if job is not None:
            self.send_job(job, ctx.notify_line(job, True))
        ctx.ready[self] = None

    def send_job(self, job: Job, line: bytes) -> None:
        """Send an encoded notify for ``job``, recording the difficulty it is issued at."""
        assert self.work is not None
        self.work.note_job(job.job_id)
        self._link.write(line)

    def _retarget(self, difficulty: float, now: float) -> None:
        # set_difficulty, then a job with a new id that it governs; older jobs keep the
        # difficulty they were issued at (stratum reference §2.6).
        work = self.work
        if work is None or difficulty == work.difficulty:
            return
        work.difficulty = difficulty
        self._link.write(encode_notification("mining.set_difficulty", [difficulty]))
        for identity in self.workers.values():
            self._watch("worker_difficulty", identity, difficulty)
        job = self._ctx.fresh_job(work, now)
        if job is not None:
            self.send_job(job, self._ctx.notify_line(job, False))
