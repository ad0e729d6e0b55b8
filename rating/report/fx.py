"""Exchange rates for converting report lines into a base currency.

Rates come from the catalog (``Catalog.fx_rates``) and, optionally, from the
run (``--fx rates.csv`` with columns ``from,to,rate``); a run rate overrides
the catalog's rate for the same pair. Only direct rates are used: the inverse
of a rate is not exact in decimal (1 / 1.1 has no finite expansion), so a
missing pair is an error naming it rather than a silently rounded guess.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TextIO

from rating.errors import RatecardError
from rating.model import FxRate


@dataclass(frozen=True)
class FxTable:
    """Direct exchange rates: 1 ``from`` = ``rates[(from, to)]`` ``to``."""

    rates: dict[tuple[str, str], Decimal]

    @classmethod
    def merge(cls, *sources: Iterable[FxRate]) -> FxTable:
        """Later sources override earlier ones for the same currency pair."""
        rates: dict[tuple[str, str], Decimal] = {}
        for source in sources:
            for fx in source:
                rates[(fx.from_currency, fx.to_currency)] = fx.rate
        return cls(dict(sorted(rates.items())))

    def rate(self, from_currency: str, to_currency: str) -> Decimal:
        """The rate converting ``from_currency`` into ``to_currency`` (1 for the same one)."""
        if from_currency == to_currency:
            return Decimal(1)
        try:
            return self.rates[(from_currency, to_currency)]
        except KeyError:
            raise RatecardError(
                f"no exchange rate from {from_currency} to {to_currency}: "
                f"add {from_currency},{to_currency},<rate> to --fx or the catalog's fx rates"
            ) from None


def read_fx_csv(path: str | Path) -> tuple[FxRate, ...]:
    """Read ``from,to,rate`` rows (header required); errors name the file, line and field.

    The file is UTF-8; a byte order mark (spreadsheets write one) is dropped.
    """
    path = Path(path)
    try:
        # surrogateescape turns each undecodable byte into a lone surrogate that
        # _utf8_lines reports with its line, rather than a decode error mid-read.
        with path.open(newline="", encoding="utf-8-sig", errors="surrogateescape") as handle:
            reader = csv.DictReader(_utf8_lines(handle, path))
            try:
                missing = {"from", "to", "rate"} - set(reader.fieldnames or ())
                if missing:
                    raise RatecardError(
                        f"{path}:1: missing column(s) {', '.join(sorted(missing))} "
                        "(expected header from,to,rate)"
                    )
                return tuple(_fx_row(path, reader.line_num, row) for row in reader)
            except csv.Error as error:  # a quoted field over the csv module's size limit
                # DictReader.line_num is only updated after a row is read; its reader's is current.
                line = reader.reader.line_num
                raise RatecardError(f"{path}:{line}: cannot read FX rates: {error}") from None
    except OSError as error:
        raise RatecardError(f"{path}: cannot read FX rates: {error.strerror}") from error


_UNDECODABLE = re.compile("[\\udc80-\\udcff]")
"""What ``errors="surrogateescape"`` makes of a byte that is not UTF-8."""

MAX_LINE = 64 * 1024
"""Characters per line: a rate takes a few dozen, and ``--fx /dev/zero`` must not fill memory."""


def _utf8_lines(handle: TextIO, path: Path) -> Iterator[str]:
    """The lines of ``handle``, failing at the first that is too long or not UTF-8."""
    for number, line in enumerate(iter(lambda: handle.readline(MAX_LINE + 1), ""), start=1):
        if len(line) > MAX_LINE:
            raise RatecardError(
                f"{path}:{number}: cannot read FX rates: line longer than {MAX_LINE} characters"
            )
        bad = _UNDECODABLE.search(line)
        if bad is not None:
            byte = ord(bad[0]) - 0xDC00
            raise RatecardError(
                f"{path}:{number}: cannot read FX rates: not UTF-8 (byte 0x{byte:02x})"
            )
        yield line


def _fx_row(path: Path, line: int, row: dict[str, str]) -> FxRate:
    source, target = (row["from"] or "").strip(), (row["to"] or "").strip()
    for field, code in (("from", source), ("to", target)):
        if len(code) != 3 or not code.isalpha() or not code.isupper():
            raise RatecardError(f"{path}:{line}: field {field}: {code!r} is not an ISO 4217 code")
    text = (row["rate"] or "").strip()
    try:
        rate = Decimal(text)
    except InvalidOperation:
        raise RatecardError(f"{path}:{line}: field rate: {text!r} is not a number") from None
    problem = rate_problem(rate)
    if problem is not None:
        raise RatecardError(f"{path}:{line}: field rate: {text!r} {problem}")
    return FxRate(source, target, rate)


MAX_RATE = Decimal("1e12")
"""Far above any real exchange rate, far below what a DECIMAL(38, 12) amount can hold."""


def rate_problem(rate: Decimal) -> str | None:
    """Why ``rate`` cannot convert money (not finite, not positive, absurdly large), or None."""
    if not rate.is_finite() or rate <= 0:
        return "must be a positive number"
    if rate >= MAX_RATE:
        return f"is out of range (an exchange rate must be below {MAX_RATE:.0e})"
    return None
