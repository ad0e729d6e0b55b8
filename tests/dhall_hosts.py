"""The web hosts the Dhall standard's remote import cases name, served on 127.0.0.1.

The suite's cases import ``https://raw.githubusercontent.com/dhall-lang/dhall-lang/…``,
``https://test.dhall-lang.org/…``, ``https://prelude.dhall-lang.org/…`` and
``https://httpbin.org/…``. :class:`SuiteHosts` answers for all four from one
local server (bound to 127.0.0.1 on a free port), and its :meth:`fetch` is
the resolver's ``fetch_remote`` hook: it sends a request for one of those
hosts to the local server instead, so no test reaches the network and the
vendored suite stays unmodified.

What each host answers:

* ``raw.githubusercontent.com/dhall-lang/dhall-lang/<any ref>/<path>``: the
  file ``<path>`` of the vendored standard (the cases pin older commits whose
  files the v23.1.0 copy still holds), with ``Access-Control-Allow-Origin: *``
  as GitHub sends it.
* ``raw.githubusercontent.com/Nadrieril/dhall-rust/<ref>/dhall/tests/<path>``:
  the suite's own ``tests/<path>`` (dhall-rust's copy of the ``asLocation``
  cases, which the ``RemoteChain*`` cases fetch; see the expected-failure note
  of ``RemoteChainEnv`` for the one file that differs).
* ``prelude.dhall-lang.org/<path>``: the vendored ``Prelude/<path>``
  (``Access-Control-Allow-Origin: *``, proxied from GitHub upstream).
* ``test.dhall-lang.org``: the endpoints configured for the suite in
  dhall-lang's ``nixops/logical.nix`` (``/foo`` and ``/bar`` need a ``Test``
  header; ``/random-string`` differs on each request; ``/cors/*.dhall`` answer
  with the ``Access-Control-Allow-Origin`` each case expects), else the Prelude.
* ``httpbin.org``: ``/user-agent`` and ``/headers`` echo the request, formatted
  as httpbin formats them.
"""

from __future__ import annotations

import json
import secrets
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from rating.dhall.errors import DhallImportError, DhallMissingImport
from rating.dhall.remote import Headers, RemoteResponse

_GITHUB = "https://raw.githubusercontent.com/dhall-lang/dhall-lang/5ff7ecd2411894dd9ce307dc23020987361d2d43"
_CORS = {  # name: (Access-Control-Allow-Origin or None for no header, body)
    "AllowedAll": ("*", "42"),
    "OnlyGithub": ("https://raw.githubusercontent.com", "42"),
    "OnlySelf": ("https://test.dhall-lang.org", "42"),
    "OnlyOther": ("https://example.com", "42"),
    "Empty": ("", "42"),
    "NoCORS": (None, "42"),
    "Null": ("null", "42"),
    "SelfImportAbsolute": ("*", "https://test.dhall-lang.org/cors/NoCORS.dhall"),
    "SelfImportRelative": ("*", "./NoCORS.dhall"),
    "TwoHopsFail": ("*", f"{_GITHUB}/tests/import/data/cors/OnlySelf.dhall"),
    "TwoHopsSuccess": ("*", f"{_GITHUB}/tests/import/data/cors/OnlyGithub.dhall"),
}
_NEED_TEST_HEADER = {"/foo": "./bar", "/bar": "True"}

Answer = tuple[int, bytes, Headers]
_ANYONE: Headers = (("Access-Control-Allow-Origin", "*"),)
_NOT_FOUND: Answer = (404, b"Not Found", ())


class SuiteHosts:
    """One local server answering for the suite's hosts; ``fetch`` is the resolver's hook."""

    HOSTS = (
        "raw.githubusercontent.com",
        "test.dhall-lang.org",
        "prelude.dhall-lang.org",
        "httpbin.org",
    )

    def __init__(self, standard: Path) -> None:
        self.standard = standard.resolve()
        hosts = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                host, _, path = self.path.lstrip("/").partition("/")
                status, body, headers = hosts.answer(host, "/" + path, self.headers)
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass  # keep pytest's output clean

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        # Never through a proxy from the environment: the server is local.
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def fetch(self, url: str, headers: Headers) -> RemoteResponse:
        """The resolver's ``fetch_remote``: ``url`` asked of the local server."""
        parts = urllib.parse.urlsplit(url)
        if parts.hostname not in self.HOSTS:
            raise DhallImportError(f"{url}: not one of the suite's hosts")
        local = f"http://127.0.0.1:{self.port}/{parts.hostname}{parts.path}"
        request = urllib.request.Request(local + (f"?{parts.query}" if parts.query else ""))
        for name, value in headers:
            request.add_header(name, value)
        try:
            with self.opener.open(request, timeout=10) as response:
                return RemoteResponse(response.read(), tuple(response.headers.items()))
        except urllib.error.HTTPError as error:
            kind = DhallMissingImport if error.code == 404 else DhallImportError
            raise kind(f"{url}: HTTP {error.code}") from None

    def answer(self, host: str, path: str, request: Message) -> Answer:
        """Status, body and headers for ``path`` on ``host``."""
        if host == "raw.githubusercontent.com":
            owner, repository, _ref, rest = [*path.split("/", 4)[1:], "", "", "", ""][:4]
            if (owner, repository) == ("dhall-lang", "dhall-lang"):
                return self._file(rest)
            dhall_rust = (owner, repository) == ("Nadrieril", "dhall-rust")
            if dhall_rust and rest.startswith("dhall/tests/"):
                return self._file(rest.removeprefix("dhall/"))
            return _NOT_FOUND
        if host == "httpbin.org":
            return self._httpbin(path, request)
        if host == "test.dhall-lang.org":
            if path in _NEED_TEST_HEADER:
                if request.get("Test") is None:
                    return 403, b"Forbidden", ()
                return 200, _NEED_TEST_HEADER[path].encode(), ()
            if path == "/random-string":
                return 200, secrets.token_hex(16).encode(), ()
            name = path.removeprefix("/cors/").removesuffix(".dhall")
            if path.startswith("/cors/") and name in _CORS:
                allow, body = _CORS[name]
                headers = () if allow is None else (("Access-Control-Allow-Origin", allow),)
                return 200, body.encode(), headers
        if host in ("test.dhall-lang.org", "prelude.dhall-lang.org"):
            return self._file("Prelude" + path)
        return _NOT_FOUND

    def _file(self, relative: str) -> Answer:
        path = (self.standard / urllib.parse.unquote(relative.lstrip("/"))).resolve()
        if not path.is_relative_to(self.standard) or not path.is_file():
            return _NOT_FOUND
        return 200, path.read_bytes(), _ANYONE

    @staticmethod
    def _httpbin(path: str, request: Message) -> Answer:
        if path == "/user-agent":
            echo = {"user-agent": request.get("User-Agent", "")}
        elif path == "/headers":
            echo = {"headers": dict(request.items())}
        else:
            return _NOT_FOUND
        return 200, (json.dumps(echo, indent=2) + "\n").encode(), _ANYONE

    def serving(self) -> Iterator[SuiteHosts]:
        """Serve in a thread until the generator is closed (a fixture's body)."""
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()
            thread.join()
