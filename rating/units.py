"""UCUM units with exact conversion factors.

``ucumvert`` parses UCUM (case-sensitive codes) into ``pint`` quantities; with
``Fraction`` magnitudes every factor is exact (``MiBy`` → ``GiBy`` = 1/1024,
``h`` → ``mo`` = 2/1461). Two things billing needs that it lacks are added on
top, per term of the product/quotient:

* **information** is a dimension: bytes and bits are not plain numbers, so
  ``MiBy`` is not commensurable with ``1`` or ``{vCPU}``;
* **each annotation is its own dimension**: ``{vCPU}`` ≠ ``{CPU}``, so vCPU
  hours never convert into CPU hours. A metric prefix written directly before
  an annotation scales it: ``m{CPU}`` = 1/1000 ``{CPU}`` (Kubernetes
  millicores). Strict UCUM has no such prefixes; this is a deliberate
  extension. An annotation after a number (``10*6{query}``) counts that thing
  too; after a unit with a dimension (``By{raw}``) it is decoration, as in UCUM.

One code is added for billing by the month: ``mo_cal``, the **calendar month**
(named like UCUM's ``mo_j`` / ``mo_g``, the mean Julian and Gregorian months).
UCUM's ``mo`` is a constant 730.5 h, so a full February is 0.92 ``mo`` and a
full October 1.02; a full calendar month is exactly 1 ``mo_cal`` whatever its
length. That is no constant factor, so ``mo_cal`` is a dimension of its own
(never converted to ``h``); the rating plan measures it as Σ over the months an
interval touches of (time in that month / length of that month)
(:mod:`rating.rate.timeline`).

Units are parsed once per code. Building the registry costs 0.6-1.4 s, more
than loading a cached catalog, so what it says about each term is kept on disk
(:class:`_TermCache`, keyed by the ucumvert and pint versions) and the
registry is only built for a term not seen before.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from functools import cache, lru_cache
from typing import Any

from rating.cache import cache_dir, private_cache_dir, write_private
from rating.errors import RatecardError

INFORMATION = "[information]"
CALENDAR_MONTH = "mo_cal"  # a calendar month: 1 whatever the month's length
CALENDAR = "[calendar month]"  # its dimension

_METRIC_PREFIXES = {
    "Y": Fraction(10) ** 24, "Z": Fraction(10) ** 21, "E": Fraction(10) ** 18,
    "P": Fraction(10) ** 15, "T": Fraction(10) ** 12, "G": Fraction(10) ** 9,
    "M": Fraction(10) ** 6, "k": Fraction(10) ** 3, "h": Fraction(10) ** 2,
    "da": Fraction(10), "d": Fraction(1, 10), "c": Fraction(1, 100),
    "m": Fraction(1, 10**3), "u": Fraction(1, 10**6), "n": Fraction(1, 10**9),
    "p": Fraction(1, 10**12), "f": Fraction(1, 10**15), "a": Fraction(1, 10**18),
    "z": Fraction(1, 10**21), "y": Fraction(1, 10**24),
}  # fmt: skip
_BINARY_PREFIXES = ("Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi")
_PREFIX = "|".join(sorted([*_METRIC_PREFIXES, *_BINARY_PREFIXES], key=len, reverse=True))
_ANNOTATION_TERM = re.compile(
    rf"(?P<prefix>{'|'.join(sorted(_METRIC_PREFIXES, key=len, reverse=True))})?"
    r"\{(?P<name>[^{}]*)\}(?P<exp>-?\d+)?"
)
_INFORMATION_TERM = re.compile(rf"(?:{_PREFIX})?(?:By|bit)(?P<exp>-?\d+)?(?:\{{[^{{}}]*\}})?")
_TRAILING_ANNOTATION = re.compile(r"\{[^{}]*\}")
# An exponent: digits right after a unit symbol, a bracket or 10* / 10^ (``m3``, ``[ft_i]2``).
_EXPONENT = re.compile(r"(?<=[A-Za-z\]}'_*^])[+-]?(\d+)")
_BRACKETED = re.compile(r"\{[^{}]*\}|\[[^\[\]]*\]")
# Far beyond any billing unit, and small enough that the factor stays a small number:
# ``h99999999999`` would otherwise raise 3600 to that power before anything is said.
MAX_EXPONENT = 99


@dataclass(frozen=True)
class Unit:
    """A parsed unit: ``factor`` × the product of ``dimensions`` (name → exponent)."""

    code: str
    factor: Fraction
    dimensions: tuple[tuple[str, int], ...]

    def is_commensurable(self, other: Unit) -> bool:
        return self.dimensions == other.dimensions


@cache
def _registry() -> Any:
    from ucumvert import PintUcumRegistry

    return PintUcumRegistry(non_int_type=Fraction)


@lru_cache(maxsize=4096)
def parse_unit(code: str) -> Unit:
    """Parse a UCUM code (with the extensions above); raise RatecardError if invalid."""
    if not isinstance(code, str) or not code.strip() or code != code.strip():
        raise RatecardError(f"invalid UCUM unit {code!r}: empty or surrounded by spaces")
    _check_exponents(code)
    if "(" in code or ")" in code:
        factor, dimensions = _ucumvert_term(code, code)
        return Unit(code, factor, _normal(dimensions))
    factor, dimensions = Fraction(1), Counter[str]()
    for sign, term in _terms(code):
        term_factor, term_dimensions = _term(term, code)
        factor *= term_factor**sign
        for name, exponent in term_dimensions.items():
            dimensions[name] += sign * exponent
    return Unit(code, factor, _normal(dimensions))


def _check_exponents(code: str) -> None:
    """Refuse exponents above :data:`MAX_EXPONENT` (annotation and bracket texts aside)."""
    symbols = _BRACKETED.sub(lambda match: match.group()[0] + match.group()[-1], code)
    for match in _EXPONENT.finditer(symbols):
        if int(match[1]) > MAX_EXPONENT:
            raise RatecardError(
                f"invalid UCUM unit {code!r}: exponent {match[0]} out of range "
                f"(at most {MAX_EXPONENT})"
            )


def conversion_factor(from_code: str, to_code: str) -> Fraction:
    """Exact factor f with ``x from_code = x·f to_code``; raise if not commensurable."""
    source, target = parse_unit(from_code), parse_unit(to_code)
    if not source.is_commensurable(target):
        raise RatecardError(f"unit {from_code!r} cannot be converted to {to_code!r}")
    return source.factor / target.factor


def is_commensurable(a: str, b: str) -> bool:
    """Whether quantities in ``a`` convert to ``b`` (both must be valid codes)."""
    return parse_unit(a).is_commensurable(parse_unit(b))


def is_time_unit(code: str) -> bool:
    """Whether ``code`` measures time (``h``, ``min``, ``d``, ``mo``, …, or ``mo_cal``)."""
    return parse_unit(code).dimensions in ((("[time]", 1),), ((CALENDAR, 1),))


def time_basis(code: str) -> str:
    """The time unit a time-based usage priced in ``code`` measures in.

    ``mo_cal`` when ``code`` counts calendar months (``GiBy.mo_cal``), else ``s``:
    a calendar month does not convert to seconds, so such usage is measured in
    calendar months from the start.
    """
    return CALENDAR_MONTH if dict(parse_unit(code).dimensions).get(CALENDAR) else "s"


def multiply(a: str, b: str) -> str:
    """The UCUM code of ``a`` × ``b``: ``multiply("MiBy", "h") == "MiBy.h"``.

    UCUM reads ``.`` and ``/`` left to right, so concatenation is exact even
    when ``a`` contains a division (``By/s`` × ``h`` = ``By/s.h``).
    """
    if a == "1":
        return b
    if b == "1":
        return a
    return f"{a}.{b}" if not b.startswith("/") else f"{a}{b}"


def _terms(code: str) -> list[tuple[int, str]]:
    """Split at top-level ``.`` and ``/`` (not inside ``{}`` or ``[]``) into (sign, term)."""
    terms: list[tuple[int, str]] = []
    sign, depth, start = 1, 0, 0
    for index, char in enumerate(code + "."):
        if char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
        elif char in "./" and depth == 0:
            term = code[start:index]
            if term:
                terms.append((sign, term))
            elif index != 0 or char != "/":
                raise RatecardError(f"invalid UCUM unit {code!r}: empty term at column {index + 1}")
            sign, start = (-1 if char == "/" else 1), index + 1
    return terms


def _term(term: str, code: str) -> tuple[Fraction, Counter[str]]:
    if term == CALENDAR_MONTH:
        return Fraction(1), Counter({CALENDAR: 1})
    if annotation := _ANNOTATION_TERM.fullmatch(term):
        exponent = int(annotation.group("exp") or 1)
        prefix = _METRIC_PREFIXES[annotation.group("prefix")] if annotation.group("prefix") else 1
        return Fraction(prefix) ** exponent, Counter(
            {"{" + annotation.group("name") + "}": exponent}
        )
    factor, dimensions = _ucumvert_term(_TRAILING_ANNOTATION.sub("", term), code)
    if information := _INFORMATION_TERM.fullmatch(term):
        dimensions[INFORMATION] += int(information.group("exp") or 1)
    elif not dimensions and (annotations := _TRAILING_ANNOTATION.findall(term)):
        dimensions[annotations[-1]] += 1  # a counted thing: 10*6{query}, %{cpu}
    return factor, dimensions


class _TermCache:
    """ucumvert's answers per term, (factor, dimensions), in one JSON file."""

    def __init__(self) -> None:
        from importlib.metadata import version

        versions = f"ucumvert-{version('ucumvert')}-pint-{version('pint')}"
        self.path = cache_dir() / f"units-{versions}.json"
        try:
            self.terms: dict[str, list] = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.terms = {}

    def get(self, term: str) -> tuple[Fraction, Counter[str]] | None:
        found = self.terms.get(term)
        if found is None:
            return None
        numerator, denominator, dimensions = found
        return Fraction(numerator, denominator), Counter(dimensions)

    def put(self, term: str, factor: Fraction, dimensions: Counter[str]) -> None:
        """Remember a term; a file that cannot be written only costs the next run time."""
        self.terms[term] = [factor.numerator, factor.denominator, dict(dimensions)]
        with contextlib.suppress(OSError):  # atomic: concurrent runs never see half a file
            write_private(private_cache_dir() / self.path.name, json.dumps(self.terms).encode())


@cache
def _term_cache() -> _TermCache:
    return _TermCache()


def _ucumvert_term(term: str, code: str) -> tuple[Fraction, Counter[str]]:
    known = _term_cache().get(term)
    if known is not None:
        return known
    factor, dimensions = _parsed_by_ucumvert(term, code)
    _term_cache().put(term, factor, dimensions)
    return factor, dimensions


def _parsed_by_ucumvert(term: str, code: str) -> tuple[Fraction, Counter[str]]:
    from ucumvert.parser import InvalidUcumError

    registry = _registry()
    try:
        quantity = registry.Quantity(Fraction(1), registry.from_ucum(term).units).to_base_units()
    except InvalidUcumError as failure:
        reason = str(failure).splitlines()[0].split(": ", 1)[-1]
        raise RatecardError(f"invalid UCUM unit {code!r}: {reason}") from None
    except Exception as failure:  # pint's own errors (undefined unit, …)
        raise RatecardError(f"invalid UCUM unit {code!r}: {failure}") from None
    dimensions = Counter({name: int(exp) for name, exp in quantity.dimensionality.items()})
    return Fraction(quantity.magnitude), dimensions


def _normal(dimensions: Counter[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted((name, exp) for name, exp in dimensions.items() if exp != 0))
