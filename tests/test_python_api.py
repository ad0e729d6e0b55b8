"""The Python API (issue #22): its documented examples run, its surface is the documented one.

The docs' examples are doctests run from the repository root; the rest checks
what a notebook user relies on: tables and frames rate like files, globs
expand, errors are RatecardError with the CLI's message, nothing is dropped.
"""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import rating
from rating import api

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "python-api.md"
CATALOG = ROOT / "examples" / "catalogs" / "private-cloud"
FLEET = ROOT / "examples" / "samples" / "fleet-2026-10"


@pytest.fixture(scope="module")
def catalog() -> rating.Ratecard:
    return rating.open_catalog(CATALOG)


@pytest.fixture(scope="module")
def from_file(catalog) -> rating.Rated:
    return catalog.rate(f"{FLEET}.parquet", period="2026-10")


@pytest.mark.parametrize("source", [DOCS, Path(api.__file__)], ids=["docs", "module"])
def test_documented_examples_run(source, monkeypatch):
    monkeypatch.chdir(ROOT)  # the examples use paths relative to the repository root
    if source.suffix == ".md":
        outcome = doctest.testfile(str(source), module_relative=False, verbose=False)
    else:
        outcome = doctest.testmod(api, verbose=False)
    assert outcome.attempted > 3 and outcome.failed == 0


def test_public_surface_is_the_documented_one():
    section = DOCS.read_text(encoding="utf-8").split("## The public surface", 1)[1]
    first_paragraph = section.strip().split("\n\n", 1)[0]
    documented = set(re.findall(r"`(\w+)`", first_paragraph)) - {"rating", "__all__"}
    assert documented == set(rating.__all__)
    for name in rating.__all__:
        assert getattr(rating, name) is not None
    with pytest.raises(AttributeError):
        rating.rate_to_file  # noqa: B018 - internal names are not public


@pytest.mark.parametrize(
    "as_input",
    [
        lambda path: pq.read_table(path),
        lambda path: pq.read_table(path).to_reader(),
        lambda path: duckdb.read_parquet(str(path)),
    ],
    ids=["arrow-table", "record-batch-reader", "duckdb-relation"],
)
def test_in_memory_tables_rate_like_the_file(catalog, from_file, as_input):
    rated = catalog.rate(as_input(f"{FLEET}.parquet"), period="2026-10")
    assert rated.line_items.equals(from_file.line_items)
    assert rated.counts == from_file.counts


def test_every_input_format_and_a_glob_rate_alike(catalog, from_file):
    for path in (f"{FLEET}.jsonl", f"{FLEET}.csv", f"{FLEET}.p*t"):
        rated = catalog.rate(path, period="2026-10")
        assert rated.totals() == from_file.totals(), path
        assert rated.counts == from_file.counts, path


def test_a_bad_row_in_a_table_is_rejected_and_named(catalog, from_file):
    table = pq.read_table(f"{FLEET}.parquet")
    vcpu = table.column("traits.vcpu")
    first_vm = pc.index(pc.is_valid(vcpu), True).as_py()
    values = vcpu.to_pylist()
    values[first_vm] = -4  # a negative measured quantity
    index = table.column_names.index("traits.vcpu")
    table = table.set_column(index, "traits.vcpu", pa.array(values, vcpu.type))
    rated = catalog.rate([table], period="2026-10")
    counts = rated.counts
    assert (counts.read, counts.rejected) == (from_file.counts.read, 1)
    assert counts.reconciles
    [reject] = rated.rejects
    assert str(reject).startswith(f"<table 1>:{first_vm + 1}: ")
    assert "traits.vcpu" in str(reject)


def test_errors_are_one_line_ratecard_errors(catalog, from_file, tmp_path):
    with pytest.raises(rating.RatecardError, match="no file matches this pattern"):
        catalog.rate(str(tmp_path / "*.jsonl"))
    with pytest.raises(rating.RatecardError, match="cannot read a dict"):
        catalog.rate({"time": "2026-10-01"})
    with pytest.raises(rating.RatecardError, match="no line items for tenant"):
        from_file.reports(tenants=["nobody"])
    with pytest.raises(rating.RatecardError, match="engine 'pandas'"):
        catalog.rate(f"{FLEET}.parquet", engine="pandas")
    broken = ROOT / "examples" / "broken-catalogs" / "unknown-currency"
    shared = ["outside-root"]  # the broken examples share ../common.dhall
    with pytest.raises(rating.RatecardError, match="refused"):
        rating.open_catalog(broken)
    with pytest.raises(rating.RatecardError) as refused:
        rating.open_catalog(broken, allow_imports=shared)
    assert refused.value.exit_code == 1 and "nothing was rated" in str(refused.value)
    findings = rating.open_catalog(broken, allow_imports=shared, check=False).findings()
    assert [f.code for f in findings] == ["unknown-currency"]


def test_the_period_defaults_to_the_samples_month(catalog, from_file):
    rated = catalog.rate(f"{FLEET}.parquet")
    assert rated.period.label == "2026-10"
    assert rated.line_items.equals(from_file.line_items)


def test_reports_match_the_cli_golden_files(from_file, tmp_path):
    golden = ROOT / "tests" / "golden" / "report-2026-10"
    written = from_file.reports().write(tmp_path, "json")
    assert sorted(p.name for p in written) == sorted(p.name for p in golden.glob("*.json"))
    for path in written:
        assert path.read_bytes() == (golden / path.name).read_bytes(), path.name


@pytest.mark.parametrize("fmt", ["parquet", "jsonl", "csv"])
def test_written_line_items_equal_the_engines_streamed_file(catalog, from_file, tmp_path, fmt):
    """Rated.write (what `ratecard rate --out` does) gives what DuckDB streams itself: the same
    bytes for text, the same table for Parquet (whose row-group layout may differ)."""
    from rating.load.samples import open_samples
    from rating.rate.engine import rate_to_file

    written = from_file.write(tmp_path / f"api.{fmt}", fmt)
    reader = open_samples([f"{FLEET}.parquet"], catalog.model.resource_types)
    streamed = rate_to_file(
        catalog.model, reader, from_file.period, tmp_path / f"engine.{fmt}", fmt
    )
    api_file, engine_file = tmp_path / f"api.{fmt}", tmp_path / f"engine.{fmt}"
    if fmt == "parquet":
        assert pq.read_table(api_file).equals(pq.read_table(engine_file), check_metadata=True)
    else:
        assert api_file.read_bytes() == engine_file.read_bytes()
    assert (written.lines, written.totals) == (streamed.line_items, streamed.totals)
