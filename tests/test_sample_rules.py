"""The sample rules, declared once (rating.load.samples.rules), rendered alike everywhere.

One table of rows, each breaking (or keeping) one rule, with the verdict
worked out by hand from the rule's text; the Arrow check and DuckDB's SQL
must both reach it (tests/test_spark.py runs the same table on Spark). And
every kind of rule has a rendering in each, so a rule cannot be declared for
one check only.
"""

from __future__ import annotations

import math
import typing
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rating.load.samples.columns import ColumnChecker, _Holds
from rating.load.samples.parquet_sql import SampleRules
from rating.load.samples.records import MAX_MAGNITUDE, MAX_TIME, MIN_TIME, RecordValidator, nest
from rating.load.samples.rules import (
    KnownType,
    MustBeNull,
    NotNull,
    Rule,
    TimeWithin,
    TypeTraits,
    ValuesWithin,
    declare,
)
from rating.load.samples.schema import TIMESTAMP
from rating.model import ResourceType, Trait, TraitType
from rating.rate.dialect import DUCKDB

VM = ResourceType(
    "acme.vm",
    "Acme",
    "VM",
    "required Natural, measured Double, list of texts",
    (
        Trait("vcpu", TraitType.NATURAL, False, None, ""),
        Trait("ratio", TraitType.DOUBLE, True, "By", ""),  # a quantity: never negative
        Trait("tags", TraitType.LIST_TEXT, True, None, ""),
    ),
)
IP = ResourceType("acme.ip", "Acme", "IP", "no traits", ())
TYPES = (VM, IP)
SCHEMA = pa.schema(
    [
        ("time", TIMESTAMP),
        ("event", pa.string()),
        ("resource.id", pa.string()),
        ("resource.type", pa.string()),
        ("resource.name", pa.string()),
        ("scope.platformType", pa.string()),
        ("scope.tenant", pa.string()),
        ("traits.vcpu", pa.int64()),
        ("traits.ratio", pa.float64()),
        ("traits.tags", pa.list_(pa.string())),
        ("traits.color", pa.string()),  # no resource type has it
        ("labels.team", pa.string()),
        ("labels.Bad Name", pa.string()),
    ]
)
T0 = datetime(2026, 10, 1, tzinfo=UTC)
VALID = {
    "time": T0,
    "resource.id": "vm-1",
    "resource.type": "acme.vm",
    "scope.platformType": "openstack",
    "traits.vcpu": 2,
}
# (what the row changes, does it pass?) — by hand, from the rules' docstrings.
CASES = {
    "valid": ({}, True),
    "every optional field set": (
        {
            "event": "delete",
            "resource.name": "",
            "scope.tenant": "t1",
            "traits.ratio": 0.5,
            "traits.tags": ["a", "b"],
            "labels.team": "",
        },
        True,
    ),
    "time missing": ({"time": None}, False),
    "time at the lower bound": ({"time": MIN_TIME}, True),
    "time before 1970": ({"time": datetime(1969, 12, 31, 23, tzinfo=UTC)}, False),
    "time at the upper bound": ({"time": MAX_TIME}, False),
    "resource id missing": ({"resource.id": None}, False),
    "resource id empty": ({"resource.id": ""}, False),
    "resource id with a line feed": ({"resource.id": "vm\n1"}, False),
    "resource id with NUL": ({"resource.id": "vm\x001"}, False),
    "resource id with a tab": ({"resource.id": "vm\t1"}, True),
    "name with CR": ({"resource.name": "a\rb"}, False),
    "tenant empty": ({"scope.tenant": ""}, False),
    "platform type missing": ({"scope.platformType": None}, False),
    "platform type empty": ({"scope.platformType": ""}, False),
    "unknown event": ({"event": "reboot"}, False),
    "unknown type": ({"resource.type": "acme.disk"}, False),
    "type missing": ({"resource.type": None}, False),
    "required trait missing": ({"traits.vcpu": None}, False),
    "trait the type lacks": ({"resource.type": "acme.ip", "traits.vcpu": None}, True),
    "trait of another type": ({"resource.type": "acme.ip"}, False),
    "negative Natural": ({"traits.vcpu": -1}, False),
    "negative quantity": ({"traits.ratio": -0.5}, False),
    "NaN": ({"traits.ratio": float("nan")}, False),
    "infinity": ({"traits.ratio": float("inf")}, False),
    "too large": ({"traits.vcpu": MAX_MAGNITUDE}, False),
    "just small enough": ({"traits.vcpu": MAX_MAGNITUDE - 1}, True),
    "null list element": ({"traits.tags": ["a", None]}, False),
    "empty list": ({"traits.tags": []}, True),
    "unknown trait set": ({"traits.color": "red"}, False),
    "label with a line feed": ({"labels.team": "a\nb"}, False),
    "label with a bad name": ({"labels.Bad Name": "x"}, False),
}


