"""Threshold alerts (issue #18): crossings said once per holder, threshold and month,
as JSON Lines and to a real webhook on 127.0.0.1, deduplicated by a state file.

The catalog is tests/data/controls: tenant "acme" (30 vCPU, 64 GiB, 4 ACTIVE
servers; cell "web" 16 vCPU; 210 EUR a month), servers at 0.01 EUR per vCPU
hour. The fleets keep every server SHUTOFF (the ACTIVE count stays 0) and at
most 8 vCPU in "web", so only the quota or budget a test is about crosses.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from rating.control.alerts import Threshold, crossed
from rating.control.model import Thresholds
from rating.control.webhook import DeliveryError, Webhook, _retry_after

CATALOG = Path(__file__).parent / "data" / "controls"
SERVER = "openstack.nova.server"


def _server(time: str, rid: str, cell: str, vcpu: int) -> dict:
    return {
        "time": time,
        "event": "create",
        "resource": {"id": rid, "type": SERVER},
        "scope": {"platformType": "OpenStack", "tenant": "acme", "cell": cell},
        "traits": {"state": "SHUTOFF", "vcpu": vcpu, "ramMb": 8192},
    }


# 3 × 8 vCPU from 10-14: 24 of 30 vCPU = 80 % (warning); 24 GiB of 64; web 8 of 16;
# by 10-15 24 h × 0.24 EUR = 5.76 EUR of 210.
FLEET = [
    _server("2026-10-14T00:00:00Z", "vm-1", "web", 8),
    _server("2026-10-14T00:00:00Z", "vm-2", "batch", 8),
    _server("2026-10-14T00:00:00Z", "vm-3", "batch", 8),
]
MORE = [_server("2026-10-15T06:00:00Z", "vm-4", "batch", 5)]  # 29 of 30 = 96.67 %: critical
AT = "2026-10-15T00:00:00Z"
LATER = "2026-10-15T12:00:00Z"


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATECARD_CACHE_DIR", str(tmp_path / "cache"))


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return path


@pytest.fixture
def fleet(tmp_path: Path) -> Path:
    return _write(tmp_path / "fleet.jsonl", FLEET)


def run(*args: str) -> subprocess.CompletedProcess:
    """The installed ``ratecard``, end to end."""
    ratecard = Path(sys.executable).with_name("ratecard")
    return subprocess.run([str(ratecard), *args], capture_output=True, text=True, check=False)


def alerts(samples: list[Path], *options: str) -> tuple[subprocess.CompletedProcess, list[dict]]:
    result = run("alerts", str(CATALOG), *map(str, samples), *options)
    return result, [json.loads(line) for line in result.stdout.splitlines()]


def keys(lines: list[dict]) -> list[tuple[str, str, str]]:
    return [(line["id"], line["threshold"], line["period"]) for line in lines]


# ---------------------------------------------------------------- crossings


def test_thresholds_crossed_by_a_share() -> None:
    defaults = Thresholds()
    assert crossed(Fraction(7999, 100), defaults) == []
    assert [t for t, _ in crossed(Fraction(80), defaults)] == [Threshold.WARNING]
    assert [t for t, _ in crossed(Fraction(100), defaults)] == ["warning", "critical"]
    assert [t for t, _ in crossed(Fraction(10001, 100), defaults)] == [
        "warning",
        "critical",
        "over",
    ]
    assert [t for t, _ in crossed(None, defaults)] == ["warning", "critical", "over"]


def test_a_warning_is_said_once_then_critical(fleet: Path, tmp_path: Path) -> None:
    state = tmp_path / "alerts.json"
    result, lines = alerts([fleet], "--at", AT, "--state", str(state))
    assert result.returncode == 0, result.stderr
    # 24 of 30 vCPU = 80 %: the warning threshold, nothing else
    (line,) = lines
    assert line == {
        "kind": "quota",
        "id": "acme-vcpu",
        "tenant": "acme",
        "cell": None,
        "holder": "acme",
        "threshold": "warning",
        "thresholdPercent": "80",
        "period": "2026-10",
        "at": AT,
        "used": "24",
        "limit": "30",
        "unit": "{vCPU}",
        "percent": "80",
        "level": "yellow",
        "message": "quota acme-vcpu (tenant acme) warning (80 %): 24 of 30 {vCPU} in 2026-10",
    }
    assert "1 crossings, 0 said before, 1 new, 1 delivered" in result.stderr
    assert json.loads(state.read_text())["delivered"] == [
        {
            "kind": "quota",
            "holder": "acme",
            "id": "acme-vcpu",
            "threshold": "warning",
            "period": "2026-10",
            "at": AT,
        }
    ]
    again, lines = alerts([fleet], "--at", AT, "--state", str(state))
    assert (again.returncode, lines) == (0, [])
    assert "1 crossings, 1 said before, 0 new" in again.stderr
    # vm-4 adds 5 vCPU: 29 of 30 = 96.67 % ≥ 95 → critical, the warning not said again
    more = _write(tmp_path / "more.jsonl", MORE)
    result, lines = alerts([fleet, more], "--at", LATER, "--state", str(state))
    assert keys(lines) == [("acme-vcpu", "critical", "2026-10")]
    assert (lines[0]["percent"], lines[0]["level"]) == ("96.67", "red")
    # back below critical (without vm-4: 80 %) and over it again in the month: nothing new
    assert alerts([fleet], "--at", LATER, "--state", str(state))[1] == []
    assert alerts([fleet, more], "--at", LATER, "--state", str(state))[1] == []
    # a new month is a new period: the same crossings are said again
    _, lines = alerts([fleet, more], "--at", "2026-11-02T00:00:00Z", "--state", str(state))
    assert keys(lines) == [
        ("acme-vcpu", "warning", "2026-11"),
        ("acme-vcpu", "critical", "2026-11"),
    ]


def test_the_state_forgets_alerts_over_a_year_old(fleet: Path, tmp_path: Path) -> None:
    """Written back, the state keeps the run's month (2026-10) and the 12 before it."""
    state = tmp_path / "alerts.json"
    said = {"kind": "quota", "holder": "acme", "id": "acme-vcpu", "threshold": "warning"}
    old = [
        {**said, "period": month, "at": f"{month}-02T00:00:00Z"}
        for month in ("2025-09", "2025-10", "2026-09")
    ]
    state.write_text(json.dumps({"version": 1, "delivered": old}))
    result, lines = alerts([fleet], "--at", AT, "--state", str(state))
    assert result.returncode == 0 and keys(lines) == [("acme-vcpu", "warning", "2026-10")]
    kept = [entry["period"] for entry in json.loads(state.read_text())["delivered"]]
    assert kept == ["2025-10", "2026-09", "2026-10"]


