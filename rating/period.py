"""Rating periods: a calendar month ("2026-10") or an explicit range of days."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from rating.errors import RatecardError

# fullmatch, never match: "$" also matches before a final newline ("2026-10\n").
_MONTH = re.compile(r"(\d{4})-(\d{2})", re.ASCII)
_RANGE = re.compile(r"(\d{4}-\d{2}-\d{2})/(\d{4}-\d{2}-\d{2})", re.ASCII)
# A month's exclusive end must be a datetime too: 9999-12 would end in year 10000.
_LAST_END = date(9999, 12, 1)
_RANGE_LIMITS = "periods run from 0001-01 to 9999-11 (end exclusive: 9999-12-01)"


@dataclass(frozen=True)
class Period:
    """A half-open UTC interval ``[start, end)`` with the label users typed.

    ``whole_end`` is set on the first part of a period (:meth:`up_to`): the end of
    the period it is part of.
    """

    label: str
    start: datetime
    end: datetime
    whole_end: datetime | None = None

    @property
    def days(self) -> int:
        """Whole days of the period, at least 1: prorated fees divide by it.

        An interim period divides by its whole period's days: ten days of a
        31-day month bill 10/31 of a prorated monthly fee, not all of it.
        """
        return max(((self.whole_end or self.end) - self.start).days, 1)

    @classmethod
    def parse(cls, text: str) -> Period:
        """Parse ``YYYY-MM`` (a month) or ``YYYY-MM-DD/YYYY-MM-DD`` (end day exclusive)."""
        if match := _MONTH.fullmatch(text):
            year, month = int(match[1]), int(match[2])
            if not 1 <= month <= 12:
                raise RatecardError(f"period {text!r}: month must be 01..12")
            if not (1, 1) <= (year, month) <= (9999, 11):
                raise RatecardError(f"period {text!r}: {_RANGE_LIMITS}")
            start = datetime(year, month, 1, tzinfo=UTC)
            end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
            return cls(text, start, end)
        if match := _RANGE.fullmatch(text):
            try:
                first, last = (date.fromisoformat(match[i]) for i in (1, 2))
            except ValueError as bad:  # "day is out of range for month", "year 0 is out of range"
                raise RatecardError(f"period {text!r}: {bad}") from None
            if last <= first:
                raise RatecardError(f"period {text!r}: end day must be after start day")
            if last > _LAST_END:  # months are cut at their starts: the next would be year 10000
                raise RatecardError(f"period {text!r}: {_RANGE_LIMITS}")
            return cls(text, _midnight(first), _midnight(last))
        raise RatecardError(
            f"period {text!r}: expected YYYY-MM or YYYY-MM-DD/YYYY-MM-DD (end exclusive)"
        )

    def up_to(self, moment: datetime) -> Period:
        """The part of this period before ``moment`` (clamped into it), its label kept:
        what is rated for an interim invoice or a month-to-date budget."""
        end = min(max(moment, self.start), self.end)
        return Period(self.label, self.start, end, self.whole_end or self.end)

    @classmethod
    def month_of(cls, moment: datetime) -> Period:
        return cls.parse(f"{moment.year:04d}-{moment.month:02d}")

    @classmethod
    def month_of_samples(cls, first_us: int | None, last_us: int | None) -> Period:
        """The calendar month holding a run's samples (epoch µs), for runs without --period."""
        if first_us is None or last_us is None:
            raise RatecardError("no samples to infer the period from: pass --period YYYY-MM")
        months = sorted({cls.month_of(from_epoch_us(t)).label for t in (first_us, last_us)})
        if len(months) > 1:
            spanned = " to ".join(months)
            raise RatecardError(f"samples span several months ({spanned}): pass --period")
        return cls.parse(months[0])


MAX_MONTHS = 36


def month_range(text: str) -> list[Period] | None:
    """The months of ``YYYY-MM..YYYY-MM`` (both included, at most :data:`MAX_MONTHS`), in
    order; None when ``text`` is not a range (a single period, :meth:`Period.parse`)."""
    if ".." not in text:
        return None
    first_text, _, last_text = text.partition("..")
    if not (_MONTH.fullmatch(first_text) and _MONTH.fullmatch(last_text)):
        raise RatecardError(f"--period {text!r}: a range is YYYY-MM..YYYY-MM (months included)")
    first, last = Period.parse(first_text), Period.parse(last_text)
    count = (last.start.year - first.start.year) * 12 + last.start.month - first.start.month + 1
    if count < 1:
        raise RatecardError(f"--period {text!r}: the first month is after the last")
    if count > MAX_MONTHS:
        raise RatecardError(f"--period {text!r}: {count} months, at most {MAX_MONTHS}")
    months = [first]
    while len(months) < count:
        months.append(Period.month_of(months[-1].end))
    return months


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


ONE_DAY = timedelta(days=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def from_epoch_us(micros: int) -> datetime:
    """An aware UTC datetime from epoch microseconds (engines keep times as integers)."""
    return EPOCH + timedelta(microseconds=micros)


def stamp(moment: datetime) -> str:
    """An instant as commands and the service show it: RFC 3339 in UTC with ``Z``."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