def table() -> pa.Table:
    rows = [{**VALID, **changes} for changes, _ in CASES.values()]
    return pa.Table.from_pylist(rows, schema=SCHEMA)


EXPECTED = [verdict for _, verdict in CASES.values()]


def arrow_verdicts() -> list[bool]:
    rows = table()
    columns = {name: rows.column(name).combine_chunks() for name in rows.column_names}
    ok, _ = ColumnChecker(TYPES).check(columns, rows.num_rows)
    return ok.to_pylist()


def sql_verdicts(con, rules: SampleRules, relation: str) -> list[bool]:
    """``valid`` per row of ``relation`` (in the table's order)."""
    return [valid for (valid,) in con.execute(f"SELECT {rules.valid()} FROM {relation}").fetchall()]


def test_the_arrow_check_reaches_the_verdicts_worked_out_by_hand() -> None:
    assert dict(zip(CASES, arrow_verdicts(), strict=True)) == dict(
        zip(CASES, EXPECTED, strict=True)
    )


def test_duckdb_sql_reaches_the_verdicts_worked_out_by_hand(tmp_path: Path) -> None:
    path = tmp_path / "rules.parquet"
    pq.write_table(table(), path)
    rules = SampleRules(SCHEMA, TYPES, {})
    source = f"read_parquet({DUCKDB.literal(str(path))})"
    verdicts = sql_verdicts(duckdb.connect(), rules, source)
    assert dict(zip(CASES, verdicts, strict=True)) == dict(zip(CASES, EXPECTED, strict=True))


@pytest.mark.parametrize("case", CASES)
def test_duckdb_proves_a_file_valid_exactly_when_every_row_is(tmp_path: Path, case: str) -> None:
    """The cheaper whole-file test (``all_pass``) says what counting valid rows would."""
    changes, verdict = CASES[case]
    # A second type's group, and a finite Double: Parquet's statistics of a
    # Double column leave NaN out (DuckDB must not trust them for NaN).
    other_type = {**VALID, "resource.type": "acme.ip", "traits.vcpu": None}
    rows = [{**VALID, "traits.ratio": 0.25}, other_type, {**VALID, **changes}]
    path = tmp_path / "rules.parquet"
    pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMA), path)
    source = f"read_parquet({DUCKDB.literal(str(path))})"
    rules = SampleRules(SCHEMA, TYPES, {})
    proven = duckdb.connect().execute(f"SELECT {rules.all_pass(source, 3, SCHEMA.names)}")
    assert proven.fetchall() == [(verdict,)]


@pytest.mark.parametrize("bad", [math.nan, math.inf, -0.5])
def test_a_bad_double_beside_finite_ones_is_not_proven_valid(tmp_path: Path, bad: float) -> None:
    """Statistics of a Double column leave NaN out: DuckDB must not decide from them
    (here they say every value is 0.5, and a filter pushed into the scan passes NaN)."""
    rows = [{**VALID, "traits.ratio": ratio} for ratio in (0.5, bad, 0.5)]
    path = tmp_path / "rules.parquet"
    pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMA), path)
    source = f"read_parquet({DUCKDB.literal(str(path))})"
    all_pass = SampleRules(SCHEMA, TYPES, {}).all_pass(source, 3, SCHEMA.names)
    assert duckdb.connect().execute(f"SELECT {all_pass}").fetchall() == [(False,)]


