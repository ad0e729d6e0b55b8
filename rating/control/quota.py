"""Quota utilization: what each quota's tenant or cell holds, against its limit."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from rating.control.levels import Level, decimal, level, percent, plain
from rating.control.measure import contribution, covers
from rating.control.model import Quota
from rating.control.state import Resource


@dataclass(frozen=True)
class QuotaUse:
    """One quota's utilization; ``missing`` counts covered resources lacking the summed trait."""

    quota: Quota
    used: Fraction
    resources: int
    missing: int = 0

    @property
    def percent(self) -> Fraction | None:
        return percent(self.used, self.quota.limit)

    @property
    def level(self) -> Level:
        return level(self.used, self.quota.limit, self.quota.thresholds)

    def as_json(self) -> dict:
        """The status as commands and the service show it: exact decimals as strings,
        the percentage rounded to 0.01."""
        share = self.percent
        return {
            "id": self.quota.id,
            "tenant": self.quota.tenant,
            "cell": self.quota.cell,
            "resourceType": self.quota.resource_type,
            "unit": self.quota.measure.unit,
            "used": str(decimal(self.used)),
            "limit": str(plain(self.quota.limit)),
            "percent": None if share is None else str(decimal(share, 2)),
            "level": self.level.value,
            "resources": self.resources,
            "missingTrait": self.missing,
        }


def utilization(
    quotas: Iterable[Quota], resources: Iterable[Resource], factors: Mapping[str, Fraction]
) -> list[QuotaUse]:
    """Every quota's use by ``resources``, in catalog order."""
    resources = list(resources)
    uses = []
    for quota in quotas:
        used, counted, missing = Fraction(0), 0, 0
        for resource in resources:
            if resource.tenant is None or not covers(
                quota, resource.tenant, resource.cell, resource.type, resource.traits
            ):
                continue
            counted += 1
            added = contribution(quota, resource.traits, factors[quota.id])
            if added is None:
                missing += 1
            else:
                used += added
        uses.append(QuotaUse(quota, used, counted, missing))
    return uses
