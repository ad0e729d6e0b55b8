"""Parse Dhall source text (standard/dhall.abnf) into the AST of ``syntax``.

A hand-written recursive-descent parser over one string, with precompiled
regular expressions for tokens: it runs in time linear in the input and only
backtracks over a bounded look-ahead (a keyword, an operator, a ``with``).
Syntactic sugar is removed here, as the standard requires: dotted and
duplicate record fields, punned fields, temporal literals with zones and
multi-line text literals.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable

from rating.dhall import syntax as s
from rating.dhall.errors import DhallParseError

KEYWORDS = frozenset(
    {
        "if",
        "then",
        "else",
        "let",
        "in",
        "using",
        "missing",
        "assert",
        "as",
        "Infinity",
        "NaN",
        "merge",
        "Some",
        "toMap",
        "forall",
        "with",
        "showConstructor",
    }
)
RESERVED = s.BUILTINS | s.CONSTANTS | {"True", "False"}
_KEYWORD_START = frozenset(keyword[0] for keyword in KEYWORDS)
_SIMPLE_TEXT = re.compile(r'"([^"\\$\x00-\x1f]*)"')
_ENDS_EXPRESSION = frozenset(",)]}")
"""Characters after which an expression cannot go on: a separator, a closing bracket."""
_NOT_ARGUMENT = frozenset(",)]}=:|>#&*?!")
"""Characters that start no import-expression (no application argument)."""
_IMPORT_START = frozenset("./~ehm")
"""The first characters of ``./``, ``../``, ``/``, ``~/``, ``env:``, ``http(s)://``, ``missing``."""

_WS = re.compile(r"(?:[ \t\n]|\r\n|--[^\r\n]*\r?\n)*")
_WS_START = frozenset(" \t\r\n-{")
_BLOCK_PART = re.compile(r"\{-|-\}|[^{}-]+|[{}-]")
_LABEL = re.compile(r"[A-Za-z_][A-Za-z0-9_/-]*")
_QUOTED_LABEL = re.compile(r"`([\x20-\x5f\x61-\x7e]*)`")
_OPERATOR = re.compile(r"===|≡|\|\||\+\+|\+|#|&&|∧|/\\|⫽|//\\\\|//|⩓|\*|==|!=|\?")
_OPERATORS = {
    "===": (s.EQUIVALENT, 0),
    "≡": (s.EQUIVALENT, 0),
    "?": (s.IMPORT_ALT, 1),
    "||": (s.OR, 2),
    "+": (s.PLUS, 3),
    "++": (s.TEXT_APPEND, 4),
    "#": (s.LIST_APPEND, 5),
    "&&": (s.AND, 6),
    "∧": (s.COMBINE, 7),
    "/\\": (s.COMBINE, 7),
    "⫽": (s.PREFER, 8),
    "//": (s.PREFER, 8),
    "⩓": (s.COMBINE_TYPES, 9),
    "//\\\\": (s.COMBINE_TYPES, 9),
    "*": (s.TIMES, 10),
    "==": (s.EQ, 11),
    "!=": (s.NE, 12),
}
_NEEDS_SPACE_AFTER = frozenset({s.PLUS, s.IMPORT_ALT})
_ARROW = re.compile(r"→|->")
_DOUBLE = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+(?:[eE][+-]?[0-9]+)?|[eE][+-]?[0-9]+)")
_NATURAL = re.compile(r"0x[0-9A-Fa-f]+|0b[01]+|[1-9][0-9]*|0")
_DATE = r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
_TIME = r"([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?"
_OFFSET = r"([Zz]|[+-][0-9]{2}:[0-9]{2})"
_DATE_TIME = re.compile(_DATE + r"(?:[Tt]" + _TIME + _OFFSET + r"?)?")
_TIME_OFFSET = re.compile(_TIME + _OFFSET + "?")
_NUM_OFFSET = re.compile(r"[+-][0-9]{2}:[0-9]{2}")
_BYTES = re.compile(r'0x"((?:[0-9A-Fa-f]{2})*)"')
_DQ_PLAIN = re.compile(r'[^"\\$\x00-\x1f]+')
_SQ_PLAIN = re.compile(r"[^'$\r\n]+")
_PATH_CHAR = r"[\x21\x24-\x27\x2a\x2b\x2d\x2e\x30-\x3b\x3d\x40-\x5a\x5e-\x7a\x7c\x7e]"
_PATH_COMPONENT = re.compile(r"/(?:(" + _PATH_CHAR + r'+)|"([^"/\x00-\x1f]+)")')
_LOCAL_PREFIX = re.compile(r"\.\./|\./|~/|/(?=" + _PATH_CHAR + '|")')
_URL = re.compile(
    r"(https?)://([A-Za-z0-9\-._~%!$&'*+;=:@\[\]]*)"
    r"((?:/[A-Za-z0-9\-._~%!$&'*+;=:@]*)*)(?:\?([A-Za-z0-9\-._~%!$&'*+;=:@/?]*))?"
)
_ENV_BASH = re.compile(r"env:([A-Za-z_][A-Za-z0-9_]*)")
_ENV_POSIX = re.compile(r'env:"((?:\\["\\abfnrtv]|[\x20\x21\x23-\x3c\x3e-\x5b\x5d-\x7e])+)"')
_HASH = re.compile(r"sha256:([0-9A-Fa-f]{64})")
_SHEBANG = re.compile(r"#![^\n]*\n")
_ESCAPES = {
    **{'"': '"', "$": "$", "\\": "\\", "/": "/"},
    **{"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"},
}
_POSIX_ESCAPES = {
    **{'"': '"', "\\": "\\"},
    **{"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"},
}
_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _forbidden_characters() -> re.Pattern[str]:
    """Characters the grammar never admits: controls, lone CR, surrogates, non-characters."""
    planes = "".join(f"\\U{p:04x}fffe\\U{p:04x}ffff" for p in range(1, 17))
    return re.compile(
        "[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff" + planes + "]|\r(?!\n)"
    )


_FORBIDDEN = _forbidden_characters()


def _first_forbidden(text: str) -> re.Match[str] | None:
    """The first character the grammar never admits, if any.

    The pattern's character class (with a range per Unicode plane) costs
    about 0.15 µs per character; the set of distinct characters costs a
    tenth of that, and almost every file is then found clean by checking
    that handful. A file with a carriage return (allowed before a line
    feed only) or a bad character is searched in full, to find the place.
    """
    distinct = "".join(set(text))
    if "\r" not in distinct and _FORBIDDEN.search(distinct) is None:
        return None
    return _FORBIDDEN.search(text)


def valid_codepoint(code: int) -> bool:
    """True when ``code`` may appear in Dhall text (no surrogates or non-characters)."""
    return code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF and code & 0xFFFE != 0xFFFE


def parse(text: str, source_name: str = "(input)") -> s.Expr:
    """Parse a complete Dhall file; raise ``DhallParseError`` on malformed input."""
    parser = _Parser(text, source_name)
    try:
        return parser.complete_file()
    except RecursionError:
        raise parser.fail("expression nested too deeply") from None


def parse_bytes(data: bytes, source_name: str = "(input)") -> s.Expr:
    """Parse UTF-8 encoded source (invalid UTF-8 is a parse error, as the grammar says)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DhallParseError(source_name, "", 0, f"invalid UTF-8: {error.reason}") from None
    return parse(text, source_name)


def parse_with_offsets(text: str, source_name: str) -> tuple[s.Expr, dict[int, tuple[s.Expr, int]]]:
    """Parse like :func:`parse`, also mapping ``id(node)`` to ``(node, start offset)``.

    Syntax nodes carry no positions (that keeps them small and their equality
    structural); this slower second parse is run only to place an error that
    the first one ran into (:mod:`rating.dhall.locate`). The map keeps every
    node alive, so its ids stay unique.
    """
    parser = _OffsetParser(text, source_name)
    try:
        return parser.complete_file(), parser.offsets
    except RecursionError:
        raise parser.fail("expression nested too deeply") from None


class _Parser:
    """One parse: the text, the cursor, and one method per grammar rule."""

    def __init__(self, text: str, source_name: str) -> None:
        self.text = text
        self.pos = 0
        self.source_name = source_name
        self.skipped = (-1, -1)
        """The last whitespace run skipped, ``(start, end)``: after an atom each
        enclosing rule looks past the same whitespace for its operator."""

    # -- low-level helpers -------------------------------------------------

    def fail(self, message: str, pos: int | None = None) -> DhallParseError:
        return DhallParseError(
            self.source_name, self.text, self.pos if pos is None else pos, message
        )

    def ws(self) -> bool:
        """Skip whitespace and comments; tell whether anything was skipped."""
        start = self.pos
        skipped = self.skipped
        if skipped[0] == start:
            self.pos = skipped[1]
            return skipped[1] != start
        text = self.text
        if text[start : start + 1] not in _WS_START:
            return False  # the common case, decided without a regex
        while True:
            self.pos = _WS.match(text, self.pos).end()
            if not text.startswith("{-", self.pos):
                self.skipped = (start, self.pos)
                return self.pos != start
            self.block_comment()

    def block_comment(self) -> None:
        depth = 0
        pos = self.pos
        while True:
            match = _BLOCK_PART.match(self.text, pos)
            if match is None:
                raise self.fail("unterminated block comment", self.pos)
            token = match.group()
            pos = match.end()
            if token == "{-":
                depth += 1
            elif token == "-}":
                depth -= 1
                if depth == 0:
                    self.pos = pos
                    return

    def ws1(self) -> None:
        if not self.ws():
            raise self.fail("expected whitespace")

    def peek(self, literal: str) -> bool:
        return self.text.startswith(literal, self.pos)

    def expect(self, literal: str) -> None:
        if not self.text.startswith(literal, self.pos):
            raise self.fail(f"expected {literal!r}")
        self.pos += len(literal)

    def keyword_here(self) -> str | None:
        """The keyword starting at the cursor (a whole simple label), if any."""
        if self.text[self.pos : self.pos + 1] not in _KEYWORD_START:
            return None  # most tokens: decided without a regex
        match = _LABEL.match(self.text, self.pos)
        if match is not None and match.group() in KEYWORDS:
            return match.group()
        return None

    def expect_keyword(self, keyword: str) -> None:
        if self.keyword_here() != keyword:
            raise self.fail(f"expected keyword {keyword!r}")
        self.pos += len(keyword)

    def label(self, allow_reserved: bool = True, allow_some: bool = False) -> str:
        """A label; bound variables may not shadow builtins unless quoted."""
        quoted = _QUOTED_LABEL.match(self.text, self.pos)
        if quoted is not None:
            self.pos = quoted.end()
            return quoted.group(1)
        match = _LABEL.match(self.text, self.pos)
        if match is None:
            raise self.fail("expected a label")
        name = match.group()
        if name in KEYWORDS and not (allow_some and name == "Some"):
            raise self.fail(f"keyword {name!r} cannot be used as a label")
        if not allow_reserved and name in RESERVED:
            raise self.fail(f"builtin {name!r} cannot be bound (quote it with backticks)")
        self.pos = match.end()
        return name

    def arrow(self) -> bool:
        match = _ARROW.match(self.text, self.pos)
        if match is None:
            return False
        self.pos = match.end()
        return True

    # -- expressions -------------------------------------------------------

    def complete_file(self) -> s.Expr:
        bad = _first_forbidden(self.text)
        if bad is not None:
            raise self.fail(f"character {bad.group()!r} is not allowed", bad.start())
        while (shebang := _SHEBANG.match(self.text, self.pos)) is not None:
            self.pos = shebang.end()
        self.ws()
        expr = self.expression()
        self.ws()
        if self.peek("--") and "\n" not in self.text[self.pos :]:
            self.pos = len(self.text)
        if self.pos != len(self.text):
            raise self.fail("unexpected input")
        return expr

    def expression(self) -> s.Expr:
        text, pos = self.text, self.pos
        char = text[pos] if pos < len(text) else ""
        alone = self.alone(char)
        if alone is not None:
            return alone
        if char in ("\\", "λ"):
            self.pos += 1
            return self.binder(s.Lam)
        keyword = self.keyword_here()
        if char == "∀" or keyword == "forall":
            self.pos += 1 if char == "∀" else 6
            return self.binder(s.Pi)
        if keyword == "if":
            return self.if_then_else()
        if keyword == "let":
            return self.let_in()
        if keyword == "assert":
            self.pos += 6
            self.ws()
            self.expect(":")
            self.ws1()
            return s.Assert(self.expression())
        if char == "[" and (empty := self.empty_list()) is not None:
            return empty
        head = self.operator_expression(0)
        after = self.pos
        self.ws()
        if self.arrow():
            self.ws()
            return s.Pi("_", head, self.expression())
        if after != self.pos and self.keyword_here() == "with":
            return self.with_expression(pos, after)
        if self.peek(":") and not self.peek("::"):
            self.pos += 1
            self.ws1()
            annot = self.expression()
            if keyword == "merge" and type(head) is s.Merge and head.annot is None:
                return s.Merge(head.handlers, head.union, annot)
            if keyword == "toMap" and type(head) is s.ToMap and head.annot is None:
                return s.ToMap(head.expr, annot)
            return s.Annot(head, annot)
        self.pos = after
        return head

    def alone(self, char: str) -> s.Expr | None:
        """A plain text literal or variable that is the whole expression, else None.

        Most field values of a catalog are one of these (``id = "…"``,
        ``seller = compute``); the rules between ``expression`` and
        ``primitive_expression`` would each look past it for their operator
        and find a separator or a closing bracket.
        """
        text, pos = self.text, self.pos
        if char == '"':
            match = _SIMPLE_TEXT.match(text, pos)
            if match is None:
                return None
            node: s.Expr = s.TextLit((), match.group(1))
        elif char.isalpha() or char == "_":
            match = _LABEL.match(text, pos)
            if match is None:
                return None
            name = match.group()
            if name in KEYWORDS or name in RESERVED:
                return None
            node = s.Var(name, 0)
        else:
            return None
        self.pos = match.end()
        self.ws()
        if text[self.pos : self.pos + 1] in _ENDS_EXPRESSION:
            self.pos = match.end()
            return node
        self.pos = pos
        return None

    def binder(self, node: type[s.Lam] | type[s.Pi]) -> s.Expr:
        self.ws()
        self.expect("(")
        self.ws()
        name = self.label(allow_reserved=False)
        self.ws()
        self.expect(":")
        self.ws1()
        domain = self.expression()
        self.ws()
        self.expect(")")
        self.ws()
        if not self.arrow():
            raise self.fail("expected '→'")
        self.ws()
        return node(name, domain, self.expression())

    def if_then_else(self) -> s.Expr:
        self.pos += 2
        self.ws1()
        cond = self.expression()
        self.ws()
        self.expect_keyword("then")
        self.ws1()
        then = self.expression()
        self.ws()
        self.expect_keyword("else")
        self.ws1()
        return s.If(cond, then, self.expression())

    def let_in(self) -> s.Expr:
        bindings = []
        while self.keyword_here() == "let":
            self.pos += 3
            self.ws1()
            name = self.label(allow_reserved=False)
            self.ws()
            annot = None
            if self.peek(":"):
                self.pos += 1
                self.ws1()
                annot = self.expression()
                self.ws()
            self.expect("=")
            self.ws()
            value = self.expression()
            self.ws1()
            bindings.append((name, annot, value))
        self.expect_keyword("in")
        self.ws1()
        body = self.expression()
        for name, annot, value in reversed(bindings):
            body = s.Let(name, annot, value, body)
        return body

    def empty_list(self) -> s.Expr | None:
        """``[ ] : T`` if it is here; otherwise rewind and return None."""
        start = self.pos
        self.pos += 1
        self.ws()
        if self.peek(","):
            self.pos += 1
            self.ws()
        if not self.peek("]"):
            self.pos = start
            return None
        self.pos += 1
        self.ws()
        self.expect(":")
        self.ws1()
        return s.EmptyList(self.expression())

    def with_expression(self, start: int, end: int) -> s.Expr:
        """``e with a.b = v with …``; ``e`` must be a bare import-expression."""
        self.pos = start
        expr = self.import_expression()
        if self.pos != end:
            raise self.fail("the left side of 'with' must be parenthesized", start)
        while True:
            self.ws1()
            self.expect_keyword("with")
            self.ws1()
            path = [self.with_component()]
            self.ws()
            while self.peek("."):
                self.pos += 1
                self.ws()
                path.append(self.with_component())
                self.ws()
            self.expect("=")
            self.ws()
            expr = s.With(expr, tuple(path), self.operator_expression(0))
            after = self.pos
            self.ws()
            if after == self.pos or self.keyword_here() != "with":
                self.pos = after
                return expr
            self.pos = after

    def with_component(self) -> str | None:
        if self.peek("?"):
            self.pos += 1
            return None
        return self.label(allow_some=True)

    def operator_expression(self, min_precedence: int) -> s.Expr:
        """Precedence climbing over the left-associative binary operators."""
        left = self.application_expression()
        text = self.text
        while True:
            before = self.pos
            self.ws()
            match = _OPERATOR.match(text, self.pos)
            if match is None:
                self.pos = before
                return left
            op, precedence = _OPERATORS[match.group()]
            if precedence < min_precedence:
                self.pos = before
                return left
            self.pos = match.end()
            if not self.ws() and op in _NEEDS_SPACE_AFTER:
                self.pos = before
                return left
            left = s.Op(op, left, self.operator_expression(precedence + 1))

    def application_expression(self) -> s.Expr:
        keyword = self.keyword_here()
        if keyword == "merge":
            self.pos += 5
            self.ws1()
            handlers = self.import_expression()
            self.ws1()
            expr: s.Expr = s.Merge(handlers, self.import_expression(), None)
        elif keyword in ("Some", "toMap", "showConstructor"):
            self.pos += len(keyword)
            self.ws1()
            arg = self.import_expression()
            if keyword == "Some":
                expr = s.Some(arg)
            elif keyword == "toMap":
                expr = s.ToMap(arg, None)
            else:
                expr = s.ShowConstructor(arg)
        else:
            expr = self.import_expression()
        while True:
            before = self.pos
            if not self.ws() or not self.starts_argument():
                self.pos = before
                return expr
            expr = s.App(expr, self.import_expression())

    def starts_argument(self) -> bool:
        """Whether an import-expression (an application argument) starts here."""
        text, pos = self.text, self.pos
        if pos >= len(text):
            return False
        char = text[pos]
        if char in _NOT_ARGUMENT:
            return False  # what usually follows an argument: a separator, a bracket
        if char in '0123456789"{<[(`~' or text.startswith("''", pos):
            return True
        if char in "+-":
            return text[pos + 1 : pos + 2].isdigit() or text.startswith("Infinity", pos + 1)
        if char in "./":
            return _LOCAL_PREFIX.match(text, pos) is not None
        keyword = self.keyword_here()
        if keyword is not None:
            return keyword in ("missing", "Infinity", "NaN")
        return _LABEL.match(text, pos) is not None

    def import_expression(self) -> s.Expr:
        imported = self.import_()
        if imported is not None:
            return imported
        expr = self.selector_expression()
        before = self.pos
        self.ws()
        if self.peek("::"):
            self.pos += 2
            self.ws()
            return s.Op(s.COMPLETION, expr, self.selector_expression())
        self.pos = before
        return expr

    def selector_expression(self) -> s.Expr:
        expr = self.primitive_expression()
        while True:
            before = self.pos
            self.ws()
            if not self.peek("."):
                self.pos = before
                return expr
            self.pos += 1
            self.ws()
            if self.peek("{"):
                expr = s.Project(expr, self.labels())
            elif self.peek("("):
                self.pos += 1
                self.ws()
                annot = self.expression()
                self.ws()
                self.expect(")")
                expr = s.ProjectType(expr, annot)
            elif _LABEL.match(self.text, self.pos) or self.peek("`"):
                expr = s.Field(expr, self.label(allow_some=True))
            else:
                self.pos = before
                return expr

    def labels(self) -> tuple[str, ...]:
        self.pos += 1
        self.ws()
        if self.peek(","):
            self.pos += 1
            self.ws()
        names: list[str] = []
        while not self.peek("}"):
            if names:
                self.expect(",")
                self.ws()
                if self.peek("}"):
                    break
            names.append(self.label(allow_some=True))
            self.ws()
        self.pos += 1
        return tuple(names)

    # -- primitive expressions ---------------------------------------------

    def primitive_expression(self) -> s.Expr:
        text, pos = self.text, self.pos
        if pos >= len(text):
            raise self.fail("unexpected end of input")
        char = text[pos]
        if char.isdigit() or char in "+-":
            return self.number()
        if char == '"':
            self.pos += 1
            return self.double_quoted()
        if text.startswith("''", pos):
            return self.single_quoted()
        if char == "{":
            return self.record()
        if char == "<":
            return self.union()
        if char == "[":
            return self.list_literal()
        if char == "(":
            self.pos += 1
            self.ws()
            expr = self.expression()
            self.ws()
            self.expect(")")
            return expr
        return self.identifier()

    def identifier(self) -> s.Expr:
        keyword = self.keyword_here()
        if keyword in ("Infinity", "NaN"):
            self.pos += len(keyword)
            return s.DoubleLit(float("inf") if keyword == "Infinity" else float("nan"))
        quoted = self.peek("`")
        if not quoted and _LABEL.match(self.text, self.pos) is None:
            raise self.fail("expected expression")
        name = self.label()
        if not quoted and name in RESERVED:
            after = self.pos
            self.ws()
            if self.peek("@"):
                raise self.fail(f"builtin {name!r} cannot have an index")
            self.pos = after
            if name in s.CONSTANTS:
                return s.Const(name)
            if name in ("True", "False"):
                return s.BoolLit(name == "True")
            return s.Builtin(name)
        after = self.pos
        self.ws()
        if self.peek("@"):
            self.pos += 1
            self.ws()
            match = _NATURAL.match(self.text, self.pos)
            if match is None:
                raise self.fail("index expected after '@'")
            self.pos = match.end()
            return s.Var(name, _natural_value(match.group()))
        self.pos = after
        return s.Var(name, 0)

    def number(self) -> s.Expr:
        text, pos = self.text, self.pos
        for matcher in (self.temporal, self.bytes_literal):
            expr = matcher()
            if expr is not None:
                return expr
        match = _DOUBLE.match(text, pos)
        if match is not None:
            value = float(match.group())
            if value in (float("inf"), float("-inf")):
                raise self.fail("Double literal out of range")
            self.pos = match.end()
            return s.DoubleLit(value)
        sign = text[pos] if text[pos] in "+-" else ""
        if sign and text.startswith("Infinity", pos + 1):
            self.pos += 9
            return s.DoubleLit(float(sign + "inf"))
        match = _NATURAL.match(text, pos + len(sign))
        if match is None:
            raise self.fail("expected a number")
        try:
            value = _natural_value(match.group())
        except ValueError:  # Python's cap on decimal digits: a catalog needs no such number
            limit = sys.get_int_max_str_digits()
            raise self.fail(f"number literal longer than {limit} digits") from None
        self.pos = match.end()
        if not sign:
            return s.NaturalLit(value)
        return s.IntegerLit(-value if sign == "-" else value)

    def bytes_literal(self) -> s.Expr | None:
        if not self.peek('0x"'):
            return None
        match = _BYTES.match(self.text, self.pos)
        if match is None:
            raise self.fail("bytes literal needs an even number of hexadecimal digits")
        self.pos = match.end()
        return s.BytesLit(bytes.fromhex(match.group(1)))

    def temporal(self) -> s.Expr | None:
        text, pos = self.text, self.pos
        match = _DATE_TIME.match(text, pos)
        if match is not None:
            year, month, day, hour, minute, second, fraction, offset = match.groups()
            date = self.date(pos, year, month, day)
            self.pos = match.end()
            if hour is None:
                return date
            fields = {"date": date, "time": self.time(pos, hour, minute, second, fraction)}
            if offset is not None:
                fields["timeZone"] = self.zone(pos, offset)
            return s.RecordLit(fields)
        match = _TIME_OFFSET.match(text, pos)
        if match is not None:
            hour, minute, second, fraction, offset = match.groups()
            time = self.time(pos, hour, minute, second, fraction)
            self.pos = match.end()
            if offset is None:
                return time
            return s.RecordLit({"time": time, "timeZone": self.zone(pos, offset)})
        match = _NUM_OFFSET.match(text, pos)
        if match is not None:
            self.pos = match.end()
            return self.zone(pos, match.group())
        return None

    def date(self, pos: int, year: str, month: str, day: str) -> s.DateLit:
        y, m, d = int(year), int(month), int(day)
        leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
        if not 1 <= m <= 12 or not 1 <= d <= _DAYS[m - 1] or (m == 2 and d == 29 and not leap):
            raise self.fail("invalid date", pos)
        return s.DateLit(y, m, d)

    def time(self, pos: int, hour: str, minute: str, second: str, fraction: str | None) -> s.Expr:
        h, m, sec = int(hour), int(minute), int(second)
        if h > 23 or m > 59 or sec > 59:
            raise self.fail("invalid time", pos)
        digits = fraction or ""
        if len(digits) >= sys.get_int_max_str_digits():  # the cap on int(); no clock is that fine
            raise self.fail("time literal with too many fractional digits", pos)
        return s.TimeLit(h, m, int(second + digits), len(digits))

    def zone(self, pos: int, offset: str) -> s.TimeZoneLit:
        if offset in ("Z", "z"):
            return s.TimeZoneLit(0)
        hours, minutes = int(offset[1:3]), int(offset[4:6])
        if hours > 23 or minutes > 59:
            raise self.fail("invalid time zone", pos)
        total = hours * 60 + minutes
        return s.TimeZoneLit(-total if offset[0] == "-" else total)

    def double_quoted(self) -> s.Expr:
        parts: list[str | s.Expr] = []
        text = self.text
        while True:
            match = _DQ_PLAIN.match(text, self.pos)
            if match is not None:
                parts.append(match.group())
                self.pos = match.end()
            if self.pos >= len(text):
                raise self.fail("unterminated text literal")
            char = text[self.pos]
            if char == '"':
                self.pos += 1
                return _text_literal(parts)
            if char == "\\":
                parts.append(self.escape())
            elif text.startswith("${", self.pos):
                parts.append(self.interpolation())
            elif char == "$":
                parts.append("$")
                self.pos += 1
            else:
                raise self.fail("character not allowed in a text literal")

    def escape(self) -> str:
        char = self.text[self.pos + 1 : self.pos + 2]
        if char in _ESCAPES:
            self.pos += 2
            return _ESCAPES[char]
        if char != "u":
            raise self.fail("invalid escape sequence")
        start = self.pos
        if self.peek("\\u{"):
            end = self.text.find("}", self.pos)
            digits = self.text[self.pos + 3 : end] if end > 0 else ""
            self.pos = end + 1
        else:
            digits = self.text[self.pos + 2 : self.pos + 6]
            self.pos += 6
            if len(digits) != 4:
                digits = ""
        if not digits or len(digits.lstrip("0")) > 6 or not re.fullmatch("[0-9A-Fa-f]+", digits):
            raise self.fail("invalid unicode escape", start)
        code = int(digits, 16)
        if not valid_codepoint(code):
            raise self.fail("escape is not a valid Unicode scalar value", start)
        return chr(code)

    def interpolation(self) -> s.Expr:
        self.pos += 2
        self.ws()
        expr = self.expression()
        self.ws()
        self.expect("}")
        return expr

    def single_quoted(self) -> s.Expr:
        self.pos += 2
        if self.peek("\r\n"):
            self.pos += 2
        elif self.peek("\n"):
            self.pos += 1
        else:
            raise self.fail("a multi-line literal must start with a newline after ''")
        text = self.text
        lines: list[list[str | s.Expr]] = [[]]
        while True:
            match = _SQ_PLAIN.match(text, self.pos)
            if match is not None:
                lines[-1].append(match.group())
                self.pos = match.end()
            pos = self.pos
            if pos >= len(text):
                raise self.fail("unterminated multi-line literal")
            if text.startswith("'''", pos):
                lines[-1].append("''")
                self.pos += 3
            elif text.startswith("''${", pos):
                lines[-1].append("${")
                self.pos += 4
            elif text.startswith("''", pos):
                self.pos += 2
                return _text_literal(_dedent(lines))
            elif text.startswith("${", pos):
                lines[-1].append(self.interpolation())
            elif text.startswith("\r\n", pos) or text[pos] == "\n":
                self.pos += 2 if text[pos] == "\r" else 1
                lines.append([])
            else:
                lines[-1].append(text[pos])
                self.pos += 1

    def record(self) -> s.Expr:
        self.pos += 1
        self.ws()
        if self.peek(","):
            self.pos += 1
            self.ws()
        if self.peek("}"):
            self.pos += 1
            return s.RecordType({})
        if self.peek("="):
            self.pos += 1
            self.ws()
            if self.peek(","):
                self.pos += 1
                self.ws()
            self.expect("}")
            return s.RecordLit({})
        first = self.label(allow_some=True)
        self.ws()
        if self.peek(":") and not self.peek("::"):
            return self.record_type(first)
        return self.record_literal(first)

    def record_type(self, name: str) -> s.Expr:
        fields: dict[str, s.Expr] = {}
        while True:
            start = self.pos
            self.expect(":")
            self.ws1()
            if name in fields:
                raise self.fail(f"duplicate field {name!r} in record type", start)
            fields[name] = self.expression()
            if self.separator_then_end(","):
                return s.RecordType(fields)
            name = self.label(allow_some=True)
            self.ws()

    def record_literal(self, name: str) -> s.Expr:
        fields: dict[str, s.Expr] = {}
        while True:
            path = [name]
            while self.peek("."):
                self.pos += 1
                self.ws()
                path.append(self.label(allow_some=True))
                self.ws()
            if self.peek("="):
                self.pos += 1
                self.ws()
                value = self.expression()
            elif len(path) == 1:
                value = s.Var(name, 0)
            else:
                raise self.fail("expected '='")
            for key in reversed(path[1:]):
                value = s.RecordLit({key: value})
            old = fields.get(name)
            fields[name] = value if old is None else s.Op(s.COMBINE, old, value)
            if self.separator_then_end(","):
                return s.RecordLit(fields)
            name = self.label(allow_some=True)
            self.ws()

    def separator_then_end(self, separator: str) -> bool:
        """After an entry: consume ``sep`` or the closing bracket; True at the end."""
        self.ws()
        closing = "}" if separator == "," else ">"
        if self.peek(closing):
            self.pos += 1
            return True
        self.expect(separator)
        self.ws()
        if self.peek(closing):
            self.pos += 1
            return True
        return False

    def union(self) -> s.Expr:
        self.pos += 1
        self.ws()
        if self.peek("|"):
            self.pos += 1
            self.ws()
        alternatives: dict[str, s.Expr | None] = {}
        if self.peek(">"):
            self.pos += 1
            return s.UnionType(alternatives)
        while True:
            start = self.pos
            name = self.label(allow_some=True)
            if name in alternatives:
                raise self.fail(f"duplicate alternative {name!r} in union type", start)
            after = self.pos
            self.ws()
            if self.peek(":"):
                self.pos += 1
                self.ws1()
                alternatives[name] = self.expression()
            else:
                self.pos = after
                alternatives[name] = None
            if self.separator_then_end("|"):
                return s.UnionType(alternatives)

    def list_literal(self) -> s.Expr:
        self.pos += 1
        self.ws()
        if self.peek(","):
            self.pos += 1
            self.ws()
        if self.peek("]"):
            raise self.fail("an empty list needs a type annotation: [] : List T")
        items = []
        while True:
            items.append(self.expression())
            self.ws()
            if self.peek("]"):
                self.pos += 1
                return s.ListLit(tuple(items))
            self.expect(",")
            self.ws()
            if self.peek("]"):
                self.pos += 1
                return s.ListLit(tuple(items))

    # -- imports -----------------------------------------------------------

    def import_(self) -> s.Expr | None:
        """An import with its optional hash and ``as`` mode, or None if none is here."""
        target = self.import_target()
        if target is None:
            return None
        kind, path, authority, query, headers = target
        digest = None
        before = self.pos
        if self.ws() and self.peek("sha256:"):
            match = _HASH.match(self.text, self.pos)
            if match is None:
                raise self.fail("sha256 hash must be 64 hexadecimal digits")
            digest = bytes.fromhex(match.group(1))
            self.pos = match.end()
            before = self.pos
        self.pos = before
        mode = s.CODE
        if self.ws() and self.keyword_here() == "as":
            self.pos += 2
            self.ws1()
            word = _LABEL.match(self.text, self.pos)
            modes = {"Text": s.RAW_TEXT, "Location": s.LOCATION, "Bytes": s.RAW_BYTES}
            if word is None or word.group() not in modes:
                raise self.fail("expected Text, Location or Bytes after 'as'")
            mode = modes[word.group()]
            self.pos = word.end()
        else:
            self.pos = before
        return s.Import(kind, path, mode, digest, authority, query, headers)

    def import_target(
        self,
    ) -> tuple[int, tuple[str, ...], str | None, str | None, s.Expr | None] | None:
        text, pos = self.text, self.pos
        if text[pos : pos + 1] not in _IMPORT_START:
            return None  # most expressions: decided without a regex
        if self.keyword_here() == "missing":
            self.pos += 7
            return s.MISSING, (), None, None, None
        prefix = _LOCAL_PREFIX.match(text, pos)
        if prefix is not None:
            kinds = {"../": s.PARENT, "./": s.HERE, "~/": s.HOME}
            kind = kinds.get(prefix.group(), s.ABSOLUTE)
            self.pos = pos + len(prefix.group()) - 1
            components = []
            while (component := _PATH_COMPONENT.match(text, self.pos)) is not None:
                components.append(component.group(1) or component.group(2))
                self.pos = component.end()
            if not components:
                raise self.fail("expected a path component")
            return kind, tuple(components), None, None, None
        if text.startswith("env:", pos):
            match = _ENV_BASH.match(text, pos) or _ENV_POSIX.match(text, pos)
            if match is None:
                raise self.fail("expected an environment variable name")
            self.pos = match.end()
            name = re.sub(r"\\(.)", lambda m: _POSIX_ESCAPES[m.group(1)], match.group(1))
            return s.ENV, (name,), None, None, None
        if text.startswith(("http://", "https://"), pos):
            return self.url()
        return None

    def url(self) -> tuple[int, tuple[str, ...], str | None, str | None, s.Expr | None]:
        match = _URL.match(self.text, self.pos)
        assert match is not None  # the scheme was already seen, the rest may be empty
        scheme, authority, path, query = match.groups()
        self.pos = match.end()
        components = tuple(path.split("/")[1:]) if path else ("",)
        headers = None
        before = self.pos
        if self.ws() and self.keyword_here() == "using":
            self.pos += 5
            self.ws1()
            headers = self.import_expression()
        else:
            self.pos = before
        kind = s.HTTPS if scheme == "https" else s.HTTP
        return kind, components, authority, query, headers


class _OffsetParser(_Parser):
    """A parser that records where each expression rule's result starts.

    A node returned through several rules keeps its innermost (first) record;
    the inner links of an operator or application chain share their start
    with the outermost link, which is recorded.
    """

    def __init__(self, text: str, source_name: str) -> None:
        super().__init__(text, source_name)
        self.offsets: dict[int, tuple[s.Expr, int]] = {}

    def _recorded(self, rule: Callable[[], s.Expr]) -> s.Expr:
        start = self.pos
        node = rule()
        self.offsets.setdefault(id(node), (node, start))
        return node

    def expression(self) -> s.Expr:
        return self._recorded(super().expression)

    def operator_expression(self, min_precedence: int) -> s.Expr:
        return self._recorded(
            lambda: super(_OffsetParser, self).operator_expression(min_precedence)
        )

    def application_expression(self) -> s.Expr:
        return self._recorded(super().application_expression)

    def import_expression(self) -> s.Expr:
        return self._recorded(super().import_expression)

    def selector_expression(self) -> s.Expr:
        return self._recorded(super().selector_expression)

    def primitive_expression(self) -> s.Expr:
        return self._recorded(super().primitive_expression)


def _natural_value(token: str) -> int:
    if token.startswith("0x"):
        return int(token[2:], 16)
    if token.startswith("0b"):
        return int(token[2:], 2)
    return int(token)


def _text_literal(parts: list[str | s.Expr]) -> s.TextLit:
    """Group alternating strings and interpolations into a ``TextLit``."""
    chunks: list[tuple[str, s.Expr]] = []
    pending: list[str] = []
    for part in parts:
        if isinstance(part, str):
            pending.append(part)
        else:
            chunks.append(("".join(pending), part))
            pending = []
    return s.TextLit(tuple(chunks), "".join(pending))


def _dedent(lines: list[list[str | s.Expr]]) -> list[str | s.Expr]:
    """Strip the common indentation of a multi-line literal (multiline.md).

    Empty lines do not count towards the indentation, except the last one
    (the line of the closing quotes); an interpolation ends the indentation.
    """
    merged_lines = [_merge_strings(line) for line in lines]
    last = len(merged_lines) - 1
    common: str | None = None
    for index, line in enumerate(merged_lines):
        if not line and index != last:
            continue
        first = line[0] if line else ""
        indent = first[: len(first) - len(first.lstrip(" \t"))] if isinstance(first, str) else ""
        if common is None:
            common = indent
        else:
            size = 0
            while size < min(len(common), len(indent)) and common[size] == indent[size]:
                size += 1
            common = common[:size]
    strip = len(common or "")
    out: list[str | s.Expr] = []
    for index, line in enumerate(merged_lines):
        if index:
            out.append("\n")
        if line and isinstance(line[0], str):
            line[0] = line[0][strip:]
        out.extend(line)
    return out


def _merge_strings(line: list[str | s.Expr]) -> list[str | s.Expr]:
    """Join adjacent string pieces so the indentation is one leading string."""
    merged: list[str | s.Expr] = []
    for part in line:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] = merged[-1] + part
        else:
            merged.append(part)
    return merged
