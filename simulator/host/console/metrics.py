"""The host's Prometheus metrics (``GET /metrics``), on the maintained client library ``prometheus_client``.

One :class:`~prometheus_client.CollectorRegistry` per host (no process-wide state): counters and a
histogram the server feeds per exchange (requests by MTI and response code, latency), the writer
thread's commit group sizes, and values read when scraped, so they cost the host nothing between
scrapes: open connections, refused frames by reason (the counts the host's rate-limited event logs
keep), refund credits by status (from the journal, on the business date), stream clients and the
events dropped for slow ones. Labels are MTIs, response codes and reasons: never a PAN, key or token.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

__all__ = ["HostMetrics"]

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
GROUP_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128)


class _ScrapeTime(Collector):
    """Values read at scrape time (see the module docstring)."""

    def __init__(self, connections: Callable[[], int], refusals: Callable[[], Mapping[str, int]],
                 credits: Callable[[], Mapping[str, int]], clients: Callable[[], int]) -> None:
        self._connections, self._refusals, self._credits, self._clients = connections, refusals, credits, clients

    def collect(self) -> Iterable[Metric]:
        yield GaugeMetricFamily("possim_host_open_connections", "Connections the ISO 8583 listener serves now.",
                                value=self._connections())
        refused = CounterMetricFamily("possim_host_refused_frames", "Frames and requests the host refused or "
                                      "could not use, by reason (limits, undecodable, format error, MAC ...).",
                                      labels=["reason"])
        for reason, count in sorted(self._refusals().items()):
            refused.add_metric([reason], count)
        yield refused
        credits = GaugeMetricFamily("possim_host_refund_credits", "Refund credits by status on the host's "
                                    "business date.", labels=["status"])
        for status, count in sorted(self._credits().items()):
            credits.add_metric([status], count)
        yield credits
        yield GaugeMetricFamily("possim_console_stream_clients", "Clients of the live traffic stream.",
                                value=self._clients())


class HostMetrics:
    """The registry of one host and the instruments the server feeds."""

    def __init__(self, *, connections: Callable[[], int], refusals: Callable[[], Mapping[str, int]],
                 credits: Callable[[], Mapping[str, int]], clients: Callable[[], int]) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("possim_host_requests", "Requests answered (or not), by request MTI and "
                                "response code (none: no answer).", ["mti", "response_code"], registry=self.registry)
        self.latency = Histogram("possim_host_request_latency_seconds", "From a request's arrival to its "
                                 "durable answer (a delay rule's wait not counted).", buckets=LATENCY_BUCKETS,
                                 registry=self.registry)
        self.commit_group = Histogram("possim_host_commit_group_size", "Requests per durable journal commit "
                                      "(group commit).", buckets=GROUP_BUCKETS, registry=self.registry)
        self.stream_dropped = Counter("possim_console_stream_dropped_events", "Live traffic events dropped for "
                                      "stream clients that did not keep up.", registry=self.registry)
        self.registry.register(_ScrapeTime(connections, refusals, credits, clients))

    def exchange(self, mti: str | None, response_code: str | None, latency: float) -> None:
        """Count one exchange (called on the event loop)."""
        self.requests.labels(mti or "unknown", response_code or "none").inc()
        self.latency.observe(latency)

    def render(self) -> bytes:
        """The Prometheus text format (version 0.0.4)."""
        return generate_latest(self.registry)
