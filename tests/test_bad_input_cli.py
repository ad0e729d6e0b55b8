# ruff: noqa: E501 (the case table keeps one case per line)
"""Bad command lines, FX files and output places: one line on stderr, a documented exit code.

Table-driven: each :class:`Case` is a command line, the files it needs, the
exit code and a substring of the one-line message (docs/errors.md, "Command
line"), and — where rating happens — the reconciliation counts. The cases run
in-process through :func:`rating.cli.main`, exactly what the console script
runs; a few run as real subprocesses to prove no traceback reaches stderr.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from rating.cli import main

REPO = Path(__file__).resolve().parent.parent
CATALOG = str(REPO / "examples" / "catalogs" / "private-cloud")
FLEET = str(REPO / "examples" / "samples" / "fleet-2026-10.jsonl")
BROKEN = str(REPO / "examples" / "samples" / "broken.jsonl")
RATECARD = Path(sys.executable).parent / "ratecard"

# A read-only place even for root: /sys refuses new files; otherwise a chmod 555 directory.
UNWRITABLE = "/sys" if os.geteuid() == 0 else "ro"

ONE_VM = (
    '{"time": "2026-10-01T10:00:00Z", "resource": {"id": "vm-1", "type": "openstack.nova.server"},'
    ' "scope": {"platformType": "OpenStack", "location": "eu-de-1", "tenant": "proj-42"},'
    ' "traits": {"vcpu": 2, "ramMb": 4096, "state": "ACTIVE"}}\n'
)
DEEP = "[" * 100_000 + "]" * 100_000  # deeper than Python's stack
UNMATCHED_VM = ONE_VM.replace('"OpenStack"', '"VMware"').replace("vm-1", "vm-2")


@dataclass(frozen=True)
class Case:
    """One invocation: ``{x}`` in argv is replaced by ``x``'s path in the test's directory."""

    name: str
    argv: list[str]
    code: int
    message: str  # a substring of the one stderr line ("" when the run succeeds)
    files: dict[str, str | bytes] = field(default_factory=dict)
    # (read, rated, unmatched, rejected, duplicates, outside period) when rating ran
    counts: tuple[int, int, int, int, int, int] | None = None


def rate(*args: str) -> list[str]:
    return ["rate", CATALOG, *args]


def report(*args: str) -> list[str]:
    return ["report", CATALOG, *args]


def export(*args: str) -> list[str]:
    return ["export", CATALOG, *args]


FX_HEADER = "from,to,rate\n"


def bad_values(rows: list[tuple[str, Callable[..., list[str]], str, str, str]]) -> list[Case]:
    """Cases of one bad option value on one good VM sample, each failing with exit 2.

    A row is (case name, command, option, value, message): the command line is
    ``command("{s}", option, value)``.
    """
    return [
        Case(name, command("{s}", option, value), 2, message, {"s": ONE_VM})
        for name, command, option, value, message in rows
    ]


# One case per line: a table reads better than the formatter's layout of it.
# fmt: off
CASES = [
    # ---------------------------------------------------------------- periods and intervals
    *bad_values([
        ("period year 10000", rate, "--period", "9999-12", "period '9999-12': periods run from"),
        ("period year 0", rate, "--period", "0000-05", "period '0000-05': periods run from"),
        ("period month 13", report, "--period", "2026-13", "period '2026-13': month must be 01..12"),
        ("period one-digit month", rate, "--period", "2026-1", "expected YYYY-MM or YYYY-MM-DD/YYYY-MM-DD"),
        ("period garbage", report, "--period", "last month", "period 'last month': expected YYYY-MM"),
        ("period empty", rate, "--period", "", "period '': expected YYYY-MM"),
        ("period 30 February", rate, "--period", "2026-02-30/2026-03-01", "day is out of range for month"),
        ("period reversed", report, "--period", "2026-10-05/2026-10-01", "end day must be after start day"),
        ("period range year 0", rate, "--period", "0000-01-01/2026-01-01", "year 0 is out of range"),
        ("period full-width digits", rate, "--period", "２０２６-１０", "expected YYYY-MM"),
        ("period with a trailing newline", rate, "--period", "2026-10\n", "period '2026-10\\n': expected YYYY-MM"),
        ("period range with a trailing newline", report, "--period", "2026-10-01/2026-10-05\n", "expected YYYY-MM or YYYY-MM-DD/YYYY-MM-DD"),
        ("period range ending in year 9999's December", rate, "--period", "2026-10-01/9999-12-31", "period '2026-10-01/9999-12-31': periods run from 0001-01 to 9999-11"),
        ("interval zero", rate, "--interval", "0", "--interval '0': expected a positive duration"),
        ("interval negative", rate, "--interval", "-1h", "--interval '-1h': expected a positive duration"),
        ("interval garbage", rate, "--interval", "hourly", "--interval 'hourly': expected a positive duration"),
        ("interval fraction", rate, "--interval", "1.5h", "--interval '1.5h'"),
        ("interval over a year", rate, "--interval", "400d", "--interval '400d': at most 366d"),
        ("interval overflowing", rate, "--interval", "99999999999999999999d", "at most 366d"),
        ("interval-for without =", rate, "--interval-for", "vm", "--interval-for 'vm': expected TYPE=DURATION"),
        ("interval-for zero", rate, "--interval-for", "openstack.nova.server=0m", "--interval-for '0m': expected a positive duration"),
    ]),
    Case("interval-for one type twice", rate("{s}", "--interval-for", "openstack.nova.server=1h", "--interval-for", "openstack.nova.server=2h"), 2, "--interval-for 'openstack.nova.server=2h': openstack.nova.server is given twice", {"s": ONE_VM}),
    Case("interval-for a misspelt type", rate("{s}", "--interval-for", "openstack.nova.servr=30m"), 2, "--interval-for openstack.nova.servr: no such resource type", {"s": ONE_VM}),
    Case("period month 00", export("{s}", "--period", "2026-00", "--to", "{out}"), 2, "month must be 01..12", {"s": ONE_VM}),
    Case("period missing on report", report("{s}"), 2, "Missing option '--period'", {"s": ONE_VM}),
    Case("no samples to infer the period", rate("{s}"), 2, "no samples to infer the period from: pass --period", {"s": ""}),
    Case("interval zero hours", report("{s}", "--period", "2026-10", "--interval", "0h"), 2, "--interval '0h': expected a positive duration", {"s": ONE_VM}),
    # ---------------------------------------------------------------- options and engines
    Case("unknown option", rate("{s}", "--bogus"), 2, "No such option '--bogus'", {"s": ONE_VM}),
    Case("unknown engine", rate("{s}", "--engine", "flink"), 2, "Invalid value for '--engine'", {"s": ONE_VM}),
    Case("spark master without spark", rate("{s}", "--spark-master", "local[2]"), 2, "--spark-master and --spark-conf need --engine spark", {"s": ONE_VM}),
    Case("spark conf without spark", report("{s}", "--period", "2026-10", "--spark-conf", "a=b"), 2, "need --engine spark", {"s": ONE_VM}),
    Case("spark conf without =", rate("{s}", "--engine", "spark", "--spark-conf", "nonsense"), 2, "--spark-conf 'nonsense': expected KEY=VALUE", {"s": ONE_VM}),
    Case("unknown rate format", rate("{s}", "--format", "xml"), 2, "Invalid value for '--format'", {"s": ONE_VM}),
    Case("unknown rounding", report("{s}", "--period", "2026-10", "--rounding", "up-ish"), 2, "Invalid value for '--rounding'", {"s": ONE_VM}),
    Case("generated-at garbage", report("{s}", "--period", "2026-10", "--generated-at", "noon"), 2, "--generated-at 'noon': expected ISO 8601", {"s": ONE_VM}),
    Case("unknown command", ["frobnicate"], 2, "No such command 'frobnicate'"),
    Case("samples missing", ["rate", CATALOG], 2, "Missing argument 'SAMPLES...'"),
    Case("export without --to", export("{s}", "--period", "2026-10"), 2, "Missing option '--to'", {"s": ONE_VM}),
    Case("report --as-of on the period's first day", report("{s}", "--period", "2026-10", "--as-of", "2026-10-01T12:00:00Z"), 0, "", {"s": ONE_VM}, (1, 1, 0, 0, 0, 0)),
    Case("budget --as-of on the period's first day", ["budget", "status", CATALOG, "{s}", "--period", "2026-10", "--as-of", "2026-10-01T00:00:01Z"], 0, "", {"s": ONE_VM}, (1, 0, 0, 0, 0, 1)),
    Case("budget --as-of before the period", ["budget", "status", CATALOG, "{s}", "--period", "2026-10", "--as-of", "1990-01-01T00:00:00Z"], 2, "as of 1990-01-01T00:00:00Z: not after the start of period 2026-10", {"s": ONE_VM}),
    Case("report --out for a 300-character tenant", report("{s}", "--period", "2026-10", "--format", "json", "--out", "{out}"), 0, "", {"s": ONE_VM.replace("proj-42", "t" * 300)}, (1, 1, 0, 0, 0, 0)),
    Case("report --generated-at past year 9999 in UTC", report("{s}", "--period", "2026-10", "--generated-at", "9999-12-31T23:59:59-01:00"), 2, "--generated-at '9999-12-31T23:59:59-01:00': outside the years 0001 to 9999 in UTC", {"s": ONE_VM}),
    Case("report --out an S3 URL", report("{s}", "--period", "2026-10", "--format", "json", "--out", "s3://bucket/reports"), 2, "--out s3:/bucket/reports: is a URL; this output goes to a local path", {"s": ONE_VM}),
    Case("convert --out an S3 URL", ["samples", "convert", "{s}", "--out", "s3://bucket/x.parquet"], 2, "--out s3:/bucket/x.parquet: is a URL", {"s": ONE_VM}),
    Case("alerts with a missing sample file", ["alerts", CATALOG, "absent.jsonl", "--at", "2026-10-15T00:00:00Z"], 2, "absent.jsonl: no such file"),
    Case("alerts with a glob of sample files", ["alerts", CATALOG, "{d}/*.jsonl", "--at", "2026-10-15T00:00:00Z"], 0, "0 crossings", {"d/a.jsonl": ONE_VM}),
    # ---------------------------------------------------------------- samples and catalogs
    Case("missing sample file", rate("absent.jsonl"), 2, "absent.jsonl: no such file"),
    Case("missing sample file, report", report("absent.jsonl", "--period", "2026-10"), 2, "absent.jsonl: no such file"),
    Case("missing sample file, export", export("absent.jsonl", "--period", "2026-10", "--to", "{out}"), 2, "absent.jsonl: no such file"),
    Case("directory as sample file", rate("{d/x}"), 2, "d/x: is a directory", {"d/x/keep": ""}),
    Case("directory as sample file, validate", ["samples", "validate", "{d}"], 2, "/d: is a directory", {"d/keep": ""}),
    Case("missing catalog, rate", ["rate", "no-such-catalog.dhall", "{s}"], 2, "no-such-catalog.dhall", {"s": ONE_VM}),
    Case("missing catalog, report", ["report", "no-such-catalog.dhall", "{s}", "--period", "2026-10"], 2, "no-such-catalog.dhall", {"s": ONE_VM}),
    Case("missing catalog, export", ["export", "no-such-catalog.dhall", "{s}", "--period", "2026-10", "--to", "{out}"], 2, "no-such-catalog.dhall", {"s": ONE_VM}),
    Case("missing catalog, check", ["check", "no-such-catalog.dhall"], 2, "no-such-catalog.dhall"),
    Case("missing catalog, test", ["test", "no-such-catalog.dhall"], 2, "no-such-catalog.dhall"),
    Case("catalog directory without catalog.dhall", ["rate", "{d}", "{s}"], 2, "catalog.dhall", {"d/keep": "", "s": ONE_VM}),
    Case("unknown resource type shown", ["traits", "show", "nope"], 2, "unknown resource type 'nope'"),
    Case("traits file trait without optional", ["traits", "list", "--traits", "{t}"], 2, "t: x.y: expected traits with fields name, type, optional, description", {"t": '{ id = "x.y", platform = "P", displayName = "d", description = "d", traits = [ { name = "a", type = "Natural", description = "d" } ] }'}),
    Case("traits file traits not a list", ["traits", "list", "--traits", "{t}"], 2, "t: x.y: field traits: expected a list of traits", {"t": '{ id = "x.y", platform = "P", displayName = "d", description = "d", traits = "none" }'}),
    Case("traits file not UTF-8", ["traits", "list", "--traits", "{t}"], 2, "t: not UTF-8 text", {"t": b'{ id = "x\xff" }\n'}),
    # ---------------------------------------------------------------- outputs
    Case("rate --out into a missing directory", rate("{s}", "--out", "missing/li.jsonl"), 2, "--out missing/li.jsonl: directory missing does not exist", {"s": ONE_VM}),
    Case("rate --out is a directory", rate("{s}", "--out", "{d}"), 2, "is a directory, expected a file name", {"s": ONE_VM, "d/keep": ""}),
    Case("rate --out empty", rate("{s}", "--out", ""), 2, "--out '': expected a file, or - for stdout", {"s": ONE_VM}),
    Case("unknown empty tenant", report("{s}", "--period", "2026-10", "--tenant", ""), 2, "no line items for tenant(s) '' in 2026-10", {"s": ONE_VM}, (1, 1, 0, 0, 0, 0)),
    Case("rate --out below a file", rate("{s}", "--out", "{f}/li.jsonl"), 2, "is not a directory", {"s": ONE_VM, "f": "x"}),
    Case("rate --out unwritable", rate("{s}", "--out", f"{UNWRITABLE}/li.jsonl"), 2, "cannot write in", {"s": ONE_VM}),
    Case("rate --format table with --out", rate("{s}", "--format", "table", "--out", "li.txt"), 2, "--format table writes to the terminal only", {"s": ONE_VM}),
    Case("rejects into a missing directory", rate("{s}", "--rejects", "missing/rejects.jsonl"), 2, "--rejects missing/rejects.jsonl: directory missing does not exist", {"s": ONE_VM}),
    Case("rejects is a directory", rate("{s}", "--rejects", "{d}"), 2, "--rejects", {"s": ONE_VM, "d/keep": ""}),
    Case("rejects unwritable", rate("{s}", "--rejects", f"{UNWRITABLE}/rejects.jsonl"), 2, "cannot write in", {"s": ONE_VM}),
    Case("report --out /dev/null", report("{s}", "--period", "2026-10", "--out", "/dev/null"), 2, "/dev/null", {"s": ONE_VM}),
    Case("report --out is a file", report("{s}", "--period", "2026-10", "--out", "{f}"), 2, "is a file", {"s": ONE_VM, "f": "x"}),
    Case("report --out below a file", report("{s}", "--period", "2026-10", "--format", "json", "--out", "{f}/reports"), 2, "is not a directory", {"s": ONE_VM, "f": "x"}),
    Case("report --out unwritable", report("{s}", "--period", "2026-10", "--format", "json", "--out", f"{UNWRITABLE}/reports"), 2, "cannot write in", {"s": ONE_VM}),
    Case("export --to empty", export("{s}", "--period", "2026-10", "--to", ""), 2, "--to: '': expected a directory or s3://bucket/prefix", {"s": ONE_VM}),
    Case("export --sse-kms-key-id without --sse", export("{s}", "--period", "2026-10", "--to", "{out}", "--sse-kms-key-id", "k1"), 2, "--sse-kms-key-id needs --sse aws:kms", {"s": ONE_VM}),
    Case("export --sse-kms-key-id with AES256", export("{s}", "--period", "2026-10", "--to", "{out}", "--sse", "AES256", "--sse-kms-key-id", "k1"), 2, "--sse-kms-key-id needs --sse aws:kms", {"s": ONE_VM}),
    Case("export --provider-name with a newline", export("{s}", "--period", "2026-10", "--to", "{out}", "--provider-name", "a\nb"), 2, "--provider-name 'a\\nb' holds a control character", {"s": ONE_VM}),
    Case("export --provider-name empty", export("{s}", "--period", "2026-10", "--to", "{out}", "--provider-name", ""), 2, "--provider-name '' is empty", {"s": ONE_VM}),
    Case("export --to another scheme", export("{s}", "--period", "2026-10", "--to", "ftp://host/billing"), 2, "--to: ftp://host/billing: only s3:// URLs are supported", {"s": ONE_VM}),
    Case("export --endpoint-url not a URL", export("{s}", "--period", "2026-10", "--to", "s3://bucket", "--endpoint-url", "not a url"), 2, "--to: Invalid endpoint: not a url", {"s": ONE_VM}),
    Case("verify-export another scheme", ["verify-export", "ftp://host/billing"], 2, "ftp://host/billing: only s3:// URLs are supported"),
    Case("verify-export manifest nested too deeply", ["verify-export", "{d}"], 2, "manifest.json: not a ratecard manifest (nested too deeply)", {"d/manifest.json": DEEP}),
    Case("validate --rejects is a directory", ["samples", "validate", "{s}", "--rejects", "{d}"], 2, "--rejects", {"s": ONE_VM, "d/keep": ""}),
    Case("validate --rejects on a full disk", ["samples", "validate", "{s}", "--rejects", "/dev/full"], 2, "--rejects /dev/full: cannot write: No space left on device", {"s": "{}\n"}),
    Case("convert --rejects on a full disk", ["samples", "convert", "{s}", "--out", "{o}.jsonl", "--rejects", "/dev/full"], 2, "--rejects /dev/full: cannot write", {"s": "{}\n"}),
    Case("rate --rejects on a full disk", rate("{s}", "--rejects", "/dev/full"), 2, "--rejects /dev/full: cannot write", {"s": "{}\n" + ONE_VM}),
    Case("rate --out on a full disk", rate("{s}", "--out", "/dev/full", "--format", "parquet"), 2, "/dev/full: cannot write line items: No space left on device", {"s": ONE_VM}),
    Case("admit request nested too deeply", ["admit", CATALOG, "{s}", "--request", "{r}"], 2, "r: not JSON: nested too deeply", {"s": ONE_VM, "r": DEEP}),
    Case("alerts state nested too deeply", ["alerts", CATALOG, "{s}", "--state", "{st}"], 2, "st: not JSON (nested too deeply)", {"s": ONE_VM, "st": DEEP}),
    Case("import mapping nested too deeply", ["import", "kubernetes", "{k}", "--mapping", "{m}"], 2, "m: the mapping is nested too deeply", {"k": "[]", "m": DEEP}),
    Case("export --to a file", export("{s}", "--period", "2026-10", "--to", "{f}"), 2, "not a directory", {"s": ONE_VM, "f": "x"}),
    # ---------------------------------------------------------------- FX files
    Case("fx rate 1e400", report("{s}", "--period", "2026-10", "--fx", "{fx}"), 2, "fx:2: field rate", {"s": ONE_VM, "fx": FX_HEADER + "USD,EUR,1e400\n"}),
    Case("fx rate NaN", report("{s}", "--period", "2026-10", "--fx", "{fx}"), 2, "fx:2: field rate: 'NaN'", {"s": ONE_VM, "fx": FX_HEADER + "USD,EUR,NaN\n"}),
    Case("fx rate infinite", report("{s}", "--period", "2026-10", "--fx", "{fx}"), 2, "fx:3: field rate", {"s": ONE_VM, "fx": FX_HEADER + "USD,EUR,0.9\nCHF,EUR,Infinity\n"}),
    Case("fx rate negative", report("{s}", "--period", "2026-10", "--fx", "{fx}"), 2, "fx:2: field rate: '-0.9' must be a positive number", {"s": ONE_VM, "fx": FX_HEADER + "USD,EUR,-0.9\n"}),
    Case("fx rate zero", report("{s}", "--period", "2026-10", "--fx", "{fx}"), 2, "fx:2: field rate: '0' must be a positive number", {"s": ONE_VM, "fx": FX_HEADER + "USD,EUR,0\n"}),
    Case("fx rate text", report("{s}", "--period", "2026-10", "--fx", "{fx}"), 2, "fx:2: field rate: 'abc' is not a number", {"s": ONE_VM, "fx": FX_HEADER + "USD,EUR,abc\n"}),
    Case("fx missing column", report("{s}", "--period", "2026-10", "--fx", "{fx}"), 2, "fx:1: missing column(s) rate", {"s": ONE_VM, "fx": "from,to\nUSD,EUR\n"}),
    Case("fx empty file", report("{s}", "--period", "2026-10", "--fx", "{fx}"), 2, "fx:1: missing column(s)", {"s": ONE_VM, "fx": ""}),
    Case("fx not UTF-8", report("{s}", "--period", "2026-10", "--fx", "{fx}"), 2, "fx:3: cannot read FX rates: not UTF-8 (byte 0xff)", {"s": ONE_VM, "fx": b"from,to,rate\nUSD,EUR,0.9\n\xff\xfe,EUR,1\n"}),
    Case("fx header not UTF-8", report("{s}", "--period", "2026-10", "--fx", "{fx}"), 2, "fx:1: cannot read FX rates: not UTF-8 (byte 0xe9)", {"s": ONE_VM, "fx": b"fr\xe9m,to,rate\nUSD,EUR,0.9\n"}),
    Case("fx line without end", report("{s}", "--period", "2026-10", "--fx", "{fx}"), 2, "fx:2: cannot read FX rates: line longer than 65536 characters", {"s": ONE_VM, "fx": FX_HEADER + "x" * 70_000}),
    Case("fx quoted field over the csv limit", report("{s}", "--period", "2026-10", "--fx", "{fx}"), 2, "cannot read FX rates: field larger than field limit", {"s": ONE_VM, "fx": FX_HEADER + 'USD,EUR,"' + "x\n" * 600_000 + '"\n'}),
    Case("fx with a byte order mark", report("{s}", "--period", "2026-10", "--fx", "{fx}", "--base-currency", "USD"), 0, "", {"s": ONE_VM, "fx": b"\xef\xbb\xbf" + FX_HEADER.encode() + b"EUR,USD,1.1\n"}, (1, 1, 0, 0, 0, 0)),
    Case("fx bad currency", report("{s}", "--period", "2026-10", "--fx", "{fx}"), 2, "fx:2: field from: 'usd' is not an ISO 4217 code", {"s": ONE_VM, "fx": FX_HEADER + "usd,EUR,0.9\n"}),
    Case("fx file missing", report("{s}", "--period", "2026-10", "--fx", "absent.csv"), 2, "absent.csv", {"s": ONE_VM}),
    Case("fx file is a directory", report("{s}", "--period", "2026-10", "--fx", "{d}"), 2, "is a directory", {"s": ONE_VM, "d/keep": ""}),
    # ---------------------------------------------------------------- report options
    Case("unknown tenant", report("{s}", "--period", "2026-10", "--tenant", "nobody"), 2, "no line items for tenant(s) 'nobody' in 2026-10", {"s": ONE_VM}, (1, 1, 0, 0, 0, 0)),
    Case("base currency not ISO 4217", report("{s}", "--period", "2026-10", "--base-currency", "EURO"), 2, "--base-currency 'EURO': not an ISO 4217 currency code", {"s": ONE_VM}),
    Case("base currency XXX (no currency)", report("{s}", "--period", "2026-10", "--base-currency", "XXX"), 2, "--base-currency 'XXX': not an ISO 4217", {"s": ONE_VM}),
    Case("base currency lower case", report("{s}", "--period", "2026-10", "--base-currency", "eur"), 2, "--base-currency 'eur'", {"s": ONE_VM}),
    Case("base currency unknown code", report("{s}", "--period", "2026-10", "--base-currency", "ZZZ"), 2, "--base-currency 'ZZZ': not an ISO 4217", {"s": ONE_VM}),
    Case("base currency without a rate", report("{s}", "--period", "2026-10", "--base-currency", "JPY"), 2, "no exchange rate from EUR to JPY", {"s": ONE_VM}),
    # ---------------------------------------------------------------- init
    Case("init into a non-empty directory", ["init", "{d}"], 2, "directory is not empty (use --force", {"d/keep": "x"}),
    Case("init onto a file", ["init", "{f}"], 2, "is not a directory", {"f": "x"}),
    Case("init below a file", ["init", "{f}/repo"], 2, "is not a directory", {"f": "x"}),
    Case("init unwritable", ["init", f"{UNWRITABLE}/repo"], 2, "cannot write in", {}),
    # ---------------------------------------------------------------- reconciliation and --strict
    Case("rate warns on rejects", rate(BROKEN, "--period", "2026-10"), 0, "6 of 7 samples rejected", {}, (7, 1, 0, 6, 0, 0)),
    Case("report warns on rejects", report(BROKEN, "--period", "2026-10"), 0, "6 of 7 samples rejected", {}, (7, 1, 0, 6, 0, 0)),
    Case("export warns on rejects", export(BROKEN, "--period", "2026-10", "--to", "{out}"), 0, "6 of 7 samples rejected", {}, (7, 1, 0, 6, 0, 0)),
    Case("rate --strict fails on rejects", rate(BROKEN, "--period", "2026-10", "--strict"), 1, "--strict: 6 of 7 samples rejected", {}, (7, 1, 0, 6, 0, 0)),
    Case("report --strict fails on rejects", report(BROKEN, "--period", "2026-10", "--strict"), 1, "--strict: 6 of 7 samples rejected", {}, (7, 1, 0, 6, 0, 0)),
    Case("export --strict fails on rejects", export(BROKEN, "--period", "2026-10", "--strict", "--to", "{out}"), 1, "--strict: 6 of 7 samples rejected", {}, (7, 1, 0, 6, 0, 0)),
    Case("report --strict fails on unmatched", report("{s}", "--period", "2026-10", "--strict"), 1, "--strict: 1 of 2 samples matched no product", {"s": ONE_VM + UNMATCHED_VM}, (2, 1, 1, 0, 0, 0)),
    Case("export --strict fails on unmatched", export("{s}", "--period", "2026-10", "--strict", "--to", "{out}"), 1, "matched no product", {"s": ONE_VM + UNMATCHED_VM}, (2, 1, 1, 0, 0, 0)),
    Case("rate --strict passes a clean run", rate("{s}", "--period", "2026-10", "--strict"), 0, "", {"s": ONE_VM}, (1, 1, 0, 0, 0, 0)),
    Case("samples outside the period", rate("{s}", "--period", "2026-11"), 0, "", {"s": ONE_VM}, (1, 0, 0, 0, 0, 1)),
    Case("duplicate samples", report("{s}", "--period", "2026-10"), 0, "", {"s": ONE_VM + ONE_VM}, (2, 1, 0, 0, 1, 0)),
]
# fmt: on


_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def _materialize(case: Case, root: Path) -> list[str]:
    """Write the case's files under ``root``; ``{name}`` in argv becomes ``root/name``."""
    for relative, content in case.files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return [_PLACEHOLDER.sub(lambda m: str(root / m[1]), arg) for arg in case.argv]