def test_over_the_limit_and_a_cell(tmp_path: Path) -> None:
    # web: 17 of 16 vCPU = 106.25 %; the tenant 17 + 14 = 31 of 30 = 103.33 %
    fleet = _write(
        tmp_path / "fleet.jsonl",
        [
            _server("2026-10-14T00:00:00Z", "vm-1", "web", 17),
            _server("2026-10-14T00:00:00Z", "vm-2", "batch", 14),
        ],
    )
    result, lines = alerts([fleet], "--at", AT)
    assert result.returncode == 0, result.stderr
    assert [(line["holder"], line["id"], line["threshold"]) for line in lines] == [
        ("acme", "acme-vcpu", "warning"),
        ("acme", "acme-vcpu", "critical"),
        ("acme", "acme-vcpu", "over"),
        ("acme/web", "web-vcpu", "warning"),
        ("acme/web", "web-vcpu", "critical"),
        ("acme/web", "web-vcpu", "over"),
    ]
    assert lines[-1]["message"] == (
        "quota web-vcpu (tenant acme, cell web) over its limit (106.25 %): 17 of 16 {vCPU} "
        "in 2026-10"
    )


def test_a_budget_at_its_warning(fleet: Path, tmp_path: Path) -> None:
    # 24 vCPU from 10-14 to 10-30T04:00 = 388 h × 0.24 = 93.12 EUR: green; from 10-01
    # instead, 700 h × 0.24 = 168 EUR of 210 = 80 %: the budget's warning
    early = _write(
        tmp_path / "early.jsonl",
        [{**record, "time": "2026-10-01T00:00:00Z"} for record in FLEET],
    )
    out = tmp_path / "alerts.jsonl"
    result = run(
        "alerts", str(CATALOG), str(early), "--at", "2026-10-30T04:00:00Z", "--out", str(out)
    )
    assert (result.returncode, result.stdout) == (0, ""), result.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(line["kind"], line["id"], line["threshold"]) for line in lines] == [
        ("quota", "acme-vcpu", "warning"),
        ("budget", "acme-compute", "warning"),
    ]
    assert (lines[1]["used"], lines[1]["limit"], lines[1]["unit"]) == ("168", "210", "EUR")
    assert "period 2026-10 to 2026-10-30T04:00:00Z: samples read 3, rated 3" in result.stderr
    # --out appends: a log across runs
    run("alerts", str(CATALOG), str(early), "--at", "2026-10-30T04:00:00Z", "--out", str(out))
    assert len(out.read_text().splitlines()) == 4


