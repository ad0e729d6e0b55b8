"""ratecard: Dhall product catalogs rated against sampled resource traits.

The public API (docs/python-api.md) is what ``__all__`` lists::

    catalog = rating.open_catalog("examples/catalogs/private-cloud")
    rated = catalog.rate("examples/samples/fleet-2026-10.jsonl", period="2026-10")
    rated.line_items          # a pyarrow.Table
    rated.reports().render()  # the tenant usage reports

Everything else is internal. The package mirrors the pipeline: ``load``
(Dhall, traits, samples) → ``check`` → ``rate`` (engines and the reference
rater) → ``report`` → ``export``. The names below are imported on first use,
so ``import rating`` (and the CLI's start) stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_PUBLIC = {
    "open_catalog": "rating.api",
    "rate_each": "rating.api",
    "Ratecard": "rating.api",
    "Rated": "rating.api",
    "Reports": "rating.api",
    "Written": "rating.api",
    "Counts": "rating.rate.result",
    "Period": "rating.period",
    "RatecardError": "rating.errors",
}
__all__ = [
    "Counts",
    "Period",
    "Ratecard",
    "RatecardError",
    "Rated",
    "Reports",
    "Written",
    "open_catalog",
    "rate_each",
]

if TYPE_CHECKING:
    from rating.api import Ratecard, Rated, Reports, Written, open_catalog, rate_each
    from rating.errors import RatecardError
    from rating.period import Period
    from rating.rate.result import Counts


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'rating' has no attribute {name!r}")
    return getattr(importlib.import_module(_PUBLIC[name]), name)