def run_main(argv: list[str]) -> tuple[int, str, str]:
    """``ratecard ARGV`` in-process, through the console script's entry point."""
    runner = CliRunner()
    with runner.isolation() as (out, err, _):
        try:
            main(argv)
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else 1
    return code, out.getvalue().decode(), err.getvalue().decode()


_COUNTS = re.compile(
    r"samples read ([\d,]+), rated ([\d,]+), unmatched ([\d,]+), rejected ([\d,]+), "
    r"duplicates ([\d,]+), outside period ([\d,]+)"
)


def _counts(stderr: str) -> tuple[int, ...] | None:
    found = _COUNTS.search(stderr)
    return tuple(int(n.replace(",", "")) for n in found.groups()) if found else None


@pytest.fixture
def unwritable(tmp_path: Path):
    """Make the non-root stand-in for /sys read-only for the test's duration."""
    if UNWRITABLE == "/sys":
        yield
        return
    ro = tmp_path / UNWRITABLE
    ro.mkdir()
    ro.chmod(0o555)
    yield
    ro.chmod(0o755)


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 60
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, unwritable) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, stderr = run_main(_materialize(case, tmp_path))
    assert "Traceback" not in stderr
    errors = [line for line in stderr.splitlines() if line.startswith("ratecard: error:")]
    if case.code == 0:
        assert code == 0, stderr
        assert not errors, stderr
    else:
        assert code == case.code, stderr
        assert len(errors) == 1, stderr
        assert errors == [line for line in stderr.splitlines() if line.strip()][-1:], stderr
    assert case.message in stderr, stderr
    if case.counts is not None:
        assert _counts(stderr) == case.counts, stderr


# ---------------------------------------------------------------- ratecard test


def _catalog_with_example(tmp_path: Path, example: str) -> Path:
    """The ``ratecard init`` starter catalog with its example replaced."""
    repo = tmp_path / "repo"
    assert run_main(["init", str(repo)])[0] == 0
    catalog = repo / "catalog.dhall"
    text = catalog.read_text()
    start = text.index("      [ C.Example::{")
    end = text.index("      ]\n    }", start)
    catalog.write_text(text[:start] + example + text[end:])
    return catalog


EXAMPLE = """      [ C.Example::{{
        , name = "one m1.medium for one hour"
        , samples = [ webServer ]
        , period = "2026-10"
        , expectedTotal = {total}
        , currency = "EUR"{extra}
        }}
"""


@pytest.mark.parametrize(
    ("total", "extra", "code", "line"),
    [
        (
            "0.06",
            "",
            0,
            'ok   example "one m1.medium for one hour": expected 0.06 EUR, got 0.06 EUR',
        ),
        (
            "0.064",
            "",
            1,
            'FAIL example "one m1.medium for one hour": expected 0.064 EUR, got 0.06 EUR',
        ),
        (
            "0.06",
            '\n        , expectedReport = Some { tenant = "proj-42", currency = "EUR", total = 0.06 }',
            0,
            "report of 'proj-42': expected 0.06, got 0.06 EUR",
        ),
        (
            "0.06",
            '\n        , expectedReport = Some { tenant = "proj-42", currency = "EUR", total = 0.07 }',
            1,
            "report of 'proj-42': expected 0.07, got 0.06 EUR",
        ),
        (
            "0.06",
            '\n        , expectedReport = Some { tenant = "nobody", currency = "EUR", total = 0.06 }',
            1,
            "report of 'nobody': no line items (tenants: proj-42)",
        ),
    ],
    ids=[
        "exact match",
        "0.064 is not 0.06",
        "report total",
        "wrong report total",
        "no such tenant",
    ],
)
def test_examples_compare_exactly(
    tmp_path: Path, total: str, extra: str, code: int, line: str
) -> None:
    catalog = _catalog_with_example(tmp_path, EXAMPLE.format(total=total, extra=extra))
    got, stdout, stderr = run_main(["test", str(catalog)])
    assert got == code, stdout + stderr
    assert line in stdout, stdout


