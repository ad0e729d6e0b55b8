"""A corpus of bad sample input, through the CLI: every case a clear verdict, none a crash.

Each case is one input file (JSON Lines, CSV, Parquet, gzip, zstd or stdin)
and what ``ratecard samples validate`` must say about it: a file error (exit 2,
one line naming the file) or per-record rejects (exit 1) with a reason naming
the field, and counts that reconcile (read = valid + rejected). A subset goes
through ``ratecard rate`` (read = rated + unmatched + rejected + duplicates +
outside the period) and a few through the installed console script, to prove
no traceback reaches stderr. docs/errors.md ("Samples") lists the reasons.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard
from click.testing import CliRunner

from rating.cli import cli
from rating.errors import RatecardError
from rating.library import traits_dir
from rating.load.samples import parquet_sql

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "examples" / "catalogs" / "private-cloud"
RATECARD = str(Path(sys.executable).parent / "ratecard")
MiB = 1 << 20

# ---------------------------------------------------------------- building inputs


def rec(rid: str = "vm-1", time: str = "2026-10-01T10:00:00Z", **traits: Any) -> dict[str, Any]:
    """A valid openstack.nova.server sample, with traits added or replaced."""
    return {
        "time": time,
        "resource": {"id": rid, "type": "openstack.nova.server"},
        "scope": {"platformType": "OpenStack", "tenant": "proj-42"},
        "traits": {"state": "ACTIVE", "vcpu": 2, **traits},
    }


def meter(rid: str = "m-1", **traits: Any) -> dict[str, Any]:
    """A valid acme.meter sample (the corpus's own type: Double traits, with and without unit)."""
    return {
        "time": "2026-10-01T10:00:00Z",
        "resource": {"id": rid, "type": "acme.meter"},
        "scope": {"platformType": "Acme"},
        "traits": {"used": 1.5, **traits},
    }


def with_(record: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``record`` with the dotted ``path`` set (``...`` deletes it)."""
    copy = json.loads(json.dumps(record))
    *parents, last = path.split(".")
    target = copy
    for key in parents:
        target = target[key]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return copy


def line(item: Any) -> bytes:
    """One JSON Lines line; bytes are taken as they are (NaN and Infinity allowed)."""
    return item if isinstance(item, bytes) else json.dumps(item).encode() + b"\n"


def jsonl(*items: Any) -> bytes:
    return b"".join(line(item) for item in items)


GOOD = line(rec("vm-ok"))
CSV_HEADER = (
    b"time,resource.id,resource.type,scope.platformType,scope.tenant,traits.state,traits.vcpu\n"
)
CSV_GOOD = b"2026-10-01T10:00:00Z,vm-ok,openstack.nova.server,OpenStack,proj-42,ACTIVE,2\n"
METER_HEADER = b"time,resource.id,resource.type,scope.platformType,traits.used,traits.ratio\n"


def csv_row(vcpu: str = "2", rid: str = "vm-1", time: str = "2026-10-01T10:00:00Z") -> bytes:
    return f"{time},{rid},openstack.nova.server,OpenStack,proj-42,ACTIVE,{vcpu}\n".encode()


def meter_row(used: str, ratio: str = "") -> bytes:
    return f"2026-10-01T10:00:00Z,m-1,acme.meter,Acme,{used},{ratio}\n".encode()


def parquet(columns: dict[str, pa.Array | list]) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.table(columns), buffer)
    return buffer.getvalue()


def nova_parquet(n: int = 2, **overrides: Any) -> bytes:
    """``n`` nova samples as typed Parquet; ``overrides`` replace whole columns."""
    columns: dict[str, Any] = {
        "time": pa.array([datetime(2026, 10, 1, 10, tzinfo=UTC)] * n, pa.timestamp("us", "UTC")),
        "resource.id": [f"vm-{i}" for i in range(n)],
        "resource.type": ["openstack.nova.server"] * n,
        "scope.platformType": ["OpenStack"] * n,
        "scope.tenant": ["proj-42"] * n,
        "traits.state": ["ACTIVE"] * n,
        "traits.vcpu": pa.array([2] * n, pa.int64()),
    }
    columns.update({k.replace("__", "."): v for k, v in overrides.items()})
    return parquet(columns)


def nova_at(moment: datetime) -> Callable[[], bytes]:
    """Two nova samples as typed Parquet, the second at ``moment``."""
    times = [datetime(2026, 10, 1, tzinfo=UTC), moment]
    return lambda: nova_parquet(time=pa.array(times, pa.timestamp("us", "UTC")))


def meter_parquet(used: list[float | None], **overrides: Any) -> bytes:
    n = len(used)
    columns: dict[str, Any] = {
        "time": pa.array([datetime(2026, 10, 1, 10, tzinfo=UTC)] * n, pa.timestamp("us", "UTC")),
        "resource.id": [f"m-{i}" for i in range(n)],
        "resource.type": ["acme.meter"] * n,
        "scope.platformType": ["Acme"] * n,
        "traits.used": pa.array(used, pa.float64()),
    }
    columns.update({k.replace("__", "."): v for k, v in overrides.items()})
    return parquet(columns)


def gz(data: bytes) -> bytes:
    return gzip.compress(data)


def zst(data: bytes) -> bytes:
    return zstandard.ZstdCompressor().compress(data)


def cut(data: bytes, share: float = 0.6) -> bytes:
    return data[: int(len(data) * share)]


FLEET = (ROOT / "examples" / "samples" / "fleet-2026-10.jsonl").read_bytes()
FLEET_CSV = (ROOT / "examples" / "samples" / "fleet-2026-10.csv").read_bytes()
FLEET_PARQUET = (ROOT / "examples" / "samples" / "fleet-2026-10.parquet").read_bytes()

# ---------------------------------------------------------------- the corpus


@dataclass(frozen=True)
class Case:
    """One bad input and the verdict on it.

    ``exit_code`` 2: the file fails as a whole and ``message`` is in the one
    line; otherwise ``message`` (if any) is among the rejects and the counts are
    ``read`` and ``rejected``. ``rate`` also runs it through ``ratecard rate``.
    """

    name: str
    file: str  # file name ("-": stdin); its suffix says the format
    content: bytes | Callable[[], bytes]
    exit_code: int
    message: str = ""
    read: int = 0
    rejected: int = 0

    def data(self) -> bytes:
        return self.content if isinstance(self.content, bytes) else self.content()


def rejects(
    name: str, file: str, content: Any, message: str, read: int = 2, rejected: int = 1, **kw: Any
) -> Case:
    return Case(name, file, content, 1, message, read, rejected, **kw)


def fails(name: str, file: str, content: Any, message: str, **kw: Any) -> Case:
    return Case(name, file, content, 2, message, **kw)


def fine(name: str, file: str, content: Any, read: int, **kw: Any) -> Case:
    return Case(name, file, content, 0, "", read, 0, **kw)


RANGE = "outside the supported times, 1970-01-01T00:00:00Z"
NOT_RFC = "not an RFC 3339 timestamp with timezone"
TOO_LONG = "record longer than 1,048,576 bytes"
OUT_OF_RANGE = "out of range"

CASES: list[Case] = [
    # --- compressed input cut or corrupt: the file fails, never a short read
    fails(
        "gz cut at 60%",
        "cut.jsonl.gz",
        lambda: cut(gz(FLEET)),
        "cut.jsonl.gz: corrupt or truncated gz data",
    ),
    fails(
        "gz cut at 10%",
        "cut10.jsonl.gz",
        lambda: cut(gz(FLEET), 0.1),
        "corrupt or truncated gz data",
    ),
    fails(
        "gz cut at 99%",
        "cut99.jsonl.gz",
        lambda: cut(gz(FLEET), 0.99),
        "corrupt or truncated gz data",
    ),
    fails("gz header only", "hdr.jsonl.gz", lambda: gz(FLEET)[:10], "corrupt or truncated gz data"),
    fails(
        "gz flipped bytes",
        "flip.jsonl.gz",
        lambda: gz(FLEET)[:100] + b"\xff" * 50 + gz(FLEET)[150:],
        "corrupt or truncated gz data",
    ),
    fails(
        "gz bad crc",
        "crc.jsonl.gz",
        lambda: gz(FLEET)[:-8] + b"\0\0\0\0" + gz(FLEET)[-4:],
        "corrupt or truncated gz data",
    ),
    fails("gz not gzip at all", "plain.jsonl.gz", GOOD, "Not a gzipped file"),
    fails(
        "gz trailing garbage",
        "trail.jsonl.gz",
        lambda: gz(GOOD) + b"garbage!",
        "corrupt or truncated gz data",
    ),
    fails(
        "csv.gz cut",
        "cut.csv.gz",
        lambda: cut(gz(FLEET_CSV)),
        "cut.csv.gz: corrupt or truncated gz data",
    ),
    fails(
        "zst cut at 60%",
        "cut.jsonl.zst",
        lambda: cut(zst(FLEET)),
        "cut.jsonl.zst: corrupt or truncated zst data",
    ),
    fails(
        "zst cut at 10%",
        "cut10.jsonl.zst",
        lambda: cut(zst(FLEET), 0.1),
        "corrupt or truncated zst data",
    ),
    fails(
        "zst cut at 99%",
        "cut99.jsonl.zst",
        lambda: cut(zst(FLEET), 0.99),
        "ends inside a zstd frame",
    ),
    fails(
        "zst second frame cut",
        "frames.jsonl.zst",
        lambda: zst(GOOD) + cut(zst(FLEET)),
        "corrupt or truncated zst data",
    ),
    fails("zst not zstd at all", "plain.jsonl.zst", GOOD, "corrupt or truncated zst data"),
    fails(
        "zst corrupt body",
        "flip.ndjson.zst",
        lambda: zst(FLEET)[:20] + b"\xff" * 200 + zst(FLEET)[220:],
        "corrupt or truncated zst data",
    ),
    fails(
        "csv.zst cut", "cut.csv.zst", lambda: cut(zst(FLEET_CSV)), "corrupt or truncated zst data"
    ),
    fine("zst two whole frames", "two.jsonl.zst", lambda: zst(GOOD) + zst(line(rec("vm-2"))), 2),
    fine("gz two members", "two.jsonl.gz", lambda: gz(GOOD) + gz(line(rec("vm-2"))), 2),
    fine("gz empty", "empty.jsonl.gz", lambda: gz(b""), 0),
    fine("zst empty frame", "empty.jsonl.zst", lambda: zst(b""), 0),
    fine("zero-byte gz", "zero.jsonl.gz", b"", 0),
    fine("gz whole fleet", "fleet.jsonl.gz", lambda: gz(FLEET), 708),
    fine("zst whole fleet csv", "fleet.csv.zst", lambda: zst(FLEET_CSV), 708),
    # --- Parquet cut or corrupt
    fails(
        "parquet cut at 60%",
        "cut.parquet",
        lambda: cut(FLEET_PARQUET),
        "cut.parquet: corrupt or truncated Parquet file",
    ),
    fails(
        "parquet cut at 99%",
        "cut99.parquet",
        lambda: cut(FLEET_PARQUET, 0.99),
        "corrupt or truncated Parquet file",
    ),
    fails("parquet empty file", "empty.parquet", b"", "corrupt or truncated Parquet file"),
    fails("parquet is JSON", "json.parquet", GOOD, "corrupt or truncated Parquet file"),
    fails(
        "parquet footer only",
        "footer.parquet",
        lambda: FLEET_PARQUET[-200:],
        "corrupt or truncated Parquet file",
    ),
    fails(
        "parquet corrupt pages",
        "pages.parquet",
        lambda: FLEET_PARQUET[:4] + b"\x00" * 4000 + FLEET_PARQUET[4004:],
        "corrupt or truncated Parquet file",
    ),
    fails(
        "parquet unknown column",
        "col.parquet",
        lambda: nova_parquet(colour=["red", "blue"]),
        "unknown column 'colour'",
    ),
    fails(
        "parquet compressed",
        "x.parquet.gz",
        lambda: gz(FLEET_PARQUET),
        "compressed Parquet is not supported",
    ),
    # --- undecodable bytes: that line, not the file
    rejects(
        "jsonl latin-1 byte",
        "latin.jsonl",
        GOOD + b'{"time": "caf\xe9"}\n',
        "undecodable bytes: not UTF-8 (byte 0xe9",
    ),
    rejects("jsonl lone continuation byte", "cont.jsonl", b"\x80\n" + GOOD, "undecodable bytes"),
    rejects(
        "jsonl truncated utf-8 sequence",
        "seq.jsonl",
        GOOD + b'{"a": "\xe2\x82"}\n',
        "undecodable bytes",
    ),
    rejects("jsonl overlong encoding", "over.jsonl", GOOD + b'"\xc0\xaf"\n', "undecodable bytes"),
    rejects(
        "jsonl utf-16 file",
        "u16.jsonl",
        lambda: "\n".join(["x"]).encode("utf-16") + b"\n" + GOOD,
        "undecodable bytes",
    ),
    rejects(
        "jsonl lone surrogate escape",
        "sur.jsonl",
        lambda: GOOD + json.dumps(rec("x")).replace('"x"', '"\\udc80"').encode() + b"\n",
        "lone surrogate",
    ),
    fine(
        "jsonl surrogate pair escape",
        "pair.jsonl",
        lambda: json.dumps(rec("x")).replace('"x"', '"\\ud83d\\ude00"').encode() + b"\n",
        1,
    ),
    rejects(
        "csv latin-1 byte",
        "latin.csv",
        CSV_HEADER
        + CSV_GOOD
        + b"2026-10-01T10:00:00Z,caf\xe9,openstack.nova.server,OpenStack,p,ACTIVE,2\n",
        "undecodable bytes",
    ),
    rejects(
        "csv bad byte in trait",
        "trait.csv",
        CSV_HEADER + CSV_GOOD + csv_row().replace(b"ACTIVE", b"ACT\xffIVE"),
        "undecodable bytes",
    ),
    fails(
        "csv header not utf-8",
        "hdr.csv",
        b"time,resource.\xffid\n" + CSV_GOOD,
        "header is not UTF-8",
    ),
    rejects(
        "gz jsonl bad byte", "bad.jsonl.gz", lambda: gz(GOOD + b"\xff\xfe\n"), "undecodable bytes"
    ),
    rejects("stdin bad byte", "-", GOOD + b"\xff\n", "-:2: -: undecodable bytes"),
    # --- malformed JSON and non-objects
    rejects(
        "truncated object",
        "t.jsonl",
        GOOD + b'{"time": "2026-10-01T10:00:00Z", "resource": {\n',
        "malformed JSON",
    ),
    rejects("trailing comma", "c.jsonl", GOOD + b'{"a": 1,}\n', "malformed JSON"),
    rejects("single quotes", "q.jsonl", GOOD + b"{'a': 1}\n", "malformed JSON"),
    rejects("two objects on a line", "two.jsonl", GOOD + b"{} {}\n", "malformed JSON: Extra data"),
    rejects("bare word", "w.jsonl", GOOD + b"hello\n", "malformed JSON"),
    rejects("NUL byte line", "nul.jsonl", GOOD + b"\x00\n", "malformed JSON"),
    rejects("JSON array", "arr.jsonl", GOOD + b"[1, 2]\n", "expected a JSON object, got [1, 2]"),
    rejects(
        "JSON string", "str.jsonl", GOOD + b'"sample"\n', 'expected a JSON object, got "sample"'
    ),
    rejects("JSON number", "num.jsonl", GOOD + b"42\n", "expected a JSON object, got 42"),
    rejects("JSON null", "null.jsonl", GOOD + b"null\n", "expected a JSON object, got null"),
    rejects("JSON true", "true.jsonl", GOOD + b"true\n", "expected a JSON object, got true"),
    rejects(
        "huge integer literal",
        "bigint.jsonl",
        GOOD + b'{"n": ' + b"9" * 5000 + b"}\n",
        "malformed JSON",
    ),
    rejects("stdin malformed", "-", GOOD + b"{nope\n", "malformed JSON"),
    # --- non-finite numbers
    rejects(
        "NaN in Integer trait",
        "nan.jsonl",
        jsonl(rec(), rec("vm-n", vcpu=float("nan"))),  # json.dumps writes the NaN token
        "traits.vcpu: expected Integer or null, got NaN",
    ),
    rejects(
        "NaN in Double",
        "nand.jsonl",
        jsonl(meter(), meter("m-2", used=float("nan"))),
        "traits.used: non-finite number NaN",
    ),
    rejects(
        "Infinity in Double",
        "inf.jsonl",
        jsonl(meter(), meter("m-2", used=float("inf"))),
        "traits.used: non-finite number Infinity",
    ),
    rejects(
        "-Infinity in Double",
        "ninf.jsonl",
        jsonl(meter(), meter("m-2", ratio=float("-inf"))),
        "traits.ratio: non-finite number -Infinity",
    ),
    rejects(
        "1e400 overflows to Infinity",
        "e400.jsonl",
        jsonl(
            meter(),
            json.dumps(meter("m-2")).replace("1.5", "1e400").encode() + b"\n",
        ),
        "non-finite number Infinity",
    ),
    rejects(
        "NaN in a list",
        "nanlist.jsonl",
        jsonl(meter(), meter("m-2", sizes=[1.0, float("nan")])),
        "traits.sizes: non-finite number NaN",
    ),
    rejects(
        "csv NaN Double",
        "nan.csv",
        METER_HEADER + meter_row("1.5") + meter_row("NaN"),
        "traits.used: non-finite number NaN",
    ),
    rejects(
        "csv nan lowercase",
        "nanl.csv",
        METER_HEADER + meter_row("1.5") + meter_row("nan"),
        "non-finite number NaN",
    ),
    rejects(
        "csv Infinity",
        "inf.csv",
        METER_HEADER + meter_row("1.5") + meter_row("Infinity"),
        "non-finite number Infinity",
    ),
    rejects(
        "csv -inf",
        "ninf.csv",
        METER_HEADER + meter_row("1.5") + meter_row("1", "-inf"),
        "traits.ratio: non-finite number -Infinity",
    ),
    rejects(
        "csv Integer with an underscore",
        "us.csv",
        CSV_HEADER + CSV_GOOD + csv_row("1_000"),
        'traits.vcpu: expected Integer, got "1_000"',
    ),
    rejects(
        "csv Integer in other digits",
        "ar.csv",
        CSV_HEADER + CSV_GOOD + csv_row("\u0661\u0662"),
        "traits.vcpu: expected Integer",
    ),
    rejects(
        "csv Double with an underscore",
        "usd.csv",
        METER_HEADER + meter_row("1.5") + meter_row("1_000.5"),
        'traits.used: expected Double, got "1_000.5"',
    ),
    fine(
        "csv numbers with spaces around",
        "sp.csv",
        METER_HEADER + meter_row("1.5") + meter_row(" 2.5 ", "-1 "),
        2,
    ),
    rejects(
        "csv NaN Integer",
        "nani.csv",
        CSV_HEADER + CSV_GOOD + csv_row("NaN"),
        'traits.vcpu: expected Integer, got "NaN"',
    ),
    rejects(
        "parquet NaN",
        "nan.parquet",
        lambda: meter_parquet([1.0, float("nan")]),
        "traits.used: non-finite number NaN",
    ),
    rejects(
        "parquet Infinity",
        "inf.parquet",
        lambda: meter_parquet([1.0, float("inf")]),
        "non-finite number Infinity",
    ),
    rejects(
        "parquet -Infinity ratio",
        "ninf.parquet",
        lambda: meter_parquet([1.0, 2.0], traits__ratio=[0.5, float("-inf")]),
        "traits.ratio: non-finite number -Infinity",
    ),
    rejects(
        "parquet NaN in list",
        "nanl.parquet",
        lambda: meter_parquet([1.0, 2.0], traits__sizes=pa.array([[1.0], [float("nan")]])),
        "traits.sizes: non-finite number NaN",
    ),
    # --- out-of-range numbers
    rejects(
        "1e20 Double",
        "e20.jsonl",
        jsonl(meter(), meter("m-2", used=1e20)),
        "traits.used: out of range: 1e+20",
    ),
    rejects(
        "1e30 Double ratio",
        "e30.jsonl",
        jsonl(meter(), meter("m-2", ratio=-1e30)),
        "traits.ratio: out of range: -1e+30",
    ),
    rejects("exactly 1e15", "e15.jsonl", jsonl(meter(), meter("m-2", used=1e15)), OUT_OF_RANGE),
    fine("just below 1e15", "lt15.jsonl", jsonl(meter(), meter("m-2", used=999999999999999.9)), 2),
    rejects(
        "integer beyond int64",
        "i64.jsonl",
        jsonl(rec(), rec("vm-2", vcpu=2**64)),
        "traits.vcpu: out of range: 18446744073709551616",
    ),
    rejects("integer 1e15", "i15.jsonl", jsonl(meter(), meter("m-2", delta=10**15)), OUT_OF_RANGE),
    rejects(
        "integer as 1e20 float", "if.jsonl", jsonl(rec(), rec("vm-2", vcpu=1e20)), OUT_OF_RANGE
    ),
    rejects(
        "negative huge signed",
        "neg.jsonl",
        jsonl(meter(), meter("m-2", delta=-(10**18))),
        "traits.delta: out of range",
    ),
    rejects(
        "list element out of range",
        "lst.jsonl",
        jsonl(meter(), meter("m-2", sizes=[1.0, 1e16])),
        "traits.sizes: out of range",
    ),
    rejects(
        "csv integer beyond int64",
        "big.csv",
        CSV_HEADER + CSV_GOOD + csv_row("99999999999999999999"),
        "traits.vcpu: out of range",
    ),
    rejects(
        "csv 1e20 Double",
        "e20.csv",
        METER_HEADER + meter_row("1.5") + meter_row("1e20"),
        "traits.used: out of range",
    ),
    rejects(
        "parquet 1e20",
        "e20.parquet",
        lambda: meter_parquet([1.0, 1e20]),
        "traits.used: out of range: 1e+20",
    ),
    rejects(
        "parquet int beyond 1e15",
        "big.parquet",
        lambda: nova_parquet(traits__vcpu=pa.array([2, 2**62], pa.int64())),
        "traits.vcpu: out of range",
    ),
    rejects(
        "parquet uint64 beyond int64",
        "u64.parquet",
        lambda: nova_parquet(traits__vcpu=pa.array([2, 2**63 + 5], pa.uint64())),
        "traits.vcpu: out of range",
    ),
    # --- negative measured traits
    rejects(
        "negative vcpu",
        "nv.jsonl",
        jsonl(rec(), rec("vm-2", vcpu=-4)),
        "traits.vcpu: negative value -4 for a measured trait (unit {vCPU})",
    ),
    rejects(
        "negative ramMb",
        "nr.jsonl",
        jsonl(rec(), rec("vm-2", ramMb=-1)),
        "traits.ramMb: negative value -1 for a measured trait (unit MiBy)",
    ),
    rejects(
        "negative Double with unit",
        "nd.jsonl",
        jsonl(meter(), meter("m-2", used=-0.5)),
        "traits.used: negative value -0.5 for a measured trait (unit By)",
    ),
    fine(
        "negative Double without unit",
        "ok.jsonl",
        jsonl(meter(), meter("m-2", ratio=-0.5, delta=-3)),
        2,
    ),
    fine("negative zero", "nz.jsonl", jsonl(meter(), meter("m-2", used=-0.0)), 2),
    rejects(
        "negative list element with unit",
        "nl.jsonl",
        jsonl(meter(), meter("m-2", sizes=[1.0, -2.0])),
        "traits.sizes: negative value -2.0",
    ),
    rejects(
        "negative Natural",
        "nn.jsonl",
        jsonl(meter(), meter("m-2", level=-1)),
        "traits.level: expected Natural or null, got -1",
    ),
    rejects(
        "csv negative vcpu",
        "nv.csv",
        CSV_HEADER + CSV_GOOD + csv_row("-4"),
        "traits.vcpu: negative value -4 for a measured trait",
    ),
    rejects(
        "parquet negative vcpu",
        "nv.parquet",
        lambda: nova_parquet(traits__vcpu=pa.array([2, -4], pa.int64())),
        "traits.vcpu: negative value -4 for a measured trait (unit {vCPU})",
    ),
    rejects(
        "parquet negative int32 vcpu",
        "nv32.parquet",
        lambda: nova_parquet(traits__vcpu=pa.array([2, -4], pa.int32())),
        "traits.vcpu: negative value -4",
    ),
    rejects(
        "parquet negative Double",
        "nd.parquet",
        lambda: meter_parquet([1.0, -1.0]),
        "traits.used: negative value -1.0",
    ),
    rejects(
        "stdin negative vcpu",
        "-",
        jsonl(rec(), rec("vm-2", vcpu=-4)),
        "-:2: vm-2: traits.vcpu: negative value -4",
    ),
    # --- times
    rejects(
        "time without zone",
        "nz.jsonl",
        jsonl(rec(), rec(time="2026-10-01T10:00:00")),
        f'time: {NOT_RFC}: "2026-10-01T10:00:00"',
    ),
    rejects("time date only", "d.jsonl", jsonl(rec(), rec(time="2026-10-01")), NOT_RFC),
    rejects("time garbage", "g.jsonl", jsonl(rec(), rec(time="yesterday")), NOT_RFC),
    rejects("time Feb 30", "f.jsonl", jsonl(rec(), rec(time="2026-02-30T00:00:00Z")), NOT_RFC),
    rejects("time hour 25", "h.jsonl", jsonl(rec(), rec(time="2026-10-01T25:00:00Z")), NOT_RFC),
    rejects(
        "time as number",
        "n.jsonl",
        jsonl(rec(), rec(time=1759312800)),
        "time: 1759312800 is not of type 'string'",
    ),
    rejects(
        "time before 1970",
        "old.jsonl",
        jsonl(rec(), rec(time="1969-12-31T23:59:59Z")),
        f'time: "1969-12-31T23:59:59Z" is {RANGE}',
    ),
    rejects("time year 1", "y1.jsonl", jsonl(rec(), rec(time="0001-01-01T00:00:00+01:00")), RANGE),
    rejects(
        "time year 9999", "y9.jsonl", jsonl(rec(), rec(time="9999-12-31T23:59:59-05:00")), RANGE
    ),
    rejects(
        "time year 10000", "y10k.jsonl", jsonl(rec(), rec(time="10000-01-01T00:00:00Z")), NOT_RFC
    ),
    rejects(
        "time with a final newline",
        "tnl.jsonl",
        jsonl(rec(), rec(time="2026-10-01T10:00:00Z\n")),
        NOT_RFC,
    ),
    rejects(
        "csv time with a final newline",
        "tnl.csv",
        CSV_HEADER + CSV_GOOD + csv_row(time='"2026-10-01T10:00:00Z\n"'),
        NOT_RFC,
    ),
    fine(
        "time 1970 exactly and offset",
        "edge.jsonl",
        jsonl(rec(), rec("vm-2", time="1970-01-01T01:00:00+01:00")),
        2,
    ),
    fine(
        "time nanoseconds truncated",
        "ns.jsonl",
        jsonl(rec(), rec("vm-2", time="2026-10-01T10:00:00.123456789Z")),
        2,
    ),
    rejects(
        "csv time without zone",
        "nz.csv",
        CSV_HEADER + CSV_GOOD + csv_row(time="2026-10-01T10:00:00"),
        NOT_RFC,
    ),
    rejects(
        "csv far future",
        "ff.csv",
        CSV_HEADER + CSV_GOOD + csv_row(time="9999-06-01T00:00:00Z"),
        RANGE,
    ),
    rejects(
        "parquet naive timestamp",
        "naive.parquet",
        lambda: nova_parquet(time=pa.array([datetime(2026, 10, 1)] * 2, pa.timestamp("us"))),
        NOT_RFC,
        read=2,
        rejected=2,
    ),
    rejects("parquet before 1970", "old.parquet", nova_at(datetime(1960, 1, 1, tzinfo=UTC)), RANGE),
    rejects("parquet year 9999", "y9.parquet", nova_at(datetime(9999, 6, 1, tzinfo=UTC)), RANGE),
    rejects(
        "parquet beyond datetime (seconds)",
        "y20k.parquet",
        lambda: nova_parquet(
            time=pa.array([1_790_000_000, 600_000_000_000], pa.timestamp("s", "UTC"))
        ),
        NOT_RFC,
    ),
    rejects(
        "parquet text time without zone",
        "txt.parquet",
        lambda: nova_parquet(time=["2026-10-01T10:00:00Z", "2026-10-01T10:00:00"]),
        NOT_RFC,
    ),
    rejects(
        "parquet integer time",
        "it.parquet",
        lambda: nova_parquet(time=pa.array([1, 2], pa.int64())),
        "is not of type 'string'",
        read=2,
        rejected=2,
    ),
    # --- oversized records and deep nesting
    rejects(
        "line over 1 MiB",
        "long.jsonl",
        lambda: GOOD + b'{"x": "' + b"a" * (MiB + 10) + b'"}\n',
        TOO_LONG,
    ),
    rejects(
        "2 MiB line without newline at EOF", "eof.jsonl", lambda: GOOD + b"[" * (2 * MiB), TOO_LONG
    ),
    fine(
        "line just under 1 MiB is parsed",
        "under.jsonl",
        lambda: json.dumps(rec("vm-big", flavor="f" * (MiB - 400))).encode() + b"\n",
        1,
    ),
    rejects(
        "long line then good line", "lg.jsonl", lambda: b"z" * (3 * MiB) + b"\n" + GOOD, TOO_LONG
    ),
    rejects(
        "csv long line",
        "long.csv",
        lambda: CSV_HEADER + CSV_GOOD + csv_row(rid="v" * (MiB + 5)),
        TOO_LONG,
    ),
    rejects(
        "csv quoted field over 1 MiB",
        "ml.csv",
        lambda: (
            CSV_HEADER
            + CSV_GOOD
            + b'2026-10-01T10:00:00Z,vm-1,openstack.nova.server,OpenStack,p,"'
            + (b"x" * 1023 + b"\n") * 1025
            + b'",2\n'
        ),
        "malformed CSV: field larger than field limit (1048576)",
        read=3,
        rejected=2,  # reading goes on at the next line: the rest of the field is a row
    ),
    rejects(
        "csv record over 1 MiB in two fields",
        "two.csv",
        lambda: (
            CSV_HEADER
            + CSV_GOOD
            + b'2026-10-01T10:00:00Z,vm-1,openstack.nova.server,OpenStack,"'
            + b"p" * 600_000
            + b'\n","'
            + b"s" * 600_000
            + b'",2\n'
        ),
        TOO_LONG,
    ),
    rejects("gz long line", "long.jsonl.gz", lambda: gz(GOOD + b"[" * (2 * MiB) + b"\n"), TOO_LONG),
    rejects(
        "nesting 33 deep",
        "deep.jsonl",
        GOOD + b"[" * 33 + b"]" * 33 + b"\n",
        "JSON nested deeper than 32",
    ),
    rejects(
        "nesting 100000 deep",
        "deeper.jsonl",
        GOOD + b"[" * 100_000 + b"\n",
        "JSON nested deeper than 32",
    ),
    rejects(
        "nesting 32 deep parses",
        "d32.jsonl",
        GOOD + b"[" * 32 + b"]" * 32 + b"\n",
        "expected a JSON object",
    ),
    rejects(
        "deep objects in a trait",
        "dobj.jsonl",
        lambda: (
            GOOD
            + json.dumps(rec(flavor=json.loads('{"a":' * 40 + "1" + "}" * 40))).encode()
            + b"\n"
        ),
        "nested deeper than 32",
    ),
    rejects(
        "brackets inside strings are not nesting",
        "bs.jsonl",
        jsonl(rec(), rec("vm-2", flavor="[" * 100, vcpu=-1)),
        "negative value -1",
    ),
    # --- wrong types, missing fields, unknown types and events, empty ids, control characters
    rejects(
        "vcpu as text",
        "t1.jsonl",
        jsonl(rec(), rec("vm-2", vcpu="four")),
        'traits.vcpu: expected Integer or null, got "four"',
    ),
    rejects(
        "vcpu as bool",
        "t2.jsonl",
        jsonl(rec(), rec("vm-2", vcpu=True)),
        "traits.vcpu: expected Integer or null, got true",
    ),
    rejects(
        "vcpu as float",
        "t3.jsonl",
        jsonl(rec(), rec("vm-2", vcpu=2.5)),
        "traits.vcpu: expected Integer or null, got 2.5",
    ),
    rejects(
        "state as number",
        "t4.jsonl",
        jsonl(rec(), rec("vm-2", state=1)),
        "traits.state: expected Text, got 1",
    ),
    rejects(
        "traits as list", "t5.jsonl", jsonl(rec(), with_(rec("vm-2"), "traits", [1])), "traits"
    ),
    rejects(
        "resource as text",
        "t6.jsonl",
        jsonl(rec(), with_(rec("vm-2"), "resource", "vm")),
        "missing resource type",
    ),
    rejects(
        "resource id as number",
        "t7.jsonl",
        jsonl(rec(), with_(rec(), "resource.id", 7)),
        "resource.id: 7 is not of type 'string'",
    ),
    rejects(
        "missing time",
        "m1.jsonl",
        jsonl(rec(), with_(rec("vm-2"), "time", ...)),
        "time: missing required field 'time'",
    ),
    rejects(
        "missing resource id",
        "m2.jsonl",
        jsonl(rec(), with_(rec(), "resource.id", ...)),
        "resource.id: missing required field 'resource.id'",
    ),
    rejects(
        "missing scope",
        "m3.jsonl",
        jsonl(rec(), with_(rec("vm-2"), "scope", ...)),
        "scope: missing required field 'scope'",
    ),
    rejects(
        "missing platformType",
        "m4.jsonl",
        jsonl(rec(), with_(rec("vm-2"), "scope.platformType", ...)),
        "missing required field 'scope.platformType'",
    ),
    rejects(
        "missing required trait",
        "m5.jsonl",
        jsonl(rec(), with_(rec("vm-2"), "traits.state", ...)),
        "traits.state: missing required trait 'state' of openstack.nova.server",
    ),
    rejects(
        "missing resource type",
        "m6.jsonl",
        jsonl(rec(), with_(rec("vm-2"), "resource.type", ...)),
        "resource.type: missing resource type",
    ),
    rejects(
        "unknown resource type",
        "u1.jsonl",
        jsonl(rec(), with_(rec("vm-2"), "resource.type", "aws.ec2")),
        'resource.type: unknown resource type "aws.ec2"',
    ),
    rejects(
        "resource type as number",
        "u2.jsonl",
        jsonl(rec(), with_(rec("vm-2"), "resource.type", 3)),
        "unknown resource type 3",
    ),
    rejects(
        "unknown trait",
        "u3.jsonl",
        jsonl(rec(), rec("vm-2", colour="red")),
        "traits.colour: unknown trait 'colour' for openstack.nova.server",
    ),
    rejects(
        "unknown top-level field",
        "u4.jsonl",
        jsonl(rec(), with_(rec("vm-2"), "extra", 1)),
        "extra: unknown field 'extra'",
    ),
    rejects(
        "member named twice",
        "u5.jsonl",
        jsonl(rec(), line(rec("vm-2"))[:-2] + b', "time": "2026-10-02T10:00:00Z"}\n'),
        "ambiguous JSON: member 'time' appears twice",
    ),
    rejects(
        "trait named twice",
        "u6.jsonl",
        jsonl(rec(), line(rec("vm-2")).replace(b'"traits": {', b'"traits": {"vcpu": 64, ', 1)),
        "ambiguous JSON: member 'vcpu' appears twice",
    ),
    rejects(
        "bad event kind",
        "e1.jsonl",
        jsonl(rec(), with_(rec("vm-2"), "event", "resize")),
        "event: 'resize' is not one of",
    ),
    rejects("event as number", "e2.jsonl", jsonl(rec(), with_(rec("vm-2"), "event", 1)), "event:"),
    fine("event null", "e3.jsonl", jsonl(rec(), with_(rec("vm-2"), "event", None)), 2),
    rejects("empty resource id", "i1.jsonl", jsonl(rec(), rec("")), "resource.id: empty string"),
    rejects(
        "empty platformType",
        "i2.jsonl",
        jsonl(rec(), with_(rec("vm-2"), "scope.platformType", "")),
        "scope.platformType: empty string",
    ),
    rejects(
        "empty tenant",
        "i3.jsonl",
        jsonl(rec(), with_(rec("vm-2"), "scope.tenant", "")),
        "scope.tenant: empty string (leave the field out",
    ),
    rejects(
        "empty location",
        "i4.jsonl",
        jsonl(rec(), with_(rec("vm-2"), "scope.location", "")),
        "scope.location: empty string",
    ),
    fine(
        "empty resource name", "i5.jsonl", jsonl(rec(), with_(rec("vm-2"), "resource.name", "")), 2
    ),
    rejects(
        "newline in resource id",
        "c1.jsonl",
        jsonl(rec(), rec("vm\n2")),
        'resource.id: control character U+000A in "vm\\n2"',
    ),
    rejects(
        "NUL in tenant",
        "c2.jsonl",
        jsonl(rec(), with_(rec("vm-2"), "scope.tenant", "p\x00")),
        "scope.tenant: control character U+0000",
    ),
    rejects(
        "CR in name",
        "c3.jsonl",
        jsonl(rec(), with_(rec("vm-2"), "resource.name", "a\rb")),
        "resource.name: control character U+000D",
    ),
    fine(
        "tab in name is kept",
        "c4.jsonl",
        jsonl(rec(), with_(rec("vm-2"), "resource.name", "a\tb")),
        2,
    ),
    rejects(
        "parquet newline in id",
        "c1.parquet",
        lambda: nova_parquet(resource__id=["vm-1", "vm\n2"]),
        "resource.id: control character U+000A",
    ),
    rejects(
        "parquet string_view id with a newline",
        "v1.parquet",
        lambda: nova_parquet(resource__id=pa.array(["vm-1", "vm\n2"], pa.string_view())),
        "resource.id: control character U+000A",
    ),
    fine(
        "parquet string_view and binary_view columns",
        "v2.parquet",
        lambda: nova_parquet(
            resource__id=pa.array(["vm-1", "vm-2"], pa.string_view()),
            traits__state=pa.array(["ACTIVE", "ACTIVE"], pa.string_view()),
        ),
        2,
    ),
    rejects(
        "parquet empty tenant",
        "i3.parquet",
        lambda: nova_parquet(scope__tenant=["proj-42", ""]),
        "scope.tenant: empty string",
    ),
    rejects(
        "parquet empty id",
        "i1.parquet",
        lambda: nova_parquet(resource__id=["vm-1", ""]),
        "resource.id: empty string",
    ),
    rejects(
        "parquet unknown type",
        "u1.parquet",
        lambda: nova_parquet(resource__type=["openstack.nova.server", "aws.ec2"]),
        'unknown resource type "aws.ec2"',
    ),
    rejects(
        "parquet bad event",
        "e1.parquet",
        lambda: nova_parquet(event=[None, "resize"]),
        "event: 'resize' is not one of",
    ),
    rejects(
        "parquet vcpu as text",
        "t1.parquet",
        lambda: nova_parquet(traits__vcpu=["2", "four"]),
        'traits.vcpu: expected Integer or null, got "2"',
        read=2,
        rejected=2,
    ),
    rejects(
        "parquet decimal Double",
        "dec.parquet",
        lambda: meter_parquet([1.0, 2.0], traits__ratio=pa.array([None, 1], pa.decimal128(5, 2))),
        "traits.ratio: expected a number, got Decimal",
    ),
    rejects(
        "parquet missing required trait",
        "m5.parquet",
        lambda: nova_parquet(traits__state=["ACTIVE", None]),
        "missing required trait 'state'",
    ),
    rejects(
        "csv unknown type",
        "u1.csv",
        CSV_HEADER + CSV_GOOD + b"2026-10-01T10:00:00Z,x,aws.ec2,AWS,p,,\n",
        'unknown resource type "aws.ec2"',
    ),
    rejects(
        "csv vcpu as text",
        "t1.csv",
        CSV_HEADER + CSV_GOOD + csv_row("four"),
        'traits.vcpu: expected Integer, got "four"',
    ),
    rejects(
        "csv newline in quoted id",
        "c1.csv",
        CSV_HEADER
        + CSV_GOOD
        + b'2026-10-01T10:00:00Z,"vm\n2",openstack.nova.server,OpenStack,p,ACTIVE,2\n',
        "control character U+000A",
    ),
    # --- CSV structure
    rejects(
        "csv more cells than header",
        "more.csv",
        CSV_HEADER + CSV_GOOD + csv_row().rstrip(b"\n") + b",extra\n",
        "more cells than header columns",
    ),
    rejects(
        "csv fewer cells: missing state",
        "fewer.csv",
        CSV_HEADER + CSV_GOOD + b"2026-10-01T10:00:00Z,vm-2,openstack.nova.server,OpenStack\n",
        "missing required trait 'state'",
    ),
    rejects(
        "csv unterminated quote at EOF",
        "q.csv",
        CSV_HEADER + CSV_GOOD + b'2026-10-01T10:00:00Z,"vm-2,openstack.nova.server\n',
        "malformed CSV",
    ),
    rejects(
        "csv quote inside field",
        "qq.csv",
        CSV_HEADER
        + CSV_GOOD
        + b'2026-10-01T10:00:00Z,"vm"2,openstack.nova.server,OpenStack,p,ACTIVE,2\n',
        "malformed CSV",
    ),
    fails("csv unknown column", "col.csv", b"time,colour\n", "col.csv:1: unknown column 'colour'"),
    fails("csv duplicate column", "dup.csv", b"time,time\n", "column 'time' appears twice"),
    fails(
        "csv header too long",
        "hl.csv",
        lambda: b"time," * (MiB // 4) + b"\n",
        "header is not UTF-8 or too long",
    ),
    # --- empty files, headers, BOMs, CRLF, blank lines
    fine("empty jsonl", "empty.jsonl", b"", 0),
    fine("empty csv", "empty.csv", b"", 0),
    fine("header-only csv", "hdr.csv", CSV_HEADER, 0),
    fine("header-only csv with CRLF", "hdrcr.csv", CSV_HEADER.replace(b"\n", b"\r\n"), 0),
    fine("blank lines only", "blank.jsonl", b"\n\n   \n\r\n", 0),
    fine(
        "blank lines skipped, not counted",
        "blanks.jsonl",
        b"\n" + GOOD + b"\n  \n" + line(rec("vm-2")) + b"\n",
        2,
    ),
    fine("jsonl CRLF", "crlf.jsonl", (GOOD + line(rec("vm-2"))).replace(b"\n", b"\r\n"), 2),
    fine("jsonl BOM", "bom.jsonl", b"\xef\xbb\xbf" + GOOD, 1),
    fine("csv BOM", "bom.csv", b"\xef\xbb\xbf" + CSV_HEADER + CSV_GOOD, 1),
    fine(
        "csv CRLF",
        "crlf.csv",
        (CSV_HEADER + CSV_GOOD + csv_row(rid="vm-2")).replace(b"\n", b"\r\n"),
        2,
    ),
    fine("csv blank lines skipped", "blank.csv", CSV_HEADER + b"\n" + CSV_GOOD + b"\n\n", 1),
    fine("no newline at end", "eol.jsonl", GOOD.rstrip(b"\n"), 1),
    fine("stdin empty", "-", b"", 0),
    fine("stdin BOM and CRLF", "-", b"\xef\xbb\xbf" + GOOD.replace(b"\n", b"\r\n"), 1),
    rejects(
        "BOM in the middle is not skipped",
        "bom2.jsonl",
        GOOD + b"\xef\xbb\xbf" + GOOD,
        "malformed JSON",
    ),
    fine("parquet zero rows", "zero.parquet", lambda: nova_parquet(0), 0),
    fine("fleet parquet", "fleet.parquet", FLEET_PARQUET, 708),
    # --- many rejects: counts still reconcile
    rejects("every line bad", "allbad.jsonl", b"x\n" * 50, "malformed JSON", read=50, rejected=50),
    rejects(
        "mixed fleet and junk",
        "mixed.jsonl",
        lambda: FLEET + b"junk\n" + line(rec("vm-z", vcpu=-1)),
        "negative value -1",
        read=710,
        rejected=2,
    ),
]

# ---------------------------------------------------------------- running them

TRAITS = """let Trait = {trait}
in  [ {{ id = "acme.meter", platform = "Acme", displayName = "Meter",
        description = "A metered thing with Double traits",
        traits =
        [ Trait.required Trait.double "used" (Some "By") "bytes used"
        , Trait.optional Trait.double "ratio" Trait.noUnit "a ratio, any sign"
        , Trait.optional Trait.integer "delta" Trait.noUnit "a signed count"
        , Trait.optional Trait.natural "level" Trait.noUnit "a level"
        , Trait.optional Trait.listDouble "sizes" (Some "By") "sizes"
        ]
      }} ]
"""


@pytest.fixture(scope="module")
def acme(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("traits") / "acme.dhall"
    path.write_text(TRAITS.format(trait=traits_dir() / "Trait.dhall"))
    return path


def place(case: Case, folder: Path) -> tuple[str, bytes | None]:
    """The argument naming the input, and what stdin gets."""
    if case.file == "-":
        return "-", case.data()
    path = folder / case.file
    path.write_bytes(case.data())
    return str(path), None


def invoke(args: list[str], stdin: bytes | None) -> tuple[int, str, BaseException | None]:
    result = CliRunner().invoke(cli, args, input=stdin)
    error = result.exception if not isinstance(result.exception, SystemExit) else None
    return result.exit_code, result.output, error


def file_error(error: BaseException | None, case: Case) -> str:
    """The one-line message of the RatecardError the case must end in."""
    assert isinstance(error, RatecardError), f"{case.name}: {error!r}"
    assert error.exit_code == 2
    message = str(error)
    assert "\n" not in message
    assert case.message in message, message
    return message


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_samples_validate(case: Case, tmp_path: Path, acme: Path) -> None:
    target, stdin = place(case, tmp_path)
    code, output, error = invoke(
        ["samples", "validate", target, "--traits", str(acme), "--format", "json"], stdin
    )
    assert "Traceback" not in output
    if case.exit_code == 2:
        message = file_error(error, case)
        if case.file != "-":
            assert message.startswith(target)
        return
    assert error is None, f"{case.name}: {error!r}"
    assert code == case.exit_code, output
    report = json.loads(output)
    total = report["total"]
    assert (total["read"], total["rejected"]) == (case.read, case.rejected), total
    assert total["read"] == total["valid"] + total["rejected"]
    problems = report["problems"]
    assert all("\n" not in p for p in problems)
    if case.message:
        assert any(case.message in p for p in problems), problems
        bad = next(p for p in problems if case.message in p)
        assert bad.startswith(f"{target}:"), bad


_RECONCILIATION = re.compile(
    r"samples read ([\d,]+), rated ([\d,]+), unmatched ([\d,]+), rejected ([\d,]+), "
    r"duplicates ([\d,]+), outside period ([\d,]+)"
)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_rate(case: Case, tmp_path: Path, acme: Path, monkeypatch) -> None:
    """Every case through the engine too: it judges a Parquet file it reads in place
    itself, first by a proof that every row is valid (made for large files only)."""
    monkeypatch.setattr(parquet_sql, "_PROOF_FROM_ROWS", 0)
    target, stdin = place(case, tmp_path)
    out = tmp_path / "items.jsonl"
    args = ["rate", str(CATALOG), target, "--period", "2026-10", "--out", str(out)]
    code, output, error = invoke([*args, "--traits", str(acme)], stdin)
    assert "Traceback" not in output
    if case.exit_code == 2:
        file_error(error, case)
        return
    assert error is None, f"{case.name}: {error!r}"
    assert code == 0, output
    found = _RECONCILIATION.search(output)
    assert found, output
    read, rated, unmatched, rejected, duplicates, outside = (
        int(g.replace(",", "")) for g in found.groups()
    )
    assert (read, rejected) == (case.read, case.rejected)
    assert read == rated + unmatched + rejected + duplicates + outside


SUBPROCESS = ["gz cut at 60%", "zst cut at 99%", "parquet corrupt pages", "NaN in Double"]


@pytest.mark.parametrize("name", SUBPROCESS)
def test_console_script_never_shows_a_traceback(name: str, tmp_path: Path, acme: Path) -> None:
    case = next(c for c in CASES if c.name == name)
    target, _ = place(case, tmp_path)
    done = subprocess.run(
        [RATECARD, "samples", "validate", target, "--traits", str(acme)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == case.exit_code, done.stderr
    assert "Traceback" not in done.stderr
    if case.exit_code == 2:
        assert done.stderr.count("\n") == 1 and case.message in done.stderr, done.stderr
    else:
        assert done.stderr == ""
        assert case.message in done.stdout


def test_the_corpus_is_large_and_covers_every_format() -> None:
    assert len(CASES) >= 120
    assert len({c.name for c in CASES}) == len(CASES)
    suffixes = {Path(c.file).suffix for c in CASES} | {c.file for c in CASES if c.file == "-"}
    assert {".jsonl", ".csv", ".parquet", ".gz", ".zst", "-"} <= suffixes
