"""A real S3 HTTP endpoint for tests: moto's standalone server plus a fault-injecting proxy.

The server listens on 127.0.0.1 on a free port and boto3 talks to it over HTTP
(no in-process patching). :class:`FaultProxy` sits between boto3 and moto and
answers some requests itself, the way a real endpoint does when it misbehaves:
a 500 InternalError for chosen UploadPart calls (transient or permanent) and
403 InvalidAccessKeyId for unknown access keys.
"""

from __future__ import annotations

import http.client
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

ACCESS_KEY = "testing"
SECRET_KEY = "testing"
REGION = "us-east-1"

_ERROR_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
    "<Message>{message}</Message><RequestId>fault-proxy</RequestId></Error>"
)
_CREDENTIAL = re.compile(r"Credential=([^/]+)/")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Faults:
    """What the proxy breaks. ``fail_part_numbers`` fail ``fail_times`` times each (0 = forever)."""

    fail_part_numbers: set[int] = field(default_factory=set)
    fail_times: int = 0
    fail_keys: set[str] = field(default_factory=set)  # any PUT whose path ends with one of these
    known_access_keys: set[str] = field(default_factory=lambda: {ACCESS_KEY})
    failures: dict[str, int] = field(default_factory=dict)  # what was refused, for assertions

    def should_fail(self, what: str) -> bool:
        count = self.failures.get(what, 0)
        if self.fail_times and count >= self.fail_times:
            return False
        self.failures[what] = count + 1
        return True


class FaultProxy:
    """Forward HTTP to ``upstream_port``, injecting :class:`Faults`."""

    def __init__(self, upstream_port: int) -> None:
        self.faults = Faults()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    data = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0], 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b""):
                                pass
                            return data
                        data += self.rfile.read(size)
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))

            def _error(self, status: int, code: str, message: str) -> None:
                body = _ERROR_XML.format(code=code, message=message).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _handle(self) -> None:
                body = self._body()
                faults = proxy.faults
                match = _CREDENTIAL.search(self.headers.get("Authorization", ""))
                if match and match[1] not in faults.known_access_keys:
                    self._error(403, "InvalidAccessKeyId", "The AWS Access Key Id does not exist.")
                    return
                part = re.search(r"[?&]partNumber=(\d+)", self.path)
                if (
                    self.command == "PUT"
                    and part
                    and int(part[1]) in faults.fail_part_numbers
                    and faults.should_fail(f"part {part[1]}")
                ):
                    self._error(500, "InternalError", "We encountered an internal error.")
                    return
                path = self.path.split("?")[0]
                if (
                    self.command == "PUT"
                    and any(path.endswith(k) for k in faults.fail_keys)
                    and faults.should_fail(path)
                ):
                    self._error(500, "InternalError", "We encountered an internal error.")
                    return
                headers = {
                    k: v for k, v in self.headers.items() if k.lower() != "transfer-encoding"
                }
                headers["Content-Length"] = str(len(body))
                upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=60)
                try:
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    response = upstream.getresponse()
                    payload = response.read()
                finally:
                    upstream.close()
                self.send_response(response.status)
                for key, value in response.getheaders():
                    if key.lower() not in ("transfer-encoding", "content-length", "connection"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def reset(self) -> None:
        self.faults = Faults()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class S3Endpoint:
    url: str  # moto itself
    proxy: FaultProxy  # the same storage behind the fault injector


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[S3Endpoint]:
    """moto's standalone S3 server on a free local port, with credentials in the environment."""
    from moto.server import ThreadedMotoServer

    with pytest.MonkeyPatch.context() as patch:
        for name, value in {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_DEFAULT_REGION": REGION,
        }.items():
            patch.setenv(name, value)
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
            patch.delenv(name, raising=False)
        port = free_port()
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        proxy = FaultProxy(port)
        try:
            yield S3Endpoint(f"http://127.0.0.1:{port}", proxy)
        finally:
            proxy.close()
            server.stop()


def s3_client(endpoint_url: str):
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )
