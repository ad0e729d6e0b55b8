"""UCUM unit codes (what the catalog measures in) → FOCUS 1.2 unit strings.

FOCUS's Unit Format wants case-sensitive, human units: ``<plural-units>``
(``GB``, ``Hours``, ``Queries``), ``<singular-unit>-<plural-time-units>``
(``GiB-Hours``, ``vCPU-Hours``), ``<plural-units>/<singular-time-unit>``
(``GB/Second``) and, with a whole unit quantity, ``<quantity> <plural-units>``
(``1000000 Queries``). The FinOps validator checks this with a regular
expression (``FormatUnit``): only FOCUS's data-size abbreviations and its six
time units (Year … Second, no Week), count units made of letters and digits,
and a number only in front of a simple unit.

A UCUM code is read term by term (top-level ``.`` and ``/``, as in UCUM):

* powers of ten and numbers (``10*6``, ``10^3``, ``1000``) and metric prefixes
  of annotations (``k{request}``) multiply the **unit quantity**;
* ``By``/``bit`` with any prefix become ``B``/``b`` abbreviations (``GiBy`` →
  ``GiB``, ``kbit`` → ``Kb``); prefixes beyond exa become a quantity
  (``ZBy`` → ``1000 EB``); an annotation after them is decoration (``By{raw}``);
* time units become Second … Year (``mo_cal`` and the mean months are Months;
  a week is ``7 Days``, FOCUS has no Week);
* an annotation is a count unit: its text, capitalized when it is a plain word
  and pluralized where FOCUS wants plurals (``{query}`` → ``Queries``,
  ``{vCPU}`` → ``vCPUs``, ``vCPU-Hours``); a sub-unit prefix becomes a word
  (``m{CPU}`` → ``MilliCPU``: FOCUS has no fractional quantities);
* ``1`` is ``Units``; anything else becomes a capitalized word of its letters
  and digits, readable and never an error (the cost columns carry the money).

A quantity in front of a compound or ratio unit is valid FOCUS
(``1000 Query-Hours``) but the validator's expression rejects it, so there a
power of 1000 is spelled as a word (``Thousand Query-Hours``).

Every code in the docs and examples maps to a unit the validator accepts
(``tests/test_export_focus.py``). One exception is knowingly left: a quantity
that is not a power of 1000 in front of a compound unit (``GiBy.wk`` → ``7
GiB-Days``) is what the spec prescribes, though validator 2.2.1's expression
rejects any number before a compound unit.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# UCUM time unit → (FOCUS singular, FOCUS plural, how many of them one UCUM unit is).
_TIME = {
    "s": ("Second", "Seconds", 1),
    "min": ("Minute", "Minutes", 1),
    "h": ("Hour", "Hours", 1),
    "d": ("Day", "Days", 1),
    "wk": ("Day", "Days", 7),
    "mo": ("Month", "Months", 1),
    "mo_cal": ("Month", "Months", 1),
    "mo_j": ("Month", "Months", 1),
    "mo_g": ("Month", "Months", 1),
    "a": ("Year", "Years", 1),
    "a_j": ("Year", "Years", 1),
    "a_g": ("Year", "Years", 1),
}

# Data-size prefixes FOCUS abbreviates (note the upper-case K); larger ones become a quantity.
_DATA_PREFIXES = {
    "": ("", 1),
    "k": ("K", 1),
    "M": ("M", 1),
    "G": ("G", 1),
    "T": ("T", 1),
    "P": ("P", 1),
    "E": ("E", 1),
    "Z": ("E", 10**3),
    "Y": ("E", 10**6),
    "Ki": ("Ki", 1),
    "Mi": ("Mi", 1),
    "Gi": ("Gi", 1),
    "Ti": ("Ti", 1),
    "Pi": ("Pi", 1),
    "Ei": ("Ei", 1),
    "Zi": ("Ei", 2**10),
    "Yi": ("Ei", 2**20),
}
_DATA = re.compile(
    rf"^(?P<prefix>{'|'.join(sorted(_DATA_PREFIXES, key=len, reverse=True))})"
    r"(?P<base>By|bit)(?:\{[^{}]*\})?$"
)

# Metric prefixes before an annotation: ≥ 1 multiplies the quantity, < 1 names a sub-unit.
_MULTIPLES = {"da": 10, "h": 10**2, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
_FRACTIONS = {"d": "Deci", "c": "Centi", "m": "Milli", "u": "Micro", "n": "Nano", "p": "Pico"}
_ANNOTATION = re.compile(
    rf"^(?P<prefix>{'|'.join(sorted([*_MULTIPLES, *_FRACTIONS], key=len, reverse=True))})?"
    r"\{(?P<name>[^{}]*)\}$"
)
_NUMBER = re.compile(r"^(?:10[*^](?P<exponent>\d+)|(?P<integer>\d+))(?:\{(?P<name>[^{}]*)\})?$")
_POWER_WORDS = {10**3: "Thousand", 10**6: "Million", 10**9: "Billion", 10**12: "Trillion"}


@dataclass
class _Reading:
    """What one side of a UCUM code says: unit quantity, non-time base units, time units."""

    quantity: int = 1
    bases: list[tuple[str, bool]] = field(default_factory=list)  # (singular name, is a count)
    times: list[tuple[str, str]] = field(default_factory=list)  # (singular, plural)


def focus_unit(ucum: str | None) -> str | None:
    """The FOCUS unit for a UCUM code (``GiBy.h`` → ``GiB-Hours``); ``None`` stays ``None``."""
    if ucum is None:
        return None
    numerator, denominator = (_read(terms) for terms in _split(ucum))
    if not denominator.bases and not denominator.times:
        return _side(numerator, digits=True)
    head = _side(numerator, digits=False)
    if not denominator.bases and len(denominator.times) == 1:
        singular, plural = denominator.times[0]
        if denominator.quantity == 1:
            return f"{head}/{singular}"
        return f"{head}/{denominator.quantity} {plural}"
    return f"{head}/{_side(denominator, digits=False)}"


def _split(code: str) -> tuple[list[str], list[str]]:
    """Top-level terms before and after the first ``/`` (UCUM reads left to right)."""
    numerator: list[str] = []
    denominator: list[str] = []
    target, depth, start = numerator, 0, 0
    for index, char in enumerate(code + "."):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char in "./" and depth == 0:
            if code[start:index]:
                target.append(code[start:index])
            if char == "/":
                target = denominator
            start = index + 1
    return numerator, denominator


def _read(terms: list[str]) -> _Reading:
    reading = _Reading()
    for term in terms:
        if term == "1":
            continue
        if term in _TIME:
            singular, plural, count = _TIME[term]
            reading.times.append((singular, plural))
            reading.quantity *= count
        elif match := _DATA.match(term):
            name, factor = _DATA_PREFIXES[match["prefix"]]
            reading.bases.append((name + ("B" if match["base"] == "By" else "b"), False))
            reading.quantity *= factor
        elif match := _ANNOTATION.match(term):
            prefix = match["prefix"]
            reading.bases.append((_FRACTIONS.get(prefix, "") + _count_name(match["name"]), True))
            reading.quantity *= _MULTIPLES.get(prefix, 1)
        elif match := _NUMBER.match(term):  # 10*6{query}: a million queries
            exponent = match["exponent"]
            reading.quantity *= 10 ** int(exponent) if exponent else int(match["integer"])
            if match["name"]:
                reading.bases.append((_count_name(match["name"]), True))
        else:  # not a unit FOCUS knows: its letters, kept singular like an abbreviation
            reading.bases.append((_count_name(term), False))
    return reading


def _side(reading: _Reading, *, digits: bool) -> str:
    """``<plural-units>`` or ``<singular>-<plural time>``, behind its quantity if any.

    ``digits``: the quantity may be written as a number, which the validator
    accepts only in front of a whole unit that is not itself a ratio.
    """
    names = [name for name, _ in reading.bases]
    if reading.times:
        text = "-".join([*([" ".join(names)] if names else []), *(p for _, p in reading.times)])
    elif names:
        last, is_count = reading.bases[-1]
        text = " ".join([*names[:-1], _plural(last) if is_count else last])
    else:
        text = "Units"
    if reading.quantity == 1:
        return text
    simple = not (names and reading.times)
    if digits and simple:
        return f"{reading.quantity} {text}"
    return f"{_POWER_WORDS.get(reading.quantity, reading.quantity)} {text}"


def _count_name(text: str) -> str:
    """An annotation or unknown code as a count unit: ASCII words, plain words capitalized."""
    words = re.findall(r"[A-Za-z0-9]+", ascii_text(text).replace("?", " "))
    if not words:
        return "Unit"
    if words[0][0].isdigit():
        words[0] = "N" + words[0]
    return " ".join(word[0].upper() + word[1:] if word.islower() else word for word in words)


def _plural(name: str) -> str:
    """English plural of a count unit (``Query`` → ``Queries``, ``vCPU`` → ``vCPUs``)."""
    if name.endswith("s"):
        return name
    if re.search(r"[^aeiouAEIOU]y$", name):
        return name[:-1] + "ies"
    if re.search(r"(x|ch|sh)$", name):
        return name + "es"
    return name + "s"


def ascii_text(text: str) -> str:
    """Fold text to ASCII (the validator rejects anything else): drop accents, '?' for the rest."""
    if text.isascii():
        return text
    folded = unicodedata.normalize("NFKD", text)
    return "".join(
        char if char.isascii() else "?" for char in folded if not unicodedata.combining(char)
    )
