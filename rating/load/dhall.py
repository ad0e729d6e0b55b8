"""Evaluate Dhall files: cached, with readable errors, by one of two evaluators.

``RATECARD_DHALL`` chooses the evaluator (:func:`evaluator`): ``native``, our
own ``rating.dhall`` (:mod:`rating.load.native`, the default), or ``binding``,
the ``dhall`` PyPI binding (0.1.15), an opt-in on Python 3.11 where it is
installed (a test dependency there, for the differential tests). Both give the
same values (tests/test_dhall_differential.py); everything below about
splicing and the binding's error text applies to the binding only. The
binding is imported on first use (:func:`_binding`): ratecard runs without it.

Evaluating a large catalog takes seconds, so results are cached as JSON under
a key made of the path and content of every file the expression imports
(local imports are found by scanning the text, recursively). Editing any
imported file, including the ``catalog/`` and ``traits/`` libraries, misses.
A catalog's files are evaluated apart, in parallel and rewritten for speed
(:func:`_evaluate_spliced`, :mod:`rating.load.dhall_rewrite`), and cached
one by one.

The binding reports failures as Rust debug text (``Error(Dhall(Error { kind:
Typecheck(...``) that names every file ``<current file>``; :func:`explain`
follows its chain of import frames to the file at fault and turns it into one
``file:line:column: what`` message followed by the source line.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import os
import re
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from rating.cache import private_cache_dir, write_private
from rating.errors import RatecardError
from rating.load import dhall_rewrite
from rating.load.located import located, one_line, source_line

CACHE_FORMAT = "2"

# Text that can hide an import (comments, text literals) is matched first and
# skipped; the ``path``, ``env`` and ``url`` groups are imports. A path must
# start a token: ``//`` (record merge) and ``/\`` never match because a
# component is non-empty. ``skip`` swallows runs that cannot start any token
# (an ``e`` or ``h`` only inside a word: ``env:``/``http`` start one), which
# keeps scanning fast.
_TOKENS = re.compile(
    r"""
    (?P<skip>(?:[^-{'"./~eh]+|\B[eh])+)
    | (?P<block>\{-.*?-\})
    | (?P<line>--[^\n]*)
    | (?P<env>(?<![\w-])env:(?:[A-Za-z_]\w*|"(?:\\.|[^"\\])*"))
    | (?P<url>(?<![\w-])https?://[^\s()\[\]{},]+)
    | (?P<path>(?<![\w.~/"-])(?:\.\.?|~)?(?:/(?:"[^"\n]*"|[^\s/\\()\[\]{},"\#]+))+)
    | (?P<multi>''.*?'')
    | (?P<text>"(?:\\.|[^"\\])*")
    """,
    re.VERBOSE | re.DOTALL,
)
IMPORT_KINDS = ("path", "env", "url")


def import_tokens(text: str) -> Iterator[tuple[str, str, int]]:
    """Yield ``(kind, token, offset)`` for every import written in ``text``.

    ``kind`` is ``path`` (local file), ``env`` (``env:NAME``) or ``url``
    (``http(s)://…``); suffixes such as ``sha256:…`` or ``as Text`` are not
    part of the token.
    """
    for match in _TOKENS.finditer(text):
        if match.lastgroup in IMPORT_KINDS:
            yield match.lastgroup, match.group(), match.start()


def import_paths(text: str) -> Iterator[tuple[str, int]]:
    """Yield each local import path literally written in ``text`` with its offset."""
    for kind, token, offset in import_tokens(text):
        if kind == "path":
            yield token, offset


def resolve_import(token: str, base_dir: Path) -> Path:
    """The file an import token such as ``../catalog/package.dhall`` refers to."""
    raw = token.replace('"', "")
    if raw.startswith("~/"):
        return Path(raw).expanduser()
    return Path(os.path.normpath(base_dir / raw))


def imported_files(path: Path, scanned: dict[Path, list[Path]] | None = None) -> tuple[Path, ...]:
    """``path`` and every existing local file it imports, recursively, in discovery order.

    ``scanned`` remembers each file's own imports across calls made for one
    evaluation (50 product files share the library: scan it once, not 50 times).
    """
    scanned = {} if scanned is None else scanned
    seen: dict[Path, None] = {}
    pending = [Path(os.path.abspath(path))]
    while pending:
        current = pending.pop()
        if current in seen or not current.is_file():
            continue
        seen[current] = None
        if current not in scanned:
            text = current.read_text(encoding="utf-8", errors="replace")
            scanned[current] = [resolve_import(t, current.parent) for t, _ in import_paths(text)]
        pending.extend(reversed(scanned[current]))
    return tuple(seen)


EVALUATOR_VARIABLE = "RATECARD_DHALL"
EVALUATORS = ("native", "binding")
"""The default first."""


@cache
def binding_available() -> bool:
    """Whether the ``dhall`` binding can be imported (it has no wheel past CPython 3.11)."""
    return importlib.util.find_spec("dhall") is not None


def evaluator() -> str:
    """The evaluator ``RATECARD_DHALL`` names (``native`` unless set).

    Asking for the binding where it is not installed is a one-line error, not
    a silent fallback: whoever sets the variable wants to compare the two.
    """
    name = os.environ.get(EVALUATOR_VARIABLE, "").strip() or EVALUATORS[0]
    if name not in EVALUATORS:
        raise RatecardError(
            f"{EVALUATOR_VARIABLE}={name!r}: expected one of {', '.join(EVALUATORS)}"
        )
    if name == "binding" and not binding_available():
        raise RatecardError(
            f"{EVALUATOR_VARIABLE}=binding: the dhall binding is not installed "
            "(pip install 'dhall==0.1.15', Python 3.11 only); unset it to use the native evaluator"
        )
    return name


def _binding() -> ModuleType:
    """The ``dhall`` binding, imported on first use: the runtime does not depend on it."""
    return importlib.import_module("dhall")


@cache
def _evaluator_version(name: str) -> str:
    """What the cache key holds of the evaluator: the binding's version, or a hash of our code.

    A fix in ``rating.dhall`` can change a value, so it must miss every
    value cached before; the two evaluators never share cached values.
    """
    if name == "binding":
        return f"binding-{_binding().__version__}"
    package = Path(__file__).resolve().parent.parent / "dhall"
    digest = hashlib.sha256()
    for module in [*sorted(package.glob("*.py")), Path(__file__).with_name("native.py")]:
        digest.update(module.read_bytes())
    return f"native-{digest.hexdigest()}"


def _native() -> ModuleType:
    """:mod:`rating.load.native`, imported on first use: it needs the import policy module,
    which imports this one, and binding users never pay for loading ``rating.dhall``."""
    from rating.load import native

    return native


def content_key(files: tuple[Path, ...]) -> str:
    """sha256 hex over the path and bytes of every file (the cache key, the catalog version)."""
    version = _evaluator_version(evaluator())
    digest = hashlib.sha256(f"ratecard-dhall-{CACHE_FORMAT}-{version}\0".encode())
    for file in sorted(files):
        digest.update(str(file).encode() + b"\0")
        digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()


def evaluate(path: Path) -> Any:
    """Evaluate the Dhall file at ``path`` into plain Python data, cached by content."""
    return evaluate_tracked(path)[0]


@dataclass(frozen=True)
class LeafKind:
    """A type the files a root imports may be evaluated apart as, and its marker.

    ``type`` is a Dhall type (absolute imports only); ``marker(tag)`` a Dhall
    value whose ``key`` field is ``tag``: of type ``type`` for a record kind,
    of its element type for a list kind (``is_list``). A list file's elements
    replace its marker; a record file replaces its marker as one element of
    the list the root puts it in.
    """

    type: str
    marker: Callable[[str], str]  # given a Dhall ``Text`` expression for the tag
    key: str
    is_list: bool


@dataclass(frozen=True)
class Splice:
    """How to evaluate a root's imports apart and splice them back in.

    ``kinds`` are tried in order; ``library`` holds directories whose files
    are never spliced (they are cheap and shared).
    """

    kinds: tuple[LeafKind, ...]
    library: tuple[Path, ...]
    scanned: dict[Path, list[Path]] = field(default_factory=dict, compare=False)
    """Each file's own imports, for :func:`imported_files`: one load scans each file once."""


def evaluate_tracked(
    path: Path, splice: Splice | None = None, *, cache: bool = True
) -> tuple[Any, tuple[Path, ...]]:
    """Like :func:`evaluate`, also returning every local file the expression imports.

    With ``splice``, the files the root imports are evaluated in parallel and
    cached one by one (see :func:`_evaluate_spliced`). ``cache=False`` is for
    expressions reading the environment or the network: their value can change
    while no file does, and must not be written to disk, so nothing is read
    from or written to the cache.
    """
    path = Path(os.path.abspath(path))
    if not path.is_file():
        raise RatecardError(f"{path}: no such file")
    files = imported_files(path, splice.scanned if splice else None)
    if not cache:
        return _without_panic_text(lambda: _evaluate_uncached(path), path), files
    key = content_key(files)
    cached = _read_cache(key)
    if cached is not None:
        return cached["value"], files
    value, spliced = _evaluate_root(path, splice)
    if not spliced:  # a spliced value is cheap to splice again from the files' caches
        _write_cache(key, {"value": value})
    return value, files


def _evaluate_root(path: Path, splice: Splice | None) -> tuple[Any, bool]:
    """A cache miss: spliced if possible, else rewritten, else (also on any error) as written.

    Also returns whether the value was spliced. Splicing and rewriting work
    around the binding's slow type checking; the native evaluator needs neither.
    """
    if evaluator() == "native":
        return _native().evaluate_file(path, cache=True), False
    value = _evaluate_spliced(path, splice) if splice else _MISSING
    if value is not _MISSING:
        return value, True
    value = _evaluate_rewritten(path) if splice else _MISSING
    return (_evaluate_uncached(path) if value is _MISSING else value), False


def _evaluate_rewritten(path: Path) -> Any:
    """``path`` evaluated through :func:`dhall_rewrite.rewrite` (a catalog kept in one big file)."""
    with tempfile.TemporaryDirectory(prefix="ratecard-") as scratch:
        fast = dhall_rewrite.rewrite(path, Path(scratch))
        if fast.path is None:
            return _MISSING
        try:
            return _binding().loads(_quoted(fast.path))
        except (TypeError, ValueError, OSError):
            return _MISSING


def evaluate_text(text: str, base_dir: Path) -> Any:
    """Evaluate a Dhall expression whose relative imports resolve against ``base_dir``.

    Needed to select a field such as ``(./server.dhall).schema``: the binding
    cannot return Dhall types, so whole ``{ Type, schema }`` files are never
    evaluated directly.
    """
    if evaluator() == "native":
        return _native().evaluate_text(text, base_dir)
    previous = os.getcwd()
    try:
        os.chdir(base_dir)
        return _binding().loads(text)
    except TypeError as failure:
        pseudo = Path(base_dir) / "<expression>"
        raise RatecardError(explain(str(failure), pseudo, text)) from None
    finally:
        os.chdir(previous)


def _evaluate_uncached(path: Path) -> Any:
    """The value of the file at ``path``, as written, by the chosen evaluator."""
    if evaluator() == "native":
        return _native().evaluate_file(path, cache=False)
    try:
        with path.open(encoding="utf-8") as source:
            return _binding().load(source)
    except TypeError as failure:
        raise RatecardError(explain(str(failure), path)) from None
    except UnicodeDecodeError as failure:
        raise RatecardError(f"{path}: not UTF-8 text ({failure.reason})") from None


def _without_panic_text(evaluate: Callable[[], Any], path: Path) -> Any:
    """Run a binding call that may fetch from the network, as one line if it fails.

    The binding panics on a failed fetch: Rust prints the panic to file
    descriptor 2 and Python gets a ``PanicException`` (a ``BaseException``).
    Remote imports are fetched with a timeout before (:mod:`rating.load.imports`),
    so this only catches a server failing between the two fetches.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
        return evaluate()
    except BaseException as failure:
        if type(failure).__name__ != "PanicException":
            raise
        reason = re.search(r'message: "([^"]+)"', str(failure))
        what = f"a remote import failed ({reason[1]})" if reason else "a remote import failed"
        raise RatecardError(f"{path}: {what}") from None
    finally:
        os.dup2(saved, 2)
        os.close(saved)


_MISSING = object()

GROUP = 4
"""Files per binding call: each call loads the library once (~17 ms), but one
call's cost per file grows with the number of files it holds."""


def _evaluate_spliced(root: Path, splice: Splice) -> Any:
    """Evaluate ``root`` with each file it imports evaluated separately.

    The binding needs seconds per large product file and cannot share work
    between runs, so each file the root imports (outside the library) is
    evaluated on its own as one of the splice's kinds (a product list, a
    partner part), fast (:mod:`rating.load.dhall_rewrite`), in a process pool over
    the cores and cached by the content of the files it imports: editing one
    file re-evaluates one. The root is evaluated with every such import
    replaced by a unique marker value, and each marker in the result is
    replaced by the file's value.

    This is exact when the root only moves values around (``#``, lists,
    record fields), so it is attempted only if no file the root evaluates
    itself uses ``List/`` builtins or ``assert`` (which could look inside),
    and each marker must come back once and unchanged. Otherwise it returns
    ``_MISSING`` and the caller evaluates the plain files. A Dhall error in a
    file the root imports (one that could not be evaluated apart) is raised as
    the plain evaluation would raise it; one in the root itself (whose text
    the markers changed) makes it return ``_MISSING`` too, for the caller to
    report with the right line and column.
    """
    text = root.read_text(encoding="utf-8", errors="replace")
    tokens = list(import_paths(text))
    targets = [resolve_import(token, root.parent) for token, _ in tokens]
    leaves = [
        file
        for file in dict.fromkeys(targets)
        if targets.count(file) == 1 and file.is_file() and not _in_library(file, splice)
    ]
    own = [
        root,
        *(f for t in set(targets) - set(leaves) for f in imported_files(t, splice.scanned)),
    ]
    if not leaves or any(_inspects_lists(file) for file in own):
        return _MISSING
    found = _evaluate_leaves(leaves, splice)
    values = {leaf: value for leaf, value in found.items() if value}
    if not values or _MARKER in text:
        return _MISSING
    nonce = uuid.uuid4().hex
    markers = {leaf: f"ratecard-spliced-{nonce}-{index}" for index, leaf in enumerate(values)}
    kinds = {leaf: values[leaf][0] for leaf in values}
    marked = _marked_root(text, tokens, targets, {t: markers[t] for t in kinds}, kinds, splice)
    try:
        evaluated = evaluate_text(marked(nonce), root.parent)
    except RatecardError as failure:
        # An error located in an imported file is the one the plain evaluation
        # reports too (the spliced imports were fine), found without
        # evaluating every file as written; one in the rewritten root is not.
        if not str(failure).startswith(str(root.parent / "<expression>")):
            raise
        return _MISSING
    spliced = {
        markers[leaf]: _Spliced(
            value if splice.kinds[index].is_list else [value],
            splice.kinds[index].key,
            evaluated["references"][f"k{index}"],
        )
        for leaf, (index, value) in values.items()
    }
    seen: set[str] = set()
    result = _splice_markers(evaluated["value"], spliced, seen)
    return result if seen == set(spliced) and result is not _MISSING else _MISSING


_MARKER = "__rcMarker"


def _marked_root(
    text: str,
    tokens: list[tuple[str, int]],
    targets: list[Path],
    markers: dict[Path, str],
    kinds: dict[Path, int],
    splice: Splice,
) -> Callable[[str], str]:
    """The root with each spliced import replaced by its marker, plus each kind's
    marker for ``reference`` (to check markers come back unchanged), in one
    expression: one binding call, one library load.
    """
    functions = "".join(
        f"let {_MARKER}{index} = \\({_MARKER} : Text) -> {kind.marker(_MARKER)}\n"
        for index, kind in enumerate(splice.kinds)
    )
    replaced, offset = [], 0
    for (token, start), target in zip(tokens, targets, strict=True):
        if target in markers:
            index = kinds[target]
            call = f'{_MARKER}{index} "{markers[target]}"'
            replaced += [text[offset:start], f"[ {call} ]" if splice.kinds[index].is_list else call]
            offset = start + len(token)
    body = "".join([*replaced, text[offset:]])

    def with_references(reference: str) -> str:
        fields = ", ".join(f'k{i} = {_MARKER}{i} "{reference}"' for i in range(len(splice.kinds)))
        return f"{functions}in {{ value = (\n{body}\n), references = {{ {fields} }} }}"

    return with_references


@dataclass(frozen=True)
class _Spliced:
    """A file's elements, and the field and evaluated marker that stand for them."""

    elements: list[Any]
    key: str
    reference: dict[str, Any]

    def stands_for(self, item: dict[str, Any], tag: str) -> bool:
        """Whether ``item`` is this marker, unchanged (tagged ``tag``)."""
        return item.get(self.key) == tag and {**item, self.key: tag} == {
            **self.reference,
            self.key: tag,
        }


def _in_library(file: Path, splice: Splice) -> bool:
    return any(file.is_relative_to(directory) for directory in splice.library)


def _inspects_lists(file: Path) -> bool:
    """Whether a file may look inside lists (then a marker could change its result)."""
    text = file.read_text(encoding="utf-8", errors="replace") if file.is_file() else ""
    return "List/" in text or re.search(r"\bassert\b", text) is not None


def _evaluate_leaves(leaves: list[Path], splice: Splice) -> dict[Path, tuple[int, Any] | None]:
    """Each leaf's kind index and value (``None`` if it is of no kind), cached."""
    keys = {leaf: _leaf_key(leaf, splice) for leaf in leaves}
    values: dict[Path, tuple[int, Any] | None] = {}
    for leaf, key in keys.items():
        cached = _read_cache(key)
        if cached is not None:
            values[leaf] = (cached["kind"], cached["value"])
    missing = [leaf for leaf in leaves if leaf not in values]
    kinds = [(kind.type, kind.is_list) for kind in splice.kinds]
    groups = [missing[start : start + GROUP] for start in range(0, len(missing), GROUP)]
    group_keys = [[keys[leaf] for leaf in group] for group in groups]
    workers = min(len(groups), os.cpu_count() or 1)
    tasks = (groups, [kinds] * len(groups), group_keys)
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            fresh = list(pool.map(_evaluate_and_cache, *tasks))
    else:
        fresh = list(map(_evaluate_and_cache, *tasks))
    for group, found in zip(groups, fresh, strict=True):
        values.update(zip(group, found, strict=True))
    return values


def _evaluate_and_cache(
    leaves: list[Path], kinds: list[tuple[str, bool]], keys: list[str]
) -> list[tuple[int, Any] | None]:
    """:func:`_evaluate_group`, writing each value to the cache (in the worker: in parallel)."""
    found = _evaluate_group(leaves, kinds)
    for key, value in zip(keys, found, strict=True):
        if value is not None:
            _write_cache(key, {"kind": value[0], "value": value[1]})
    return found


def _leaf_key(leaf: Path, splice: Splice) -> str:
    files = imported_files(leaf, splice.scanned)
    types = "\0".join(kind.type for kind in splice.kinds)
    digest = hashlib.sha256(f"leaf\0{content_key(files)}\0{types}".encode())
    return "leaf-" + digest.hexdigest()


def _evaluate_group(
    leaves: list[Path], kinds: list[tuple[str, bool]]
) -> list[tuple[int, Any] | None]:
    """Each leaf's kind index and value, or ``None``; all in one binding call if possible.

    One call shares the library's import resolution between the files; each
    file is rewritten first (:func:`dhall_rewrite.rewrite`) and annotated with the
    kind its body looks like. If the call fails, each file is retried alone;
    one the rewrite could not handle is then tried as the other kinds.
    """
    with tempfile.TemporaryDirectory(prefix="ratecard-") as scratch:
        rewritten = [
            dhall_rewrite.rewrite(leaf, Path(scratch) / str(index))
            for index, leaf in enumerate(leaves)
        ]
        guesses = [_guess_kind(fast.body_is_list, kinds) for fast in rewritten]
        fields = ", ".join(
            f"l{index} = ({_quoted(fast.path or leaf)}) : {kinds[guess][0]}"
            for index, (leaf, fast, guess) in enumerate(
                zip(leaves, rewritten, guesses, strict=True)
            )
        )
        try:
            found = _binding().loads(f"{{ {fields} }}")
            return [(guess, found[f"l{index}"]) for index, guess in enumerate(guesses)]
        except (TypeError, ValueError, OSError):
            pass
    if len(leaves) > 1:
        return [_evaluate_group([leaf], kinds)[0] for leaf in leaves]
    if rewritten[0].path is not None:
        return [None]  # the root evaluates it as written: its value, or its error
    others = [index for index in range(len(kinds)) if index != guesses[0]]
    return [_evaluate_as_written(leaves[0], kinds, others)]


def _evaluate_as_written(
    leaf: Path, kinds: list[tuple[str, bool]], candidates: list[int]
) -> tuple[int, Any] | None:
    """``leaf`` as the first of the ``candidates`` kinds it has, or ``None``."""
    for index in candidates:
        try:
            return index, _binding().loads(f"({_quoted(leaf)}) : {kinds[index][0]}")
        except (TypeError, ValueError, OSError):
            continue
    return None


def _guess_kind(is_list: bool, kinds: list[tuple[str, bool]]) -> int:
    """The first kind whose shape (list or not) matches the file's body, else the first."""
    return next((index for index, kind in enumerate(kinds) if kind[1] == is_list), 0)


def _quoted(path: Path) -> str:
    """An absolute import of ``path`` that any file name survives."""
    return "".join(f'/"{part}"' for part in Path(os.path.abspath(path)).parts[1:])


def _splice_markers(value: Any, spliced: dict[str, _Spliced], seen: set[str]) -> Any:
    """``value`` with every marker element replaced by its file's elements.

    Returns ``_MISSING`` if a marker was altered or duplicated.
    """
    if isinstance(value, dict):
        out = {}
        for name, item in value.items():
            out[name] = _splice_markers(item, spliced, seen)
            if out[name] is _MISSING:
                return _MISSING
        return out
    if not isinstance(value, list):
        return value
    result: list[Any] = []
    for item in value:
        tag = _marker_tag(item, spliced)
        if tag is not None:
            if tag in seen or not spliced[tag].stands_for(item, tag):
                return _MISSING
            seen.add(tag)
            result.extend(spliced[tag].elements)
            continue
        converted = _splice_markers(item, spliced, seen)
        if converted is _MISSING:
            return _MISSING
        result.append(converted)
    return result


def _marker_tag(item: Any, spliced: dict[str, _Spliced]) -> str | None:
    """The tag of the marker ``item`` looks like, if any."""
    if not isinstance(item, dict):
        return None
    for key in {entry.key for entry in spliced.values()}:
        tag = item.get(key)
        if isinstance(tag, str) and tag in spliced and spliced[tag].key == key:
            return tag
    return None


def _read_cache(key: str) -> dict[str, Any] | None:
    try:
        with (private_cache_dir() / f"{key}.json").open(encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def _write_cache(key: str, payload: dict[str, Any]) -> None:
    """Best effort: an unwritable cache only costs speed, never correctness."""
    try:
        data = json.dumps(payload, separators=(",", ":")).encode()
        write_private(private_cache_dir() / f"{key}.json", data)
    except OSError:
        return


# ---------------------------------------------------------------- error messages

_PARSE = re.compile(
    r"kind: Parse\(.*?positives: \[(?P<pos>[^\]]*)\]"
    r".*?line_col: Pos\(\((?P<line>\d+), (?P<col>\d+)\)\)",
    re.DOTALL,
)
_CUSTOM = re.compile(r'message: Custom\("(?P<body>(?:\\.|[^"\\])*)"\)', re.DOTALL)
_ARROW = re.compile(r"-->\s+(?P<current><current file>:)?(?P<line>\d+):(?P<col>\d+)")
_NUMBERED = re.compile(r"^\s*(?P<n>\d+) \| ?(?P<src>.*)$")
_CARET = re.compile(r"^\s*\|[\s|_]*\^[\^-]*\s*(?P<what>.*)$")
_RUST_ESCAPE = re.compile(r"\\(u\{[0-9a-fA-F]+\}|.)")


def explain(failure: str, path: Path, text: str | None = None) -> str:
    """Turn the binding's Rust debug error into ``file:line:column: what`` plus the source line.

    ``text`` is the source when ``path`` is not a real file (``evaluate_text``).
    """
    parse = _PARSE.search(failure)
    if parse and "kind: Typecheck" not in failure[: parse.start()]:
        line, column = int(parse.group("line")), int(parse.group("col"))
        return located(
            path, line, column, _parse_problem(parse.group("pos"), path, line, column, text), text
        )
    custom = _CUSTOM.search(failure)
    if not custom:
        return f"{path}: Dhall error: {one_line(failure)}"
    body = _RUST_ESCAPE.sub(_unescape, custom.group("body"))
    return _explain_frames(body, path, text)


def _parse_problem(positives: str, path: Path, line: int, column: int, text: str | None) -> str:
    """``expected expression`` when the parser names one thing, else the unexpected character.

    After a complete expression the parser lists every operator that could
    follow, which says less than pointing at the character it stopped at.
    """
    rules = [rule.strip().replace("_", " ") for rule in positives.split(",") if rule.strip()]
    if 0 < len(rules) <= 3:
        return f"parse error: expected {' or '.join(rules)}"
    source = source_line(path, line, text)
    found = source[column - 1] if source is not None and column <= len(source) else None
    return f"parse error: unexpected {found!r}" if found else "parse error: unexpected end of line"


def _explain_frames(body: str, path: Path, text: str | None) -> str:
    """Walk the frames: every frame but the last points at the import that failed."""
    arrows = list(_ARROW.finditer(body))
    if not arrows:
        return f"{path}: {one_line(body.removeprefix('error: '))}"
    current, source = path, text
    for index, arrow in enumerate(arrows):
        end = arrows[index + 1].start() if index + 1 < len(arrows) else len(body)
        segment = body[arrow.end() : end]
        line, what = _frame_line(segment, int(arrow.group("line")))
        column = int(arrow.group("col"))
        is_last = index + 1 == len(arrows)
        if is_last and not arrow.group("current"):
            notes = [m.group(1) for m in re.finditer(r"^\s*= (.*)$", segment, re.MULTILINE)]
            return located(
                current, line, column, "parse error: " + ("; ".join(notes) or what), source
            )
        token = _import_at(current, line, column, source)
        if "No such file" in what and token:
            missing = resolve_import(token, current.parent)
            return located(
                current, line, column, f"cannot import {token}: no such file {missing}", source
            )
        if is_last or token is None:
            header = body.split("\n", 1)[0].removeprefix("error: ")
            return located(current, line, column, _describe(what or header), source)
        current, source = resolve_import(token, current.parent), None
    return f"{path}: {one_line(body)}"  # unreachable: the loop always returns


def _frame_line(segment: str, arrow_line: int) -> tuple[int, str]:
    """The 1-based line a frame points at and the text after its carets.

    The arrow's own line number counts from the start of the expression (after
    a leading comment), so the snippet's numbered line before the carets wins.
    """
    line, what = arrow_line, ""
    for raw in segment.splitlines():
        numbered = _NUMBERED.match(raw)
        caret = _CARET.match(raw)
        if caret:
            what = caret.group("what").strip()
            break
        if numbered:
            line = int(numbered.group("n"))
    return line, what


def _import_at(file: Path, line: int, column: int, source: str | None) -> str | None:
    """The import path written at ``line:column`` of ``file``, if there is one."""
    text = source_line(file, line, source)
    if text is None:
        return None
    found = next(import_paths(text[column - 1 :]), None)
    return found[0] if found and found[1] == 0 else None


def _unescape(match: re.Match[str]) -> str:
    code = match.group(1)
    if code.startswith("u{"):
        return chr(int(code[2:-1], 16))
    return {"n": "\n", "t": "\t", "r": "\r", "0": "\0"}.get(code, code)


def _describe(what: str) -> str:
    """Name the fields at fault when a record does not match its type (``::`` completions)."""
    mismatch = re.fullmatch(r"annot mismatch: (\{.*\}) != (\{.*\})", what.strip(), re.DOTALL)
    if not mismatch:
        return f"type error: {what}"
    problems = _type_differences(mismatch.group(1), mismatch.group(2), "")
    return "type error: record " + ("; ".join(problems) or "does not match its type")


def _type_differences(found: str, expected: str, path: str) -> list[str]:
    """What differs between two printed types, descending into lists and records."""
    while found.startswith("List ") and expected.startswith("List "):
        found, expected = found[5:].strip(), expected[5:].strip()
    if not (found.startswith("{") and expected.startswith("{")):
        return [f"field {path.rstrip('.')} is {_short(found)} but must be {_short(expected)}"]
    have, want = _record_fields(found), _record_fields(expected)
    problems = []
    if missing := [f"{path}{name}" for name in want if name not in have]:
        problems.append(f"missing field {', '.join(missing)}")
    if extra := [f"{path}{name}" for name in have if name not in want]:
        problems.append(f"unexpected field {', '.join(extra)}")
    for name in want:
        if name in have and have[name] != want[name]:
            problems.extend(_type_differences(have[name], want[name], f"{path}{name}."))
    return problems


def _short(type_text: str, limit: int = 60) -> str:
    return type_text if len(type_text) <= limit else type_text[: limit - 1] + "…"


def _record_fields(record_type: str) -> dict[str, str]:
    """Top-level ``name : type`` pairs of a printed Dhall record type."""
    fields, depth, start = {}, 0, 1
    inner = record_type.strip()
    for index, char in enumerate(inner):
        if char in "{[(<":
            depth += 1
        elif char in "}])>":
            depth -= 1
        if (char == "," and depth == 1) or index == len(inner) - 1:
            name, _, type_ = inner[start:index].partition(" : ")
            if name.strip():
                fields[name.strip().strip("`")] = type_.strip()
            start = index + 1
    return fields
