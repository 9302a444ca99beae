"""The reference miner's limits and defaults, one named field each."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class MinerSettings:
    """Tunables of the reference miner. The defaults follow cpuminer (stratum reference §7)."""

    user_agent: str = "minerconsole-miner/0.1.0"
    """Sent in ``mining.subscribe`` and as the ``client.get_version`` answer (reference §1.3)."""

    connect_timeout: float = 30.0
    """Seconds to wait for the TCP connection; cpuminer's CURLOPT_CONNECTTIMEOUT is 30."""

    response_timeout: float = 30.0
    """Seconds to wait for each handshake answer; cpuminer waits 30 s for the subscribe result
    (reference §7)."""

    idle_timeout: float = 600.0
    """Reconnect after this many seconds without a line from the pool. NerdMiner reconnects after
    10 minutes without a job (§1.4), and pools send a notify at least every 30-60 s."""

    backoff_initial: float = 1.0
    """First pause before reconnecting after a failed connection; doubled after each failure."""

    backoff_max: float = 30.0
    """Longest pause between reconnection attempts; cpuminer's --retry-pause default is 30 s."""

    max_reconnect_wait: float = 600.0
    """Cap on the wait a ``client.reconnect`` may ask for, so a pool cannot park us forever."""

    max_line_bytes: int = 65536
    """Longest line accepted from the pool. A notify is a few hundred bytes plus 66 per merkle
    branch entry (§1.3); anything near this size is a broken or hostile pool."""

    requested_version_mask: int = 0xFFFFFFFF
    """Mask offered in ``mining.configure``: ESP-Miner and cgminer offer ``ffffffff`` and let the
    pool narrow it (§1.3, §7)."""

    max_extranonce2_size: int = 100
    """Largest extranonce2_size accepted in a subscribe result; cpuminer accepts 1-100 (§1.3)."""

    nonce_span: int = 1 << 32
    """Nonces scanned per header prefix before the next rolled version or extranonce2. The full
    32-bit nonce field by default; tests lower it to see extranonce2 and version bits roll."""

    chunk_seconds: float = 0.05
    """Target duration of one hashing chunk. A chunk is never interrupted, so this bounds how late
    a clean job, a reconnect or a stop takes effect."""

    initial_chunk: int = 4096
    """Nonces in a worker's first chunk, before its hash rate has been measured."""

    max_chunk: int = 1 << 20
    """Most nonces in one chunk, whatever the measured rate."""

    max_live_jobs: int = 16
    """Jobs remembered per connection for deciding whether a found share is still worth sending
    (the pool's JobTable keeps 16 too)."""

    start_method: str = "spawn"
    """multiprocessing start method for worker processes; spawn is safe next to asyncio threads."""
