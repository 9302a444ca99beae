"""Prometheus metrics, served as text on their own listener (`--metrics HOST:PORT`).

Pool-wide numbers are read from `PoolFacts` at scrape time, so the share path pays nothing for
them; API requests are counted by route template and status. No label carries a worker, account,
key or token: cardinality stays fixed whatever miners call themselves.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, make_asgi_app
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from backend.api.facts import PoolFacts

UNMATCHED_ROUTE = "unmatched"
"""Route label of a request that matched no route (kept as one label, whatever the path)."""


class PoolCollector(Collector):
    """Reads the pool's live counters when Prometheus scrapes."""

    def __init__(self, facts: PoolFacts) -> None:
        self._facts = facts

    def collect(self) -> Iterator[Metric]:
        """One sample per pool-wide metric (no per-worker labels)."""
        facts = self._facts
        connections = GaugeMetricFamily(
            "minerpool_stratum_connections", "Open stratum connections in this process"
        )
        connections.add_metric([], facts.connections())
        yield connections
        accepted = CounterMetricFamily(
            "minerpool_shares_accepted", "Shares accepted since the process started"
        )
        accepted.add_metric([], facts.shares_accepted())
        yield accepted
        rejected = CounterMetricFamily(
            "minerpool_shares_rejected",
            "Shares rejected since the process started",
            labels=["reason"],
        )
        for reason, count in sorted(facts.shares_rejected().items()):
            rejected.add_metric([reason], count)
        yield rejected
        hashrate = GaugeMetricFamily("minerpool_hashrate", "Pool hashrate, hashes per second")
        hashrate.add_metric([], facts.hashrate())
        yield hashrate
        blocks = CounterMetricFamily("minerpool_blocks_found", "Block candidates found")
        blocks.add_metric([], facts.blocks_found())
        yield blocks
        age = facts.template_age()
        template = GaugeMetricFamily(
            "minerpool_template_age_seconds", "Seconds since the current block template arrived"
        )
        if age is not None:
            template.add_metric([], age)
        yield template
        queue = GaugeMetricFamily(
            "minerpool_ledger_queue_depth", "Share events waiting for the ledger recorder"
        )
        queue.add_metric([], facts.ledger_queue())
        yield queue


class ApiMetrics:
    """The metrics registry of one pool process."""

    def __init__(self, facts: PoolFacts) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "minerpool_api_requests",
            "API requests by route template and HTTP status",
            ["route", "status"],
            registry=self.registry,
        )
        self.registry.register(PoolCollector(facts))

    def observe(self, route: str, status: int) -> None:
        """Count one answered API request."""
        self.requests.labels(route, str(status)).inc()

    def app(self):
        """The ASGI app that serves `/metrics` in the Prometheus text format."""
        return make_asgi_app(self.registry)
