"""Parquet files loaded by DuckDB itself (ingest + parquet_sql) equal the reader's output.

DuckDB checks a Parquet file with the reader's rules written as SQL and loads
the rows passing them; the rest go to the reader's per-record validator. Per
file the loaded rows, the rejects (in order, with their messages), the counts
and the progress reported must be exactly what loading the reader's own
batches gives, whatever the rows and column types; files the SQL could read
differently are left to the reader.
"""

from __future__ import annotations

import math
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest.mock import patch

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from rating.errors import RatecardError
from rating.load.samples import (
    RejectSink,
    SampleInput,
    SampleReader,
    open_samples,
    parquet_sql,
    sample_schema,
)
from rating.load.samples.records import MAX_MAGNITUDE
from rating.load.samples.schema import arrow_type
from rating.model import ResourceType, Trait, TraitType
from rating.rate import ingest

EVERY = ResourceType(
    "acme.every",
    "Acme",
    "Every",
    "one trait per type, required and optional",
    tuple(
        Trait(f"{kind.name.lower()}{suffix}", kind, optional, None, "")
        for kind in TraitType
        for suffix, optional in (("", False), ("Opt", True))
    ),
)
# Shares trait names with other requirements (and, for "integer", the Natural
# rule of the first type naming it: Integer, so no ≥ 0 check anywhere).
SMALL = ResourceType(
    "acme.small",
    "Acme",
    "Small",
    "a few of the same traits",
    (
        Trait("integer", TraitType.NATURAL, True, None, ""),
        Trait("text", TraitType.TEXT, False, None, ""),
        Trait("naturalOpt", TraitType.NATURAL, False, None, ""),
        Trait("double", TraitType.DOUBLE, True, "By", ""),  # measured here: never negative
    ),
)
TYPES = (EVERY, SMALL)
TRAITS = {trait.name: trait.type for trait in EVERY.traits}
NAMES = [n for n in sample_schema(TYPES).names if n not in ("source_file", "source_line")]
T0 = datetime(2026, 10, 1, tzinfo=UTC)
BEFORE_1970 = datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC)  # outside the supported times
YEAR_9999 = datetime(9999, 6, 1, tzinfo=UTC)

_SCALARS = {
    "Text": st.sampled_from(["a", "b", ""]),
    "Integer": st.integers(-2, 2),
    "Natural": st.integers(0, 2),
    "Double": st.sampled_from([0.5, -1.5]),
    "Bool": st.booleans(),
}
_BAD_SCALARS = {
    "Natural": st.just(-1),
    "Integer": st.sampled_from([MAX_MAGNITUDE, -(2**63)]),
    "Double": st.sampled_from([math.nan, math.inf, -math.inf, 1e20, -1e15]),
}
# Compatible with the trait but not its normalized type: DuckDB would cast them.
_NARROW = {"Integer": pa.int32(), "Natural": pa.int32(), "Double": pa.float32()}
SHAPES = ["exact", "absent", "null", "wrong", "narrow"]


def _values(kind: TraitType, bad: bool) -> st.SearchStrategy:
    """Values of a trait type; ``bad`` ones break its rules (negative, null elements)."""
    name = kind.value.removeprefix("List ")
    scalar = _SCALARS[name]
    if bad:
        scalar = _BAD_SCALARS.get(name, scalar)
    if not kind.value.startswith("List "):
        return scalar
    element = (st.none() | scalar) if bad else scalar
    return st.lists(element, min_size=int(bad), max_size=3)


@st.composite
def trait_value(draw, rt: ResourceType | None, name: str, kind: TraitType, bad: bool):
    """The trait's value in a row of ``rt``: right for the type, unless ``bad``."""
    trait = rt.trait(name) if rt else None
    present = trait is not None and (not trait.optional or draw(st.booleans()))
    if bad and draw(st.booleans()):
        present = not present  # a required trait missing, or one the type lacks
    return draw(_values(kind, bad)) if present else None


@st.composite
def trait_column(draw, kind: TraitType, values: list, shape: str) -> pa.Array | None:
    """A trait column as a file might hold it: typed exactly, narrower, wrong, all null, absent."""
    if shape == "absent":
        return None
    if shape == "null":
        return pa.nulls(len(values))
    if shape == "wrong":  # incompatible: numbers for text, text for the rest
        text = kind is TraitType.TEXT
        wrong = st.integers(0, 9) if text else st.just("x")
        rows = [None if v is None else draw(wrong) for v in values]
        return pa.array(rows, pa.int64() if text else pa.string())
    narrow = _NARROW.get(kind.value) if shape == "narrow" else None
    if narrow == pa.int32():  # what int32 cannot hold is left out
        values = [v if v is None or -(2**31) <= v < 2**31 else None for v in values]
    return pa.array(values, narrow or arrow_type(kind))


