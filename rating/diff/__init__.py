"""``ratecard diff``: what a catalog change does to every tenant's bill (issue #20).

Built on the Python API, not beside it: each side is opened with
:func:`rating.open_catalog`, the same samples are rated against both, and
their :class:`~rating.api.Reports` are subtracted (:mod:`.bills`), so the
diff is exactly two ``ratecard report`` runs apart. The structural diff
(:mod:`.structure`) says why; :mod:`.render` prints both.
"""

from __future__ import annotations

from dataclasses import dataclass

from rating.api import Rated
from rating.diff.bills import BillDiff, MatchChange, bill_diff, match_change
from rating.diff.sources import Side, open_side
from rating.diff.structure import EntryChange, structural_changes

__all__ = ["CatalogDiff", "compare", "open_side"]


@dataclass(frozen=True)
class CatalogDiff:
    """Two catalogs over the same samples: entry changes, bill changes, match changes."""

    old: str  # the sides as the user named them
    new: str
    period: str
    entries: tuple[EntryChange, ...]
    bills: BillDiff
    samples: MatchChange


def compare(old: Side, new: Side, old_rated: Rated, new_rated: Rated) -> CatalogDiff:
    """The diff of two rating runs of the same samples, ``old``'s catalog against ``new``'s."""
    return CatalogDiff(
        old=old.spec,
        new=new.spec,
        period=new_rated.period.label,
        entries=structural_changes(old.catalog.model, new.catalog.model, old.shown, new.shown),
        bills=bill_diff(old_rated.reports(), new_rated.reports()),
        samples=match_change(new_rated.counts.read, old_rated.unmatched, new_rated.unmatched),
    )
