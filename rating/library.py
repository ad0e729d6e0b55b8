"""Where the user-facing Dhall libraries (``catalog/`` and ``traits/``) live.

In a source checkout they sit at the repository root (DESIGN.md §2); an
installed wheel carries them as ``rating/_dhall/{catalog,traits}``. The Dhall
Prelude v23.1.0 that ``ratecard init --prelude`` vendors is the copy the
standard's test suite needs anyway (``tests/dhall-lang/Prelude``), carried by
the wheel as ``rating/_dhall/Prelude``: one copy, not two.
"""

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def library_root() -> Path:
    """Return the directory holding ``catalog/`` and ``traits/``."""
    for candidate in (_PACKAGE_DIR / "_dhall", _PACKAGE_DIR.parent):
        if (candidate / "traits" / "package.dhall").is_file():
            return candidate
    raise FileNotFoundError("ratecard's Dhall libraries (catalog/, traits/) are not installed")


def traits_dir() -> Path:
    return library_root() / "traits"


def catalog_dir() -> Path:
    return library_root() / "catalog"


def prelude_dir() -> Path:
    """The Dhall Prelude v23.1.0 (``package.dhall`` and one directory per type)."""
    for candidate in (_PACKAGE_DIR / "_dhall" / "Prelude", _SOURCE_PRELUDE):
        if (candidate / "package.dhall").is_file():
            return candidate
    raise FileNotFoundError("the Dhall Prelude is not installed with ratecard")


_SOURCE_PRELUDE = _PACKAGE_DIR.parent / "tests" / "dhall-lang" / "Prelude"