# ---------------------------------------------------------------- webhook


@dataclass
class Hook:
    """A local webhook: answers each POST with the next scripted status (then 200)."""

    url: str
    statuses: list[int]
    received: list[tuple[dict, bytes]] = field(default_factory=list)
    delay: float = 0.0  # seconds each answer waits


@pytest.fixture
def hook() -> Iterator[Hook]:
    state = Hook("", [])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append((dict(self.headers), body))
            time.sleep(state.delay)
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            if status == 503:
                self.send_header("Retry-After", "0")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield state
    server.shutdown()
    server.server_close()
    thread.join()


def test_the_webhook_receives_each_new_alert_once(fleet: Path, tmp_path: Path, hook: Hook) -> None:
    state = tmp_path / "alerts.json"
    result, lines = alerts([fleet], "--at", AT, "--state", str(state), "--webhook", hook.url)
    assert result.returncode == 0, result.stderr
    ((headers, body),) = hook.received
    assert json.loads(body) == lines[0]
    assert headers["Content-Type"] == "application/json"
    expected_key = json.dumps(["quota", "acme", "acme-vcpu", "warning", "2026-10"])
    assert headers["Idempotency-Key"] == hashlib.sha256(expected_key.encode()).hexdigest()
    assert "X-Ratecard-Signature" not in headers
    again, _ = alerts([fleet], "--at", AT, "--state", str(state), "--webhook", hook.url)
    assert again.returncode == 0 and len(hook.received) == 1  # deduplicated across runs


def test_runs_sharing_a_state_file_take_turns(fleet: Path, tmp_path: Path, hook: Hook) -> None:
    """Two runs at once: the second waits for the first's delivery, then finds it said.

    The webhook answers after 3 s, so unlocked both runs would read an empty state
    and both POST the alert.
    """
    hook.delay = 3.0
    state = tmp_path / "alerts.json"
    ratecard = Path(sys.executable).with_name("ratecard")
    command = [str(ratecard), "alerts", str(CATALOG), str(fleet), "--at", AT]
    command += ["--state", str(state), "--webhook", hook.url]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0]
    assert len(hook.received) == 1
    assert sorted(len(output.splitlines()) for output in outputs) == [0, 1]
    assert len(json.loads(state.read_text())["delivered"]) == 1


def test_a_503_is_retried(fleet: Path, tmp_path: Path, hook: Hook) -> None:
    hook.statuses = [503, 503]  # with Retry-After: 0
    state = tmp_path / "alerts.json"
    result, _ = alerts([fleet], "--at", AT, "--state", str(state), "--webhook", hook.url)
    assert result.returncode == 0, result.stderr
    assert len(hook.received) == 3
    assert hook.received[0][1] == hook.received[2][1]  # the same body each time
    assert len(json.loads(state.read_text())["delivered"]) == 1


