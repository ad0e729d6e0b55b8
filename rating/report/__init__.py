"""Tenant usage reports: top-level lines, details, discounts and fees, FX, rounding.

See :mod:`rating.report.build` for the rounding/allocation rule and
``docs/reports.md`` for the user-facing description.
"""

from rating.report.build import build_reports
from rating.report.chargeback import chargeback_summary
from rating.report.fx import FxTable, read_fx_csv
from rating.report.model import ChargebackRow, TenantReport
from rating.report.rounding import ROUNDING_MODES, rounding_mode

__all__ = [
    "ROUNDING_MODES",
    "ChargebackRow",
    "FxTable",
    "TenantReport",
    "build_reports",
    "chargeback_summary",
    "read_fx_csv",
    "rounding_mode",
]
