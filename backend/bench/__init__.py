"""Benchmarks of the pool (`minerpool bench ...`): they print figures, they never assert on time.

- ``cli``: the `minerpool bench` command line.
- ``stratum``: the phases of `minerpool bench stratum`, run from the coordinating process.
- ``target``: the pool process (the real ``backend.pool.Pool`` on a ``StaticSource``).
- ``static_source``: a template source serving one fixed, mainnet-shaped template.
- ``load`` and ``client``: the load generator process and its miner connections.
- ``process``: spawning children, pipes, CPU pinning, fd limit, RSS and CPU readings.
- ``report`` and ``profile_report``: the text and the profile tables.
"""
