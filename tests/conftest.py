"""Shared pytest configuration: hypothesis profiles for CI and for local runs; a quick end for xdist workers."""

from __future__ import annotations

import gc
import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

FINAL_COLLECTIONS = 5
"""As many as pytest's own final passes (its unraisableexception plugin, after the Trio project's findings)."""


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """In a pytest-xdist worker: collect the garbage now, then freeze what is left.

    Once a worker reports its session finished (pytest-xdist does so right after this hook), the
    controller closes it, and execnet gives it 5 seconds to end before it sends the worker SIGINT.
    pytest then still runs five full garbage collections (to report exceptions raised in finalizers);
    with the whole suite's heap on a busy machine they took longer than that, the SIGINT landed in
    hypothesis's gc callback, and the run ended with a PytestUnraisableExceptionWarning
    (KeyboardInterrupt) printed after 100%. Collected here, while nothing waits on the worker, and
    frozen, the heap costs pytest's passes nothing; finalizers still run (in these collections) and
    their exceptions still reach pytest's unraisable hook, so nothing is hidden.
    """
    if os.environ.get("PYTEST_XDIST_WORKER"):
        for _ in range(FINAL_COLLECTIONS):
            gc.collect()
        gc.freeze()
