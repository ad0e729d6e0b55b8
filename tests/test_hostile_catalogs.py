"""Hostile catalogs: what a catalog may import, what numbers it may hold, what a partner may do.

Table-driven: each case writes a few small files under ``tmp_path/cat``, runs
one command through the real entry point (``rating.cli.main``, in process),
and asserts the exit code, one line naming the problem, no traceback or Rust
panic text, and that no secret (an environment variable's value, an outside
file's content) reaches stdout, stderr, any output file or the cache.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from rating.cli import main
from rating.library import catalog_dir, traits_dir
from rating.model import (
    Catalog,
    CatalogPart,
    Discount,
    DiscountRule,
    DiscountScope,
    DiscountSelector,
)
from rating.report.discounts import compile_discounts

LIB = catalog_dir() / "package.dhall"
SECRET = "s3cr3t-sentinel-4242"
SAMPLE = {
    "time": "2026-10-01T10:00:00Z",
    "resource": {"id": "vm-1", "type": "openstack.nova.server", "name": "web-1"},
    "scope": {"platformType": "OpenStack", "location": "eu-de-1", "tenant": "proj-1"},
    "traits": {"vcpu": 2, "ramMb": 2048, "state": "ACTIVE", "flavor": "m1.small"},
}


def product(
    id: str = "vm-hours",
    price: str = 'C.Price.perUnit "EUR" 0.05',
    seller: str = "acme",
    display: str = "VM hours",
    description: str = '""',
) -> str:
    return f"""C.Product::{{
        , id = "{id}"
        , displayName = "{display}"
        , description = {description}
        , resourceType = "openstack.nova.server"
        , scope = C.Scope.platformType "OpenStack"
        , filter = [ C.Condition.equals "state" (C.Value.text "ACTIVE") ]
        , usage = C.Usage.time "h"
        , usageType = "hours"
        , price = {price}
        , seller = C.Seller::{{ sellerId = "{seller}", sellerProductGroup = "Compute" }}
        }}"""


def filtered(condition: str) -> str:
    """The default product with ``condition`` as its filter."""
    return product().replace('C.Condition.equals "state" (C.Value.text "ACTIVE")', condition)


def catalog(products: str | None = None, lets: str = "", extra: str = "") -> str:
    """A root catalog selling as "acme"; ``extra`` adds fields (``, parts = …``)."""
    return f"""let C = {LIB}
{lets}
in  C.Catalog::{{
    , name = "hostile"
    , sellerId = Some "acme"
    , products = [ {products or product()} ]
    {extra}
    }}
"""


def partner_file(products: str, discounts: str = "", header: str = "") -> str:
    listed = f"[ {discounts} ]" if discounts else "[] : List C.Discount.Type"
    return f"""let C = {LIB}
in  C.Part::{{
    , name = "p"
    , sellerId = "p"
    {header}
    , products = [ {products} ]
    , discounts = {listed}
    }}
"""


PARTNER_DECLARED = """
    , parts = [ ./partners/p.dhall ]
    , partners = [ C.Partner::{ name = "p", sellerIds = [ "p" ], files = [ "partners/p.dhall" ] } ]
