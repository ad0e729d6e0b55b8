"""Column-wise reading agrees with the per-record path, for every format and every input.

JSON Lines and CSV are parsed block by block with Arrow and checked column-wise
(:mod:`rating.load.samples.text_columns`), Parquet batch by batch
(:mod:`rating.load.samples.parquet_format`); only failing rows reach the
per-record validator. Whatever an input holds, the result must be exactly
what checking every record one by one gives: the same normalized rows, the
same rejects (line, resource, field, reason, original text), the same counts,
the same file error. The reference run refuses every column-wise check, which
sends every line (and every Parquet row) down the per-record path.
"""

from __future__ import annotations

import gzip
import io
import json
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_bad_input_samples import CASES, FLEET, FLEET_CSV, TRAITS, Case
from test_samples import ROUND_TRIP_TYPES, records

from rating.errors import RatecardError
from rating.library import traits_dir
from rating.load.samples import RejectSink, open_samples, sources
from rating.load.samples.columns import ColumnChecker
from rating.load.samples.records import RecordValidator
from rating.load.samples.writers import write_samples
from rating.load.traits import builtin_resource_types, load_resource_types, merge_resource_types
from rating.model import ResourceType

Outcome = tuple[pa.Table, list[Any], dict[str, Any]] | str


def _refuse(*_: Any) -> Any:
    raise pa.ArrowInvalid("the reference reads every record one by one")


def read(path: str, types: tuple[ResourceType, ...], stdin: bytes = b"") -> Outcome:
    """Rows (in line order), rejects and counts of reading ``path``; or its file error."""
    sink = RejectSink(keep=1_000_000)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        try:
            reader = open_samples([path], types, batch_size=5, rejects=sink)
            table = reader.read_all()
        except RatecardError as error:
            return str(error)
    table = table.sort_by([("source_line", "ascending")])
    return table, sink.first, {name: vars(counts) for name, counts in reader.counts.items()}


def reference(path: str, types: tuple[ResourceType, ...], stdin: bytes = b"") -> Outcome:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ColumnChecker, "check", _refuse)
        return read(path, types, stdin)


def assert_same(path: str, types: tuple[ResourceType, ...], stdin: bytes = b"") -> Outcome:
    columnar, expected = read(path, types, stdin), reference(path, types, stdin)
    if isinstance(expected, str):
        assert columnar == expected
        return columnar
    assert not isinstance(columnar, str), columnar
    (table, rejects, counts), (want_table, want_rejects, want_counts) = columnar, expected
    assert rejects == want_rejects
    assert counts == want_counts
    assert table.equals(want_table), (table.to_pylist()[:3], want_table.to_pylist()[:3])
    return columnar


@pytest.fixture(scope="module")
def acme_types(tmp_path_factory: pytest.TempPathFactory) -> tuple[ResourceType, ...]:
    path = tmp_path_factory.mktemp("traits") / "acme.dhall"
    path.write_text(TRAITS.format(trait=traits_dir() / "Trait.dhall"))
    return merge_resource_types(builtin_resource_types(), load_resource_types(path), str(path))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_corpus_case(
    case: Case, tmp_path: Path, acme_types: tuple[ResourceType, ...]
) -> None:
    if case.file == "-":
        assert_same("-", acme_types, case.data())
        return
    path = tmp_path / case.file
    path.write_bytes(case.data())
    assert_same(str(path), acme_types)


