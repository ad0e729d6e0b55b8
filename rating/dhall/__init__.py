"""A pure-Python implementation of the Dhall configuration language (standard v23.1.0).

The pipeline is parse → resolve imports → type-check → normalize; each step
is its own module (``parser``, ``imports``, ``typecheck``, ``normalize``) and
``binary`` gives the standard CBOR encoding and semantic hashes. ``load_file``
runs the whole pipeline on one file.
"""

from __future__ import annotations

from pathlib import Path

from rating.dhall.alpha import alpha_normalize
from rating.dhall.binary import decode, encode, semantic_hash
from rating.dhall.errors import (
    DhallDecodeError,
    DhallError,
    DhallImportError,
    DhallParseError,
    DhallTypeError,
)
from rating.dhall.imports import Resolver, check, file_location
from rating.dhall.normalize import alpha_beta_normalize, normalize
from rating.dhall.parser import parse, parse_bytes
from rating.dhall.syntax import Expr
from rating.dhall.typecheck import infer

__all__ = [
    "DhallDecodeError",
    "DhallError",
    "DhallImportError",
    "DhallParseError",
    "DhallTypeError",
    "Expr",
    "Resolver",
    "alpha_beta_normalize",
    "alpha_normalize",
    "decode",
    "encode",
    "infer",
    "load_file",
    "normalize",
    "parse",
    "parse_bytes",
    "semantic_hash",
]


def load_file(path: Path, resolver: Resolver | None = None) -> Expr:
    """Parse, resolve, type-check and normalize the Dhall file at ``path``."""
    path = Path(path).resolve()
    resolver = resolver or Resolver(root=path.parent)
    location = file_location(path)
    expr = resolver.resolve(parse_bytes(path.read_bytes(), str(path)), location)
    check(expr, location, resolver.types)
    return normalize(expr)