@pytest.mark.parametrize(
    ("statuses", "why"),
    [([400], "HTTP 400 (not retried)"), ([503] * 5, "HTTP 503 after 5 attempts")],
)
def test_an_undelivered_alert_is_not_recorded(
    fleet: Path, tmp_path: Path, hook: Hook, statuses: list[int], why: str
) -> None:
    hook.statuses = list(statuses)
    state = tmp_path / "alerts.json"
    url = hook.url.replace("http://", "http://ops:s3cret@") + "?token=t0ken"
    result, lines = alerts([fleet], "--at", AT, "--state", str(state), "--webhook", url)
    assert result.returncode == 1
    assert len(lines) == 1  # said on stdout all the same
    assert len(hook.received) == len(statuses)
    assert hook.received[0][0]["Authorization"] == "Basic b3BzOnMzY3JldA=="  # ops:s3cret
    error = result.stderr.splitlines()[-1]
    assert error == (
        f"ratecard: error: --webhook {hook.url}: quota acme-vcpu warning not delivered: {why}; "
        "1 alert(s) not recorded as delivered"
    )
    assert "s3cret" not in result.stderr and "t0ken" not in result.stderr
    assert not state.exists()
    # the next run says it again, and this time it is taken
    result, lines = alerts([fleet], "--at", AT, "--state", str(state), "--webhook", hook.url)
    assert result.returncode == 0 and len(lines) == 1
    assert len(json.loads(state.read_text())["delivered"]) == 1


def test_a_signed_body(fleet: Path, tmp_path: Path, hook: Hook) -> None:
    secret = tmp_path / "secret"
    secret.write_text("k3y\n")
    result, _ = alerts(
        [fleet], "--at", AT, "--webhook", hook.url, "--webhook-secret-file", str(secret)
    )
    assert result.returncode == 0, result.stderr
    ((headers, body),) = hook.received
    digest = hmac.new(b"k3y", body, hashlib.sha256).hexdigest()
    assert headers["X-Ratecard-Signature"] == f"sha256={digest}"


def test_unreachable_webhook_backs_off_and_gives_up() -> None:
    hook = Webhook.parse("http://127.0.0.1:9/hook", attempts=4, timeout=2.0)  # discard port
    waits: list[float] = []
    with pytest.raises(DeliveryError, match="after 4 attempts"):
        hook.deliver(b"{}", "k", sleep=waits.append)
    assert len(waits) == 3  # between the attempts
    assert all(0 <= wait <= 0.5 * 2**n for n, wait in enumerate(waits))  # full jitter


def test_retry_after() -> None:
    assert _retry_after("7") == 7.0
    assert _retry_after("Thu, 01 Jan 1970 00:00:00 GMT") == 0.0  # in the past: at once
    assert _retry_after("soon") is None and _retry_after(None) is None


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not JSON (line 1, column 2: Expecting property name"),
        ('{"version": 9}', "not a ratecard alert state file (expected version 1)"),
        ('{"version": 1, "delivered": [{"kind": 1}]}', "delivered[1]: expected texts kind"),
    ],
)
def test_a_bad_state_file_is_one_line(
    fleet: Path, tmp_path: Path, content: str, message: str
) -> None:
    state = tmp_path / "alerts.json"
    state.write_text(content)
    result, lines = alerts([fleet], "--at", AT, "--state", str(state))
    assert (result.returncode, lines) == (2, [])
    assert result.stderr.startswith(f"ratecard: error: --state {state}: {message}")
    assert len(result.stderr.splitlines()) == 1
    assert state.read_text() == content  # never reset


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--period", "2026-10-01/2026-10-10"], "--period 2026-10-01/2026-10-10: alerts are per"),
        (["--period", "2026-09"], f"--at {AT}: outside --period 2026-09"),
        (["--webhook", "file:///etc/passwd"], "--webhook: expected an http:// or https:// URL"),
        (["--webhook-secret-file", "s"], "--webhook-secret-file needs --webhook"),
    ],
)
def test_bad_options(fleet: Path, options: list[str], message: str) -> None:
    result, _ = alerts([fleet], "--at", AT, *options)
    assert result.returncode == 2
    assert result.stderr.startswith(f"ratecard: error: {message}")
