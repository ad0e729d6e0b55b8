"""Exceptions raised by the Dhall implementation.

One base class lets callers catch every Dhall failure at once, while the
subclasses let the conformance suite tell a parse failure from a type error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rating.dhall.imports import Location

_WIDTH = 120


class DhallError(Exception):
    """Any failure while reading, decoding, resolving or checking Dhall."""


class DhallParseError(DhallError):
    """Source text does not match the grammar; the message carries the place.

    The message is formatted as ``file:line:column: message`` followed by the
    offending source line and a caret, so editors and terminals can jump to it.
    """

    def __init__(self, source_name: str, text: str, offset: int, message: str) -> None:
        line = text.count("\n", 0, offset) + 1
        start = text.rfind("\n", 0, offset) + 1
        end = text.find("\n", offset)
        source_line = text[start : end if end >= 0 else len(text)].rstrip("\r")
        column = offset - start + 1
        self.source_name = source_name
        self.line = line
        self.column = column
        self.reason = message
        # Show at most _WIDTH characters of a long line, around the column.
        left = max(0, min(column - 1 - _WIDTH // 2, len(source_line) - _WIDTH))
        snippet = source_line[left : left + _WIDTH]
        caret = " " * (column - 1 - left) + "^"
        super().__init__(f"{source_name}:{line}:{column}: {message}\n{snippet}\n{caret}")


class DhallDecodeError(DhallError):
    """CBOR bytes are not a valid Dhall binary encoding."""


class DhallTypeError(DhallError):
    """An expression is ill-typed (type-inference.md has no rule for it).

    ``source`` is the file whose expression failed (set by the resolver) and
    ``offset`` where in its text, found by :mod:`rating.dhall.locate` after
    the fact: the fast path keeps no positions.
    """

    source: Location | None = None
    offset: int | None = None


class DhallImportError(DhallError):
    """An import could not be resolved, or its integrity check failed.

    ``importer`` is the file that wrote the failing import and ``target``
    where it points, both set by the resolver, so that the error can be
    placed on the import as written.
    """

    importer: Location | None = None
    target: Location | None = None


class DhallMissingImport(DhallImportError):
    """An import is absent (no such file or variable, ``missing``): ``?`` may recover."""
