"""The scope fields and labels of a sample, written once (docs/architecture.md).

A sample's ``scope`` object says where its resource runs and who pays for it.
Every place that names scope fields reads this table: the JSON Schema of
samples, the per-record and columnar validators, the CSV/Parquet column names,
the readers' normalized columns, the rating plan, the reference rater and the
line items. Adding a field here is what makes it travel end to end; nothing
else lists them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rating.model import Catalog


@dataclass(frozen=True)
class ScopeField:
    """One scope field: its key in ``scope``, its column, and how rating treats it."""

    key: str  # in a sample's ``scope`` object (JSON Lines)
    column: str  # normalized sample column and line-item column
    required: bool = False  # the only required one is the platform type
    matched: bool = True  # does a catalog scope selector test it (so matching depends on it)?

    @property
    def flat(self) -> str:
        """The CSV header / Parquet column name: ``scope.<key>``."""
        return f"scope.{self.key}"


SCOPE_FIELDS = (
    ScopeField("platformType", "platform_type", required=True),
    ScopeField("location", "location"),
    ScopeField("platformInstance", "platform_instance"),
    ScopeField("tenant", "tenant"),
    # A tenant's sub-unit (project, department, OU): carried to line items and
    # reports, splits slices when it changes; a ``Cell`` scope selector tests it.
    ScopeField("cell", "cell"),
)

SCOPE_COLUMNS = tuple(f.column for f in SCOPE_FIELDS)
# What matching depends on: a change of any other scope field only splits slices.
MATCHED_SCOPE_COLUMNS = tuple(f.column for f in SCOPE_FIELDS if f.matched)


# ---------------------------------------------------------------- labels

# Labels: a flat object of text to text beside ``scope`` (Kubernetes labels, OpenStack
# metadata), ``labels.<name>`` columns in CSV and Parquet. A name is 1 to 317 letters,
# digits and ``. _ - : /`` starting and ending with a letter or digit (a Kubernetes
# key, ``app.kubernetes.io/name``, fits). Python and RE2 read the pattern alike.
LABEL_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._:/-]{0,315}[A-Za-z0-9])?"
LABEL_NAME_RULE = (
    "1 to 317 letters, digits and . _ - : / starting and ending with a letter or digit"
)
LABELS = "labels"  # the sample field, and the prefix of the flat columns
LABEL_PREFIX = f"{LABELS}."
_LABEL_NAME = re.compile(LABEL_NAME)


def is_label_column(name: str) -> bool:
    """A flat input column holding a label (``labels.<name>``)?"""
    return name.startswith(LABEL_PREFIX)


def label_name_ok(name: str) -> bool:
    """Does ``name`` follow the label-name rule (the whole of it)?"""
    return _LABEL_NAME.fullmatch(name) is not None


# A label the catalog reads (an allocation dimension or a cellFromLabel rule) is kept
# as normalized sample column ``label.<name>``; a dimension is also a line-item column
# of that name. Labels are text; an empty value is no label (null).
LABEL_COLUMN_PREFIX = "label."


def label_column(name: str) -> str:
    """The normalized sample and line-item column of label ``name``."""
    return f"{LABEL_COLUMN_PREFIX}{name}"


def read_label_columns(catalogs: Iterable[Catalog]) -> list[str]:
    """The label columns the catalogs read (dimensions, then cell rules), each once: the
    only labels a reader keeps, and the only ones that take part in rating."""
    names = (n for catalog in catalogs for n in catalog.dimensions.read_labels)
    return [label_column(n) for n in dict.fromkeys(names)]


def is_kept_label(column: str) -> bool:
    """A normalized sample or line-item column holding a kept label (``label.<name>``)?"""
    return column.startswith(LABEL_COLUMN_PREFIX)
