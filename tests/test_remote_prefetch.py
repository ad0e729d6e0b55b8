"""The import policy's pre-fetch of remote imports requests them as the resolver does.

It sends the headers the user configured for the origin (``DHALL_HEADERS``)
and leaves an import with ``using`` headers, a Dhall expression, to the
resolver; the fetch itself is replaced here, no network is reached.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rating.dhall.remote import Headers, RemoteResponse
from rating.load import imports
from rating.load.imports import ImportKind, ImportPolicy, scan_imports

URL = "https://example.test/a.dhall"
REMOTE = ImportPolicy(frozenset({ImportKind.REMOTE}))


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Headers]]:
    """The ``(url, headers)`` of every pre-fetch; each answers ``{ fine = True }``."""
    requests: list[tuple[str, Headers]] = []

    def fetch(url: str, where: str, timeout: float, headers: Headers = ()) -> RemoteResponse:
        requests.append((url, headers))
        return RemoteResponse(b"{ fine = True }\n", ())

    monkeypatch.setattr(imports, "fetch_response", fetch)
    monkeypatch.delenv("DHALL_HEADERS", raising=False)
    return requests


def test_the_prefetch_sends_the_headers_configured_for_the_origin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sent: list[tuple[str, Headers]]
) -> None:
    monkeypatch.setenv(
        "DHALL_HEADERS", 'toMap { `example.test:443` = toMap { Authorization = "Bearer t" } }'
    )
    root = tmp_path / "catalog.dhall"
    root.write_text(f"{URL}\n")
    scan = scan_imports(root, REMOTE)
    assert sent == [(URL, (("Authorization", "Bearer t"),))]
    assert [item.url for item in scan.remote] == [URL]


def test_an_import_with_using_headers_is_left_to_the_resolver(
    tmp_path: Path, sent: list[tuple[str, Headers]]
) -> None:
    root = tmp_path / "catalog.dhall"
    root.write_text(f'{URL} using (toMap {{ Authorization = "Bearer t" }})\n')
    scan = scan_imports(root, REMOTE)
    assert sent == []
    assert [item.url for item in scan.remote] == [URL]
