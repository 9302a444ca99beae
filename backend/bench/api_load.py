"""The API benchmark's load generator: keep-alive HTTP/1.1 connections, each sending one request
at a time (closed loop) and timing it.

Raw asyncio streams rather than an HTTP library, so the client costs little next to the server
it measures; the only parsing is the status line and `Content-Length`. Each connection signs with
its own API key so its counter nonces arrive in order (a key's nonces must increase).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import socket
import time
from multiprocessing.connection import Connection
from typing import Any

from backend.bench.process import child_setup, commands, run_loop

MAX_SAMPLES = 200_000
"""Latency samples a load process returns per phase (evenly thinned beyond)."""


def signed_post(path: str, fields: dict[str, Any], key: str, secret: str, nonce: int) -> bytes:
    """One signed v4 request, as a WhiteBIT client builds it (reference §3)."""
    body = json.dumps({**fields, "request": path, "nonce": nonce}, separators=(",", ":")).encode()
    payload = base64.b64encode(body).decode()
    signature = hmac.new(secret.encode(), payload.encode(), hashlib.sha512).hexdigest()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nX-TXC-APIKEY: {key}\r\nX-TXC-PAYLOAD: {payload}\r\n"
        f"X-TXC-SIGNATURE: {signature}\r\n\r\n"
    )
    return head.encode() + body


def plain_get(path_and_query: str) -> bytes:
    """One GET request."""
    return f"GET {path_and_query} HTTP/1.1\r\nHost: bench\r\n\r\n".encode()


async def _response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    await reader.readexactly(length)
    return status


class Phase:
    """One measured run: counts and latencies of the requests that finished inside it."""

    def __init__(self, start: float, end: float) -> None:
        self.start = start
        self.end = end
        self.ok = 0
        self.errors: dict[int, int] = {}
        self.latencies: list[float] = []

    def record(self, sent: float, done: float, status: int) -> None:
        if not (self.start <= sent and done <= self.end):
            return
        if status == 200:
            self.ok += 1
            self.latencies.append(done - sent)
        else:
            self.errors[status] = self.errors.get(status, 0) + 1

    def summary(self) -> dict[str, Any]:
        samples = self.latencies
        if len(samples) > MAX_SAMPLES:
            step = len(samples) / MAX_SAMPLES
            samples = [samples[int(i * step)] for i in range(MAX_SAMPLES)]
        return {"ok": self.ok, "errors": self.errors, "latencies": samples}


async def _connection(host: str, port: int, make: Any, phase: Phase, stop_at: float) -> None:
    reader, writer = await asyncio.open_connection(host, port, limit=1 << 22)
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        while (sent := time.monotonic()) < stop_at:
            writer.write(make())
            status = await _response(reader)
            phase.record(sent, time.monotonic(), status)
    finally:
        writer.close()


async def run_phase(
    host: str,
    port: int,
    kind: str,
    connections: int,
    warmup: float,
    duration: float,
    target: dict[str, Any],
) -> dict[str, Any]:
    """Load the API with `connections` for `warmup + duration` seconds; count the last
    `duration` seconds."""
    now = time.monotonic()
    phase = Phase(now + warmup, now + warmup + duration)
    makers = []
    for index in range(connections):
        if kind == "signed":
            key, secret = target["keys"][index % len(target["keys"])]
            nonces = iter(range(time.time_ns(), 2**63))

            def make(key=key, secret=secret, nonces=nonces) -> bytes:
                return signed_post(target["path"], target["fields"], key, secret, next(nonces))

        else:
            request = plain_get(target["path"])

            def make(request=request) -> bytes:
                return request

        makers.append(make)
    await asyncio.gather(*(_connection(host, port, make, phase, phase.end) for make in makers))
    return phase.summary()


def serve(conn: Connection, cpus: frozenset[int] | None, host: str, port: int) -> None:
    """Entry point of a load process: run phases on command until "stop"."""
    child_setup(cpus)
    run_loop(lambda: _serve(conn, host, port))


async def _serve(conn: Connection, host: str, port: int) -> None:
    async for name, args in commands(conn):
        try:
            if name != "phase":
                raise ValueError(f"unknown command {name!r}")
            reply = await run_phase(host, port, **args)
        except Exception as exc:
            conn.send((False, f"{name}: {type(exc).__name__}: {exc}"))
        else:
            conn.send((True, reply))
