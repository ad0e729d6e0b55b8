"""The HTML site's breakdowns: the run's reports regrouped by one dimension at a time.

The site shows what each cell, service category and declared label
(``dimensions.labels`` in the catalog) costs, beside the default lines. Each
breakdown is the run's reports rebuilt ``by`` that one dimension
(:func:`rating.report.build.build_reports`), so the grouping, the rounding
(once per group's top-level line) and every number are exactly those of
``ratecard report --by DIM``'s JSON; nothing is summed again here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from rating.report.chargeback import group_chargeback
from rating.report.dimensions import LABEL
from rating.report.model import Group, GroupChargebackRow, TenantReport

# The dimension whose values belong to one tenant (a cell is a tenant's sub-unit), so the
# index lists it per tenant rather than summed across tenants.
PER_TENANT = "cell"


@dataclass(frozen=True)
class Breakdown:
    """The run's reports grouped by ``dimension`` (as ``--by DIM``), in the run's tenant order."""

    dimension: str
    reports: tuple[TenantReport, ...]

    @property
    def title(self) -> str:
        """How the site names the breakdown: "cell", "service category", "label costCenter"."""
        if self.dimension.startswith(LABEL):
            return f"label {self.dimension[len(LABEL) :]}"
        return self.dimension.replace("-", " ")

    @property
    def heading(self) -> str:
        """The title as a column heading: "Cell", "Label costCenter" (the name kept as is)."""
        return self.title[:1].upper() + self.title[1:]

    def groups(self, tenant: str) -> tuple[Group, ...]:
        """``tenant``'s groups (empty when the run has no such tenant)."""
        return next((r.groups for r in self.reports if r.tenant == tenant), ())

    def chargeback(self) -> list[GroupChargebackRow]:
        """Across tenants, per value and currency: the chargeback of ``--by DIM``."""
        return group_chargeback(self.reports, (self.dimension,))


def site_breakdowns(
    regroup: Callable[[str], Sequence[TenantReport]], labels: Iterable[str]
) -> tuple[Breakdown, ...]:
    """Breakdowns by cell, service category and each declared label, ``regroup(dimension)``
    building the run's reports by it; a dimension no line item has a value for is left out."""
    breakdowns = []
    for dimension in ("cell", "service-category", *(f"{LABEL}{name}" for name in labels)):
        reports = tuple(regroup(dimension))
        if any(line.group[0] is not None for report in reports for line in report.lines):
            breakdowns.append(Breakdown(dimension, reports))
    return tuple(breakdowns)
