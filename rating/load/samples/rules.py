"""The sample rules, declared once for every column-wise check.

The per-record validator (:mod:`.records`) says what a valid sample is, one
record at a time. Three checks restate it over whole columns: Arrow compute
over the batches this process reads (:mod:`.columns`), DuckDB SQL over
Parquet files and Spark SQL over any input (:mod:`.parquet_sql`'s
:class:`~.parquet_sql.SampleRules`, spelled by a dialect). :func:`declare`
decides once which rules an input's columns need, from the resource types,
the columns present and their types, and what a file's statistics already
prove; each check renders every kind of rule below and nothing else, so a
rule cannot exist in one check and not in another.

A row passes when every rule holds; a rule that is NULL fails. A row a check
rejects goes to the per-record validator for its message, which also takes
back a row the columns were too strict about: the rules may be stricter than
the validator, never laxer.

Columns are named as flat inputs name them (``time``, ``resource.type``,
``traits.vcpu``, ``labels.team``) and typed as the rules read them: ``time``
a UTC timestamp, a trait column of a compatible type as the trait's type, a
column of another type only ever tested for NULL. A column left out is NULL
in every row. Typing the input is each reader's business.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa

from rating.load.samples.records import (
    MAX_MAGNITUDE,
    MAX_TIME,
    MIN_TIME,
    REQUIRED_TEXT,
    TEXT_FIELDS,
    nonnegative,
)
from rating.load.samples.schema import compatible, is_text, trait_columns
from rating.load.traits import EVENTS
from rating.model import ResourceType, TraitType
from rating.scopes import LABEL_PREFIX, is_label_column, label_name_ok

Bounds = Mapping[str, tuple[Any, Any]]  # proven (min, max) per column, from file statistics


@dataclass(frozen=True)
class NotNull:
    """The column is set (for ``time`` when the statistics prove its range)."""

    column: str


@dataclass(frozen=True)
class TimeWithin:
    """The column is set and ``low <= value < high``."""

    column: str
    low: datetime
    high: datetime


@dataclass(frozen=True)
class CleanText:
    """NULL (unless ``required``) or a text without a control character
    (:data:`~.records.CONTROL_CHARS`), and not empty if ``nonempty``."""

    column: str
    required: bool
    nonempty: bool


@dataclass(frozen=True)
class OneOf:
    """NULL or one of ``values``."""

    column: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class TypeTraits:
    """What one resource type asks of the trait columns (flat names).

    ``possible`` is false when a trait the type requires has no column of
    its type: no row of the type can pass.
    """

    absent: tuple[str, ...]  # traits the type does not have: NULL
    present: tuple[str, ...]  # traits it requires: set
    nonnegative: tuple[str, ...]  # traits whose every value is ≥ 0 (NULL passes)
    possible: bool = True


@dataclass(frozen=True)
class KnownType:
    """``column`` names one of ``types`` (id, traits) and the row's traits follow that type's."""

    column: str
    types: tuple[tuple[str, TypeTraits], ...]

    def where(self, column: str, field: str) -> frozenset[int]:
        """Positions of the types listing ``column`` in their ``field`` (absent, present…)."""
        return frozenset(
            i for i, (_, traits) in enumerate(self.types) if column in getattr(traits, field)
        )

    def trait_columns(self) -> tuple[str, ...]:
        """Every trait column some type's rule mentions, in first-seen order."""
        seen: dict[str, None] = {}
        for _, traits in self.types:
            seen.update(dict.fromkeys((*traits.absent, *traits.present, *traits.nonnegative)))
        return tuple(seen)


@dataclass(frozen=True)
class ValuesWithin:
    """NULL, or every value (each element of a list) set and, for numbers,
    within ±:data:`~.records.MAX_MAGNITUDE` and not NaN."""

    column: str
    trait_type: TraitType

    @property
    def base(self) -> str:
        """The type of a value, or of each element of a list."""
        return self.trait_type.value.removeprefix("List ")

    @property
    def numeric(self) -> bool:
        return self.base in ("Integer", "Natural", "Double")

    @property
    def is_list(self) -> bool:
        return self.trait_type.value != self.base

    @property
    def checks_anything(self) -> bool:
        """Numbers have a range and list elements must be set; a Text or Bool value
        has nothing to check."""
        return self.numeric or self.is_list


