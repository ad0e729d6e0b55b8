"""A real ``ratecard serve`` on a free loopback port, in a subprocess, for the tests.

The installed console script is run (next to ``sys.executable``) with
``--port 0``; its first line on stderr says which port it got.
"""

from __future__ import annotations

import asyncio
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

TOKEN = "test-token-0123456789abcdef"


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    lines: list[str] = field(default_factory=list)  # its stderr so far

    def client(self, token: str | None = TOKEN) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)


@contextmanager
def serving(*args: str | Path, timeout: float = 60) -> Iterator[Server]:
    """``ratecard serve ARGS… --port 0``, stopped (and its stderr kept) on the way out."""
    ratecard = Path(sys.executable).with_name("ratecard")
    process = subprocess.Popen(
        [str(ratecard), "serve", *map(str, args), "--port", "0"],
        env={**os.environ, "RATECARD_SERVE_TOKEN": TOKEN},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        for line in process.stderr:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    server = Server("", process)
    try:
        while not server.url:
            line = lines.get(timeout=timeout)
            if line is None:
                raise RuntimeError("ratecard serve stopped: " + " | ".join(server.lines))
            server.lines.append(line)
            if "listening on " in line:
                server.url = line.split("listening on ")[1].split()[0]
        threading.Thread(target=_keep, args=(lines, server.lines), daemon=True).start()
        yield server
    finally:
        process.terminate()
        process.wait(timeout=30)


def _keep(lines: queue.Queue, kept: list[str]) -> None:
    while (line := lines.get()) is not None:
        kept.append(line)


async def post_concurrently(
    url: str, path: str, body: bytes, total: int, connections: int
) -> tuple[float, list[float], list[tuple[int, bytes]]]:
    """POST ``body`` ``total`` times over ``connections`` kept-alive connections at once.

    A bare HTTP/1.1 client on asyncio streams: httpx's pool costs more per
    request than the server does, which would measure the client. Returns the
    wall seconds, each request's latency and each ``(status, body)``.
    """
    host, port = url.removeprefix("http://").rsplit(":", 1)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {TOKEN}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    latencies: list[float] = []
    answers: list[tuple[int, bytes]] = []
    shares = [total // connections + (n < total % connections) for n in range(connections)]

    async def connection(count: int) -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        for _ in range(count):
            started = time.perf_counter()
            writer.write(head + body)
            await writer.drain()
            status_line, *headers = (await reader.readuntil(b"\r\n\r\n")).split(b"\r\n")
            length = next(
                int(h.split(b":")[1]) for h in headers if h.lower().startswith(b"content-length:")
            )
            answers.append((int(status_line.split()[1]), await reader.readexactly(length)))
            latencies.append(time.perf_counter() - started)
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection(count) for count in shares if count))
    return time.perf_counter() - started, latencies, answers