def _junk(lines: list[bytes], every: int, bad: list[bytes]) -> bytes:
    """``lines`` with a bad line put in after every ``every``-th, the bad ones in turn."""
    out = []
    for index, line in enumerate(lines):
        out.append(line)
        if index % every == every - 1:
            out.append(bad[(index // every) % len(bad)])
    return b"".join(out)


_BAD_JSON = [
    b"junk\n",
    b'{"time": "2026-10-01T10:00:00Z", "resource": {"id": "x", "type": "aws.ec2"}}\n',
    b'{"time": "2026-02-30T10:00:00Z", "resource": {"id": "t", "type": "kubernetes.pod"}}\n',
    b"\n",
    b"   \r\n",
    b'{"a": 1} {"b": 2}\n',
    b'{"time": "caf\xe9"}\n',
    b'{"time": "\\ud800"}\n',
    b'{"time": "2026-10-01T10:00:00Z", "time": "x"}\n',
    b"x" * (sources.MAX_LINE_BYTES + 5) + b"\n",
]
_CSV_HEADER, *_CSV_ROWS = FLEET_CSV.splitlines(keepends=True)
_BAD_CSV = [
    b"\n",
    b",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,\n",
    b"2026-10-01T10:00:00Z,x,aws.ec2,AWS\n",
    b"2026-10-01T10:00:00Z,a\rb,kubernetes.pod,Kubernetes\n",
    b"x" * (sources.MAX_LINE_BYTES + 5) + b"\n",
]


@pytest.mark.parametrize("block", [4096, 1 << 16, sources.BLOCK_BYTES])
@pytest.mark.parametrize(
    "name, content",
    [
        ("fleet.jsonl", _junk(FLEET.splitlines(keepends=True), 37, _BAD_JSON)),
        ("fleet.jsonl.gz", _junk(FLEET.splitlines(keepends=True), 101, _BAD_JSON)),
        ("fleet.csv", _CSV_HEADER + _junk(_CSV_ROWS, 41, _BAD_CSV)),
        # From a doubled quote on, Python's reader alone knows where records end.
        ("quoted.csv", _CSV_HEADER + _junk(_CSV_ROWS, 400, [b'2026-10-01,"q""d",x,y\n'])),
    ],
)
def test_fleets_with_junk_across_block_boundaries(
    name: str, content: bytes, block: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bad lines among many good ones, blocks cut anywhere: halving finds every bad line."""
    monkeypatch.setattr(sources, "BLOCK_BYTES", block)
    path = tmp_path / name
    path.write_bytes(gzip.compress(content) if name.endswith(".gz") else content)
    checked = []
    one_by_one = RecordValidator.check
    monkeypatch.setattr(
        RecordValidator, "check", lambda s, r: checked.append(r) or one_by_one(s, r)
    )
    outcome = read(str(path), ROUND_TRIP_TYPES)
    assert not isinstance(outcome, str), outcome
    table, rejects, _ = outcome
    assert table.num_rows > 600 and rejects
    if name != "quoted.csv":
        assert len(checked) < table.num_rows / 3  # the rest was read column-wise
    assert_same(str(path), ROUND_TRIP_TYPES)


_LINE = FLEET.splitlines()[0]
# A good line spelled in ways a lax parser (DuckDB's) reads, or reads otherwise, than Python.
_LAX_JSON = [
    _LINE.replace(b'"state": "ACTIVE"}', b'"state": "ACTIVE",}'),  # trailing comma, nested
    _LINE[:-1] + b", }",  # trailing comma, top level
    _LINE.replace(b'"vcpu": 2,', b'"vcpu": [2, ],'),  # trailing comma in a list
    _LINE[:-1] + b', "time": "2026-10-01T01:00:00Z"}',  # duplicate key: ambiguous, rejected
    _LINE.replace(b'"vcpu": 2,', b'"vcpu": 2, "vcpu": 3,'),  # (DuckDB keeps the first)
    _LINE.replace(b'"vcpu": 2,', b'"vcpu": 2, "zz": 1,'),  # unknown trait
    _LINE[:-1] + b', "zz": {"a": 1}}',  # unknown top-level field
    _LINE[:-1] + b', "event": null}',  # a top-level null (valid)
    _LINE.replace(b'"vcpu": 2,', b'"vcpu": 2.0,'),  # 2.0 for an Integer (valid: JSON Schema)
    _LINE.replace(b'"vcpu": 2,', b'"vcpu": nan,'),  # not JSON to Python
    _LINE.replace(b'"vcpu": 2,', b'"vcpu": true,'),
    _LINE.replace(b'"web-1"', b'"web\\udc00"'),  # a lone surrogate escape
    _LINE.replace(b'"web-1"', b'"web\\u003a1"'),  # an escaped ':' (valid)
    _LINE.replace(b'"time": ', b'"time" :\t '),  # spacing (valid)
    _LINE[:-1] + b', "zz": ' + b"[" * 40 + b"]" * 40 + b"}",  # nested too deep
    # The reader parses a line's rest after a leading time member spelled as in the
    # piece's first line (read as an object from the ',' on): the cut must not show.
    b"," + _LINE[1:],  # no opening brace: not one object
    _LINE.replace(b'00Z",', b'00.5Z",', 1),  # a time of another length (valid)
    _LINE[: _LINE.index(b",") + 1] + b"}",  # only the time, then a trailing comma
    _LINE.replace(b'"time": "2', b'"time": "\\u0032', 1),  # an escape in the time (valid)
]


@pytest.mark.parametrize("block", [4096, sources.BLOCK_BYTES])
def test_lax_json_is_judged_one_by_one(
    block: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lines DuckDB would read laxly, among good ones: rejects and rows as Python reads them."""
    monkeypatch.setattr(sources, "BLOCK_BYTES", block)
    path = tmp_path / "lax.jsonl"
    path.write_bytes(_junk(FLEET.splitlines(keepends=True), 23, [b + b"\n" for b in _LAX_JSON]))
    outcome = assert_same(str(path), ROUND_TRIP_TYPES)
    assert not isinstance(outcome, str), outcome
    table, rejects, _ = outcome
    lines = len(FLEET.splitlines())
    inserted = [(i // 23) % len(_LAX_JSON) for i in range(lines) if i % 23 == 22]
    valid = sum(1 for i in inserted if i in (7, 8, 12, 13, 16, 18))
    assert (table.num_rows, len(rejects)) == (lines + valid, len(inserted) - valid)


_MUTATIONS: list[tuple[str, Any]] = [
    ("traits.vcpu", "2"),
    ("traits.vcpu", 2.0),
    ("traits.vcpu", -1),
    ("traits.zz", 1),
    ("time", "2026-10-01T10:00:00"),
    ("time", "1969-12-31T23:59:59Z"),
    ("resource.id", ""),
    ("resource.id", "a\nb"),
    ("scope.tenant", ""),
    ("scope.tenant", None),
    ("resource.name", None),
    ("event", "resize"),
    ("traits", None),
    ("extra", 1),
    ("resource.type", "aws.ec2"),
]


def _mutated(record: dict[str, Any], mutation: tuple[str, Any] | None) -> dict[str, Any]:
    if mutation is None:
        return record
    copy = json.loads(json.dumps(record))
    path, value = mutation
    *parents, last = path.split(".")
    target = copy
    for key in parents:
        target = target[key]
    target[last] = value
    return copy


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(ROUND_TRIP_TYPES).flatmap(records),
            st.none() | st.none() | st.sampled_from(_MUTATIONS),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_generated_records_in_every_format(
    tmp_path_factory: pytest.TempPathFactory, pairs: list[tuple[dict[str, Any], Any]]
) -> None:
    folder = tmp_path_factory.mktemp("gen")
    good = [record for record, _ in pairs]
    mixed = [_mutated(record, mutation) for record, mutation in pairs]
    write_samples(good, folder / "good.parquet", ROUND_TRIP_TYPES)
    assert_same(str(folder / "good.parquet"), ROUND_TRIP_TYPES)
    write_samples(mixed, folder / "mixed.jsonl", ROUND_TRIP_TYPES)
    assert_same(str(folder / "mixed.jsonl"), ROUND_TRIP_TYPES)
    flat = [record for record in mixed if isinstance(record.get("traits"), dict)]  # CSV can say
    write_samples(flat, folder / "mixed.csv.zst", ROUND_TRIP_TYPES)
    assert_same(str(folder / "mixed.csv.zst"), ROUND_TRIP_TYPES)