@st.composite
def sample_files(draw) -> tuple[pa.Table, int]:
    """A flat sample table, mostly valid rows, and a row group size."""
    n = draw(st.integers(1, 25))
    types = draw(st.lists(st.sampled_from([EVERY, SMALL, SMALL, None]), min_size=n, max_size=n))
    bad = draw(st.lists(st.integers(0, 9).map(lambda d: d == 0), min_size=n, max_size=n))

    def column(good: list, wrong: list) -> list:
        return [draw(st.sampled_from(wrong if b else good)) for b in bad]

    columns = {
        "time": pa.array(
            column([T0, T0 + timedelta(hours=1)], [None, T0, BEFORE_1970, YEAR_9999]),
            pa.timestamp("us", tz="UTC"),
        ),
        "event": column([None, None, "create", "delete"], ["bogus", None]),
        "resource.id": column(["r1", "r2"], ["", None, "r1", "r\n1"]),
        "resource.type": [rt.id if rt else draw(st.sampled_from(["nope", None])) for rt in types],
        "scope.platformType": column(["P"], ["", None, "P", "P\x00"]),
        "scope.tenant": column(["t", None], ["t", None, "", "t\x7f"]),
    }
    clean = draw(st.booleans())
    for name, kind in TRAITS.items():
        values = [draw(trait_value(rt, name, kind, b)) for rt, b in zip(types, bad, strict=True)]
        shape = "exact" if clean else draw(st.sampled_from(SHAPES))
        found = draw(trait_column(kind, values, shape))
        if found is not None:
            columns[f"traits.{name}"] = found
    if draw(st.booleans()):
        columns["traits.colour"] = column([None], [None, "red"])  # no resource type has it
    return pa.table(columns), draw(st.integers(1, 8))


@pytest.fixture(autouse=True)
def prove_every_file(monkeypatch) -> None:
    """Every file here is proven valid first, however small: the proof and, where it
    fails, the count of valid rows both run (other tests see small files counted)."""
    monkeypatch.setattr(parquet_sql, "_PROOF_FROM_ROWS", 0)


def reader_for(path: str, batch_size: int = 500_000) -> SampleReader:
    return open_samples([path], TYPES, batch_size=batch_size, rejects=RejectSink(keep=10_000))


def loaded(reader: SampleReader, *, via_sql: bool, names: list[str] | None = None):
    """Load the reader's samples into a fresh DuckDB: (s sorted, rows, progress reports)."""
    batches = reader.batches(names or NAMES, dictionary=True)
    con = duckdb.connect()
    reports: list[tuple[int, int]] = []
    rows, _ = ingest.load_samples(
        con,
        batches if via_sql else list(batches),
        lambda n: reports.append((n, threading.get_ident())),
    )
    table = con.sql("SELECT * FROM s ORDER BY ALL").to_arrow_table() if rows else None
    return table, rows, reports


def assert_loads_like_the_reader(
    path: str, batch_size: int = 500_000, *, by_duckdb: bool, **kwargs
) -> None:
    """DuckDB's load (or, ``by_duckdb`` false, the reader's fallback) equals the reader's."""
    by_sql, by_reader = reader_for(path, batch_size), reader_for(path, batch_size)
    read = SampleInput.batches
    with patch.object(SampleInput, "batches", autospec=True, side_effect=read) as fallback:
        table, rows, reports = loaded(by_sql, via_sql=True, **kwargs)
    assert fallback.called != by_duckdb
    expected, expected_rows, _ = loaded(by_reader, via_sql=False, **kwargs)
    assert rows == expected_rows == by_reader.total.valid
    assert (table is None and expected is None) or table.equals(expected)
    assert by_sql.counts == by_reader.counts
    assert [str(r) for r in by_sql.rejects.first] == [str(r) for r in by_reader.rejects.first]
    # Every row loaded is reported; DuckDB's estimates may run ahead of a file's rejects.
    reported = sum(n for n, _ in reports)
    assert (
        reported == rows if by_reader.total.rejected == 0 else rows <= reported <= read_rows(path)
    )


def read_rows(path: str) -> int:
    return pq.ParquetFile(path).metadata.num_rows


def query_of(path: str):
    """The SQL the reader offers for the file (None: the reader reads it)."""
    source = next(reader_for(path).batches(dictionary=True).inputs())
    return source.query(NAMES)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(sample_files(), st.integers(1, 30))
