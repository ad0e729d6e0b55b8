"""Shared pytest setup: an isolated Dhall cache and a CI-sized hypothesis profile."""

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ratecard",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("ratecard")


@pytest.fixture(autouse=True, scope="session")
def _isolated_dhall_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Never read or pollute the developer's ~/.cache/ratecard from tests."""
    os.environ["RATECARD_CACHE_DIR"] = str(tmp_path_factory.mktemp("dhall-cache"))
