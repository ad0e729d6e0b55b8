"""Remote imports in ``rating.dhall`` beyond the standard suite's own cases.

The suite (tests/test_dhall_standard.py) covers ``using`` headers,
``DHALL_HEADERS``, CORS and referential sanity; these tests cover what it
cannot: the header configuration file, malformed configurations, origins,
the one rule whose suite case fetches a file outside the suite, and that a
resolver without a fetch hook never reaches the network.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from dhall_hosts import SuiteHosts

from rating.dhall import DhallImportError, Resolver, encode, normalize, parse
from rating.dhall import syntax as s
from rating.dhall.errors import DhallMissingImport
from rating.dhall.imports import Location
from rating.dhall.remote import origin

STANDARD = Path(__file__).resolve().parent / "dhall-lang"
_DHALL_RUST = (
    "https://raw.githubusercontent.com/Nadrieril/dhall-rust/"
    "f7d8c64a9799f139ad65427c2518376adb9e2e2f/dhall/tests/import/success/unit/asLocation"
)


@pytest.fixture(scope="module")
def hosts() -> Iterator[SuiteHosts]:
    yield from SuiteHosts(STANDARD).serving()


def _resolve(text: str, resolver: Resolver, tmp_path: Path) -> s.Expr:
    here = Location(s.ABSOLUTE, (*tmp_path.parts[1:], "case.dhall"))
    return normalize(resolver.resolve(parse(text), here))


def _text(expr: s.Expr) -> str:
    assert type(expr) is s.TextLit and not expr.chunks
    return expr.suffix


def test_remote_file_may_import_env_as_location(hosts: SuiteHosts, tmp_path: Path) -> None:
    # The rule of the suite's RemoteChainEnv case, on the suite's own EnvA.dhall:
    # `env:DHALL_TEST_VAR as Location` is not resolved, so a remote file may write it.
    resolver = Resolver(root=tmp_path, env={}, fetch_remote=hosts.fetch)
    value = _resolve(f"{_DHALL_RUST}/EnvA.dhall", resolver, tmp_path)
    location_type = "< Environment : Text | Local : Text | Missing | Remote : Text >"
    expected = parse(f'{location_type}.Environment "DHALL_TEST_VAR"')
    assert encode(value) == encode(normalize(expected))


def test_without_a_fetch_hook_remote_imports_are_refused(tmp_path: Path) -> None:
    resolver = Resolver(root=tmp_path, env={})  # no fetch_remote: the network is never reached
    with pytest.raises(DhallMissingImport, match="remote imports are not enabled"):
        _resolve("https://test.dhall-lang.org/cors/AllowedAll.dhall", resolver, tmp_path)


def test_headers_from_the_configuration_file(hosts: SuiteHosts, tmp_path: Path) -> None:
    config = tmp_path / "config" / "dhall" / "headers.dhall"
    config.parent.mkdir(parents=True)
    config.write_text('toMap { `httpbin.org:443` = toMap { `User-Agent` = "from file" } }')
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config")}
    resolver = Resolver(root=tmp_path, env=env, fetch_remote=hosts.fetch)
    text = _resolve("https://httpbin.org/user-agent as Text", resolver, tmp_path)
    assert _text(text) == '{\n  "user-agent": "from file"\n}\n'


def test_configured_headers_go_only_to_their_origin(hosts: SuiteHosts, tmp_path: Path) -> None:
    env = {"DHALL_HEADERS": 'toMap { `example.com:443` = toMap { Secret = "token" } }'}
    resolver = Resolver(root=tmp_path, env=env, fetch_remote=hosts.fetch)
    text = _text(_resolve("https://httpbin.org/headers as Text", resolver, tmp_path))
    assert "Secret" not in text and "token" not in text


def test_a_configuration_of_the_wrong_type_is_one_error(hosts: SuiteHosts, tmp_path: Path) -> None:
    resolver = Resolver(root=tmp_path, env={"DHALL_HEADERS": "1"}, fetch_remote=hosts.fetch)
    with pytest.raises(DhallImportError, match="origin header configuration must be a List"):
        _resolve("https://httpbin.org/user-agent as Text", resolver, tmp_path)


def test_no_configuration_file_means_no_headers(hosts: SuiteHosts, tmp_path: Path) -> None:
    # No DHALL_HEADERS, no $XDG_CONFIG_HOME, a home without .config: nothing configured.
    resolver = Resolver(root=tmp_path, env={}, home=tmp_path, fetch_remote=hosts.fetch)
    text = _text(_resolve("https://httpbin.org/user-agent as Text", resolver, tmp_path))
    assert text.startswith('{\n  "user-agent": "Python-urllib/')


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://httpbin.org/x", "httpbin.org:443"),  # the scheme's default port
        ("http://httpbin.org/x", "httpbin.org:80"),
        ("https://user@example.com:8443/x", "example.com:8443"),  # no user information
        ("https://[::1]/x", "[::1]:443"),  # an IPv6 address's colons are not a port
    ],
)
def test_origin_is_host_and_port(url: str, expected: str) -> None:
    target = parse(url)
    assert type(target) is s.Import
    assert origin(Location(target.kind, target.path, target.authority)) == expected
