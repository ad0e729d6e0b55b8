"""The native evaluator (``rating.dhall``) gives the binding's values, file for file.

The loader evaluates with ``rating.dhall`` only; the binding it replaced
(``dhall`` 0.1.15) is a test dependency on Python 3.11, its last supported
version, so that every Dhall file in the repository, the project template and
generated records and catalogs are evaluated by both — the loader's
functions on one side, the binding called directly on the other — and
compared exactly: a float by its ``repr`` (so ``-0.0`` and ``0.0`` differ), a
``bool`` never equal to an ``int``. A file the binding cannot evaluate (a
type, a broken catalog) must fail natively too. Without the binding (Python
3.12+) the module skips.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import BINDING_UNAVAILABLE, binding_available
from hypothesis import given, settings
from hypothesis import strategies as st

from rating.errors import RatecardError
from rating.library import catalog_dir, traits_dir
from rating.load.dhall import evaluate_text, evaluate_tracked

pytestmark = pytest.mark.skipif(not binding_available(), reason=BINDING_UNAVAILABLE)

REPOSITORY = Path(__file__).resolve().parent.parent
TEMPLATES = REPOSITORY / "rating" / "scaffold" / "templates"
FILES = sorted(
    path
    for folder in ("catalog", "traits", "examples", "rating/scaffold/templates")
    for path in (REPOSITORY / folder).rglob("*.dhall")
)
FAILED = ("failed",)


def _exact(value: Any) -> Any:
    """``value`` in a form whose ``==`` is exact: types and float bits matter."""
    if isinstance(value, dict):
        return ("dict", sorted((key, _exact(item)) for key, item in value.items()))
    if isinstance(value, list):
        return ("list", [_exact(item) for item in value])
    if isinstance(value, float):
        return ("float", repr(value))
    return (type(value).__name__, value)


def _by_binding(text: str, base_dir: Path) -> Any:
    """The binding's value of ``text``: it resolves relative imports against the working
    directory, so run it in ``base_dir``."""
    import dhall

    previous = os.getcwd()
    os.chdir(base_dir)
    try:
        return dhall.loads(text)
    finally:
        os.chdir(previous)


def _assert_same(
    native: Callable[[], Any], text: str, base_dir: Path, *, must_evaluate: bool = False
) -> None:
    """``native()`` and the binding's value of ``text`` are equal, or both fail."""
    try:
        ours = _exact(native())
    except RatecardError:
        ours = FAILED
    try:
        theirs = _exact(_by_binding(text, base_dir))
    except (TypeError, ValueError):  # how the binding reports a Dhall error
        theirs = FAILED
    assert ours == theirs
    assert not must_evaluate or theirs != FAILED


def _assert_same_text(text: str, base_dir: Path, *, must_evaluate: bool = False) -> None:
    _assert_same(lambda: evaluate_text(text, base_dir), text, base_dir, must_evaluate=must_evaluate)


def _assert_same_file(path: Path, *, must_evaluate: bool = False) -> None:
    """The file as the loader evaluates it (uncached) and as an absolute import for the binding."""
    absolute = "".join(f'/"{part}"' for part in path.resolve().parts[1:])
    _assert_same(
        lambda: evaluate_tracked(path, cache=False)[0],
        absolute,
        path.parent,
        must_evaluate=must_evaluate,
    )


def test_the_repository_has_dhall_files_to_compare() -> None:
    assert len(FILES) > 40
    assert any(path.is_relative_to(TEMPLATES) for path in FILES)


@pytest.mark.parametrize("path", FILES, ids=lambda path: str(path.relative_to(REPOSITORY)))
def test_every_repository_file_evaluates_the_same(path: Path) -> None:
    _assert_same_file(path)


@pytest.mark.parametrize(
    "path",
    sorted(traits_dir().glob("*/**/*.dhall")),
    ids=lambda path: str(path.relative_to(traits_dir())),
)
def test_every_trait_schema_evaluates_the_same(path: Path) -> None:
    """A ``{ Type, schema }`` file is only ever read through its ``schema``."""
    _assert_same_text(f'(./"{path.name}").schema', path.parent, must_evaluate=True)