def test_an_empty_file_is_proven_valid(tmp_path: Path) -> None:
    path = tmp_path / "rules.parquet"
    pq.write_table(SCHEMA.empty_table(), path)
    source = f"read_parquet({DUCKDB.literal(str(path))})"
    all_pass = SampleRules(SCHEMA, TYPES, {}).all_pass(source, 0, SCHEMA.names)
    assert duckdb.connect().execute(f"SELECT {all_pass}").fetchall() == [(True,)]


def test_rules_the_statistics_prove_are_left_out() -> None:
    bounds = {
        "time": (T0, T0),
        "traits.vcpu": (0, 64),  # proves the range and ≥ 0
        "traits.ratio": (-1, 1),  # doubles: the range is still checked (NaN)
    }
    rules = declare(dict(zip(SCHEMA.names, SCHEMA.types, strict=True)), TYPES, bounds)
    assert NotNull("time") in rules
    assert not any(isinstance(rule, TimeWithin) for rule in rules)
    within = {rule.column for rule in rules if isinstance(rule, ValuesWithin)}
    assert within == {"traits.ratio", "traits.tags"}
    (known,) = (rule for rule in rules if isinstance(rule, KnownType))
    vm = dict(known.types)["acme.vm"]
    assert vm.nonnegative == ("traits.ratio",)  # vcpu's ≥ 0 is proven
    assert MustBeNull("traits.color") in rules and MustBeNull("labels.Bad Name") in rules


def test_a_required_trait_without_a_usable_column_makes_its_type_impossible() -> None:
    columns = {"resource.type": pa.string(), "traits.vcpu": pa.string()}  # vcpu is a Natural
    rules = declare(columns, TYPES)
    (known,) = (rule for rule in rules if isinstance(rule, KnownType))
    assert dict(known.types)["acme.vm"].possible is False
    assert dict(known.types)["acme.ip"].possible is True
    assert MustBeNull("traits.vcpu") in rules


def example_rules() -> list[Rule]:
    """One declared rule of every kind (of the example schema)."""
    rules = declare(dict(zip(SCHEMA.names, SCHEMA.types, strict=True)), TYPES, {"time": (T0, T0)})
    return [
        *rules,
        TimeWithin("time", MIN_TIME, MAX_TIME),
        KnownType("resource.type", (("acme.vm", TypeTraits((), (), (), possible=False)),)),
    ]


def test_every_kind_of_rule_is_declared_and_rendered_by_every_check() -> None:
    rules = example_rules()
    assert {type(rule) for rule in rules} == set(typing.get_args(Rule))
    rows = table()
    holds = _Holds({name: rows.column(name).combine_chunks() for name in SCHEMA.names}, len(rows))
    sql = SampleRules(SCHEMA, TYPES, {})
    for rule in rules:
        assert len(holds(rule)) == len(rows)
        assert sql._holds(rule)


@pytest.mark.parametrize("renderer", ["arrow", "sql"])
def test_a_rule_no_check_knows_fails_loudly(renderer: str) -> None:
    unknown = object()
    render = _Holds({}, 0) if renderer == "arrow" else SampleRules(SCHEMA, TYPES, {})._holds
    with pytest.raises(TypeError, match=r"no .* rendering"):
        render(unknown)  # type: ignore[arg-type]


def test_the_per_record_validator_reaches_the_same_verdicts() -> None:
    """The rules restate the validator: the hand-worked verdicts are its verdicts too."""
    validator = RecordValidator(TYPES)
    rows = [{**row, "time": row["time"] and row["time"].isoformat()} for row in table().to_pylist()]
    verdicts = [validator.check(nest(row)) is None for row in rows]
    assert dict(zip(CASES, verdicts, strict=True)) == dict(zip(CASES, EXPECTED, strict=True))
