"""The Stratum V1 listener: where miners connect.

Layers, outermost first:

- ``server``: ``StratumServer`` listens, admits or refuses sockets (global cap, IP bans, per-IP
  rates and unauthenticated-socket caps), broadcasts jobs (one encoded notify line written to every
  mining session), runs the one timer that sweeps deadlines, and stops gracefully with
  ``client.reconnect``.
- ``connection``: ``Connection``, the ``asyncio.Protocol`` of one socket: line framing with a
  hard cap, the message-rate bucket, the send-queue bound.
- ``session``: ``Session``, the per-connection protocol state machine. It parses, calls the
  mining domain (``backend.mining``), replies, and hands shares to the pool. Nothing else.
- ``context``: what sessions share (collaborators, shared tables, encoded job lines).
- ``codec``: the strict JSON decoder and the outbound line builders.
- ``limits``: ``StratumLimits`` (every limit with its reference default) and the bounded tables.
- ``ports``: ``Identity``, ``Authorizer``, ``AuthorizationError``, ``ShareSink`` — what the pool
  plugs in.

The wire rules are in ``shared/reference/stratum-v1-and-pool-mechanics.md`` §1 and §7; the limits
and their defaults in ``shared/reference/security-and-reliability.md`` §1 to §3.
"""
