"""What an import did with each object: emitted, skipped with a reason, or noted.

Nothing an importer reads may vanish silently: every object is counted, every
skip has a reason, and the reasons are printed as one line each with a count
and a first example, so a thousand pods without requests are one line, not a
thousand.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from rating.load.samples.records import RecordValidator
from rating.load.samples.rejects import printable
from rating.model import ResourceType


@dataclass
class _Reason:
    count: int = 0
    example: str = ""


@dataclass
class Outcome:
    """Counts of one import: objects read, samples emitted, objects skipped, and why."""

    read: int = 0
    emitted: int = 0
    skipped: dict[str, _Reason] = field(default_factory=dict)
    notes: dict[str, _Reason] = field(default_factory=dict)

    def skip(self, reason: str, example: str) -> None:
        """An object read but not emitted: ``reason`` is the kind of problem, ``example`` which."""
        _add(self.skipped, reason, example)

    def note(self, reason: str, example: str) -> None:
        """An object emitted with a caveat the operator should know about."""
        _add(self.notes, reason, example)

    @property
    def skipped_count(self) -> int:
        return sum(reason.count for reason in self.skipped.values())

    def lines(self, what: str) -> list[str]:
        """The summary for stderr: totals first, then one line per reason."""
        lines = [
            f"{what}: read {self.read} objects, emitted {self.emitted} samples, "
            f"skipped {self.skipped_count}"
        ]
        for label, reasons in (("skipped", self.skipped), ("note", self.notes)):
            for reason, seen in reasons.items():
                lines.append(f"  {label} {seen.count}: {reason} (first: {printable(seen.example)})")
        return lines


def _add(reasons: dict[str, _Reason], reason: str, example: str) -> None:
    seen = reasons.setdefault(reason, _Reason(example=example))
    seen.count += 1


def validated(
    records: Iterable[dict[str, Any]],
    resource_types: Iterable[ResourceType],
    outcome: Outcome,
) -> Iterator[dict[str, Any]]:
    """``records`` that pass the sample readers' validation; the others become skips.

    Checking here, with the readers' own validator, is what guarantees that an
    import's output passes ``ratecard samples validate``: a value the platform
    printed but the schema forbids is reported by the importer, not discovered
    later by ``rate``.
    """
    validator = RecordValidator(tuple(resource_types))
    for record in records:
        problem = validator.check(record)
        if problem is None:
            outcome.emitted += 1
            yield record
        else:
            field_name, reason, resource_id = problem
            outcome.skip(f"invalid sample: {field_name}: {reason}", resource_id or "-")
