"""ISO 4217 currency codes and their minor units (decimal places).

Reports round each currency's totals once, to its minor unit, so the table
must be right for every currency a catalog may use. It is kept here as data
(ISO 4217 list one, 2025 edition, plus codes still in circulation during
transitions such as ANG→XCG and ZWL→ZWG) because no maintained offline
package carries minor units. Funds and metals without a minor unit (XAU,
XDR, XXX, …) are not currencies a price can be quoted in and are not listed.
"""

from __future__ import annotations

from rating.errors import RatecardError

_ZERO = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_THREE = "BHD IQD JOD KWD LYD OMR TND"
_FOUR = "CLF UYW"
_TWO = """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD
BTN BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD
EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR
IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP
MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN
QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL
THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR
ZMW ZWG ZWL
"""

MINOR_UNITS: dict[str, int] = {
    code: digits
    for digits, codes in ((0, _ZERO), (2, _TWO), (3, _THREE), (4, _FOUR))
    for code in codes.split()
}


def is_currency(code: str) -> bool:
    """Whether ``code`` is an ISO 4217 currency code (upper case, e.g. ``EUR``)."""
    return code in MINOR_UNITS


def require_currency(code: str, subject: str) -> str:
    """``code`` if it is an ISO 4217 code; else one line naming ``subject`` (exit 2)."""
    if not is_currency(code):
        raise RatecardError(f"{subject} {code!r}: not an ISO 4217 currency code (e.g. EUR)")
    return code


def minor_unit(code: str) -> int:
    """Decimal places of the currency's minor unit: EUR 2, JPY 0, KWD 3, CLF 4."""
    try:
        return MINOR_UNITS[code]
    except KeyError:
        raise RatecardError(f"unknown currency {code!r} (not an ISO 4217 code)") from None
