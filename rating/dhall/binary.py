"""Dhall's CBOR binary encoding (standard/binary.md) and the semantic hash.

The codec is written here rather than taken from a CBOR library because
Dhall pins details that general libraries choose differently: record maps
keep Dhall's code-point key order (canonical CBOR sorts by length first),
doubles use the shortest of half/single/double precision, and decoding must
see the exact CBOR shape (a bignum where an int fits is still accepted, but
an unknown tag or opcode is an error). It writes straight into one bytearray.
"""

from __future__ import annotations

import hashlib
import math
import struct
from collections.abc import Callable
from typing import Any

from rating.dhall import syntax as s
from rating.dhall.errors import DhallDecodeError

_UINT64 = 1 << 64


# -- CBOR writer -----------------------------------------------------------


class _Writer:
    """Appends CBOR items for Dhall expressions to one ``bytearray``."""

    def __init__(self) -> None:
        self.out = bytearray()

    def head(self, major: int, value: int) -> None:
        major <<= 5
        if value < 24:
            self.out.append(major | value)
        elif value < 0x100:
            self.out += bytes((major | 24, value))
        elif value < 0x10000:
            self.out.append(major | 25)
            self.out += value.to_bytes(2, "big")
        elif value < 0x100000000:
            self.out.append(major | 26)
            self.out += value.to_bytes(4, "big")
        else:
            self.out.append(major | 27)
            self.out += value.to_bytes(8, "big")

    def int(self, value: int) -> None:
        if 0 <= value < _UINT64:
            self.head(0, value)
        elif -_UINT64 <= value < 0:
            self.head(1, -1 - value)
        else:
            magnitude = value if value >= 0 else -1 - value
            self.out.append(0xC2 if value >= 0 else 0xC3)
            payload = magnitude.to_bytes((magnitude.bit_length() + 7) // 8, "big")
            self.head(2, len(payload))
            self.out += payload

    def text(self, value: str) -> None:
        data = value.encode("utf-8")
        self.head(3, len(data))
        self.out += data

    def array(self, length: int) -> None:
        self.head(4, length)

    def null(self) -> None:
        self.out.append(0xF6)

    def double(self, value: float) -> None:
        if math.isnan(value):
            self.out += b"\xf9\x7e\x00"
            return
        for code, fmt in ((0xF9, ">e"), (0xFA, ">f")):
            try:
                packed = struct.pack(fmt, value)
            except OverflowError:
                continue
            if struct.unpack(fmt, packed)[0] == value:
                self.out.append(code)
                self.out += packed
                return
        self.out.append(0xFB)
        self.out += struct.pack(">d", value)

    def expr(self, e: s.Expr) -> None:
        _ENCODERS[type(e)](self, e)

    def label_array(self, label: int, *items: s.Expr) -> None:
        self.array(len(items) + 1)
        self.head(0, label)
        for item in items:
            self.expr(item)

    def field_map(self, fields: dict[str, s.Expr | None]) -> None:
        self.head(5, len(fields))
        for key in sorted(fields):
            self.text(key)
            value = fields[key]
            if value is None:
                self.null()
            else:
                self.expr(value)


def _enc_var(w: _Writer, e: s.Var) -> None:
    if e.name == "_":
        w.int(e.index)
    else:
        w.array(2)
        w.text(e.name)
        w.int(e.index)


def _enc_app(w: _Writer, e: s.App) -> None:
    args = []
    fn: s.Expr = e
    while type(fn) is s.App:
        args.append(fn.arg)
        fn = fn.fn
    w.label_array(0, fn, *reversed(args))


def _enc_binder(label: int, body_attribute: str) -> Callable[[_Writer, Any], None]:
    def encode(w: _Writer, e: Any) -> None:
        body = getattr(e, body_attribute)
        if e.name == "_":
            w.label_array(label, e.domain, body)
        else:
            w.array(4)
            w.head(0, label)
            w.text(e.name)
            w.expr(e.domain)
            w.expr(body)

    return encode


def _enc_op(w: _Writer, e: s.Op) -> None:
    w.array(4)
    w.head(0, 3)
    w.head(0, e.op)
    w.expr(e.left)
    w.expr(e.right)


def _enc_empty_list(w: _Writer, e: s.EmptyList) -> None:
    annot = e.annot
    if type(annot) is s.App and annot.fn == s.Builtin("List"):
        w.label_array(4, annot.arg)
    else:
        w.label_array(28, annot)


def _enc_list(w: _Writer, e: s.ListLit) -> None:
    w.array(len(e.items) + 2)
    w.head(0, 4)
    w.null()
    for item in e.items:
        w.expr(item)


def _enc_some(w: _Writer, e: s.Some) -> None:
    w.array(3)
    w.head(0, 5)
    w.null()
    w.expr(e.expr)


def _enc_optional_annot(label: int, *names: str) -> Callable[[_Writer, Any], None]:
    """Nodes whose last element (the annotation) is omitted when absent."""

    def encode(w: _Writer, e: Any) -> None:
        items = [getattr(e, name) for name in names]
        if e.annot is not None:
            items.append(e.annot)
        w.label_array(label, *items)

    return encode


def _enc_fields(label: int, attribute: str) -> Callable[[_Writer, Any], None]:
    def encode(w: _Writer, e: Any) -> None:
        w.array(2)
        w.head(0, label)
        w.field_map(getattr(e, attribute))

    return encode


def _enc_field(w: _Writer, e: s.Field) -> None:
    w.array(3)
    w.head(0, 9)
    w.expr(e.expr)
    w.text(e.name)


def _enc_project(w: _Writer, e: s.Project) -> None:
    w.array(len(e.names) + 2)
    w.head(0, 10)
    w.expr(e.expr)
    for name in e.names:
        w.text(name)


def _enc_project_type(w: _Writer, e: s.ProjectType) -> None:
    w.array(3)
    w.head(0, 10)
    w.expr(e.expr)
    w.array(1)
    w.expr(e.annot)


def _enc_text(w: _Writer, e: s.TextLit) -> None:
    w.array(2 * len(e.chunks) + 2)
    w.head(0, 18)
    for prefix, expr in e.chunks:
        w.text(prefix)
        w.expr(expr)
    w.text(e.suffix)


def _enc_let(w: _Writer, e: s.Let) -> None:
    bindings = []
    body: s.Expr = e
    while type(body) is s.Let:
        bindings.append(body)
        body = body.body
    w.array(3 * len(bindings) + 2)
    w.head(0, 25)
    for binding in bindings:
        w.text(binding.name)
        if binding.annot is None:
            w.null()
        else:
            w.expr(binding.annot)
        w.expr(binding.value)
    w.expr(body)


def _enc_with(w: _Writer, e: s.With) -> None:
    w.array(4)
    w.head(0, 29)
    w.expr(e.expr)
    w.array(len(e.path))
    for step in e.path:
        if step is None:
            w.head(0, 0)
        else:
            w.text(step)
    w.expr(e.value)


def _enc_time(w: _Writer, e: s.TimeLit) -> None:
    w.array(4)
    w.head(0, 31)
    w.int(e.hour)
    w.int(e.minute)
    w.out.append(0xC4)
    w.array(2)
    w.int(-e.precision)
    w.int(e.seconds_scaled)


def _enc_zone(w: _Writer, e: s.TimeZoneLit) -> None:
    w.array(4)
    w.head(0, 32)
    w.out.append(0xF5 if e.minutes >= 0 else 0xF4)
    w.int(abs(e.minutes) // 60)
    w.int(abs(e.minutes) % 60)


def _enc_import(w: _Writer, e: s.Import) -> None:
    items: list[Any] = [e.kind]
    if e.kind in (s.HTTP, s.HTTPS):
        items += [e.headers, e.authority, *e.path, e.query]
    else:
        items += list(e.path)
    w.array(len(items) + 3)
    w.head(0, 24)
    if e.digest is None:
        w.null()
    else:
        payload = b"\x12\x20" + e.digest
        w.head(2, len(payload))
        w.out += payload
    w.head(0, e.mode)
    for item in items:
        if item is None:
            w.null()
        elif isinstance(item, str):
            w.text(item)
        elif isinstance(item, int):
            w.head(0, item)
        else:
            w.expr(item)


def _enc_simple(label: int, *names: str) -> Callable[[_Writer, Any], None]:
    def encode(w: _Writer, e: Any) -> None:
        w.array(len(names) + 1)
        w.head(0, label)
        for name in names:
            value = getattr(e, name)
            if isinstance(value, s.Expr):
                w.expr(value)
            else:
                w.int(value)

    return encode


def _enc_bytes(w: _Writer, e: s.BytesLit) -> None:
    w.array(2)
    w.head(0, 33)
    w.head(2, len(e.value))
    w.out += e.value


_ENCODERS: dict[type, Callable[[_Writer, Any], None]] = {
    s.Var: _enc_var,
    s.Const: lambda w, e: w.text(e.name),
    s.Builtin: lambda w, e: w.text(e.name),
    s.BoolLit: lambda w, e: w.out.append(0xF5 if e.value else 0xF4),
    s.App: _enc_app,
    s.Lam: _enc_binder(1, "body"),
    s.Pi: _enc_binder(2, "codomain"),
    s.Op: _enc_op,
    s.EmptyList: _enc_empty_list,
    s.ListLit: _enc_list,
    s.Some: _enc_some,
    s.Merge: _enc_optional_annot(6, "handlers", "union"),
    s.RecordType: _enc_fields(7, "fields"),
    s.RecordLit: _enc_fields(8, "fields"),
    s.Field: _enc_field,
    s.Project: _enc_project,
    s.ProjectType: _enc_project_type,
    s.UnionType: _enc_fields(11, "alternatives"),
    s.If: _enc_simple(14, "cond", "then", "else_"),
    s.NaturalLit: _enc_simple(15, "value"),
    s.IntegerLit: _enc_simple(16, "value"),
    s.DoubleLit: lambda w, e: w.double(e.value),
    s.TextLit: _enc_text,
    s.Assert: _enc_simple(19, "annot"),
    s.Import: _enc_import,
    s.Let: _enc_let,
    s.Annot: _enc_simple(26, "expr", "annot"),
    s.ToMap: _enc_optional_annot(27, "expr"),
    s.With: _enc_with,
    s.DateLit: _enc_simple(30, "year", "month", "day"),
    s.TimeLit: _enc_time,
    s.TimeZoneLit: _enc_zone,
    s.BytesLit: _enc_bytes,
    s.ShowConstructor: _enc_simple(34, "expr"),
}


def encode(expr: s.Expr) -> bytes:
    """The CBOR encoding of ``expr``."""
    writer = _Writer()
    writer.expr(expr)
    return bytes(writer.out)


def semantic_hash(normal_form: s.Expr) -> str:
    """``sha256:<hex>`` of an alpha-beta-normal expression, as in imports.md."""
    return "sha256:" + hashlib.sha256(encode(normal_form)).hexdigest()


# -- CBOR reader -----------------------------------------------------------


class _Tagged:
    """A CBOR tag other than the bignums (only tag 4, decimal fractions, is Dhall)."""

    __slots__ = ("tag", "value")

    def __init__(self, tag: int, value: Any) -> None:
        self.tag = tag
        self.value = value


class _Reader:
    """Reads generic CBOR items (lists, dicts, str, bytes, int, float, bool, None)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, size: int) -> bytes:
        end = self.pos + size
        if end > len(self.data):
            raise DhallDecodeError("truncated CBOR input")
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def argument(self, info: int) -> int:
        if info < 24:
            return info
        if info > 27:
            raise DhallDecodeError(f"unsupported CBOR additional information {info}")
        return int.from_bytes(self.take(1 << (info - 24)), "big")

    def item(self) -> Any:
        initial = self.take(1)[0]
        major, info = initial >> 5, initial & 31
        if major == 7:
            return self.simple(info)
        if info == 31:
            raise DhallDecodeError("indefinite-length CBOR items are not Dhall")
        value = self.argument(info)
        if major == 0:
            return value
        if major == 1:
            return -1 - value
        if major == 2:
            return self.take(value)
        if major == 3:
            try:
                return self.take(value).decode("utf-8")
            except UnicodeDecodeError:
                raise DhallDecodeError("invalid UTF-8 in CBOR text") from None
        if major == 4:
            return [self.item() for _ in range(value)]
        if major == 5:
            result = {}
            for _ in range(value):
                key = self.item()
                if not isinstance(key, str):
                    raise DhallDecodeError("CBOR map keys must be text")
                result[key] = self.item()
            return result
        content = self.item()
        if value in (2, 3) and isinstance(content, bytes):
            magnitude = int.from_bytes(content, "big")
            return magnitude if value == 2 else -1 - magnitude
        if value == 55799:
            return content
        return _Tagged(value, content)

    def simple(self, info: int) -> Any:
        if info == 20:
            return False
        if info == 21:
            return True
        if info == 22:
            return None
        formats = {25: ">e", 26: ">f", 27: ">d"}
        if info in formats:
            fmt = formats[info]
            return float(struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0])
        raise DhallDecodeError(f"unsupported CBOR simple value {info}")


def decode(data: bytes) -> s.Expr:
    """Decode a Dhall expression from its CBOR encoding."""
    reader = _Reader(data)
    item = reader.item()
    if reader.pos != len(data):
        raise DhallDecodeError("trailing bytes after the CBOR item")
    return _to_expr(item)


_STRING_BUILTINS = {name: s.Builtin(name) for name in s.BUILTINS} | {
    name: s.Const(name) for name in s.CONSTANTS
}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _label(value: Any) -> str:
    if not isinstance(value, str):
        raise DhallDecodeError(f"label expected, got {value!r}")
    return value


def _to_expr(item: Any) -> s.Expr:
    if isinstance(item, bool):
        return s.BoolLit(item)
    if _is_int(item):
        if item < 0:
            raise DhallDecodeError("variable index must be non-negative")
        return s.Var("_", item)
    if isinstance(item, float):
        return s.DoubleLit(item)
    if isinstance(item, str):
        builtin = _STRING_BUILTINS.get(item)
        if builtin is None:
            raise DhallDecodeError(f"unknown builtin {item!r}")
        return builtin
    if not isinstance(item, list) or not item:
        raise DhallDecodeError(f"not a Dhall expression: {item!r}")
    head = item[0]
    if isinstance(head, str):
        if len(item) != 2 or not _is_int(item[1]) or item[1] < 0:
            raise DhallDecodeError("malformed variable")
        if head == "_":
            raise DhallDecodeError("a variable named '_' must be encoded as a bare index")
        return s.Var(head, item[1])
    if not _is_int(head) or head not in _DECODERS:
        raise DhallDecodeError(f"unknown expression label {head!r}")
    try:
        return _DECODERS[head](item[1:])
    except (IndexError, TypeError, ValueError, KeyError, AttributeError):
        raise DhallDecodeError(f"malformed expression with label {head}") from None


def _dec_app(rest: list[Any]) -> s.Expr:
    if len(rest) < 2:
        raise DhallDecodeError("application without arguments")
    expr = _to_expr(rest[0])
    for arg in rest[1:]:
        expr = s.App(expr, _to_expr(arg))
    return expr


def _dec_binder(node: type[s.Lam] | type[s.Pi]) -> Callable[[list[Any]], s.Expr]:
    def decode(rest: list[Any]) -> s.Expr:
        if len(rest) == 2:
            return node("_", _to_expr(rest[0]), _to_expr(rest[1]))
        name = _label(rest[0])
        if name == "_" or len(rest) != 3:
            raise DhallDecodeError("malformed binder")
        return node(name, _to_expr(rest[1]), _to_expr(rest[2]))

    return decode


def _dec_op(rest: list[Any]) -> s.Expr:
    op = rest[0]
    if len(rest) != 3 or not _is_int(op) or not 0 <= op <= 13:
        raise DhallDecodeError("malformed operator")
    return s.Op(op, _to_expr(rest[1]), _to_expr(rest[2]))


def _dec_list(rest: list[Any]) -> s.Expr:
    if len(rest) == 1:
        return s.EmptyList(s.App(s.Builtin("List"), _to_expr(rest[0])))
    if rest[0] is not None or len(rest) < 2:
        raise DhallDecodeError("a non-empty list literal cannot carry a type")
    return s.ListLit(tuple(_to_expr(x) for x in rest[1:]))


def _dec_some(rest: list[Any]) -> s.Expr:
    if len(rest) != 2 or rest[0] is not None:
        raise DhallDecodeError("malformed Some")
    return s.Some(_to_expr(rest[1]))


def _optional(rest: list[Any], index: int) -> s.Expr | None:
    if len(rest) > index + 1:
        raise DhallDecodeError("too many elements")
    return _to_expr(rest[index]) if len(rest) > index else None


def _dec_fields(rest: list[Any]) -> dict[str, Any]:
    if len(rest) != 1 or not isinstance(rest[0], dict):
        raise DhallDecodeError("record or union map expected")
    return rest[0]


def _dec_project(rest: list[Any]) -> s.Expr:
    expr = _to_expr(rest[0])
    if len(rest) == 2 and isinstance(rest[1], list):
        if len(rest[1]) != 1:
            raise DhallDecodeError("malformed projection by type")
        return s.ProjectType(expr, _to_expr(rest[1][0]))
    return s.Project(expr, tuple(_label(x) for x in rest[1:]))


def _dec_union(rest: list[Any]) -> s.Expr:
    return s.UnionType(
        {k: None if v is None else _to_expr(v) for k, v in _dec_fields(rest).items()}
    )


def _dec_natural(rest: list[Any]) -> s.Expr:
    if len(rest) != 1 or not _is_int(rest[0]) or rest[0] < 0:
        raise DhallDecodeError("malformed Natural literal")
    return s.NaturalLit(rest[0])


def _dec_integer(rest: list[Any]) -> s.Expr:
    if len(rest) != 1 or not _is_int(rest[0]):
        raise DhallDecodeError("malformed Integer literal")
    return s.IntegerLit(rest[0])


def _dec_text(rest: list[Any]) -> s.Expr:
    if len(rest) % 2 != 1:
        raise DhallDecodeError("malformed text literal")
    chunks = tuple((_label(rest[i]), _to_expr(rest[i + 1])) for i in range(0, len(rest) - 1, 2))
    return s.TextLit(chunks, _label(rest[-1]))


def _dec_import(rest: list[Any]) -> s.Expr:
    digest_raw, mode, kind, *parts = rest
    digest = None
    if digest_raw is not None:
        if not isinstance(digest_raw, bytes) or digest_raw[:2] != b"\x12\x20":
            raise DhallDecodeError("unsupported import hash")
        digest = digest_raw[2:]
    if kind in (s.HTTP, s.HTTPS):
        headers = None if parts[0] is None else _to_expr(parts[0])
        return s.Import(kind, tuple(parts[2:-1]), mode, digest, parts[1], parts[-1], headers)
    if not 2 <= kind <= 7:
        raise DhallDecodeError("unknown import kind")
    return s.Import(kind, tuple(_label(p) for p in parts), mode, digest)


def _dec_let(rest: list[Any]) -> s.Expr:
    if len(rest) < 4 or len(rest) % 3 != 1:
        raise DhallDecodeError("malformed let")
    body = _to_expr(rest[-1])
    for i in range(len(rest) - 4, -1, -3):
        annot = None if rest[i + 1] is None else _to_expr(rest[i + 1])
        body = s.Let(_label(rest[i]), annot, _to_expr(rest[i + 2]), body)
    return body


def _dec_with(rest: list[Any]) -> s.Expr:
    if len(rest) != 3 or not isinstance(rest[1], list) or not rest[1]:
        raise DhallDecodeError("malformed with")
    path = tuple(None if step == 0 else _label(step) for step in rest[1])
    return s.With(_to_expr(rest[0]), path, _to_expr(rest[2]))


def _dec_time(rest: list[Any]) -> s.Expr:
    hour, minute, seconds = rest
    if not isinstance(seconds, _Tagged) or seconds.tag != 4:
        raise DhallDecodeError("time seconds must be a decimal fraction")
    exponent, mantissa = seconds.value
    return s.TimeLit(hour, minute, mantissa, -exponent)


def _dec_zone(rest: list[Any]) -> s.Expr:
    positive, hours, minutes = rest
    total = hours * 60 + minutes
    return s.TimeZoneLit(total if positive else -total)


def _exact(rest: list[Any], count: int) -> list[Any]:
    if len(rest) != count:
        raise DhallDecodeError("wrong number of elements")
    return rest


def _dec_fixed(node: Callable[..., s.Expr], count: int) -> Callable[[list[Any]], s.Expr]:
    def decode(rest: list[Any]) -> s.Expr:
        return node(*(_to_expr(x) for x in _exact(rest, count)))

    return decode


_DECODERS: dict[int, Callable[[list[Any]], s.Expr]] = {
    0: _dec_app,
    1: _dec_binder(s.Lam),
    2: _dec_binder(s.Pi),
    3: _dec_op,
    4: _dec_list,
    5: _dec_some,
    6: lambda r: s.Merge(_to_expr(r[0]), _to_expr(r[1]), _optional(r, 2)),
    7: lambda r: s.RecordType({k: _to_expr(v) for k, v in _dec_fields(r).items()}),
    8: lambda r: s.RecordLit({k: _to_expr(v) for k, v in _dec_fields(r).items()}),
    9: lambda r: s.Field(_to_expr(_exact(r, 2)[0]), _label(r[1])),
    10: _dec_project,
    11: _dec_union,
    14: _dec_fixed(s.If, 3),
    15: _dec_natural,
    16: _dec_integer,
    18: _dec_text,
    19: _dec_fixed(s.Assert, 1),
    24: _dec_import,
    25: _dec_let,
    26: _dec_fixed(s.Annot, 2),
    27: lambda r: s.ToMap(_to_expr(r[0]), _optional(r, 1)),
    28: _dec_fixed(s.EmptyList, 1),
    29: _dec_with,
    30: lambda r: s.DateLit(*_exact(r, 3)),
    31: _dec_time,
    32: _dec_zone,
    33: lambda r: s.BytesLit(bytes(_exact(r, 1)[0])),
    34: _dec_fixed(s.ShowConstructor, 1),
}
