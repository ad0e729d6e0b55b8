"""Narrow ingest: the engine reads only the sample columns rating needs.

A :class:`SampleReader` handed to the engine yields the envelope and the traits
the catalog's filters and usages name, Text dictionary-encoded; every column
is still validated, and duplicates whose kept sample the unread columns decide
are rated from a second, full read. Whatever the path, the engine must agree
with the reference rater row for row.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ratefixtures import VM, make_catalog, make_product, samples_table
from strategies import catalogs, options_st, sample_rows

from rating.errors import RatecardError
from rating.load.samples import RejectSink, SampleReader, open_samples
from rating.load.samples.schema import ENVELOPE_COLUMNS, TEXT_DICTIONARY, TIMESTAMP
from rating.model import UsageKind
from rating.period import Period
from rating.rate import engine, ingest, reference

OCT = Period.parse("2026-10")
SHORT = Period.parse("2026-10-01/2026-10-03")
TYPES = make_catalog().resource_types
VCPU_HOURS = make_catalog(
    [make_product(kind=UsageKind.TIME_QUANTITY, trait="vcpu", unit="{vCPU}.h")]
)
REQUIRED = {"vcpu": 2, "ramMb": 512, "state": "ACTIVE"}


def write_parquet(table: pa.Table, path: Path) -> str:
    """Normalized sample rows as a Parquet file in the flat input layout (kept labels
    ``label.<name>`` as ``labels.<name>``)."""
    flat = dict(ENVELOPE_COLUMNS)
    table = table.drop_columns(["source_file", "source_line"])
    names = [flat.get(n, n.replace("label.", "labels.", 1)) for n in table.column_names]
    pq.write_table(table.rename_columns(names), path)
    return str(path)


def write_jsonl(path: Path, *traits: dict) -> str:
    """One JSON Lines record per ``traits`` dict (hourly, one resource, required traits set)."""
    lines = [
        {
            "time": f"2026-10-01T{hour:02d}:00:00Z",
            "resource": {"id": "vm-1", "type": VM},
            "scope": {"platformType": "OpenStack", "tenant": "t1"},
            "traits": REQUIRED | extra,
        }
        for hour, extra in enumerate(traits)
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return str(path)


def assert_rates_like_reference(catalog, reader: SampleReader, *args) -> None:
    """``engine.rate`` on the reader equals the reference on a full read of the same files."""
    table = open_samples(reader.paths, reader.resource_types, labels=reader.labels).read_all()
    expected = reference.rate(catalog, table.to_batches(), *args)
    actual = engine.rate(catalog, reader, *args)
    assert actual.line_items.to_pylist() == expected.line_items.to_pylist()
    assert actual.counts == expected.counts
    assert actual.unmatched == expected.unmatched


def second_reads(monkeypatch: pytest.MonkeyPatch) -> list[SampleReader]:
    """Record each :meth:`SampleReader.again`: the engine's second, full read."""
    calls: list[SampleReader] = []
    original = SampleReader.again

    def again(self: SampleReader) -> SampleReader:
        calls.append(self)
        return original(self)

    monkeypatch.setattr(SampleReader, "again", again)
    return calls


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(catalogs(), sample_rows(), options_st, st.sampled_from([OCT, SHORT]))
def test_sample_files_rate_like_the_reference(
    tmp_path_factory, catalog, rows, options, period
) -> None:
    folder = tmp_path_factory.mktemp("narrow")
    path = write_parquet(samples_table(rows), folder / "s.parquet")
    reader = open_samples([path], TYPES, labels=catalog.dimensions.read_labels)
    assert_rates_like_reference(catalog, reader, period, options)


@pytest.mark.parametrize(("flavors", "full_reads"), [(("a", "b"), 1), (("a", "a"), 0)])
def test_duplicates_are_read_again_only_when_unread_columns_decide(
    tmp_path, monkeypatch, flavors, full_reads
) -> None:
    # "traits.flavor" sorts before "traits.vcpu" in the canonical key: with
    # different flavors the flavor="a" sample (vcpu 4) is kept, which a key of
    # the read columns alone would get wrong (vcpu 1 sorts first).
    rows = [
        {"time": "2026-10-01T00:00:00Z", "traits": REQUIRED | {"flavor": f, "vcpu": v}}
        for f, v in zip(flavors, (4, 1) if flavors[0] != flavors[1] else (4, 4), strict=True)
    ]
    reads = second_reads(monkeypatch)
    reader = open_samples([write_parquet(samples_table(rows), tmp_path / "s.parquet")], TYPES)
    assert_rates_like_reference(VCPU_HOURS, reader, OCT)
    assert len(reads) == full_reads


