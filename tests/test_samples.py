"""Sample readers: every format, bad input with exact messages, counts, round trips."""

from __future__ import annotations

import gzip
import io
import json
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rating.errors import RatecardError
from rating.load.samples import RejectSink, open_samples, sample_schema
from rating.load.samples.records import MAX_MAGNITUDE
from rating.load.samples.writers import write_samples
from rating.load.traits import builtin_resource_types, json_schema
from rating.model import ResourceType, Trait, TraitType

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "samples"
TYPES = builtin_resource_types()
SOURCE = ["source_file", "source_line"]


def read(paths: list[str], **kwargs: Any) -> tuple[pa.Table, Any]:
    reader = open_samples(paths, TYPES, **kwargs)
    return reader.read_all(), reader


def data(table: pa.Table) -> pa.Table:
    """The normalized content, without where it came from."""
    return table.drop_columns(SOURCE)


def sample(rid: str = "vm-1", **traits: Any) -> dict[str, Any]:
    return {
        "time": "2026-10-01T10:00:00Z",
        "resource": {"id": rid, "type": "openstack.nova.server"},
        "scope": {"platformType": "OpenStack", "tenant": "p"},
        "traits": {"state": "ACTIVE", **traits},
    }


def test_schema_has_one_column_per_trait_name() -> None:
    schema = sample_schema(TYPES)
    assert schema.field("time").type == pa.timestamp("us", tz="UTC")
    assert schema.field("traits.vcpu").type == pa.int64()
    assert schema.field("traits.state").type == pa.string()
    assert schema.names[:12] == [
        "time",
        "event",
        "resource_id",
        "resource_type",
        "resource_name",
        "platform_type",
        "location",
        "platform_instance",
        "tenant",
        "cell",
        "source_file",
        "source_line",
    ]


def test_fleet_example_is_identical_in_every_format() -> None:
    tables = {}
    for suffix in ("jsonl", "csv", "parquet"):
        table, reader = read([str(EXAMPLES / f"fleet-2026-10.{suffix}")])
        assert (reader.total.read, reader.total.valid, reader.total.rejected) == (708, 708, 0)
        tables[suffix] = data(table)
    assert tables["jsonl"].equals(tables["csv"])
    assert tables["jsonl"].equals(tables["parquet"])
    types = set(tables["jsonl"].column("resource_type").to_pylist())
    assert types == {rt.id for rt in TYPES}
    for suffix in ("jsonl", "csv", "parquet"):
        assert (EXAMPLES / f"fleet-2026-10.{suffix}").stat().st_size < 300_000


def test_fleet_resize_and_deletion() -> None:
    table, _ = read([str(EXAMPLES / "fleet-2026-10.jsonl")])
    rows = table.to_pylist()
    web = [r for r in rows if r["resource_id"] == "vm-web-1"]
    assert {r["traits.vcpu"] for r in web if r["time"].day == 1} == {2}
    assert {r["traits.vcpu"] for r in web if r["time"].day == 2} == {4}
    scratch = [r["time"] for r in rows if r["resource_id"] == "vol-scratch"]
    assert max(scratch) == datetime(2026, 10, 1, 17, tzinfo=UTC)


BROKEN = [
    (2, "vm-wrong-type", "traits.vcpu", 'expected Integer or null, got "four"'),
    (3, "vol-no-size", "traits.size", "missing required trait 'size' of openstack.cinder.volume"),
    (4, "db-1", "resource.type", 'unknown resource type "openstack.trove.database"'),
    (5, "pod-1", "time", 'not an RFC 3339 timestamp with timezone: "2026-10-01 10:00"'),
    (
        6,
        None,
        "",
        "malformed JSON: Expecting property name enclosed in double quotes: "
        "line 1 column 98 (char 97)",
    ),
    (7, "app-1", "traits.color", "unknown trait 'color' for cloudfoundry.app"),
]


def test_broken_example_rejects_with_exact_messages(tmp_path: Path) -> None:
    path = str(EXAMPLES / "broken.jsonl")
    sink = RejectSink(tmp_path / "rejects.jsonl")
    table, reader = read([path], rejects=sink)
    assert table.column("resource_id").to_pylist() == ["vm-ok"]
    got = [(r.source_line, r.resource_id, r.field, r.reason) for r in sink.first]
    assert got == BROKEN
    assert str(sink.first[0]) == (
        f'{path}:2: vm-wrong-type: traits.vcpu: expected Integer or null, got "four"'
    )
    counts = reader.counts[path]
    assert (counts.read, counts.valid, counts.rejected) == (7, 1, 6)
    written = [json.loads(line) for line in (tmp_path / "rejects.jsonl").read_text().splitlines()]
    assert [w["source_line"] for w in written] == [2, 3, 4, 5, 6, 7]
    lines = (EXAMPLES / "broken.jsonl").read_text().splitlines()
    assert written[4]["original"] == lines[5]


