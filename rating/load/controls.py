"""A catalog's ``quotas``, ``budgets`` and ``throttling`` → :mod:`rating.control.model`.

Read with the catalog loader's field helpers, so a mistake is one error naming
the file, the quota, budget or rule id and the field, as for products. Only
the shape is checked here; what needs the whole catalog (units against traits,
known currencies, cell quotas within the tenant's) is ``ratecard check``'s
(:mod:`rating.check.rules.controls`).
"""

from __future__ import annotations

from typing import Any

from rating.control.model import (
    Action,
    Budget,
    Controls,
    Measure,
    MeasureKind,
    Quota,
    Subject,
    Thresholds,
    ThrottleRule,
    Trigger,
)
from rating.load.catalog import _condition, _Sources, _Where


def parse_controls(raw: dict, where: _Where, sources: _Sources) -> Controls:
    """The three lists of a catalog record (each optional, default empty)."""
    return Controls(
        quotas=tuple(_each(raw, "quotas", "quota", where, sources, _quota)),
        budgets=tuple(_each(raw, "budgets", "budget", where, sources, _budget)),
        throttling=tuple(_each(raw, "throttling", "throttling rule", where, sources, _rule)),
    )


def _each(raw: dict, field: str, noun: str, where: _Where, sources: _Sources, convert) -> list:
    """Convert every item of ``raw[field]``, each read under ``<noun> '<id>'``."""
    converted = []
    for index, item in enumerate(where.list(raw, field)):
        item_id = item.get("id") if isinstance(item, dict) else None
        if not isinstance(item_id, str) or not item_id:
            raise where.at(f"{field}[{index}]").fail("id", "missing, empty or not Text")
        source = sources.locate(sources.root, item_id)
        file = source.rsplit(":", 1)[0] if source else where.file
        converted.append(convert(item, _Where(file, f"{noun} {item_id!r}"), source))
    return converted


def _quota(raw: dict, where: _Where, source: str | None) -> Quota:
    limit = where.decimal(raw, "limit")
    if limit < 0:
        raise where.fail("limit", f"must not be negative, got {limit}")
    return Quota(
        id=where.text(raw, "id"),
        tenant=_name(raw, "tenant", where),
        cell=where.optional(raw, "cell"),
        resource_type=_name(raw, "resourceType", where),
        filter=tuple(
            _condition(item, where.at(f"filter[{index}]"))
            for index, item in enumerate(where.list(raw, "filter"))
        ),
        measure=_measure(where.get(raw, "measure"), where.at("measure")),
        limit=limit,
        thresholds=_thresholds(raw, where),
        source=source,
    )


def _measure(raw: Any, where: _Where) -> Measure:
    kind = where.enum(raw, "kind", MeasureKind)
    trait = where.optional(raw, "trait")
    unit = where.text(raw, "unit")
    if kind is MeasureKind.SUM and not trait:
        raise where.fail("trait", "a Sum measure names the trait it adds up")
    if kind is MeasureKind.COUNT and (trait is not None or unit != "1"):
        raise where.fail("unit", 'a Count measure counts resources: no trait, unit "1"')
    return Measure(kind=kind, unit=unit, trait=trait)


def _thresholds(raw: dict, where: _Where) -> Thresholds:
    """Warning and critical percentages (80 and 95 unless given)."""
    defaults = Thresholds()
    warning = where.optional_decimal(raw, "warning")
    critical = where.optional_decimal(raw, "critical")
    return Thresholds(
        warning=defaults.warning if warning is None else warning,
        critical=defaults.critical if critical is None else critical,
    )


def _budget(raw: dict, where: _Where, source: str | None) -> Budget:
    amount = where.decimal(raw, "amount")
    if amount < 0:
        raise where.fail("amount", f"must not be negative, got {amount}")
    return Budget(
        id=where.text(raw, "id"),
        tenant=_name(raw, "tenant", where),
        cell=where.optional(raw, "cell"),
        seller_id=where.optional(raw, "sellerId"),
        seller_product_group=where.optional(raw, "sellerProductGroup"),
        amount=amount,
        currency=_name(raw, "currency", where),
        thresholds=_thresholds(raw, where),
        source=source,
    )


def _rule(raw: dict, where: _Where, source: str | None) -> ThrottleRule:
    when, when_where = where.get(raw, "when"), where.at("when")
    at_least = when_where.decimal(when, "atLeast")
    if at_least < 0:
        raise when_where.fail("atLeast", f"a percentage, not negative: {at_least}")
    deny = [
        Action(
            action=_name(item, "action", where.at(f"deny[{index}]")),
            resource_type=_name(item, "resourceType", where.at(f"deny[{index}]")),
        )
        for index, item in enumerate(where.list(raw, "deny"))
    ]
    if not deny:
        raise where.fail("deny", "a rule denies at least one action")
    return ThrottleRule(
        id=where.text(raw, "id"),
        tenant=_name(raw, "tenant", where),
        cell=where.optional(raw, "cell"),
        when=Trigger(
            subject=when_where.enum(when, "subject", Subject),
            id=_name(when, "id", when_where),
            at_least=at_least,
        ),
        deny=tuple(deny),
        source=source,
    )


def _name(raw: Any, field: str, where: _Where) -> str:
    """A Text field that must not be empty (a tenant, a type, a currency code)."""
    value = where.text(raw, field)
    if not value.strip():
        raise where.fail(field, "must not be empty")
    return value