def test_unread_columns_are_still_validated(tmp_path) -> None:
    # requests (Natural) and flavor (Text) are not read for VCPU_HOURS.
    jsonl = write_jsonl(tmp_path / "s.jsonl", {}, {"requests": -1}, {"flavor": 7})
    parquet = tmp_path / "s.parquet"
    pq.write_table(
        pa.table(
            {
                "time": pa.array([0, 3_600_000_000, 7_200_000_000], TIMESTAMP),
                "resource.id": ["vm-1"] * 3,
                "resource.type": [VM] * 3,
                "scope.platformType": ["OpenStack"] * 3,
                **{f"traits.{name}": [value] * 3 for name, value in REQUIRED.items()},
                "traits.requests": [1, -1, None],
                "traits.flavor": pa.array([None, None, 7], pa.int64()),
            }
        ),
        parquet,
    )
    columns = engine._rating_columns([VCPU_HOURS], open_samples([jsonl], TYPES).schema)
    assert "traits.requests" not in columns
    assert "traits.flavor" not in columns
    for path in (jsonl, str(parquet)):
        full, narrow = open_samples([path], TYPES), open_samples([path], TYPES)
        whole = full.read_all()
        part = pa.Table.from_batches(list(narrow.batches(columns, dictionary=True)))
        assert (whole.num_rows, full.total.rejected, narrow.total.rejected) == (1, 2, 2)
        assert [str(r) for r in narrow.rejects.first] == [str(r) for r in full.rejects.first]
        assert part.schema.field("resource_id").type == TEXT_DICTIONARY
        assert part.cast(engine._decoded(part.schema)).equals(whole.select(columns))


def test_parquet_and_jsonl_inputs_share_one_stream(tmp_path) -> None:
    first = write_jsonl(tmp_path / "a.jsonl", {}, {"vcpu": 4})
    parquet = write_parquet(open_samples([first], TYPES).read_all(), tmp_path / "a.parquet")
    later = write_jsonl(tmp_path / "b.jsonl", *({"vcpu": v} for v in range(2, 6)))
    assert_rates_like_reference(VCPU_HOURS, open_samples([parquet, later], TYPES), OCT)


def test_a_reader_error_surfaces_as_itself(tmp_path) -> None:
    # The second file fails while DuckDB is already scanning the stream.
    bad = tmp_path / "b.parquet"
    pq.write_table(pa.table({"time": ["2026-10-01T00:00:00Z"], "colour": ["red"]}), bad)
    reader = open_samples([write_jsonl(tmp_path / "a.jsonl", {}), str(bad)], TYPES)
    with pytest.raises(RatecardError, match=r"b\.parquet: unknown column 'colour'"):
        engine.rate(VCPU_HOURS, reader, OCT)


def views_made(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Record each :func:`ingest._read_in_place`: the files (their SQL) read in place."""
    calls: list[list[str]] = []
    original = ingest._read_in_place

    def read_in_place(con, queries) -> None:
        calls.append([query.source for query in queries])
        original(con, queries)

    monkeypatch.setattr(ingest, "_read_in_place", read_in_place)
    return calls


@pytest.mark.parametrize(
    "files", [("good",), ("bad",), ("good", "bad")], ids=["valid", "a bad row", "mixed"]
)
def test_parquet_whose_rows_all_pass_is_read_in_place(tmp_path, monkeypatch, files) -> None:
    # A file whose rows all pass the SQL rules is rated from a view over it; one
    # with a failing row is copied. Either way: what rating a copy of the rows gives.
    paths = []
    for kind in files:
        rows = [
            {
                "time": f"2026-10-{1 + hour // 24:02d}T{hour % 24:02d}:00:00Z",
                "resource_id": f"{kind}-{hour % 3}",
                "traits": REQUIRED | {"vcpu": -1 if kind == "bad" and hour == 7 else hour % 5},
            }
            for hour in range(120)
        ]
        paths.append(write_parquet(samples_table(rows), tmp_path / f"{kind}.parquet"))
    views = views_made(monkeypatch)
    in_place = open_samples(paths, TYPES, rejects=RejectSink(keep=10))
    rated = engine.rate(VCPU_HOURS, in_place, OCT)
    assert [len(sources) for sources in views] == ([1] if "good" in files else [])
    copy = open_samples(paths, TYPES, rejects=RejectSink(keep=10))
    copied = engine.rate(VCPU_HOURS, list(copy), OCT)  # plain batches: copied into table s
    assert rated.line_items.equals(copied.line_items)
    assert (rated.counts, rated.unmatched) == (copied.counts, copied.unmatched)
    assert in_place.counts == copy.counts
    assert [str(r) for r in in_place.rejects.first] == [str(r) for r in copy.rejects.first]
    assert in_place.total.rejected == files.count("bad")
    assert_rates_like_reference(VCPU_HOURS, open_samples(paths, TYPES), OCT)
