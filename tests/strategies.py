"""Hypothesis strategies for generated catalogs and sample sets (engine, reference, Spark).

Small pools of times, states, flavors and prices on purpose: generated samples
and conditions collide often enough that matching, tiers and slices are all
exercised in a few dozen examples.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from decimal import Decimal

from hypothesis import strategies as st
from ratefixtures import VM, VM_TYPE, make_catalog, make_price, make_product, scope, tiers, utc

from rating.model import Condition, ConditionOp, Dimensions, PriceModel, UsageKind
from rating.rate.result import RateOptions

TIMES = [utc("2026-09-30T22:00:00Z") + timedelta(minutes=20 * i) for i in range(180)]
STATES = ["ACTIVE", "SHUTOFF", "BUILD"]
# A second type with the VM's traits and its own interval (options_st), which no
# product prices: a resource id may change type between samples.
OTHER_TYPE = dataclasses.replace(VM_TYPE, id="test.other")
FLAVORS = ["m1.small", "m1.large", "c1.xl"]
_CREATED_AT, _CREATED_UNTIL = utc("2026-10-01T05:00:00Z"), utc("2026-10-02T03:10:00Z")


@st.composite
def conditions(draw):
    trait = draw(st.sampled_from(["state", "flavor", "vcpu", "diskGb", "tags"]))
    op = draw(st.sampled_from(list(ConditionOp)))
    if op is ConditionOp.RANGE:
        low = draw(st.none() | st.sampled_from([Decimal(1), Decimal("2.5")]))
        high = draw(st.none() | st.sampled_from([Decimal(4), Decimal(100)]))
        return Condition(trait, op, at_least=low, below=high)
    if op is ConditionOp.REGEX:
        return Condition(trait, op, pattern=draw(st.sampled_from(["m1\\..*", "A.*", "[0-9]+"])))
    if op in (ConditionOp.PRESENT, ConditionOp.ABSENT):
        return Condition(trait, op)
    pool = {"state": STATES, "flavor": FLAVORS, "tags": ["prod", "dev"]}.get(trait, [1, 2, 4])
    size = 1 if op is ConditionOp.EQUALS else draw(st.integers(1, 2))
    values = tuple(draw(st.lists(st.sampled_from(pool), min_size=size, max_size=size)))
    return Condition(trait, op, values)


@st.composite
def prices(draw):
    model = draw(st.sampled_from(list(PriceModel)))
    unit_price = draw(st.sampled_from(["1", "0.013", "2.5", "0.000001"]))
    kwargs = dict(
        currency=draw(st.sampled_from(["EUR", "EUR", "USD"])),
        included=draw(st.sampled_from(["0", "0", "1.5", "20"])),
        minimum=draw(st.sampled_from([None, None, "3", "100"])),
    )
    if model in (PriceModel.GRADUATED, PriceModel.VOLUME):
        bounds = draw(st.sampled_from([("2", None), ("1.5", "10", None), ("5", "30")]))
        pairs = [(b, str(Decimal(unit_price) / 2**i)) for i, b in enumerate(bounds)]
        return make_price(unit_price, model=model, tiers=tiers(*pairs), **kwargs)
    if model is PriceModel.PACKAGE:
        size = draw(st.sampled_from(["1", "2.5", "10"]))
        return make_price(unit_price, model=model, package_size=size, **kwargs)
    return make_price(unit_price, **kwargs)


USAGES = [
    (UsageKind.TIME, None, "h"),
    (UsageKind.TIME, None, "min"),
    (UsageKind.TIME_QUANTITY, "vcpu", "{vCPU}.h"),
    (UsageKind.TIME_QUANTITY, "ramMb", "GiBy.h"),
    (UsageKind.TIME_QUANTITY, "diskGb", "GBy.h"),
    (UsageKind.TIME, None, "mo_cal"),
    (UsageKind.TIME_QUANTITY, "ramMb", "GiBy.mo_cal"),
    (UsageKind.QUANTITY, "requests", "1"),
    (UsageKind.QUANTITY, "diskGb", "GBy"),
    (UsageKind.RECURRING, None, "1"),
    (UsageKind.ONE_TIME, None, "1"),
]


@st.composite
def products(draw, pid):
    kind, trait, unit = draw(st.sampled_from(USAGES))
    where = draw(
        st.sampled_from(
            [
                scope(),
                scope(location="eu-de-1"),
                scope(location="eu-de-2"),
                scope(platform_instance="pike"),
                scope(tenant="t1"),
                scope(tenant="t2"),
                scope(tenant="t1", cell="c1"),
                scope(tenant="t1", cell="c2"),
            ]
        )
    )
    # Boundaries off the 20-minute sample grid fall inside intervals, and events hold
    # across them: intervals are cut there (issue #15).
    valid_from = draw(st.sampled_from([None, None, "2026-10-01T12:00:00Z", "2026-10-01T12:10:00Z"]))
    valid_until = draw(
        st.sampled_from([None, None, "2026-10-02T00:00:00Z", "2026-10-01T07:50:00Z"])
    )
    # Grandfathered entries (a schedule's change for new resources only) match by the
    # resource's creation time, its earliest row: windows inside the sample times.
    created = draw(
        st.sampled_from(
            [(None, None)] * 3
            + [(None, _CREATED_AT), (_CREATED_AT, None), (_CREATED_AT, _CREATED_UNTIL)]
        )
    )
    product = make_product(
        pid,
        kind=kind,
        trait=trait,
        unit=unit,
        prorate=draw(st.booleans()),
        price=draw(prices()),
        scope=where,
        filter=draw(st.lists(conditions(), max_size=1)),
        valid_from=valid_from,
        valid_until=valid_until,
    )
    return dataclasses.replace(product, created_from=created[0], created_until=created[1])


@st.composite
def catalogs(draw):
    n = draw(st.integers(1, 5))
    ids = [draw(st.sampled_from(["p1", "p2", "p3"])) for _ in range(n)]
    catalog = make_catalog(
        [draw(products(pid)) for pid in ids], resource_types=(VM_TYPE, OTHER_TYPE)
    )
    # Allocation dimensions: a label column, and a cell taken from a label.
    dimensions = draw(
        st.sampled_from(
            [
                Dimensions(),
                Dimensions(("team",)),
                Dimensions((), ("ns",)),
                Dimensions(("team",), ("ns",)),
            ]
        )
    )
    return dataclasses.replace(catalog, dimensions=dimensions)


# Where a steady resource's samples start: a few grid steps before the off-grid
# validity boundaries products draw (07:50, 12:10), so its run reaches across one.
_STEADY_STARTS = [utc("2026-10-01T06:40:00Z"), utc("2026-10-01T11:00:00Z")]


@st.composite
def sample_rows(draw):
    rows = []
    for rid in range(draw(st.integers(1, 4))):
        # A steady resource reports every 20 minutes without changing, so its samples
        # form one run (only an entry's boundary cuts it); the others are scattered.
        steady = draw(st.booleans())
        if steady:
            first = TIMES.index(draw(st.sampled_from(_STEADY_STARTS)))
            times = TIMES[first : first + draw(st.integers(2, 10))]
        else:
            count = draw(st.integers(0, 10))
            times = sorted(draw(st.lists(st.sampled_from(TIMES), min_size=count, max_size=count)))
        tenant = draw(st.sampled_from(["t1", "t2", None]))
        location = draw(st.sampled_from(["eu-de-1", "eu-de-2"]))
        # Often no cell; else one cell, or a cell per sample (moves between cells).
        cells = draw(st.sampled_from([[None], [None], ["c1"], ["c1", "c2", None]]))
        # Labels: a team that may change between samples, a namespace (cellFromLabel).
        teams = draw(st.sampled_from([[None], ["blue"], ["blue", "green", None]]))
        namespaces = draw(st.sampled_from([[None], ["ns1"], ["ns1", "c1", None]]))
        types = draw(st.sampled_from([[VM], [VM], [VM, OTHER_TYPE.id]]))
        if steady:
            cells, teams, namespaces, types = cells[:1], teams[:1], namespaces[:1], types[:1]
        held: dict | None = None  # a steady resource's one row, repeated
        for time in times:
            if held is not None:
                rows.append({**held, "time": time})
                continue
            traits = {
                "state": draw(st.sampled_from(STATES)),
                "vcpu": draw(st.sampled_from([1, 2, 4])),
                "ramMb": draw(st.sampled_from([512, 1536, 4096])),
                "diskGb": draw(st.sampled_from([None, 10.0, 2.5, 0.1])),
                "requests": draw(st.sampled_from([None, 0, 7, 1000])),
                "flavor": draw(st.sampled_from([None, *FLAVORS])),
                "tags": draw(st.sampled_from([None, [], ["prod"], ["dev", "prod"]])),
            }
            rows.append(
                {
                    "time": time,
                    "resource_id": f"r{rid}",
                    "resource_type": draw(st.sampled_from(types)),
                    "tenant": tenant,
                    "cell": draw(st.sampled_from(cells)),
                    "label.team": draw(st.sampled_from(teams)),
                    "label.ns": draw(st.sampled_from(namespaces)),
                    "location": location,
                    "event": None
                    if steady
                    else draw(st.sampled_from([None] * 6 + ["create", "update", "delete"])),
                    "traits": traits,
                }
            )
            held = rows[-1] if steady else None
    return rows


options_st = st.sampled_from(
    [
        RateOptions(),
        RateOptions(interval=timedelta(minutes=30)),
        RateOptions(interval_by_type={VM: timedelta(minutes=40)}),
        RateOptions(interval_by_type={OTHER_TYPE.id: timedelta(minutes=10)}),
    ]
)