# ---------------------------------------------------------------- the top level


def test_a_bug_is_one_line_exit_70(monkeypatch: pytest.MonkeyPatch) -> None:
    import rating.cli.traits_cmd as traits_cmd

    def broken(*_args, **_kwargs):
        raise ZeroDivisionError("division by zero\nsecond line")

    monkeypatch.setattr(traits_cmd, "resource_types", broken)
    monkeypatch.delenv("RATECARD_DEBUG", raising=False)
    code, _, stderr = run_main(["traits", "list"])
    assert code == 70
    assert stderr.startswith("ratecard: error: internal error: ZeroDivisionError: division by zero")
    assert "please report it" in stderr and len(stderr.splitlines()) == 1
    monkeypatch.setenv("RATECARD_DEBUG", "1")
    code, _, stderr = run_main(["traits", "list"])
    assert code == 70 and "Traceback" in stderr


def test_interrupt_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    import rating.cli.traits_cmd as traits_cmd

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(traits_cmd, "resource_types", interrupted)
    code, _, stderr = run_main(["traits", "list"])
    assert code == 130
    assert [line for line in stderr.splitlines() if line] == ["ratecard: interrupted"]


def _subprocess(*argv: str, cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(RATECARD), *argv], cwd=cwd, capture_output=True, text=True, check=False, **kwargs
    )