def test_the_project_template_evaluates_the_same(tmp_path: Path) -> None:
    """``ratecard init`` vendors the libraries next to the template: evaluate it that way."""
    shutil.copytree(catalog_dir(), tmp_path / "catalog")
    shutil.copytree(traits_dir(), tmp_path / "traits")
    shutil.copy(TEMPLATES / "catalog.dhall", tmp_path / "catalog.dhall")
    _assert_same_file(tmp_path / "catalog.dhall", must_evaluate=True)


# ---------------------------------------------------------------- generated values

_KEYWORDS = {"if", "then", "else", "let", "in", "using", "missing", "as", "merge", "with"}
_KEYWORDS |= {"forall", "assert"}
LABELS = st.from_regex(r"[a-z][a-z0-9_]{0,5}", fullmatch=True).filter(
    lambda label: label not in _KEYWORDS
)
ALTERNATIVES = st.from_regex(r"Alt[A-Za-z0-9]{0,3}", fullmatch=True)
SCALARS = ("Natural", "Integer", "Double", "Text", "Bool")


def _types() -> st.SearchStrategy[tuple]:
    """Dhall types as tuples: ``(scalar,)``, ``("List", t)``, ``("Optional", t)``,
    ``("Map", t)`` (what ``toMap`` makes), ``("Record", {label: t})``,
    ``("Union", {alternative: t or None})``."""
    scalars = st.sampled_from(SCALARS).map(lambda name: (name,))

    def extend(inner: st.SearchStrategy[tuple]) -> st.SearchStrategy[tuple]:
        return st.one_of(
            st.tuples(st.sampled_from(["List", "Optional", "Map"]), inner),
            st.tuples(st.just("Record"), st.dictionaries(LABELS, inner, max_size=4)),
            st.tuples(
                st.just("Union"),
                st.dictionaries(ALTERNATIVES, st.none() | inner, min_size=1, max_size=3),
            ),
        )

    return st.recursive(scalars, extend, max_leaves=8)


def _type_text(kind: tuple) -> str:
    name = kind[0]
    if name in SCALARS:
        return name
    if name in ("List", "Optional"):
        return f"{name} ({_type_text(kind[1])})"
    if name == "Map":
        return f"List {{ mapKey : Text, mapValue : {_type_text(kind[1])} }}"
    if name == "Record":
        return "{ " + ", ".join(f"`{k}` : {_type_text(t)}" for k, t in kind[1].items()) + " }"
    return (
        "< "
        + " | ".join(k if t is None else f"{k} : {_type_text(t)}" for k, t in kind[1].items())
        + " >"
    )


def _text_literal(text: str) -> str:
    """A Dhall ``Text`` literal for any string: every character outside printable ASCII escaped."""
    escaped = "".join(
        ch if 0x20 <= ord(ch) < 0x7F and ch not in '"\\$' else f"\\u{{{ord(ch):X}}}" for ch in text
    )
    return f'"{escaped}"'


@st.composite
def _value_text(draw: st.DrawFn, kind: tuple) -> str:
    """A Dhall expression of type ``kind``."""
    name = kind[0]
    if name == "Natural":
        return str(draw(st.integers(0, 2**63 - 1)))
    if name == "Integer":
        return f"{draw(st.integers(-(2**63), 2**63 - 1)):+d}"
    if name == "Double":
        return repr(draw(st.floats(allow_nan=False, allow_infinity=False)))
    if name == "Text":
        return _text_literal(
            draw(st.text(st.characters(blacklist_categories=("Cs", "Cn")), max_size=8))
        )
    if name == "Bool":
        return draw(st.sampled_from(["True", "False"]))
    if name in ("List", "Map"):
        element = (
            kind[1] if name == "List" else ("Record", {"mapKey": ("Text",), "mapValue": kind[1]})
        )
        items = draw(st.lists(_value_text(element), max_size=3))
        if not items:
            return f"[] : {_type_text(kind)}"
        return "[ " + ", ".join(items) + " ]"
    if name == "Optional":
        inner = draw(st.none() | _value_text(kind[1]))
        return f"None ({_type_text(kind[1])})" if inner is None else f"Some ({inner})"
    if name == "Record":
        fields = [f"`{k}` = {draw(_value_text(t))}" for k, t in kind[1].items()]
        return "{ " + ", ".join(fields) + " }" if fields else "{=}"
    alternative = draw(st.sampled_from(sorted(kind[1])))
    union = f"({_type_text(kind)}).{alternative}"
    payload = kind[1][alternative]
    return union if payload is None else f"{union} ({draw(_value_text(payload))})"