"""
FEE_ON_EVERYONE = """C.Discount::{
        , id = "p-fee"
        , displayName = "partner fee"
        , rule = C.DiscountRule.fixedPercentage "EUR" 50.0
        }"""


@dataclass(frozen=True)
class Case:
    name: str
    files: dict[str, str]
    expected_exit: int
    message: str  # one line of the output contains it
    command: str = "check"
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)


TAB_IN_DISCOUNT_ID = FEE_ON_EVERYONE.replace('"p-fee"', '"p\\tfee"')
# ``n`` steps of adding one to ``zero``.
FOLD_ONE_BY_ONE = "Natural/fold {n} Natural (\\(x : Natural) -> x + 1) {zero}"


def _env_secret(line: str) -> dict[str, str]:
    return {"catalog.dhall": catalog(lets=line)}


CASES = [
    # ---- env: imports, refused before anything is evaluated
    Case(
        "env-secret-as-text",
        _env_secret("let s = env:AWS_SECRET_ACCESS_KEY as Text"),
        2,
        "catalog.dhall:2:9: import env:AWS_SECRET_ACCESS_KEY refused: it reads an environment "
        "variable; allow with --allow-import env or RATECARD_ALLOW_IMPORT=env",
    ),
    Case(
        "env-quoted-name",
        _env_secret('let s = env:"AWS_SECRET_ACCESS_KEY" as Text'),
        2,
        'import env:"AWS_SECRET_ACCESS_KEY" refused',
    ),
    Case(
        "env-with-alternative",
        _env_secret('let s = env:AWS_SECRET_ACCESS_KEY as Text ? "none"'),
        2,
        "import env:AWS_SECRET_ACCESS_KEY refused",
    ),
    Case(
        "env-in-description-on-rate",
        {
            "catalog.dhall": catalog(
                product(description="env:AWS_SECRET_ACCESS_KEY as Text"),
            )
        },
        2,
        "catalog.dhall:9:25: import env:AWS_SECRET_ACCESS_KEY refused",
        command="rate",
    ),
    Case(
        "env-in-imported-file",
        {
            "catalog.dhall": catalog(lets="let inner = ./sub/inner.dhall"),
            "sub/inner.dhall": "-- harmless\n{ key = env:AWS_SECRET_ACCESS_KEY as Text }\n",
        },
        2,
        "sub/inner.dhall:2:9: import env:AWS_SECRET_ACCESS_KEY refused",
    ),
    Case(
        "env-only-in-comment-and-text-is-fine",
        _env_secret(
            '-- env:AWS_SECRET_ACCESS_KEY\nlet s = "env:AWS_SECRET_ACCESS_KEY /etc/passwd"'
        ),
        0,
        "ok, no findings",
    ),
    Case(
        "unknown-allow-kind",
        _env_secret(""),
        2,
        "RATECARD_ALLOW_IMPORT: unknown import kind 'everything'",
        env={"RATECARD_ALLOW_IMPORT": "everything"},
    ),
    # ---- files outside the catalog's directory
    Case(
        "etc-passwd-as-text",
        _env_secret("let s = /etc/passwd as Text"),
        2,
        "catalog.dhall:2:9: import /etc/passwd refused: it reads a file outside the catalog's "
        "directory; allow with --allow-import outside-root",
    ),
    Case(
        "dot-dot-leaves-root",
        _env_secret("let s = ../outside/secret.dhall"),
        2,
        "import ../outside/secret.dhall refused",
        command="report",
        args=("--period", "2026-10"),
    ),
    Case(
        "dot-dot-that-stays-inside-is-fine",
        {
            "catalog.dhall": catalog(lets="let s = ./sub/../sub/ok.dhall"),
            "sub/ok.dhall": "1\n",
        },
        0,
        "ok, no findings",
    ),
    Case("home-path", _env_secret("let s = ~/x.dhall"), 2, "import ~/x.dhall refused"),
    Case(
        "outside-allowed-on-request",
        _env_secret("let s = ../outside/secret.dhall"),
        0,
        "ok, no findings",
        args=("--allow-import", "outside-root"),
    ),
    # ---- remote imports (the server fixtures fill in {base} and {refused})
    Case(
        "remote-refused-by-default",
        _env_secret("let s = https://example.invalid/x.dhall sha256:" + "0" * 64),
        2,
        "import https://example.invalid/x.dhall refused: it fetches from the network; "
        "allow with --allow-import remote",
    ),
    Case(
        "remote-refused-on-export",
        _env_secret("let s = {base}/ok.dhall"),
        2,
        "/ok.dhall refused: it fetches from the network",
        command="export",
        args=("--period", "2026-10", "--to", "{tmp}/exported"),
    ),
    Case(
        "remote-connection-refused",
        _env_secret("let s = {refused}/x.dhall"),
        2,
        "catalog.dhall:2:9: cannot fetch {refused}/x.dhall: Connection refused",
        args=("--allow-import", "remote"),
    ),
    Case(
        "remote-hanging-server",
        _env_secret("let s = {hanging}/x.dhall"),
        2,
        "cannot fetch {hanging}/x.dhall: no answer within 1 s",
        args=("--allow-import", "remote"),
        env={"RATECARD_IMPORT_TIMEOUT": "1"},
    ),
    Case(
        "remote-not-found",
        _env_secret("let s = {base}/missing.dhall"),
        2,
        "cannot fetch {base}/missing.dhall: HTTP 404",
        env={"RATECARD_ALLOW_IMPORT": "remote"},
    ),
    Case(
        "remote-without-hash-warns",
        _env_secret("let s = {base}/ok.dhall"),
        0,
        "catalog.dhall:2: warning[unpinned-remote-import] remote import {base}/ok.dhall has no "
        "sha256: integrity hash",
        args=("--allow-import", "remote"),
    ),
    Case(
        "remote-without-hash-warns-and-rates",
        _env_secret("let s = {base}/ok.dhall"),
        0,
        "warning[unpinned-remote-import]",
        command="rate",
        args=("--allow-import", "remote"),
    ),
    # ---- ids that name nothing, or read like another one
    Case(
        "empty-product-id",
        {"catalog.dhall": catalog(product(id=""))},
        1,
        "error[bad-identifier] product '': id is empty",
    ),
    Case(
        "newline-in-product-id-never-rates",
        {"catalog.dhall": catalog(product(id="vm\\nhours"))},
        1,
        "the catalog has 1 error(s) (see `ratecard check`); nothing was rated",
        command="rate",
    ),
    Case(
        "right-to-left-override-in-seller-id",
        {"catalog.dhall": catalog(product(seller="acme\\u{202E}"))},
        1,
        "error[bad-identifier] product 'vm-hours': sellerId 'acme\\u202e' "
        "holds a control character",
    ),
    Case(
        "discount-id-with-a-tab",
        {"catalog.dhall": catalog(extra=", discounts = [ " + TAB_IN_DISCOUNT_ID + " ]")},
        1,
        "error[bad-identifier] discount 'p\\tfee': id holds a control character",
    ),
    Case(
        "padded-product-id",
        {"catalog.dhall": catalog(product(id=" vm-hours"))},
        1,
        "product ' vm-hours': id starts or ends with white space",
    ),
    # ---- evaluation that would run for days
    Case(
        "natural-fold-of-a-huge-number",
        _env_secret(f"let n = {FOLD_ONE_BY_ONE.format(n='100000000000', zero='0')}"),
        2,
        "Natural/fold 100,000,000,000 times: past the limit of 2,000,000 fold steps",
    ),
    Case(
        "nested-natural-folds-never-rate",
        _env_secret(
            "let n = "
            + FOLD_ONE_BY_ONE.format(n="3000", zero="0").replace(
                "x + 1", FOLD_ONE_BY_ONE.format(n="3000", zero="x")
            )
        ),
        2,
        "past the limit of 2,000,000 fold steps per evaluation",
        command="rate",
    ),
    # ---- numbers
    Case(
        "zero-package-size",
        {"catalog.dhall": catalog(product(price='C.Price.package "EUR" 0.0 2.5'))},
        1,
        'error[package-without-size] product "vm-hours": Package price needs a positive '
        "package size",
    ),
    Case(
        "zero-package-size-never-rates",
        {"catalog.dhall": catalog(product(price='C.Price.package "EUR" 0.0 2.5'))},
        1,
        "the catalog has 1 error(s) (see `ratecard check`); nothing was rated",
        command="rate",
    ),
    Case(
        "negative-package-size",
        {"catalog.dhall": catalog(product(price='C.Price.package "EUR" -10.0 2.5'))},
        1,
        "Package price needs a positive package size",
    ),
    Case(
        "negative-price",
        {"catalog.dhall": catalog(product(price='C.Price.perUnit "EUR" -0.05'))},
        1,
        'error[negative-price] product "vm-hours": negative unit price -0.05',
    ),
    Case(
        "nan-price",
        {"catalog.dhall": catalog(product(price='C.Price.perUnit "EUR" NaN'))},
        2,
        "product 'vm-hours': price: field unitPrice: expected a finite number, got nan",
    ),
    Case(
        "infinite-price",
        {"catalog.dhall": catalog(product(price='C.Price.perUnit "EUR" Infinity'))},
        2,
        "field unitPrice: expected a finite number, got inf",
        command="report",
        args=("--period", "2026-10"),
    ),
    Case(
        "minus-infinity-tier",
        {
            "catalog.dhall": catalog(
                product(price='C.Price.graduated "EUR" [ C.Tier.rest -Infinity ]')
            )
        },
        2,
        "field unitPrice: expected a finite number, got -inf",
    ),
    Case(
        "negative-tier-bound",
        {
            "catalog.dhall": catalog(
                product(price='C.Price.graduated "EUR" [ C.Tier.upTo -5.0 0.1, C.Tier.rest 0.05 ]')
            )
        },
        1,
        'product "vm-hours": first tier ends at upTo -5.0, not above 0',
    ),
    Case(
        "negative-tier-price",
        {"catalog.dhall": catalog(product(price='C.Price.graduated "EUR" [ C.Tier.rest -1.0 ]'))},
        1,
        "negative tier 1 unit price -1.0",
    ),
    Case(
        "overflowing-price",
        {"catalog.dhall": catalog(product(price='C.Price.perUnit "EUR" 1.0e300'))},
        1,
        'error[number-out-of-range] product "vm-hours": unit price 1E+300 is out of range',
    ),
    Case(
        "natural-literal-beyond-int-digits",
        {"catalog.dhall": catalog(lets="let n = " + "9" * 5000)},
        2,
        "catalog.dhall:2:9: parse error: number literal longer than 4300 digits",
    ),
    Case(
        "unit-exponent-huge",
        {"catalog.dhall": catalog(product().replace('"h"', '"h99999999999"'))},
        1,
        "invalid UCUM unit 'h99999999999': exponent 99999999999 out of range (at most 99)",
    ),
    Case(
        "regex-backreference-re2-refuses",
        {"catalog.dhall": catalog(filtered('C.Condition.regex "flavor" "(m1)\\\\1"'))},
        1,
        "does not compile: invalid escape sequence: \\1",
    ),
    Case(
        "regex-lookahead-re2-refuses",
        {"catalog.dhall": catalog(filtered('C.Condition.regex "flavor" "(?=m1).*"'))},
        1,
        "does not compile: invalid perl operator: (?=",
    ),
    Case(
        "valid-from-past-year-9999-in-utc",
        {
            "catalog.dhall": catalog(
                product().replace(
                    "seller =", 'validFrom = Some "9999-12-31T23:59:59-01:00", seller ='
                )
            )
        },
        2,
        "field validFrom: '9999-12-31T23:59:59-01:00' is not a date (YYYY-MM-DD) or RFC 3339",
    ),
    Case(
        "negative-minimum-charge",
        {
            "catalog.dhall": catalog(
                product(price='C.Price.minimum -50.0 (C.Price.perUnit "EUR" 0.05)')
            )
        },
        1,
        "negative minimum charge -50.0",
    ),
    Case(
        "zero-fx-rate-in-catalog",
        {
            "catalog.dhall": catalog(
                extra=', fxRates = [ { from = "CHF", to = "EUR", rate = 0.0 } ]'
            )
        },
        1,
        "error[bad-fx-rate] FX rate CHF->EUR: rate 0.0 must be a positive number",
    ),
    Case(
        "overflowing-fx-rate-in-csv",
        {"catalog.dhall": catalog(), "rates.csv": "from,to,rate\nCHF,EUR,1e400\n"},
        2,
        "rates.csv:2: field rate: '1e400' is out of range",
        command="report",
        args=("--period", "2026-10", "--fx", "{cat}/rates.csv"),
    ),
    Case(
        "nan-fx-rate-in-csv",
        {"catalog.dhall": catalog(), "rates.csv": "from,to,rate\nCHF,EUR,NaN\n"},
        2,
        "rates.csv:2: field rate: 'NaN' must be a positive number",
        command="report",
        args=("--period", "2026-10", "--fx", "{cat}/rates.csv"),
    ),
    # ---- partners
    Case(
        "partner-claims-operator-seller",
        {
            "catalog.dhall": catalog(extra=PARTNER_DECLARED),
            "partners/p.dhall": partner_file(product(id="p-backup", seller="acme")),
        },
        1,
        'partners/p.dhall:7: error[partner-seller] partner "p" (seller "p") defines product '
        '"p-backup" under seller id "acme"',
    ),
    Case(
        "partner-declared-with-operator-seller",
        {
            "catalog.dhall": catalog(
                extra=PARTNER_DECLARED.replace('sellerIds = [ "p" ]', 'sellerIds = [ "acme" ]')
            ),
            "partners/p.dhall": partner_file(product(id="p-backup", seller="acme")),
        },
        1,
        'partner "p" is declared with seller id "acme", which the operator sells under',
    ),
    Case(
        "partner-fee-on-operator-lines",
        {
            "catalog.dhall": catalog(extra=PARTNER_DECLARED),
            "partners/p.dhall": partner_file(product(id="p-backup", seller="p"), FEE_ON_EVERYONE),
        },
        1,
        'error[partner-discount-scope] partner "p": discount "p-fee" (sellerId \'.*\') would '
        'apply to lines of seller "acme"',
    ),
    Case(
        "partner-overrides-operator-product",
        {
            "catalog.dhall": catalog(extra=PARTNER_DECLARED),
            "partners/p.dhall": partner_file(product(id="vm-hours", seller="p", display="Cheap")),
        },
        1,
        'partners/p.dhall:7: error[partner-override] part "p" redefines product "vm-hours"',
    ),
    Case(
        "partner-poses-as-operator",
        {
            "catalog.dhall": catalog(extra=PARTNER_DECLARED),
            "partners/p.dhall": partner_file(
                product(id="p-backup", seller="acme"), header=", isPartner = False"
            ),
        },
        1,
        'partner "p" (seller "p") defines product "p-backup" under seller id "acme"',
    ),
    Case(
        "undeclared-partner",
        {
            "catalog.dhall": catalog(
                extra=PARTNER_DECLARED.replace(
                    "parts = [ ./partners/p.dhall ]", "parts = [ ./q.dhall ]"
                )
            ),
            "q.dhall": partner_file(product(id="q-backup", seller="q")).replace('"p"', '"q"'),
        },
        1,
        'error[undeclared-partner] partner "q" is not declared',
    ),
    Case(
        "partner-fee-stays-with-partner-when-it-may",
        {
            "catalog.dhall": catalog(extra=PARTNER_DECLARED),
            "partners/p.dhall": partner_file(
                product(id="p-backup", seller="p"),
                FEE_ON_EVERYONE.replace(
                    '"EUR" 50.0',
                    '"EUR" 50.0\n, discountScope = C.Discount.Scope::{ sellerId = "p" }',
                ),
            ),
        },
        0,
        "ok, no findings",
    ),
    # ---- values that look like SQL are data
    Case(
        "sql-ish-product-id-and-name",
        {"catalog.dhall": catalog(product(id="vm'; DROP TABLE s; --", display="x' OR '1'='1"))},
        0,
        '"product_id":"vm\'; DROP TABLE s; --","product_name":"x\' OR \'1\'=\'1"',
        command="rate",
        args=("--out", "-", "--format", "jsonl"),
    ),
]


# ---------------------------------------------------------------- servers


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A serving, a refusing and a hanging HTTP endpoint on 127.0.0.1.

    The serving one is another process: the binding holds the GIL while it
    fetches, so a server thread in this process could never answer it.
    """
    served = tmp_path_factory.mktemp("served")
    (served / "ok.dhall").write_text("{ fine = True }\n")
    server = subprocess.Popen(
        [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1"],
        cwd=served,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    announced = re.search(r"port (\d+)", server.stdout.readline() if server.stdout else "")
    assert announced, "http.server did not start"
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    refused_port = closed.getsockname()[1]
    closed.close()  # nothing listens there any more: connections are refused
    hanging = socket.socket()
    hanging.bind(("127.0.0.1", 0))
    hanging.listen(8)  # accepts into the backlog, never answers
    try:
        yield {
            "base": f"http://127.0.0.1:{announced[1]}",
            "refused": f"http://127.0.0.1:{refused_port}",
            "hanging": f"http://127.0.0.1:{hanging.getsockname()[1]}",
        }
    finally:
        server.terminate()
        server.wait(timeout=10)
        hanging.close()


# ---------------------------------------------------------------- running


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def lines(self) -> list[str]:
        return (self.stdout + "\n" + self.stderr).splitlines()


def run(args: list[str], env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Outcome:
    """``ratecard ARGS`` through the console script's entry point, in process."""
    runner = CliRunner()
    monkeypatch.setattr(sys, "argv", ["ratecard", *args])
    code = 0
    with runner.isolation(env=env) as streams:
        try:
            main()
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        stdout, stderr = streams[0].getvalue(), streams[1].getvalue()
    return Outcome(code, stdout.decode(), stderr.decode())


def command_args(command: str, root: Path, tmp: Path) -> list[str]:
    samples = tmp / "samples.jsonl"
    samples.write_text(json.dumps(SAMPLE) + "\n")
    if command in ("check", "test"):
        return [command, str(root)]
    if command == "export":
        return ["export", str(root), str(samples), "--period", "2026-10", "--to", str(tmp / "out")]
    if command == "report":
        return ["report", str(root), str(samples), "--period", "2026-10", "--format", "json"]
    return ["rate", str(root), str(samples), "--out", str(tmp / "items.jsonl")]


def write_case(files: dict[str, str], root: Path, fill: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_fill(text, fill))


def _fill(text: str, fill: dict[str, str]) -> str:
    for key, value in fill.items():
        text = text.replace("{" + key + "}", value)
    return text


def assert_clean(outcome: Outcome, tmp: Path) -> None:
    """No traceback, no panic text, no secret anywhere: output, written files, cache."""
    text = outcome.stdout + outcome.stderr
    assert "Traceback" not in text and "panicked" not in text, text
    for secret in (SECRET, "root:x:0:0"):
        assert secret not in text
        for path in tmp.rglob("*"):
            if path.is_file() and not path.name.startswith("secret"):
                assert secret.encode() not in path.read_bytes(), path
    errors = [line for line in outcome.stderr.splitlines() if line.startswith("ratecard: error:")]
    assert len(errors) <= 1, outcome.stderr


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A private cache under tmp_path, the secret in the environment, an outside file."""
    monkeypatch.setenv("RATECARD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.delenv("RATECARD_ALLOW_IMPORT", raising=False)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.dhall").write_text(f'"{SECRET}"\n')
    return {"tmp": str(tmp_path), "cat": str(tmp_path / "cat")}


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_hostile_catalog(case: Case, sandbox, servers, tmp_path, monkeypatch) -> None:
    fill = {**sandbox, **servers}
    root = tmp_path / "cat"
    write_case(case.files, root, fill)
    args = command_args(case.command, root / "catalog.dhall", tmp_path)
    args += [_fill(arg, fill) for arg in case.args]
    env = {key: _fill(value, fill) for key, value in case.env.items()}
    outcome = run(args, env, monkeypatch)
    assert outcome.exit_code == case.expected_exit, outcome
    message = _fill(case.message, fill)
    assert any(message in line for line in outcome.lines), outcome
    assert_clean(outcome, tmp_path)


REJECTED = {
    "env-secret-as-text": (2, "import env:AWS_SECRET_ACCESS_KEY refused"),
    "dot-dot-leaves-root": (2, "import ../outside/secret.dhall refused"),
    "remote-refused-by-default": (2, "fetches from the network"),
    "zero-package-size": (1, "package-without-size"),
    "negative-price": (1, "negative-price"),
    "nan-price": (2, "expected a finite number"),
    "partner-fee-on-operator-lines": (1, "partner-discount-scope"),
    "partner-overrides-operator-product": (1, "partner-override"),
    "regex-backreference-re2-refuses": (1, "bad-regex"),
}


@pytest.mark.parametrize("command", ["check", "rate", "report", "export", "test"])
@pytest.mark.parametrize("name", sorted(REJECTED))
def test_every_command_rejects_what_check_rejects(
    name: str, command: str, sandbox, servers, tmp_path, monkeypatch
) -> None:
    case = next(case for case in CASES if case.name == name)
    code, message = REJECTED[name]
    write_case(case.files, tmp_path / "cat", {**sandbox, **servers})
    outcome = run(command_args(command, tmp_path / "cat", tmp_path), {}, monkeypatch)
    assert outcome.exit_code == code, outcome
    assert any(message in line for line in outcome.lines), outcome
    assert not (tmp_path / "items.jsonl").exists() and not (tmp_path / "out").exists()
    assert_clean(outcome, tmp_path)


def traits_file(display_name: str) -> str:
    """A ``--traits`` file declaring one resource type, named by a Dhall ``Text`` expression."""
    return f"""let name = {display_name}
in  {{ id = "acme.backup", platform = "Acme", displayName = name, description = "backups"
    , traits = ({traits_dir() / "ResourceType.dhall"}).noTraits
    }}
"""


def traits_command(command: str, traits: Path, tmp: Path) -> list[str]:
    """``command`` (traits, samples or rate) given ``--traits traits``."""
    rate = command_args("rate", tmp / "cat" / "catalog.dhall", tmp)  # writes the samples
    argv = {
        "traits": ["traits", "list"],
        "samples": ["samples", "validate", rate[2]],
        "rate": rate,
    }[command]
    return [*argv, "--traits", str(traits)]


@pytest.mark.parametrize("command", ["traits", "samples", "rate"])
def test_traits_file_imports_follow_the_policy(
    command: str, sandbox, tmp_path, monkeypatch
) -> None:
    """A --traits file is code like a catalog: env: needs --allow-import env, on every command."""
    types = tmp_path / "cat" / "types" / "backup.dhall"
    write_case(
        {"catalog.dhall": catalog(), "types/backup.dhall": traits_file("env:HOME as Text")},
        tmp_path / "cat",
        {},
    )
    args = traits_command(command, types, tmp_path)
    refused = run(args, {}, monkeypatch)
    assert refused.exit_code == 2, refused
    assert refused.stderr.splitlines()[-1] == (
        f"ratecard: error: {types}:1:12: import env:HOME refused: it reads an environment "
        "variable; allow with --allow-import env or RATECARD_ALLOW_IMPORT=env"
    )
    allowed = run([*args, "--allow-import", "env"], {}, monkeypatch)
    assert allowed.exit_code == 0, allowed
    if command == "traits":
        assert "acme.backup" in allowed.stdout
    assert_clean(allowed, tmp_path)


def test_traits_file_outside_its_directory_and_secrets_never_cached(
    sandbox, tmp_path, monkeypatch
) -> None:
    types = tmp_path / "cat" / "backup.dhall"
    write_case({"backup.dhall": traits_file("../outside/secret.dhall")}, tmp_path / "cat", {})
    outcome = run(["traits", "list", "--traits", str(types)], {}, monkeypatch)
    assert outcome.exit_code == 2, outcome
    assert (
        "import ../outside/secret.dhall refused: it reads a file outside the --traits "
        "file's directory; allow with --allow-import outside-root" in outcome.stderr
    )
    # Allowed, the secret read from the environment is used but never written to the cache.
    write_case(
        {"backup.dhall": traits_file("env:AWS_SECRET_ACCESS_KEY as Text")}, tmp_path / "cat", {}
    )
    args = ["samples", "validate", "--traits", str(types), "--allow-import", "env"]
    samples = command_args("rate", tmp_path / "cat", tmp_path)[2]
    outcome = run([*args, samples], {}, monkeypatch)
    assert outcome.exit_code == 0, outcome
    assert_clean(outcome, tmp_path)


def test_allowed_env_is_never_cached(sandbox, tmp_path, monkeypatch) -> None:
    """The value read from the environment decides the result on every run, and is never stored."""
    root = tmp_path / "cat"
    currency = "C.Price.perUnit (env:RC_CURRENCY as Text) 0.05"
    described = product(price=currency, description="env:AWS_SECRET_ACCESS_KEY as Text")
    write_case({"catalog.dhall": catalog(described)}, root, {})
    args = ["check", str(root), "--allow-import", "env"]
    first = run(args, {"RC_CURRENCY": "EUR"}, monkeypatch)
    assert first.exit_code == 0, first
    second = run(args, {"RC_CURRENCY": "XXQ"}, monkeypatch)
    assert second.exit_code == 1, second
    assert 'unknown currency "XXQ"' in second.stdout
    assert_clean(second, tmp_path)


def test_cache_is_private_and_tightened(sandbox, tmp_path, monkeypatch) -> None:
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o755)
    os.chmod(cache, 0o755)
    (cache / "stale.json").write_text("{}")
    os.chmod(cache / "stale.json", 0o644)
    write_case({"catalog.dhall": catalog()}, tmp_path / "cat", {})
    outcome = run(["check", str(tmp_path / "cat")], {}, monkeypatch)
    assert outcome.exit_code == 0, outcome
    assert cache.stat().st_mode & 0o777 == 0o700
    files = [p for p in cache.iterdir() if p.is_file()]
    assert len(files) > 1
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in files), files


def test_partner_fee_never_touches_operator_lines_in_reports() -> None:
    """Even a catalog that skipped ``check``: reports confine a partner's fee to its sellers."""
    fee = Discount(
        "p-fee", "fee", DiscountRule.FIXED_PERCENTAGE, DiscountSelector(), DiscountScope(), "EUR",
        percentage=Decimal(50),
    )  # fmt: skip
    partner = CatalogPart("p", "p", True, "partners/p.dhall", (), (fee,), seller_ids=("p",))
    operator = CatalogPart("acme", "acme", False, "catalog.dhall")
    [compiled] = compile_discounts(Catalog("c", "v", (operator, partner), ()))
    row = {
        "seller_id": "acme", "currency": "EUR", "start": datetime(2026, 10, 1, tzinfo=UTC),
        "product_name": "VM hours", "usage_type": "hours", "platform_type": "OpenStack",
        "location": None, "platform_instance": None, "tenant": "t",
    }  # fmt: skip
    assert not compiled.selects(row)
    assert compiled.selects({**row, "seller_id": "p"})


def test_rating_lists_ten_errors_then_the_rest_as_a_count(sandbox, tmp_path, monkeypatch) -> None:
    products = ", ".join(product(id=f"p{i}", price='C.Price.perUnit "EUR" -1.0') for i in range(12))
    write_case({"catalog.dhall": catalog(products)}, tmp_path / "cat", {})
    outcome = run(command_args("rate", tmp_path / "cat", tmp_path), {}, monkeypatch)
    assert outcome.exit_code == 1, outcome
    listed = [line for line in outcome.stderr.splitlines() if "error[negative-price]" in line]
    assert len(listed) == 10
    assert "… and 2 more" in outcome.stderr.splitlines()
    assert outcome.stderr.splitlines()[-1].endswith(
        "the catalog has 12 error(s) (see `ratecard check`); nothing was rated"
    )
    assert not (tmp_path / "items.jsonl").exists()