@pytest.mark.parametrize(
    ("argv", "files", "code", "message"),
    [
        (
            ["rate", CATALOG, "s.jsonl", "--period", "9999-12"],
            {"s.jsonl": ONE_VM},
            2,
            "period '9999-12'",
        ),
        (
            ["report", CATALOG, "s.jsonl", "--period", "2026-10", "--fx", "fx.csv"],
            {"s.jsonl": ONE_VM, "fx.csv": "from,to,rate\nUSD,EUR,1e400\n"},
            2,
            "fx.csv:2: field rate",
        ),
        (
            ["rate", CATALOG, "s.jsonl", "--rejects", "/proc/no/such/dir/r.jsonl"],
            {"s.jsonl": ONE_VM},
            2,
            "--rejects",
        ),
        (
            ["report", CATALOG, BROKEN, "--period", "2026-10", "--strict"],
            {},
            1,
            "--strict: 6 of 7 samples rejected",
        ),
    ],
    ids=["period 9999-12", "fx 1e400", "rejects nowhere", "strict"],
)
def test_no_traceback_from_the_console_script(
    tmp_path: Path, argv: list[str], files: dict[str, str], code: int, message: str
) -> None:
    for name, content in files.items():
        (tmp_path / name).write_text(content)
    done = _subprocess(*argv, cwd=tmp_path)
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1].startswith("ratecard: error:")
    assert message in done.stderr.splitlines()[-1]


def test_a_closed_stdout_ends_quietly(tmp_path: Path) -> None:
    """``ratecard rate … | head -1``: exit 0, nothing about the broken pipe on stderr."""
    with subprocess.Popen(
        [str(RATECARD), "rate", CATALOG, FLEET, "--format", "jsonl"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as child:
        assert child.stdout is not None and child.stderr is not None
        child.stdout.readline()
        child.stdout.close()
        stderr = child.stderr.read()
        code = child.wait(timeout=120)
    assert code == 0, stderr
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr


def test_ctrl_c_is_one_line_exit_130(tmp_path: Path) -> None:
    """SIGINT while a command runs (here: reading stdin that never ends)."""
    with subprocess.Popen(
        [str(RATECARD), "samples", "validate", "-"],
        cwd=tmp_path,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # As from a terminal: a test run started in the background of a shell
        # inherits SIGINT ignored, and Python then never raises KeyboardInterrupt.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    ) as child:
        time.sleep(3)  # let the interpreter start and block on stdin
        child.send_signal(signal.SIGINT)
        _, stderr = child.communicate(timeout=60)
    assert child.returncode == 130, stderr
    assert [line for line in stderr.splitlines() if line] == ["ratecard: interrupted"]