def test_duckdb_loads_what_the_reader_yields(tmp_path_factory, file, batch_size) -> None:
    table, row_group_size = file
    path = str(tmp_path_factory.mktemp("sql") / "s.parquet")
    pq.write_table(table, path, row_group_size=row_group_size)
    narrow = any(
        pa.types.is_int32(f.type) or pa.types.is_float32(f.type)
        for f in table.schema
        if f.name.startswith("traits.") and f.name != "traits.colour"
    )
    assert (query_of(path) is None) == narrow
    one_big_group = row_group_size >= table.num_rows > batch_size
    assert_loads_like_the_reader(path, batch_size, by_duckdb=not (narrow or one_big_group))
    reader = reader_for(path)
    list(reader.batches())
    event(f"by sql: {not narrow}, some valid: {reader.total.valid > 0}")
    event(f"some rejected: {reader.total.rejected > 0}")


def test_rejects_found_by_sql_keep_the_readers_messages_and_order(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr(ingest, "_FAILING_ROWS_AT_ONCE", 3)  # in two parts
    n = 1000
    bad_rows = {3, 250, 251, 999}
    table = pa.table(
        {
            "time": [T0] * n,
            "resource.id": [f"r{i}" for i in range(n)],
            "resource.type": ["acme.small"] * n,
            "scope.platformType": ["P"] * n,
            "traits.text": ["t"] * n,
            "traits.naturalOpt": [-1 if i in bad_rows else i for i in range(n)],
        }
    )
    path = str(tmp_path / "s.parquet")
    pq.write_table(table, path, row_group_size=100)
    reader = reader_for(path, batch_size=150)
    _, rows, _ = loaded(reader, via_sql=True)
    assert rows == n - len(bad_rows)
    assert [(r.source_line, r.field) for r in reader.rejects.first] == [
        (i + 1, "traits.naturalOpt") for i in sorted(bad_rows)
    ]
    assert_loads_like_the_reader(path, batch_size=150, by_duckdb=True)


def test_nan_beside_finite_doubles_is_rejected_by_sql(tmp_path: Path) -> None:
    """Parquet statistics leave NaN out, and DuckDB folds range checks to true from them."""
    doubles = [0.5, math.nan, 2.0]
    table = pa.table(
        {
            "time": [T0] * 3,
            "resource.id": ["r0", "r1", "r2"],
            "resource.type": ["acme.small"] * 3,
            "scope.platformType": ["P"] * 3,
            "traits.text": ["t"] * 3,
            "traits.naturalOpt": [1, 2, 3],
            "traits.double": doubles,
        }
    )
    path = str(tmp_path / "s.parquet")
    pq.write_table(table, path)
    reader = reader_for(path)
    _, rows, _ = loaded(reader, via_sql=True)
    assert rows == 2
    assert [(r.source_line, r.field) for r in reader.rejects.first] == [(2, "traits.double")]
    assert_loads_like_the_reader(path, by_duckdb=True)


def small_samples_file(tmp_path: Path, n: int, resources: int, row_group_size: int) -> str:
    """``n`` valid acme.small samples over ``resources`` resources, as a Parquet file."""
    table = pa.table(
        {
            "time": pa.array([T0] * n, pa.timestamp("us", tz="UTC")),
            "resource.id": [f"r{i % resources}" for i in range(n)],
            "resource.type": ["acme.small"] * n,
            "scope.platformType": ["P"] * n,
            "traits.text": ["t"] * n,
            "traits.naturalOpt": list(range(n)),
        }
    )
    path = str(tmp_path / "s.parquet")
    pq.write_table(table, path, row_group_size=row_group_size)
    return path


def test_progress_comes_while_duckdb_loads(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(ingest, "_POLL_SECONDS", 0.001)
    n = 300_000
    path = small_samples_file(tmp_path, n, resources=97, row_group_size=10_000)
    _, rows, reports = loaded(reader_for(path), via_sql=True)
    assert rows == n
    assert sum(count for count, _ in reports) == n
    assert all(count > 0 for count, _ in reports)
    assert {thread for _, thread in reports} == {threading.get_ident()}  # DuckDB's estimates


LEFT_TO_THE_READER = {
    "text time": {"time": ["2026-10-01T00:00:00Z"]},
    "naive time": {"time": pa.array([T0.replace(tzinfo=None)], pa.timestamp("us"))},
    "millisecond time": {"time": pa.array([T0], pa.timestamp("ms", tz="UTC"))},
    "int32 trait": {"traits.naturalOpt": pa.array([1], pa.int32())},
    "names equal but for case": {"traits.TEXT": [None]},
    "binary id": {"resource.id": pa.array([b"r1"], pa.binary())},
}


@pytest.mark.parametrize("change", LEFT_TO_THE_READER.values(), ids=LEFT_TO_THE_READER.keys())
def test_files_the_sql_would_read_differently_are_read_by_the_reader(
    tmp_path: Path, change: dict
) -> None:
    row = {
        "time": pa.array([T0], pa.timestamp("us", tz="UTC")),
        "resource.id": ["r1"],
        "resource.type": ["acme.small"],
        "scope.platformType": ["P"],
        "traits.text": ["t"],
        "traits.naturalOpt": [1],
    }
    path = str(tmp_path / "s.parquet")
    pq.write_table(pa.table(row | change), path)
    assert query_of(path) is None
    assert_loads_like_the_reader(path, by_duckdb=False)


@pytest.mark.parametrize("row_groups", [1, 2])
def test_one_big_row_group_is_read_by_the_reader(tmp_path: Path, row_groups: int) -> None:
    n = 20
    table = pa.table({"time": pa.array([T0] * n, pa.timestamp("us", tz="UTC"))})
    path = str(tmp_path / "s.parquet")
    pq.write_table(table, path, row_group_size=n // row_groups)
    source = next(reader_for(path, batch_size=n - 1).batches(dictionary=True).inputs())
    assert (source.query(NAMES) is None) == (row_groups == 1)
    assert_loads_like_the_reader(path, batch_size=n - 1, by_duckdb=row_groups > 1)


def test_a_path_duckdb_would_glob_is_read_by_the_reader(tmp_path: Path) -> None:
    table = pa.table({"time": pa.array([T0], pa.timestamp("us", tz="UTC")), "resource.id": ["r"]})
    pq.write_table(table, tmp_path / "s1.parquet")
    pq.write_table(table, tmp_path / "s[1].parquet")
    path = str(tmp_path / "s[1].parquet")
    assert query_of(path) is None
    assert_loads_like_the_reader(path, by_duckdb=False)


def test_a_file_duckdb_fails_on_is_read_by_the_reader(tmp_path: Path) -> None:
    # pyarrow reads invalid UTF-8 (in a column checked, not loaded); DuckDB refuses the file.
    invalid = pa.array([b"r\xff"], pa.binary()).view(pa.string())
    row = {
        "time": pa.array([T0], pa.timestamp("us", tz="UTC")),
        "resource.id": invalid,
        "resource.type": ["acme.small"],
        "scope.platformType": ["P"],
        "traits.text": ["t"],
        "traits.naturalOpt": [1],
    }
    path = str(tmp_path / "s.parquet")
    pq.write_table(pa.table(row), path)
    assert query_of(path) is not None
    kept = [n for n in NAMES if n != "resource_id"]
    table, rows, _ = loaded(reader_for(path), via_sql=True, names=kept)
    assert rows == 1 and table.column("traits.text").to_pylist() == ["t"]
    assert_loads_like_the_reader(path, by_duckdb=False, names=kept)


def test_an_unknown_column_fails_as_the_reader_says(tmp_path: Path) -> None:
    path = tmp_path / "s.parquet"
    pq.write_table(pa.table({"time": ["2026-10-01T00:00:00Z"], "colour": ["red"]}), path)
    with pytest.raises(RatecardError, match=r"s\.parquet: unknown column 'colour'"):
        loaded(reader_for(str(path)), via_sql=True)


def test_a_reader_itself_is_loaded_by_duckdb_in_its_full_schema(tmp_path: Path) -> None:
    n = 40
    path = small_samples_file(tmp_path, n, resources=n, row_group_size=10)
    reader = reader_for(path)
    con = duckdb.connect()
    with patch.object(SampleInput, "batches", side_effect=AssertionError("read by the reader")):
        rows, schema = ingest.load_samples(con, reader, None)
    assert (rows, reader.total.read, reader.total.valid) == (n, n, n)
    assert schema == sample_schema(TYPES)
    assert con.sql('SELECT sum("traits.naturalOpt") FROM s').fetchall() == [(sum(range(n)),)]


def test_a_file_duckdb_fails_on_only_when_reading_it_is_not_read_in_place(tmp_path: Path) -> None:
    # The rules only test traits.text for NULL, which DuckDB does without
    # decoding it: the check must decode it, or the rating plan would meet the
    # invalid UTF-8 instead of the reader (whose batches DuckDB refuses too).
    invalid = pa.array([b"t\xff"], pa.binary()).view(pa.string())
    row = {
        "time": pa.array([T0], pa.timestamp("us", tz="UTC")),
        "resource.id": ["r1"],
        "resource.type": ["acme.small"],
        "scope.platformType": ["P"],
        "traits.text": invalid,
        "traits.naturalOpt": [1],
    }
    path = str(tmp_path / "s.parquet")
    pq.write_table(pa.table(row), path)
    query = query_of(path)
    assert query is not None
    con = duckdb.connect()
    assert con.sql(f"SELECT count(*) FROM {query.source} WHERE {query.valid}").fetchall() == [(1,)]
    with pytest.raises(duckdb.Error, match="Invalid string encoding"):
        con.sql(f"SELECT count(*) FROM {query.source} WHERE {query.readable}").fetchall()
    for via_sql in (True, False):
        with pytest.raises(duckdb.InvalidInputException, match="Invalid unicode"):
            loaded(reader_for(path), via_sql=via_sql)
