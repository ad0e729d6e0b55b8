"""What the standard (imports.md) says about remote imports beyond fetching them.

Request headers (``using`` and the user's origin header configuration),
origins, and the CORS check a remote import's remote import must pass. The
resolver (:mod:`rating.dhall.imports`) does the I/O; these functions only
decide, so each rule reads as it is written in the standard.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from rating.dhall import syntax as s
from rating.dhall.errors import DhallImportError

if TYPE_CHECKING:
    from rating.dhall.imports import Location

Headers = tuple[tuple[str, str], ...]
"""HTTP header (name, value) pairs, in order."""

ALLOW_ORIGIN = "access-control-allow-origin"
HEADERS_VARIABLE = "DHALL_HEADERS"

_TEXT = s.Builtin("Text")
_HEADER_TYPES = {
    ("mapKey", "mapValue"): s.App(
        s.Builtin("List"), s.RecordType({"mapKey": _TEXT, "mapValue": _TEXT})
    ),
    ("header", "value"): s.App(s.Builtin("List"), s.RecordType({"header": _TEXT, "value": _TEXT})),
}
CONFIG_TYPE = s.App(
    s.Builtin("List"),
    s.RecordType({"mapKey": _TEXT, "mapValue": _HEADER_TYPES["mapKey", "mapValue"]}),
)
"""``Map Text (Map Text Text)``: per origin (``host:port``), the headers to send there."""


class RemoteResponse(NamedTuple):
    """What a fetch returns: the body and the response headers (names as sent)."""

    data: bytes
    headers: Headers = ()


def header_pairs(value: s.Expr, type_: s.Expr, what: str) -> Headers:
    """The pairs of a normalized ``using`` list of type ``type_``; ``what`` names it in errors.

    Both record shapes the standard allows are read: ``{ mapKey, mapValue }``
    and the older ``{ header, value }``.
    """
    for (name, content), expected in _HEADER_TYPES.items():
        if type_ == expected:
            items = value.items if type(value) is s.ListLit else ()
            return tuple((_text(item.fields[name]), _text(item.fields[content])) for item in items)
    raise DhallImportError(
        f"{what}: headers must be a List {{ mapKey : Text, mapValue : Text }} "
        "(or List { header : Text, value : Text })"
    )


def configured_headers(config: s.Expr, origin_: str) -> Headers:
    """The first entry of a normalized origin header configuration for ``origin_``."""
    for entry in config.items if type(config) is s.ListLit else ():
        if _text(entry.fields["mapKey"]) == origin_:
            return header_pairs(
                entry.fields["mapValue"], _HEADER_TYPES["mapKey", "mapValue"], HEADERS_VARIABLE
            )
    return ()


def merge(inline: Headers, configured: Headers) -> Headers:
    """Inline headers plus configured ones; a header given in both is the configured one."""
    names = {name.lower() for name, _ in configured}
    return (*((n, v) for n, v in inline if n.lower() not in names), *configured)


def origin(location: Location) -> str:
    """``host:port`` of a remote location, the key of the origin header configuration."""
    host = (location.authority or "").rpartition("@")[2]
    if host.rpartition(":")[2].isdigit() and not host.endswith("]"):
        return host
    return f"{host}:{443 if location.kind == s.HTTPS else 80}"


def cors_compliant(parent: Location, child: Location, response: Headers) -> bool:
    """Whether ``child``, fetched for ``parent``, may be used (imports.md, "CORS").

    Only a remote parent importing from another scheme or authority needs
    the child's permission: exactly one ``Access-Control-Allow-Origin``
    value, ``*`` or the parent's ``scheme://authority``.
    """
    if parent.kind not in (s.HTTP, s.HTTPS):
        return True
    if (parent.kind, parent.authority) == (child.kind, child.authority):
        return True
    allowed = [value.strip() for name, value in response if name.lower() == ALLOW_ORIGIN]
    scheme = "https" if parent.kind == s.HTTPS else "http"
    return allowed in (["*"], [f"{scheme}://{parent.authority}"])


def _text(expr: s.Expr) -> str:
    """The text of a normalized text literal (a header is plain text after normalization)."""
    if type(expr) is not s.TextLit or expr.chunks:
        raise DhallImportError("a header name or value is not a plain Text literal")
    return expr.suffix