@settings(max_examples=150)
@given(_types().flatmap(lambda kind: st.tuples(st.just(kind), _value_text(kind))))
def test_generated_values_evaluate_the_same(
    tmp_path_factory: pytest.TempPathFactory, case: tuple
) -> None:
    kind, text = case
    base = tmp_path_factory.getbasetemp()
    _assert_same_text(f"({text}) : {_type_text(kind)}", base, must_evaluate=True)


# ---------------------------------------------------------------- generated catalogs

PRICES = (
    'C.Price.perUnit "EUR" {x}',
    'C.Price.graduated "EUR" [ C.Tier.upTo 10.0 {x}, C.Tier.rest 0.5 ]',
    'C.Price.minimum {x} (C.Price.package "EUR" 10.0 2.5)',
)
USAGES = ('C.Usage.timeQuantity "vcpu" "{{vCPU}}.h"', 'C.Usage.time "h"', "C.Usage.oneTime")
SCOPES = ('C.Scope.platformType "OpenStack"', 'C.Scope.location "OpenStack" "eu-de-2"')
FILTERS = (
    "[] : List C.Condition.Type",
    '[ C.Condition.oneOf "state" [ C.Value.text {name}, C.Value.integer +{i} ] ]',
    '[ C.Condition.atLeast "vcpu" {x} ]',
)
PRODUCTS = st.tuples(
    st.sampled_from(PRICES),
    st.sampled_from(USAGES),
    st.sampled_from(SCOPES),
    st.sampled_from(FILTERS),
    st.sampled_from(("", ', description = "d"', ', validUntil = Some "2027-01-01"')),
    st.text(alphabet='abc \\"é$', max_size=6),
    st.floats(min_value=0, max_value=1e6, allow_nan=False),
)


@settings(max_examples=25)
@given(st.lists(PRODUCTS, max_size=6), st.booleans())
def test_generated_catalogs_evaluate_the_same(
    tmp_path_factory: pytest.TempPathFactory, products: list[tuple], with_part: bool
) -> None:
    items = [
        f'C.Product::{{ id = "p{i}", displayName = {_text_literal(name)}, resourceType = "r", '
        f"scope = {scope}, filter = {condition.format(name=_text_literal(name), i=i, x=repr(x))}, "
        f'usage = {usage.format()}, usageType = "u", price = {price.format(x=repr(x))}, '
        f'seller = {{ sellerId = "s", sellerProductGroup = "g" }}{extra} }}'
        for i, (price, usage, scope, condition, extra, name, x) in enumerate(products)
    ]
    listed = f"[ {', '.join(items)} ]" if items else "[] : List C.Product.Type"
    parts = f'[ C.Part::{{ name = "partner", sellerId = "s2", products = {listed} }} ]'
    text = (
        f"let C = {catalog_dir() / 'package.dhall'}\n"
        f'in  C.Catalog::{{ name = "generated", products = {listed}'
        f"{f', parts = {parts}' if with_part else ''} }}\n"
    )
    root = tmp_path_factory.mktemp("catalog") / "catalog.dhall"
    root.write_text(text)
    _assert_same_file(root, must_evaluate=True)
