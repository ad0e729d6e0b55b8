"""UCUM units (exact factors, annotations, information) and ISO 4217 minor units."""

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rating.currencies import is_currency, minor_unit
from rating.errors import RatecardError
from rating.units import conversion_factor, is_commensurable, is_time_unit, multiply, parse_unit


@pytest.mark.parametrize(
    ("source", "target", "factor"),
    [
        ("MiBy", "GiBy", Fraction(1, 1024)),
        ("h", "mo", Fraction(2, 1461)),  # a month is 365.25 / 12 days
        ("MiBy.h", "GiBy.h", Fraction(1, 1024)),
        ("MiBy.h", "GiBy.mo", Fraction(1, 1024) * Fraction(2, 1461)),
        ("GBy", "By", Fraction(10**9)),
        ("By", "bit", Fraction(8)),
        ("KiBy", "kBy", Fraction(1024, 1000)),
        ("m{CPU}", "{CPU}", Fraction(1, 1000)),
        ("m{CPU}.h", "{CPU}.h", Fraction(1, 1000)),
        ("10*6{query}", "{query}", Fraction(10**6)),
        ("/h", "s-1", Fraction(1, 3600)),
        ("{vCPU}.h", "{vCPU}.min", Fraction(60)),
    ],
)
def test_exact_conversion_factors(source: str, target: str, factor: Fraction) -> None:
    assert conversion_factor(source, target) == factor


@pytest.mark.parametrize(
    ("a", "b"),
    [("MiBy", "{vCPU}"), ("{vCPU}", "{CPU}"), ("MiBy", "1"), ("GiBy.h", "GiBy"), ("h", "m")],
)
def test_incommensurable_units_do_not_convert(a: str, b: str) -> None:
    assert not is_commensurable(a, b)
    with pytest.raises(RatecardError, match="cannot be converted"):
        conversion_factor(a, b)


def test_annotation_on_a_unit_is_decoration() -> None:
    assert conversion_factor("By{raw}", "By") == 1


@pytest.mark.parametrize("code", ["foo", "h..", "", " h", "MiBy."])
def test_invalid_codes_raise(code: str) -> None:
    with pytest.raises(RatecardError, match="invalid UCUM unit"):
        parse_unit(code)


def test_time_units_and_products() -> None:
    assert is_time_unit("h") and is_time_unit("mo") and is_time_unit("d")
    assert not is_time_unit("GiBy.h") and not is_time_unit("{vCPU}")
    assert multiply("MiBy", "h") == "MiBy.h"
    assert multiply("1", "h") == "h"
    assert conversion_factor(multiply("By/s", "h"), "By") == 3600


UNITS = ["By", "kBy", "MBy", "GBy", "KiBy", "MiBy", "GiBy", "TiBy", "bit"]
TIMES = ["s", "min", "h", "d", "wk", "mo", "a"]


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(UNITS), st.sampled_from(UNITS), st.sampled_from(TIMES), st.sampled_from(TIMES)
)
def test_factors_compose_and_invert(a: str, b: str, s: str, t: str) -> None:
    forward = conversion_factor(multiply(a, s), multiply(b, t))
    assert forward == conversion_factor(a, b) * conversion_factor(s, t)
    assert forward * conversion_factor(multiply(b, t), multiply(a, s)) == 1


def test_currencies_minor_units() -> None:
    assert (minor_unit("EUR"), minor_unit("CHF"), minor_unit("JPY")) == (2, 2, 0)
    assert (minor_unit("KWD"), minor_unit("CLF")) == (3, 4)
    assert is_currency("USD") and not is_currency("usd") and not is_currency("XXX")
    with pytest.raises(RatecardError, match="unknown currency 'EURO'"):
        minor_unit("EURO")


_PARSE_IN_A_FRESH_PROCESS = """
import sys
from rating import units
unit = units.parse_unit(sys.argv[1])
print(unit.factor, dict(unit.dimensions), units._registry.cache_info().currsize)
"""


def test_a_second_process_reads_terms_from_the_cache_without_the_registry(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "RATECARD_CACHE_DIR": str(tmp_path)}

    def parse(code: str) -> str:
        command = [sys.executable, "-c", _PARSE_IN_A_FRESH_PROCESS, code]
        return subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout

    first = parse("MiBy/h")
    second = parse("MiBy/h")
    assert first.rsplit(" ", 1)[1].strip() == "1"  # the registry was built once
    assert second.rsplit(" ", 1)[1].strip() == "0"  # and not again
    assert first.rsplit(" ", 1)[0] == second.rsplit(" ", 1)[0]
    assert first.startswith(f"{Fraction(2**23, 3600)} ")  # MiBy/h in bits per second
