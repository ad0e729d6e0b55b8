"""``ratecard diff``'s one scan for both catalogs (issue #20): results as if rated alone.

The catalogs of a diff share the scan of the samples (``compile_plans``):
it splits runs wherever any of them would, and each catalog merges them back
into its own. Generated catalogs (validity boundaries inside sample
intervals, creation windows, calendar months across a month boundary,
label dimensions, ``cellFromLabel``) must give exactly the line items,
counts and unmatched groups each gets from a run of its own.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from ratefixtures import make_catalog, make_product, samples_table
from strategies import catalogs, options_st, sample_rows

from rating.model import Dimensions
from rating.period import Period
from rating.rate import engine
from rating.rate.plan import compile_plans
from rating.rate.result import RateOptions

OCT = Period.parse("2026-10")
ACROSS = Period.parse("2026-09-30/2026-10-02")  # a month boundary inside the period


@settings(max_examples=25)  # each example is 3 or 4 rating runs
@given(
    st.lists(catalogs(), min_size=2, max_size=3),
    sample_rows(),
    options_st,
    st.sampled_from([OCT, ACROSS]),
)
def test_each_catalog_rates_as_alone(models, rows, options, period):
    table = samples_table(rows)
    together = engine.rate_each(models, table.to_batches(), period, options)
    for model, run in zip(models, together, strict=True):
        alone = engine.rate(model, table.to_batches(), period, options)
        assert run.line_items.equals(alone.line_items)
        assert (run.counts, run.unmatched) == (alone.counts, alone.unmatched)


def test_later_catalogs_reuse_the_scan():
    table = samples_table([{"time": "2026-10-01T00:00:00Z"}])
    old, new = make_catalog([make_product("a")]), make_catalog([make_product("b")])
    first, second = compile_plans([old, new], OCT, RateOptions(), table.schema)
    scanned = [stage.name for stage in first.stages]
    assert scanned[:6] == ["kept", "shapes", "events", "iv", "dupkeys", "scan_runs"]
    assert [stage.name for stage in second.stages][:2] == ["runs", "pieces"]
    assert not second.deduplication and "iv" not in {stage.name for stage in second.stages}


def test_another_cell_from_label_scans_again():
    """``cellFromLabel`` changes a sample's cell itself: that catalog scans on its own."""
    table = samples_table([{"time": "2026-10-01T00:00:00Z"}])
    old = make_catalog([make_product("a")])
    new = dataclasses.replace(old, dimensions=Dimensions((), ("ns",)))
    alone = compile_plans([old], OCT, RateOptions(), table.schema)[0]
    plans = compile_plans([old, new], OCT, RateOptions(), table.schema)
    assert plans[0].stages == alone.stages
    assert "iv" in {stage.name for stage in plans[1].stages}


def test_runs_split_for_the_other_catalog_are_merged_back():
    """A boundary of only the other catalog splits the shared runs; a run's samples count
    as one catalog's own run would count them (rated when any of its pieces is)."""
    hourly = RateOptions(interval=timedelta(hours=1))
    table = samples_table([{"time": f"2026-10-01T{h:02d}:00:00Z"} for h in (8, 9, 10)])
    other = make_catalog([make_product("b", valid_from="2026-10-01T09:30:00Z")])
    own = make_catalog([make_product("a", valid_from="2026-10-01T10:30:00Z")])
    alone = engine.rate(own, table.to_batches(), OCT, hourly)
    together = engine.rate_each([other, own], table.to_batches(), OCT, hourly)[1]
    assert together.line_items.equals(alone.line_items) and together.counts == alone.counts
