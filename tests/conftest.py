"""Shared pytest setup: an isolated Dhall cache, a CI-sized hypothesis profile, and
``RATECARD_REQUIRE_ALL=1`` (set by ``.ci/run``), under which a skipped test fails.

Tests that need a prerequisite this machine lacks (Java 17 for Spark, Python 3.12
for the FOCUS validator) skip with the reason on a developer's machine; in CI a
skip would hide a suite that never ran, so it becomes a failure naming that reason.
One exception: tests comparing with the ``dhall`` binding skip with
``BINDING_UNAVAILABLE`` on Python 3.12 and later, where the binding has no wheel
and CI cannot provide it (CI runs them on 3.11, where the binding must be there).
"""

import importlib.util
import os
import sys

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ratecard",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("ratecard")

REQUIRE_ALL = os.environ.get("RATECARD_REQUIRE_ALL") == "1"
BINDING_UNAVAILABLE = "the dhall binding is unavailable on this Python"
"""The one skip reason RATECARD_REQUIRE_ALL=1 lets pass, and only on Python 3.12+."""


def binding_available() -> bool:
    """Whether the ``dhall`` binding (a test dependency on Python 3.11 only) is installed."""
    return importlib.util.find_spec("dhall") is not None


def skip_without_binding() -> None:
    """Skip the running test when the binding is missing (see :data:`BINDING_UNAVAILABLE`)."""
    if not binding_available():
        pytest.skip(f"{BINDING_UNAVAILABLE} (Python {sys.version_info[0]}.{sys.version_info[1]})")


def _allowed_skip(reason: object) -> bool:
    """A skip RATECARD_REQUIRE_ALL=1 tolerates: the binding, where it cannot exist."""
    return sys.version_info >= (3, 12) and BINDING_UNAVAILABLE in str(reason)


@pytest.fixture(autouse=True, scope="session")
def _isolated_dhall_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Never read or pollute the developer's ~/.cache/ratecard from tests."""
    os.environ["RATECARD_CACHE_DIR"] = str(tmp_path_factory.mktemp("dhall-cache"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Under RATECARD_REQUIRE_ALL=1, report a skipped test as failed, with its reason."""
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_ALL and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        if _allowed_skip(reason):
            return
        report.outcome = "failed"
        report.longrepr = (
            f"skipped, but RATECARD_REQUIRE_ALL=1 requires every test to run: {reason}"
        )


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector):
    """A whole module skipped at import time fails too under RATECARD_REQUIRE_ALL=1."""
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_ALL and report.skipped:
        report.outcome = "failed"