def test_timestamps_normalized_to_utc(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    records = [
        sample() | {"time": "2026-10-01T12:30:00+02:00"},
        sample() | {"time": "2026-10-01T10:30:00.1234567z"},
        sample() | {"time": "2026-10-01T10:30:00"},
        sample() | {"time": "2026-13-01T10:30:00Z"},
        sample() | {"time": 1759312800},
    ]
    write_samples(records, path, TYPES)
    table, reader = read([str(path)])
    assert table.column("time").to_pylist() == [
        datetime(2026, 10, 1, 10, 30, tzinfo=UTC),
        datetime(2026, 10, 1, 10, 30, 0, 123456, tzinfo=UTC),
    ]
    reasons = [r.reason for r in reader.rejects.first]
    assert reasons == [
        'not an RFC 3339 timestamp with timezone: "2026-10-01T10:30:00"',
        'not an RFC 3339 timestamp with timezone: "2026-13-01T10:30:00Z"',
        "1759312800 is not of type 'string'",
    ]


def test_envelope_problems(tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    no_scope = sample("a")
    del no_scope["scope"]
    records = [
        no_scope,
        sample("b") | {"event": "resize"},
        sample("c") | {"scope": {"platformType": "OpenStack", "region": "x"}},
        {"time": "2026-10-01T10:00:00Z", "resource": {"id": "d"}, "scope": {}},
        [1, 2],
        {k: v for k, v in sample("e").items() if k != "traits"},
        {k: v for k, v in sample("f").items() if k != "traits"}
        | {"resource": {"id": "f", "type": "openstack.neutron.router"}},
    ]
    write_samples(records, path, TYPES)
    _, reader = read([str(path)])
    got = [(r.resource_id, r.field, r.reason) for r in reader.rejects.first]
    assert got == [
        ("a", "scope", "missing required field 'scope'"),
        ("b", "event", "'resize' is not one of ['create', 'update', 'delete', None]"),
        ("c", "scope.region", "unknown field 'scope.region'"),
        ("d", "resource.type", "missing resource type"),
        (None, "", "expected a JSON object, got [1, 2]"),
        ("e", "traits.state", "missing required trait 'state' of openstack.nova.server"),
    ]
    assert reader.total.valid == 1  # the router needs no traits


def test_gzip_zstd_and_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    records = [sample("vm-1", vcpu=2), sample("vm-2", vcpu=4)]
    expected = None
    for name in ("s.jsonl", "s.jsonl.gz", "s.ndjson.zst", "s.csv.gz", "s.csv.zst", "s.parquet"):
        write_samples(records, tmp_path / name, TYPES)
        table, _ = read([str(tmp_path / name)])
        expected = expected or data(table)
        assert data(table).equals(expected), name
    assert gzip.decompress((tmp_path / "s.jsonl.gz").read_bytes()).startswith(b'{"time"')
    stdin = io.TextIOWrapper(io.BytesIO((tmp_path / "s.jsonl").read_bytes()))
    monkeypatch.setattr(sys, "stdin", stdin)
    table, reader = read(["-"])
    assert data(table).equals(expected)
    assert table.column("source_file").to_pylist() == ["-", "-"]
    assert reader.counts["-"].valid == 2


def test_csv_conversion_errors(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    header = "time,resource.id,resource.type,scope.platformType,traits.vcpu,traits.state"
    path.write_text(
        f"{header}\n"
        "2026-10-01T10:00:00Z,vm-1,openstack.nova.server,OpenStack,4,ACTIVE\n"
        "2026-10-01T10:00:00Z,vm-2,openstack.nova.server,OpenStack,four,ACTIVE\n"
        "2026-10-01T10:00:00Z,vm-3,openstack.nova.server,OpenStack,2,\n"
        "2026-10-01T10:00:00Z,vm-4,openstack.nova.server,OpenStack,2,ACTIVE,extra\n"
    )
    table, reader = read([str(path)])
    assert table.column("traits.vcpu").to_pylist() == [4]
    got = [(r.source_line, r.field, r.reason) for r in reader.rejects.first]
    assert got == [
        (3, "traits.vcpu", 'expected Integer, got "four"'),
        (4, "traits.state", "missing required trait 'state' of openstack.nova.server"),
        (5, "", "more cells than header columns"),
    ]
    (tmp_path / "cols.csv").write_text("time,colour\n")
    with pytest.raises(RatecardError, match=r"cols\.csv:1: unknown column 'colour'"):
        read([str(tmp_path / "cols.csv")])


def test_parquet_vectorized_rejects_match_per_record_messages(tmp_path: Path) -> None:
    path = tmp_path / "bad.parquet"
    n = 6
    table = pa.table(
        {
            "time": pa.array(
                ["2026-10-01T10:00:00Z"] * 4 + ["2026-10-01T10:00:00", "2026-10-01T11:00:00+01:00"]
            ),
            "resource.id": [f"r{i}" for i in range(n)],
            "resource.type": ["openstack.nova.server"] * 3
            + ["nope", "kubernetes.pod", "mesh.tenant"],
            "scope.platformType": ["OpenStack"] * n,
            "traits.state": ["ACTIVE", None, "ACTIVE", None, None, None],
            "traits.vcpu": pa.array([1, 2, -3, None, None, None], pa.int32()),
            "traits.milliCpu": pa.array([None, None, None, None, 5, None], pa.int64()),
            "traits.ramMb": pa.array([None, None, None, None, 6, None], pa.int64()),
            "traits.status": [None, None, None, None, "Running", None],
            "traits.platformType": [None, None, "x", None, None, "OpenStack"],
        }
    )
    pq.write_table(table, path)
    got, reader = read([str(path)])
    assert got.column("resource_id").to_pylist() == ["r0", "r5"]
    assert got.column("source_line").to_pylist() == [1, 6]
    assert got.column("time").to_pylist()[1] == datetime(2026, 10, 1, 10, tzinfo=UTC)
    assert got.column("traits.vcpu").type == pa.int64()
    problems = [(r.source_line, r.field, r.reason) for r in reader.rejects.first]
    assert problems == [
        (2, "traits.state", "missing required trait 'state' of openstack.nova.server"),
        (3, "traits.platformType", "unknown trait 'platformType' for openstack.nova.server"),
        (4, "resource.type", 'unknown resource type "nope"'),
        (5, "time", 'not an RFC 3339 timestamp with timezone: "2026-10-01T10:00:00"'),
    ]
    assert (reader.total.read, reader.total.valid, reader.total.rejected) == (6, 2, 4)


def test_parquet_wrong_column_type_and_naive_time(tmp_path: Path) -> None:
    path = tmp_path / "types.parquet"
    pq.write_table(
        pa.table(
            {
                "time": pa.array([datetime(2026, 10, 1, 10)] * 2, pa.timestamp("us")),
                "resource.id": ["a", "b"],
                "resource.type": ["openstack.nova.server"] * 2,
                "scope.platformType": ["OpenStack"] * 2,
                "traits.state": ["ACTIVE"] * 2,
                "traits.vcpu": ["4", None],
            }
        ),
        path,
    )
    _, reader = read([str(path)])
    assert [(r.field, r.reason) for r in reader.rejects.first] == [
        ("traits.vcpu", 'expected Integer or null, got "4"'),
        ("time", 'not an RFC 3339 timestamp with timezone: "2026-10-01T10:00:00.000000"'),
    ]


def test_parquet_required_trait_in_a_column_of_another_type_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "types.parquet"
    pq.write_table(
        pa.table(
            {
                "time": pa.array(
                    [datetime(2026, 10, 1, 10, tzinfo=UTC)], pa.timestamp("us", "UTC")
                ),
                "resource.id": ["a"],
                "resource.type": ["openstack.nova.server"],
                "scope.platformType": ["OpenStack"],
                "traits.state": pa.array([None], pa.int64()),  # required Text
            }
        ),
        path,
    )
    table, reader = read([str(path)])
    assert table.num_rows == 0
    assert [r.field for r in reader.rejects.first] == ["traits.state"]


def test_small_batches_and_multiple_files_reconcile(tmp_path: Path) -> None:
    paths = [str(EXAMPLES / "fleet-2026-10.parquet"), str(EXAMPLES / "broken.jsonl")]
    whole, _ = read(paths)
    reader = open_samples(paths, TYPES, batch_size=100)
    batches = list(reader)
    assert max(b.num_rows for b in batches) <= 100 and len(batches) > 7
    assert pa.Table.from_batches(batches).equals(whole)
    assert reader.total.read == reader.total.valid + reader.total.rejected == 715
    assert sum(c.read for c in reader.counts.values()) == reader.total.read


def test_missing_file_is_unusable_input() -> None:
    with pytest.raises(RatecardError, match=r"nowhere\.jsonl: no such file") as error:
        open_samples(["nowhere.jsonl"], TYPES)
    assert error.value.exit_code == 2


# ---------------------------------------------------------------- round trip


def _values(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Valid values: the JSON Schema's, within ±MAX_MAGNITUDE (and ≥ ``minimum``)."""
    kind = schema["type"]
    if isinstance(kind, list):
        return st.none() | _values(schema | {"type": kind[0]})
    low = max(schema.get("minimum", -MAX_MAGNITUDE + 1), -MAX_MAGNITUDE + 1)
    if kind == "integer":
        return st.integers(low, MAX_MAGNITUDE - 1)
    if kind == "number":
        return st.floats(low, MAX_MAGNITUDE, exclude_max=True)
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        return st.lists(_values(schema["items"]), max_size=3)
    # CSV cannot tell an empty Text from an absent one, so Text is never empty here.
    return st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1)


@st.composite
def records(draw: st.DrawFn, rt: ResourceType) -> dict[str, Any]:
    schema = json_schema(rt)
    required = set(schema["required"])
    traits = {}
    for name, prop in schema["properties"].items():
        if name in required or draw(st.booleans()):
            if rt.trait(name).unit is not None:  # a measured trait: not negative
                prop = prop | {"minimum": 0}
            traits[name] = draw(_values(prop))
    moment = datetime(2026, 10, 1, tzinfo=UTC) + timedelta(
        microseconds=draw(st.integers(0, 10**12))
    )
    offset = draw(st.sampled_from([0, 60, -330]))
    local = moment.astimezone(UTC).astimezone(timezone(timedelta(minutes=offset)))
    optional_text = st.none() | st.text("abc-_1", min_size=1, max_size=5)
    scope = {"platformType": draw(st.sampled_from(["OpenStack", "Kubernetes"]))}
    for key in ("location", "platformInstance", "tenant", "cell"):
        value = draw(optional_text)
        if value is not None:
            scope[key] = value
    resource = {"id": draw(st.text("xyz0123", min_size=1, max_size=6)), "type": rt.id}
    name = draw(optional_text)
    if name is not None:
        resource["name"] = name
    record = {"time": local.isoformat(), "resource": resource, "scope": scope, "traits": traits}
    event = draw(st.sampled_from([None, "create", "update", "delete"]))
    if event:
        record["event"] = event
    return record


# A user type with one trait of every type, optional and required, next to the built-ins.
EVERY = ResourceType(
    "acme.every",
    "Acme",
    "Every",
    "one trait per type",
    tuple(
        Trait(f"{kind.name.lower()}{suffix}", kind, optional, None, "")
        for kind in TraitType
        for suffix, optional in (("", False), ("Opt", True))
    ),
)
ROUND_TRIP_TYPES = (*TYPES, EVERY)
any_records = st.lists(st.sampled_from(ROUND_TRIP_TYPES).flatmap(records), min_size=1, max_size=8)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_records)
def test_round_trip_through_every_format(tmp_path_factory: Any, recs: list[dict]) -> None:
    folder = tmp_path_factory.mktemp("rt")
    tables = []
    for name in ("s.jsonl", "s.csv.gz", "s.parquet"):
        write_samples(recs, folder / name, ROUND_TRIP_TYPES)
        reader = open_samples([str(folder / name)], ROUND_TRIP_TYPES, batch_size=3)
        table = reader.read_all()
        assert reader.total.rejected == 0, [str(r) for r in reader.rejects.first]
        # Valid rows come in batches ahead of those checked one by one: compare in line order.
        tables.append(data(table.sort_by("source_line")))
    assert tables[0].num_rows == len(recs)
    assert tables[0].equals(tables[1])
    assert tables[0].equals(tables[2])
    assert tables[0].column("traits.state").to_pylist() == [r["traits"].get("state") for r in recs]


def test_parquet_naturals_and_list_elements(tmp_path: Path) -> None:
    base = {
        "time": "2026-10-01T10:00:00Z",
        "resource": {"type": "acme.every"},
        "scope": {"platformType": "Acme"},
    }
    good = {t.name: None for t in EVERY.traits}
    good |= {"text": "t", "integer": -1, "natural": 1, "double": 0.5, "bool": True}
    good |= {"list_text": [], "list_integer": [-1], "list_natural": [1], "list_double": [1.5]}
    good |= {"list_bool": [False]}
    cases = [good, good | {"natural": -1}, good | {"list_naturalOpt": [1, -2]}]
    recs = [
        base | {"resource": {"id": f"e{i}", "type": "acme.every"}, "traits": t}
        for i, t in enumerate(cases)
    ]
    path = tmp_path / "every.parquet"
    write_samples(recs, path, ROUND_TRIP_TYPES)
    reader = open_samples([str(path)], ROUND_TRIP_TYPES)
    assert reader.read_all().column("resource_id").to_pylist() == ["e0"]
    assert [(r.field, r.reason) for r in reader.rejects.first] == [
        ("traits.natural", "expected Natural, got -1"),
        ("traits.list_naturalOpt", "expected List Natural or null, got [1, -2]"),
    ]
