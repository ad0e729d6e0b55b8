"""Rewrite a Dhall file, keeping its value, into text the binding evaluates fast.

The ``dhall`` binding (0.1.15) is slow on long lists, for reasons measured
on a 100-product file (~0.7 s as written, ~0.05 s rewritten):

* its parser does not memoize: an expression is parsed about three times per
  enclosing expression, so a list element's fields cost 9-27 times their text
  (whitespace and comments included), and every application or field
  selection costs time proportional to its byte offset (long files are
  quadratic);
* its type checker re-checks the type of every selected record field
  (``C.Condition.equals`` checks the types of all of ``C.Condition``'s
  helpers) and of every application's result, for every product.

:func:`rewrite` handles the long list literals at a file's top level (the
body, a field of the body's record such as ``C.Part::{ products = [ … ] }``,
or a top-level ``let`` value). For each, it binds with ``let`` (right after
the bindings the list sees):

* each selection chain its items use (``C.Condition.equals``) and each
  non-trivial record field value several items repeat;
* for items written ``T::{ … }``, a *template* per group of items that differ
  only in their literals and in which top-level names they use: a function of
  a record of those literals (and of a union choosing the name), and a
  function applying it to a list of such records, built with ``List/fold``;

and replaces the list by one call per run of items of one template
(``f [ { p1 = "vm", p5 = 0.5 }, … ] # …``), other items by their bindings.
Each item's type is then checked once per template, and what is parsed per
item is a flat record of literals. ``T::{ r }`` is spelled out as
``T.default // r : T.Type``, its definition. All text is collapsed
(whitespace and comments become one space) and imports become absolute.

Only lists whose items bind no variables (no ``let``, ``\\``, ``forall``)
are rewritten, so every name in an item means the same at its template. A
file the lexer does not fully understand (multi-line literals with
interpolation, remote or ``env:`` imports, ``x@1``, ``as Location``) is left
alone: the caller evaluates it as written, which is also what it does when
the rewritten file fails.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

MIN_ITEMS = 8
"""Shorter lists stay as they are: rewriting them would save little."""

PREFIX = "__rc"
"""Names the rewrite introduces start with this; files already using it are left alone."""


class Unsupported(Exception):
    """The file uses Dhall the rewrite does not handle; evaluate it as written."""


class Token(NamedTuple):
    kind: str  # ws, text, path, num, ident, open, close, punct
    text: str


_LEXEMES = re.compile(
    r"""
    (?P<ws>[ \t\r\n]+|--[^\n]*)
    | (?P<unsupported>https?://|env:|@)
    | (?P<ident>[A-Za-z_][A-Za-z0-9_/-]*)
    | (?P<text>"(?:[^"\\$]|\\.|\$(?!\{))*")
    | (?P<block>\{-)
    | (?P<multi>'')
    | (?P<open>[(\[{<])
    | (?P<close>[)\]}>])
    | (?P<quoted>`[^`\n]*`)
    | (?P<path>(?:\.\.?|~)?/(?![/\\])(?:"[^"\n]*"|[^\s"\#(),<>?\[\\\]{}/]+)
               (?:/(?:"[^"\n]*"|[^\s"\#(),<>?\[\\\]{}/]+))*)
    | (?P<num>[+-]?(?:0x[0-9a-fA-F]+|[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?))
    | (?P<interpolated>")  # a text literal the "text" group refused
    | (?P<punct>->|::|:+|=+|//\\\\|//|/\\|&&|\|\||\+\+|!=|.)
    """,
    re.VERBOSE | re.DOTALL,
)
# Imports whose value depends on where the file is (``as Location``), remote or
# environment imports, de Bruijn indices (``x@1``), names the rewrite introduces.
# Text literals may hold these, so only tokens count.
_SUSPECT = re.compile(rf"Location|using|https?://|env:|@|{PREFIX}\w*")
_PAIRS = {"(": ")", "[": "]", "{": "}", "<": ">"}
_BINDERS = frozenset({"let", "\\", "λ", "forall", "∀"})
# After these a ``let`` opens a nested let-expression; elsewhere it continues one.
_STARTERS = frozenset({"=", "in", "->", "→", "then", "else", "if", ":"})


def lex(text: str) -> list[Token]:
    """Tokens of ``text``; comments are ``ws`` tokens like whitespace."""
    if "{-" in text or "''" in text or "${" in text:
        tokens = _lex_slowly(text)
    else:  # every character starts some lexeme, so the matches tile the text
        new = tuple.__new__  # Token(...) without the Python-level __new__: lexing is hot
        tokens = [new(Token, (m.lastgroup, m.group())) for m in _LEXEMES.finditer(text)]
    if _SUSPECT.search(text):  # rare: look closer, as text literals may hold these
        for token in tokens:
            if token.kind in ("unsupported", "interpolated") or (
                token.kind == "ident" and _SUSPECT.fullmatch(token.text)
            ):
                raise Unsupported(f"cannot rewrite {token.text!r}")
    return tokens


def _lex_slowly(text: str) -> list[Token]:
    """:func:`lex` for texts with block comments or multi-line text literals."""
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        match = _LEXEMES.match(text, position)
        kind = match.lastgroup if match else "unsupported"
        if kind == "block":
            end, kind = _block_comment_end(text, position), "ws"
        elif kind == "multi":
            end, kind = _multiline_end(text, position), "text"
        elif kind == "interpolated":
            end, kind = _interpolated_end(text, position + 1), "text"
        else:
            end = match.end() if match else len(text)
        tokens.append(Token(kind, text[position:end]))
        position = end
    return tokens


def _block_comment_end(text: str, start: int) -> int:
    depth, position = 0, start
    while position < len(text):
        if text.startswith("{-", position):
            depth, position = depth + 1, position + 2
        elif text.startswith("-}", position):
            depth, position = depth - 1, position + 2
            if depth == 0:
                return position
        else:
            position += 1
    raise Unsupported("unterminated block comment")


def _interpolated_end(text: str, position: int) -> int:
    """End of the ``"…${…}…"`` literal whose text starts at ``position``.

    An interpolated expression may hold text literals and braces of its own;
    anything stranger (comments, multi-line literals) is not worth it.
    """
    while position < len(text):
        char = text[position]
        if char == "\\":
            position += 2
        elif char == '"':
            return position + 1
        elif text.startswith("${", position):
            position = _interpolation_end(text, position + 2)
        else:
            position += 1
    raise Unsupported("unterminated text literal")


def _interpolation_end(text: str, position: int) -> int:
    depth = 1
    while position < len(text):
        char = text[position]
        if text.startswith(("--", "{-", "''"), position):
            raise Unsupported("comment or multi-line literal in an interpolation")
        if char == '"':
            position = _interpolated_end(text, position + 1)
            continue
        depth += {"{": 1, "}": -1}.get(char, 0)
        position += 1
        if depth == 0:
            return position
    raise Unsupported("unterminated interpolation")


def _multiline_end(text: str, start: int) -> int:
    position = start + 2
    while (found := text.find("''", position)) >= 0:
        if text.startswith("'''", found):
            position = found + 3
        elif text.startswith("''${", found):
            position = found + 4
        elif "${" in text[start:found]:
            raise Unsupported("text interpolation")
        else:
            return found + 2
    raise Unsupported("unterminated text literal")


# ---------------------------------------------------------------- structure


def _significant(tokens: Sequence[Token], start: int = 0, end: int | None = None) -> list[int]:
    """Indices of the non-whitespace tokens in ``[start, end)``."""
    stop = len(tokens) if end is None else end
    return [i for i in range(start, stop) if tokens[i].kind != "ws"]


def _match_brackets(tokens: Sequence[Token]) -> dict[int, int]:
    """Each bracket's index mapped to its partner's."""
    partner: dict[int, int] = {}
    stack: list[int] = []
    for index, token in enumerate(tokens):
        if token.kind == "open":
            stack.append(index)
        elif token.kind == "close":
            if not stack or _PAIRS[tokens[stack[-1]].text] != token.text:
                raise Unsupported("unbalanced brackets")
            opening = stack.pop()
            partner[opening], partner[index] = index, opening
    if stack:
        raise Unsupported("unbalanced brackets")
    return partner


def _split_commas(
    tokens: Sequence[Token], partner: dict[int, int], opening: int
) -> list[tuple[int, int]]:
    """Non-blank token ranges between the commas directly inside a bracket pair."""
    close = partner[opening]
    parts, start, index = [], opening + 1, opening + 1
    while index < close:
        if tokens[index].kind == "open":
            index = partner[index]
        elif tokens[index].text == ",":
            parts.append((start, index))
            start = index + 1
        index += 1
    parts.append((start, close))
    return [(a, b) for a, b in parts if not _blank(tokens, a, b)]


def _first_significant(tokens: Sequence[Token], count: int) -> list[int]:
    """The indices of the first ``count`` non-whitespace tokens."""
    found: list[int] = []
    for index, token in enumerate(tokens):
        if token.kind != "ws":
            found.append(index)
            if len(found) == count:
                break
    return found


def _previous_significant(tokens: Sequence[Token], index: int, start: int) -> int | None:
    """The last non-whitespace token before ``index`` (not before ``start``)."""
    index -= 1
    while index >= start and tokens[index].kind == "ws":
        index -= 1
    return index if index >= start else None


def _blank(tokens: Sequence[Token], start: int, end: int) -> bool:
    return all(tokens[i].kind == "ws" for i in range(start, end))


def _record_values(
    tokens: Sequence[Token], partner: dict[int, int], start: int, end: int
) -> list[tuple[int, int]]:
    """Value token ranges of the record literal (``{ … }``, ``T::{ … }``) in ``[start, end)``."""
    last = _previous_significant(tokens, end, start)
    if last is None or tokens[last].text != "}":
        return []
    opening = partner[last]
    before = _previous_significant(tokens, opening, start)
    if before is not None and not (
        tokens[before].text == "::" and _previous_significant(tokens, before, start) is not None
    ):
        return []
    values = []
    for a, b in _split_commas(tokens, partner, opening):
        equals = next((i for i in range(a, b) if tokens[i].text == "="), None)
        if equals is not None:
            values.append((equals + 1, b))
    return values


@dataclass(frozen=True)
class Binding:
    """A top-level ``let``: its name, its ``let`` token and its value's token range."""

    name: str
    start: int
    value: tuple[int, int]


@dataclass(frozen=True)
class Site:
    """A list literal to split: its brackets and how many top-level bindings it sees."""

    opening: int
    close: int
    scope: int


class DhallFile:
    """A lexed file: bracket partners, top-level bindings, body and splittable lists."""

    def __init__(self, text: str) -> None:
        self.tokens = lex(text)
        self.binders = [i for i, token in enumerate(self.tokens) if token.text in _BINDERS]
        self.partner = _match_brackets(self.tokens)
        self.bindings, self.body = _top_level(self.tokens)

    def sites(self) -> list[Site]:
        """The long list literals at the top level."""
        found = [
            site
            for number, binding in enumerate(self.bindings)
            for site in self._list(*binding.value, scope=number)
        ]
        visible = len(self.bindings)
        found += self._list(*self.body, scope=visible, suffix=True)
        for value in _record_values(self.tokens, self.partner, *self.body):
            found += self._list(*value, scope=visible)
        return found

    def body_is_list(self) -> bool:
        """Whether the body is a list literal: a guess at the file's type."""
        body = _significant(self.tokens, *self.body)
        return bool(body) and self.tokens[body[0]].text == "["

    def definitions_at(self, site: Site) -> int:
        """The token before which bindings only ``site`` needs go: after the ones it sees."""
        if site.scope < len(self.bindings):
            return self.bindings[site.scope].start
        return self.bindings[-1].value[1] if self.bindings else self.body[0]

    def _list(self, start: int, end: int, scope: int, suffix: bool = False) -> list[Site]:
        """``[start, end)`` as a site if it is (or, with ``suffix``, opens with) a long list."""
        sig = _significant(self.tokens, start, end)
        if not sig or self.tokens[sig[0]].text != "[":
            return []
        close = self.partner[sig[0]]
        if not suffix and sig[-1] != close:
            return []
        if len(_split_commas(self.tokens, self.partner, sig[0])) < MIN_ITEMS:
            return []
        return [Site(sig[0], close, scope)]


def _top_level(tokens: Sequence[Token]) -> tuple[list[Binding], tuple[int, int]]:
    """The leading ``let`` bindings and the body's token range."""
    outer = _outside_brackets(tokens)
    bindings: list[Binding] = []
    position = 0
    while position < len(outer) and tokens[outer[position]].text == "let":
        equals = next(
            (p for p in range(position + 2, len(outer)) if tokens[outer[p]].text == "="), None
        )
        if equals is None:
            raise Unsupported("malformed let")
        end = _value_end(tokens, outer, equals + 1)
        name = tokens[outer[position + 1]].text
        bindings.append(Binding(name, outer[position], (outer[equals] + 1, outer[end])))
        position = end + (tokens[outer[end]].text == "in")
        if tokens[outer[end]].text == "in":
            break
    start = outer[position] if position < len(outer) else len(tokens)
    return bindings, (start, len(tokens))


def _outside_brackets(tokens: Sequence[Token]) -> list[int]:
    """Significant tokens not inside brackets (the outermost brackets themselves kept)."""
    kept, depth = [], 0
    for index in _significant(tokens):
        kind = tokens[index].kind
        depth -= kind == "close"
        if depth == 0:
            kept.append(index)
        depth += kind == "open"
    return kept


def _value_end(tokens: Sequence[Token], outer: list[int], position: int) -> int:
    """Position in ``outer`` of the ``let`` or ``in`` ending a top-level binding's value."""
    nested, previous = 0, "="
    while position < len(outer):
        word = tokens[outer[position]].text
        if word == "let" and previous in _STARTERS:
            nested += 1
        elif word in ("let", "in") and nested == 0:
            return position
        elif word == "in":
            nested -= 1
        previous = word
        position += 1
    raise Unsupported("a let without in")


# ---------------------------------------------------------------- rewriting


@dataclass
class _Scope:
    """The bindings one list needs, collected while its items are rewritten."""

    visible: frozenset[str]  # the top-level names the list sees
    counter: list[int]  # shared by a file's lists, whose names must differ
    hoisted: dict[str, str] = field(default_factory=dict)  # expression text → name
    names: set[str] = field(default_factory=set)  # the hoisted names

    def number(self) -> int:
        self.counter[0] += 1
        return self.counter[0]

    def fresh(self, kind: str) -> str:
        """A new name (``kind`` tells its use when reading the rewritten text)."""
        return f"{PREFIX}{kind}{self.number()}"

    def name_for(self, expression: str) -> str:
        """The name bound to ``expression`` (bound once, however often asked)."""
        if expression not in self.hoisted:
            self.hoisted[expression] = self.fresh("")
            self.names.add(self.hoisted[expression])
        return self.hoisted[expression]


@dataclass(frozen=True)
class Rewritten:
    """Where :func:`rewrite` wrote a file's fast form, and whether its body is a list."""

    path: Path | None
    body_is_list: bool


def rewrite(path: Path, directory: Path) -> Rewritten:
    """Write the fast form of ``path`` into ``directory`` (no ``path`` if not worth it)."""
    try:
        dhall_file = DhallFile(path.read_text(encoding="utf-8"))
    except (Unsupported, OSError, UnicodeDecodeError):
        return Rewritten(None, body_is_list=False)
    return Rewritten(_rewrite_file(dhall_file, path, directory), dhall_file.body_is_list())


def _rewrite_file(dhall_file: DhallFile, path: Path, directory: Path) -> Path | None:
    base, counter = path.parent, [0]
    replacements: dict[int, tuple[int, str]] = {}
    definitions: dict[int, list[str]] = {}
    for site in dhall_file.sites():
        rewritten = _rewrite_site(dhall_file, site, base, counter)
        if rewritten is not None:
            replacement = rewritten[1]
            if _needs_parentheses(dhall_file.tokens, site):
                replacement = f"({replacement})"
            replacements[site.opening] = (site.close, replacement)
            definitions.setdefault(dhall_file.definitions_at(site), []).append(rewritten[0])
    if not replacements:
        return None
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / path.name
    text = _render_edited(dhall_file, replacements, definitions, base)
    target.write_text(text, encoding="utf-8")
    return target


def _rewrite_site(
    dhall_file: DhallFile, site: Site, base: Path, counter: list[int]
) -> tuple[str, str] | None:
    """The ``let`` bindings a list needs and the expression replacing it.

    ``None`` if its items bind variables: moved to a template, a name could
    then mean another binding.
    """
    if any(site.opening < index < site.close for index in dhall_file.binders):
        return None
    scope = _Scope(frozenset(b.name for b in dhall_file.bindings[: site.scope]), counter)
    spelled = _prepared_items(dhall_file, site, scope, base)
    templates = _Templates(scope, base)
    calls = [templates.call(body, element) if element else None for body, element in spelled]
    templates.finish()
    lets: list[str] = []
    runs: list[_Run] = []
    for (body, _), call in zip(spelled, calls, strict=True):
        group, member = call if call else (None, scope.fresh("I"))
        if group is None:  # not a completion: bound as it is
            lets.append(f"let {member} = {_render(body, base)} ")
        if not runs or runs[-1].group is not group:
            runs.append(_Run(group))
        runs[-1].members.append(member)
    hoisted = "".join(f"let {name} = {text} " for text, name in scope.hoisted.items())
    return hoisted + templates.definitions() + "".join(lets), " # ".join(map(str, runs))


def _prepared_items(
    dhall_file: DhallFile, site: Site, scope: _Scope, base: Path
) -> list[tuple[list[Token], str | None]]:
    """The site's items with chains and repeated values hoisted, completions spelled out."""
    tokens = dhall_file.tokens
    ranges = _split_commas(tokens, dhall_file.partner, site.opening)
    partners = [_partners(dhall_file, a, b) for a, b in ranges]
    items = [_hoist_chains(tokens[a:b], scope) for a, b in ranges]
    items = _share_repeated_values(items, partners, scope, base)
    return [
        _spell_out_completion(item, partner, scope)
        for item, partner in zip(items, partners, strict=True)
    ]


@dataclass
class _Run:
    """Consecutive items of one template (one call), or bound as they are (``group`` None)."""

    group: _Group | None
    members: list[int | str] = field(default_factory=list)  # numbers in the group, else names

    def __str__(self) -> str:
        if self.group is None:
            return f"[ {', '.join(map(str, self.members))} ]"
        arguments = ", ".join(self.group.argument(int(member)) for member in self.members)
        return f"{self.group.fold()} [ {arguments} ]"


# Where a list literal may become ``f [ … ] # [ … ]`` without parentheses (which
# would cost the parser another nesting level): between these neighbours ``#``
# binds as a list literal does.
_OPEN_BEFORE = frozenset({"=", "in", "#"})
_OPEN_AFTER = frozenset({"", ":", "#", ",", "}", ")", "let", "in"})


def _needs_parentheses(tokens: Sequence[Token], site: Site) -> bool:
    before, _ = _neighbours(tokens, site.opening)
    _, after = _neighbours(tokens, site.close)
    return before not in _OPEN_BEFORE or after not in _OPEN_AFTER


GAP = Token("ws", "")
"""Stands for a replaced token, so that indices (and bracket partners) stay valid."""


def _replacement(name: str, length: int) -> list[Token]:
    return [Token("ident", name), *[GAP] * (length - 1)]


def _partners(dhall_file: DhallFile, start: int, end: int) -> dict[int, int]:
    """The bracket partners within the item at ``[start, end)``, indexed from ``start``."""
    return {
        index - start: dhall_file.partner[index] - start
        for index in range(start, end)
        if dhall_file.tokens[index].kind in ("open", "close")
    }


def _hoist_chains(item: Sequence[Token], scope: _Scope) -> list[Token]:
    """``item`` with each selection chain on a visible name (``C.Price.perUnit``) hoisted."""
    out: list[Token] = []
    copied = 0
    for index, token in enumerate(item):
        if index < copied or token.text not in scope.visible or token.kind != "ident":
            continue
        end = _chain_end(item, index)
        # not a field label: after a dot (``x.C``), before "=" (``{ a.b = 1 }``, ``with a.b =``)
        is_label = _neighbours(item, index)[0] == "." or _neighbours(item, end - 1)[1] == "="
        if end > index + 1 and not is_label:
            chain = "".join(t.text for t in item[index:end])
            out += [*item[copied:index], *_replacement(scope.name_for(chain), end - index)]
            copied = end
    return [*out, *item[copied:]]


def _chain_end(item: Sequence[Token], index: int) -> int:
    """End of the ``name(.label)*`` starting at ``index``."""
    end = index + 1
    while end + 1 < len(item) and item[end].text == "." and item[end + 1].kind == "ident":
        end += 2
    return end


def _share_repeated_values(
    items: list[list[Token]], partners: list[dict[int, int]], scope: _Scope, base: Path
) -> list[list[Token]]:
    """Hoist the record field values (non-trivial ones) that several items repeat."""
    fields = [_field_values(item, partner) for item, partner in zip(items, partners, strict=True)]
    counts = Counter(key for found in fields for key in found)
    shared = []
    for item, found in zip(items, fields, strict=True):
        replaced = list(item)
        for key, (start, end) in found.items():
            if counts[key] > 1:
                name = scope.name_for(_render(item[start:end], base))
                replaced[start:end] = _replacement(name, end - start)
        shared.append(replaced)
    return shared


def _spell_out_completion(
    item: list[Token], partner: dict[int, int], scope: _Scope
) -> tuple[list[Token], str | None]:
    """``T::{ … }`` as ``d // { … } : t``, and ``t``; ``(item, None)`` unless ``T`` is a name.

    ``d`` and ``t`` are bound to ``T.default`` and ``T.Type`` once for the list:
    that is what ``::`` means, minus checking both selections' types per item.
    """
    sig = _first_significant(item, 3)
    last = _previous_significant(item, len(item), 0)
    if len(sig) < 3 or item[sig[0]].kind != "ident" or item[sig[1]].text != "::":
        return item, None
    if item[sig[2]].text != "{" or partner[sig[2]] != last:
        return item, None
    head = item[sig[0]].text
    default, type_ = scope.name_for(f"{head}.default"), scope.name_for(f"{head}.Type")
    record = item[sig[2] : last + 1]
    space = Token("ws", " ")  # a label may contain "/": "d//{" would be one name
    spelled = [
        *(Token("ident", default), space, Token("punct", "//"), space, *record, space),
        *(Token("punct", ":"), space, Token("ident", type_)),
    ]
    return spelled, type_


def _field_values(
    item: Sequence[Token], partner: dict[int, int]
) -> dict[tuple[str, ...], tuple[int, int]]:
    """The item's record field values of more than one token, by their tokens' texts."""
    values = {}
    for start, end in _record_values(item, partner, 0, len(item)):
        key = tuple(token.text for token in item[start:end] if token.kind != "ws")
        if len(key) > 1:
            values[key] = (start, end)
    return values


def _literal_type(token: Token) -> str | None:
    """The type of a literal token: ``Text``, ``Double``, ``Integer`` or ``Natural``."""
    if token.kind == "text":
        return "Text"
    if token.kind != "num":
        return None
    signed, digits = token.text[0] in "+-", token.text.lstrip("+-")
    if not digits.startswith("0x") and any(c in digits for c in ".eE"):
        return "Double"
    return "Integer" if signed else "Natural"


def _neighbours(item: Sequence[Token], index: int) -> tuple[str, str]:
    """The texts of the significant tokens before and after ``index``."""
    before = index - 1
    while before >= 0 and item[before].kind == "ws":
        before -= 1
    after = index + 1
    while after < len(item) and item[after].kind == "ws":
        after += 1
    return (
        item[before].text if before >= 0 else "",
        item[after].text if after < len(item) else "",
    )


@dataclass
class _Group:
    """Items equal but for their literals and some visible names: one template."""

    number: int
    tokens: list[Token]  # the first item's
    holes: list[tuple[int, str]]  # token index and kind: a literal type, or "name"
    element_type: str
    values: list[list[str]] = field(default_factory=list)  # each item's hole texts
    params: list[int] = field(default_factory=list)  # the holes whose texts differ
    choices: dict[int, list[str]] = field(default_factory=dict)  # names a name hole takes

    def argument(self, member: int) -> str:
        """The record of the item's hole values the template is applied to."""
        fields = []
        for hole in self.params:
            value = self.values[member][hole]
            if self.holes[hole][1] == "name":
                value = self.choice(hole, self.choices[hole].index(value))
            fields.append(f"p{hole}={value}")
        return "{" + (",".join(fields) or "=") + "}"

    def union(self, hole: int) -> str:
        return f"{PREFIX}U{self.number}_{hole}"

    def choice(self, hole: int, number: int) -> str:
        """A name bound to the union value choosing the hole's ``number``-th name.

        Bound once for the list: a selection per argument would cost a
        parse step proportional to its offset.
        """
        return f"{self.union(hole)}A{number}"

    def fold(self) -> str:
        return f"{PREFIX}F{self.number}"

    def definitions(self, base: Path) -> str:
        """The template and a function applying it to a list of arguments (one call per run)."""
        n, element = self.number, self.element_type
        record, template = f"{PREFIX}R{n}", f"{PREFIX}T{n}"
        unions = "".join(
            f"let {self.union(h)} = < {' | '.join(f'A{i}' for i in range(len(names)))} > "
            + "".join(f"let {self.choice(h, i)} = {self.union(h)}.A{i} " for i in range(len(names)))
            for h, names in self.choices.items()
        )
        types = ", ".join(
            f"p{h} : {self.union(h) if h in self.choices else self.holes[h][1]}"
            for h in self.params
        )
        return (
            f"{unions}let {record} = {{ {types} }} "
            f"let {template} = \\({PREFIX}r : {record}) -> {_render(self._body(), base)} "
            f"let {self.fold()} = \\({PREFIX}xs : List {record}) -> List/fold {record} "
            f"{PREFIX}xs (List {element}) (\\({PREFIX}x : {record}) -> "
            f"\\({PREFIX}acc : List {element}) -> [ {template} {PREFIX}x ] # {PREFIX}acc) "
            f"([] : List {element}) "
        )

    def _body(self) -> list[Token]:
        body = list(self.tokens)
        for hole, (index, kind) in enumerate(self.holes):
            if hole not in self.params:
                continue
            value = f"{PREFIX}r.p{hole}"
            if kind == "name":
                cases = ", ".join(f"A{i} = {name}" for i, name in enumerate(self.choices[hole]))
                value = f"(merge {{ {cases} }} {value})"
            body[index] = Token("ident", value)
        return body


class _Templates:
    """The site's completion items, grouped by what they have in common."""

    def __init__(self, scope: _Scope, base: Path) -> None:
        self.scope, self.base = scope, base
        self.groups: dict[tuple[str, ...], _Group] = {}

    def call(self, item: list[Token], element_type: str) -> tuple[_Group, int]:
        """Register ``item``: its group and its number in the group."""
        holes: list[tuple[int, str]] = []
        shape: list[str] = []  # whitespace does not matter: the same tokens mean the same
        for index, token in enumerate(item):
            if token.kind == "ws":
                continue
            kind = self._hole(item, index) if token.kind in ("ident", "text", "num") else None
            if kind:
                holes.append((index, kind))
            shape.append(f"#{kind}" if kind else token.text)
        key = tuple(shape)
        if key not in self.groups:
            self.groups[key] = _Group(self.scope.number(), item, holes, element_type)
        group = self.groups[key]
        group.values.append([item[i].text for i, _ in holes])
        return group, len(group.values) - 1

    def finish(self) -> None:
        """Decide which holes vary (parameters) and the names each name hole takes."""
        for group in self.groups.values():
            for hole, (_, kind) in enumerate(group.holes):
                texts = sorted({values[hole] for values in group.values})
                if len(texts) > 1:
                    group.params.append(hole)
                    if kind == "name":
                        group.choices[hole] = texts

    def definitions(self) -> str:
        return "".join(group.definitions(self.base) for group in self.groups.values())

    def _hole(self, item: Sequence[Token], index: int) -> str | None:
        """A literal's type, ``"name"`` for a visible name used as a value, else ``None``."""
        token = item[index]
        if token.kind != "ident":
            return _literal_type(token)
        if token.text not in self.scope.visible and token.text not in self.scope.names:
            return None
        before, after = _neighbours(item, index)
        if before == "." or after in (".", "::", "=", ":"):
            return None
        is_pun = before in ("{", ",") and after in (",", "}")
        return None if is_pun else "name"


def _render_edited(
    dhall_file: DhallFile,
    replacements: dict[int, tuple[int, str]],
    definitions: dict[int, list[str]],
    base: Path,
) -> str:
    """The file with lists replaced and bindings inserted before the given tokens."""
    tokens, parts, index = dhall_file.tokens, [], 0
    edits = sorted({*replacements, *definitions})
    for position in edits:
        parts.append(_render(tokens[index:position], base))
        index = position
        if position in definitions:
            inserted = "".join(definitions[position])
            parts.append(inserted if dhall_file.bindings else f"{inserted} in")
        if position in replacements:
            close, text = replacements[position]
            parts.append(text)
            index = close + 1
    parts.append(_render(tokens[index:], base))
    return " ".join(parts)


_TIGHT_AFTER = frozenset({"(", "[", "{", ",", "="})
_TIGHT_BEFORE = frozenset({")", "]", "}", ",", "="})


def _render(tokens: Sequence[Token], base: Path) -> str:
    """Collapse whitespace and comments and make imports absolute.

    A whitespace run becomes one space, or nothing next to a bracket, comma or
    ``=`` where the grammar needs none (never after an import path, which
    ``=`` could continue): the parser pays for every character it re-parses.
    """
    parts = []
    previous = Token("ws", "")
    for index, token in enumerate(tokens):
        if token is GAP:
            continue
        if token.kind == "ws":
            following = tokens[index + 1].text if index + 1 < len(tokens) else ""
            tight = previous.text in _TIGHT_AFTER or following in _TIGHT_BEFORE
            parts.append("" if tight and previous.kind != "path" else " ")
        else:
            parts.append(_absolute(token.text, base) if token.kind == "path" else token.text)
        previous = token
    return "".join(parts).strip()


def _absolute(token: str, base: Path) -> str:
    """An import path token as an absolute path with quoted components."""
    raw = token.replace('"', "")
    path = Path(raw).expanduser() if raw.startswith("~/") else Path(os.path.normpath(base / raw))
    return "".join(f'/"{part}"' for part in path.parts[1:])