@dataclass(frozen=True)
class MustBeNull:
    """A column no rule may read: an unknown trait, a trait column of another
    type, a label with a bad name or of a type other than text."""

    column: str


Rule = NotNull | TimeWithin | CleanText | OneOf | KnownType | ValuesWithin | MustBeNull


def declare(
    columns: Mapping[str, pa.DataType],
    resource_types: Sequence[ResourceType],
    bounds: Bounds | None = None,
) -> tuple[Rule, ...]:
    """The rules a row of these flat ``columns`` (name → type) must pass.

    A column of Arrow's null type is as good as absent. ``bounds`` are the
    proven ``(min, max)`` of columns; a rule they prove is left out (checking
    every row costs a Parquet load a good part of its speed).
    """
    bounds = bounds or {}
    present = {name: t for name, t in columns.items() if not pa.types.is_null(t)}
    traits = trait_columns(resource_types)
    usable = {
        f"traits.{name}": trait_type
        for name, trait_type in traits.items()
        if read_as_trait(columns.get(f"traits.{name}"), trait_type)
    }
    rules: list[Rule] = [_time(bounds.get("time"))]
    rules += [
        CleanText(field, required=field in REQUIRED_TEXT, nonempty=field != "resource.name")
        for field in TEXT_FIELDS
    ]
    rules.append(OneOf("event", EVENTS))
    rules.append(
        KnownType(
            "resource.type",
            tuple((rt.id, _type_traits(rt, usable, bounds)) for rt in resource_types),
        )
    )
    rules += [
        rule
        for column, trait_type in usable.items()
        if (rule := ValuesWithin(column, trait_type)).checks_anything
        and not _within(trait_type, bounds.get(column))
    ]
    for column, data_type in present.items():
        if column.startswith("traits.") and column not in usable:
            rules.append(MustBeNull(column))
        elif is_label_column(column):
            good = label_name_ok(column.removeprefix(LABEL_PREFIX)) and is_text(data_type)
            rules.append(CleanText(column, False, False) if good else MustBeNull(column))
    return tuple(rules)


def read_as_trait(data_type: pa.DataType | None, trait_type: TraitType | None) -> bool:
    """Is a trait column read as the trait's values (a type compatible with it)?

    Any other column for a trait, or for no known trait, is only ever tested
    for NULL; its NULLs are missing values.
    """
    return (
        data_type is not None
        and trait_type is not None
        and not pa.types.is_null(data_type)
        and compatible(data_type, trait_type)
    )


def _time(bounds: tuple[Any, Any] | None) -> Rule:
    """Time within the supported range, or only set where the statistics prove the range."""
    if bounds is not None and MIN_TIME <= bounds[0] <= bounds[1] < MAX_TIME:
        return NotNull("time")
    return TimeWithin("time", MIN_TIME, MAX_TIME)


def _type_traits(rt: ResourceType, usable: Mapping[str, TraitType], bounds: Bounds) -> TypeTraits:
    """What ``rt`` asks of the trait columns read as traits (``usable``); a required
    trait without such a column makes the type impossible."""
    have = {f"traits.{t.name}": t for t in rt.traits}
    required = [column for column, t in have.items() if not t.optional]
    return TypeTraits(
        absent=tuple(column for column in usable if column not in have),
        present=tuple(column for column in required if column in usable),
        nonnegative=tuple(
            column
            for column, t in have.items()
            if column in usable
            and nonnegative(t.type, t.unit)
            and bounds.get(column, (-1, 0))[0] < 0
        ),
        possible=all(column in usable for column in required),
    )


def _within(trait_type: TraitType, bounds: tuple[Any, Any] | None) -> bool:
    """Do proven bounds keep every value within ±MAX_MAGNITUDE? Never for doubles
    (statistics leave NaN out) nor lists (they have none)."""
    if bounds is None or trait_type.value not in ("Integer", "Natural"):
        return False
    return bounds[0] > -MAX_MAGNITUDE and bounds[1] < MAX_MAGNITUDE
