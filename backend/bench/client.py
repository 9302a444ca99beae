"""One benchmark miner: an ``asyncio.Protocol`` that speaks just enough Stratum V1 to load a pool.

The hot paths never decode JSON. Replies to submits are counted on the bytes (the pool's accepted
reply is the fixed line ``{"id":N,"result":true,"error":null}``); only reject lines and notifies
are decoded, and those are rare. Every share is unique: the nonce counts up per connection and
extranonce2 steps when it wraps, and the pool gives every connection its own extranonce1.

A miner is in one of these modes, switched by its ``Fleet`` (``backend.bench.load``):

- handshake: subscribe and authorize pipelined, as ESP-Miner does, until the first job arrives;
- idle: holds the connection like a miner between shares, and when armed timestamps the first
  clean ``mining.notify`` (a new tip);
- flood: keeps ``window`` submits outstanding (throughput and closed-loop latency);
- paced: submits when the fleet's clock says so and times each reply (open-loop latency).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter, deque
from typing import TYPE_CHECKING, Any

try:  # orjson is in the dev environment; the stdlib decoder is only slower on rare lines.
    from orjson import loads as _loads
except ImportError:  # pragma: no cover
    _loads = json.loads

if TYPE_CHECKING:
    from backend.bench.load import Fleet

USER_AGENT = "minerpool-bench/1"
"""User agent sent in mining.subscribe."""

HANDSHAKE, IDLE, FLOOD, PACED, CLOSED = "handshake", "idle", "flood", "paced", "closed"

_RESULT = b'"result":'
_ACCEPTED = b'"result":true'
_NOTIFY = b'"mining.notify"'
_CLEAN_TAIL = b",true]}"
_STALE_TAIL = b",false]}"
_MAX_BUFFER = 1 << 20
_clock = time.monotonic


class BenchMiner(asyncio.Protocol):
    """One connection of the benchmark fleet (see the module docstring)."""

    def __init__(self, fleet: Fleet, username: str) -> None:
        self.fleet = fleet
        self.username = username
        self.transport: asyncio.Transport | None = None
        self.mode = HANDSHAKE
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        """Done once subscribed, authorized and holding a job (or failed with the reason)."""
        self._buf = b""
        self._subscribed = False
        self._authorized = False
        self.extranonce1 = ""
        self.extranonce2_size = 0
        self.job_id = ""
        self.prevhash = ""
        self.ntime = ""
        self._extranonce2 = 0
        self._nonce = 0
        self._next_id = 10
        self._line = b""
        self._prevhash_bytes = b""
        self.outstanding = 0
        """Submits sent and not yet answered."""
        self.timed = False
        """Keep send times and report each reply's latency to the fleet."""
        self.sent_at: deque[float] = deque()
        """monotonic() send times of outstanding submits, oldest first (when ``timed``)."""
        self.armed = False
        self._unread = b""
        self.notified_at: float | None = None
        """monotonic() of the first clean notify after arming."""

    # -- asyncio.Protocol ----------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, so no isinstance check here.
        self.transport = transport  # type: ignore[assignment]
        subscribe = {"id": 1, "method": "mining.subscribe", "params": [USER_AGENT]}
        authorize = {"id": 2, "method": "mining.authorize", "params": [self.username, "x"]}
        transport.write(f"{json.dumps(subscribe)}\n{json.dumps(authorize)}\n".encode())

    def connection_lost(self, exc: Exception | None) -> None:
        fleet = self.fleet
        if self.mode is not CLOSED:
            fleet.lost += 1
        self.mode = CLOSED
        fleet.answered(self.outstanding)
        self.outstanding = 0
        fleet.gone()
        if not self.ready.done():
            self.ready.set_exception(ConnectionError(f"closed during handshake: {exc}"))

    def data_received(self, data: bytes) -> None:
        now = _clock()
        if self._buf:
            data = self._buf + data
        end = data.rfind(b"\n") + 1
        if end == 0:
            self._keep(data)
            return
        self._buf = data[end:] if end < len(data) else b""
        chunk = data[:end] if end < len(data) else data
        mode = self.mode
        if mode is FLOOD or mode is PACED:
            self._replies(chunk, now)
        elif mode is IDLE:
            if _NOTIFY in chunk:
                self._notifies(chunk, now)
        elif mode is HANDSHAKE:
            for line in chunk.splitlines():
                if line:
                    self._handshake_line(line)

    def _keep(self, data: bytes) -> None:
        if len(data) > _MAX_BUFFER:
            self.close()
        self._buf = data

    # -- handshake -----------------------------------------------------------------------

    def _handshake_line(self, line: bytes) -> None:
        message = _loads(line)
        msg_id = message.get("id")
        if msg_id == 1:
            result = message.get("result")
            if not isinstance(result, list) or len(result) < 3:
                self._fail(f"subscribe refused: {message.get('error')}")
                return
            self.extranonce1, self.extranonce2_size = result[1], int(result[2])
            self._subscribed = True
        elif msg_id == 2:
            if message.get("result") is not True:
                self._fail(f"authorize refused: {message.get('error')}")
                return
            self._authorized = True
        elif message.get("method") == "mining.notify":
            self._take_job(message["params"])
        if self._subscribed and self._authorized and self.job_id and not self.ready.done():
            self.mode = IDLE
            self.ready.set_result(None)

    def _fail(self, reason: str) -> None:
        if not self.ready.done():
            self.ready.set_exception(ConnectionError(reason))
        self.close()

    def _take_job(self, params: list[Any]) -> None:
        self.job_id, self.prevhash, self.ntime = params[0], params[1], params[7]
        self._build_line()

    def _build_line(self) -> None:
        # The submit line with two holes, the request id and the nonce; "%" in the names escaped.
        extranonce2 = self._extranonce2.to_bytes(self.extranonce2_size, "little").hex()
        fixed = (
            f'"method":"mining.submit","params":[{json.dumps(self.username)},'
            f'{json.dumps(self.job_id)},"{extranonce2}","{self.ntime}",'
        ).replace("%", "%%")
        self._line = ('{"id":%d,' + fixed + '"%08x"]}\n').encode()
        self._prevhash_bytes = self.prevhash.encode()

    # -- submitting ----------------------------------------------------------------------

    def submit(self, count: int) -> None:
        """Write ``count`` new, never-repeated shares in one write."""
        line = self._line
        ident = self._next_id
        nonce = self._nonce
        if nonce + count > 0xFFFFFFFF:
            # Nonce space of this extranonce2 used up: move to the next one.
            self._extranonce2 += 1
            self._nonce = nonce = 0
            self._build_line()
            line = self._line
        lines = [line % (ident + i, nonce + i) for i in range(count)]
        self._next_id = ident + count
        self._nonce = nonce + count
        self.outstanding += count
        self.fleet.outstanding += count
        assert self.transport is not None
        if self.timed:
            self.sent_at.extend([_clock()] * count)
        self.transport.write(b"".join(lines))

    def _replies(self, chunk: bytes, now: float) -> None:
        replies = chunk.count(_RESULT)
        if replies:
            fleet = self.fleet
            accepted = chunk.count(_ACCEPTED)
            self.outstanding -= replies
            fleet.answered(replies)
            if accepted != replies:
                self._rejects(chunk)
            counting = fleet.counting
            if counting:
                fleet.accepted += accepted
                fleet.replies += replies
            if self.timed:
                sent_at = self.sent_at
                if counting:
                    samples = fleet.samples
                    for _ in range(replies):
                        samples.append(now - sent_at.popleft())
                else:
                    for _ in range(replies):
                        sent_at.popleft()
            if fleet.sending and self.mode is FLOOD:
                self.submit(replies)
        if _NOTIFY in chunk:
            self._notifies(chunk, now)

    def _rejects(self, chunk: bytes) -> None:
        reasons: Counter[str] = self.fleet.rejects
        for line in chunk.splitlines():
            if _RESULT in line and _ACCEPTED not in line:
                message = _loads(line)
                error = message.get("error")
                text = message.get("reject-reason")
                if text is None and isinstance(error, list) and len(error) > 1:
                    text = f"{error[0]} {error[1]}"
                reasons[str(text)] += 1

    # -- notifies ------------------------------------------------------------------------

    def _notifies(self, chunk: bytes, now: float) -> None:
        for line in chunk.splitlines():
            if _NOTIFY not in line:
                continue
            if self.armed and self.notified_at is None:
                # Waiting for the new tip: judge the line on its bytes, because every microsecond
                # spent here delays the timestamps of the connections read after this one.
                if line.endswith(_CLEAN_TAIL):
                    clean = self._prevhash_bytes not in line
                elif line.endswith(_STALE_TAIL):
                    clean = False
                else:
                    params = _loads(line)["params"]
                    clean = params[8] is True and params[1] != self.prevhash
                if clean:
                    self.notified_at = now
                    self._unread = line
                    self.fleet.notified(self)
                continue
            self._take_job(_loads(line)["params"])

    def disarm(self) -> None:
        """Stop watching for the new tip, and take up the job it brought (decoded only now)."""
        self.armed = False
        if self._unread:
            self._take_job(_loads(self._unread)["params"])
            self._unread = b""

    # -- control -------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection (not counted as lost)."""
        self.mode = CLOSED
        if self.transport is not None:
            self.transport.close()
