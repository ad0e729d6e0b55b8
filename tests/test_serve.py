"""``ratecard serve``: a real uvicorn server on 127.0.0.1, spoken to over HTTP.

The known answers are tests/test_controls.py's (its catalog and FLEET at
2026-10-15T00:00Z): acme holds 24 of 30 vCPU (80 %, yellow), cell web 16 of 16
(red); the budget has spent 79.68 EUR of 210, forecast 177.6; one more server
of 6 vCPU costs 6 × 0.01 EUR × 408 h = 24.48 EUR by the month's end.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from serving import TOKEN, Server, post_concurrently, serving
from test_controls import AT, CATALOG, FLEET, SERVER

from rating.library import catalog_dir
from rating.serve.app import ROUTES
from rating.serve.openapi import document


def _request(cell: str | None, vcpu: int, tenant: str = "acme", **fields) -> dict:
    body = {
        "tenant": tenant,
        "resourceType": SERVER,
        "traits": {"vcpu": vcpu, "ramMb": 1024, "state": "ACTIVE"},
        **fields,
    }
    return body if cell is None else {**body, "cell": cell}


@pytest.fixture(scope="module")
def acme(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    fleet = tmp_path_factory.mktemp("serve") / "fleet.jsonl"
    fleet.write_text("".join(json.dumps(record) + "\n" for record in FLEET))
    with serving(CATALOG, fleet, "--at", AT) as server:
        yield server


@pytest.fixture
def client(acme: Server) -> Iterator[httpx.Client]:
    with acme.client() as http:
        yield http


def _admit(http: httpx.Client, body: object) -> dict:
    response = http.post("/v1/admit", json=body)
    assert response.status_code == 200, response.text
    return response.json()


# ---------------------------------------------------------------- auth


def test_health_is_open_everything_else_needs_the_token(acme: Server) -> None:
    with acme.client(token=None) as anonymous:
        health = anonymous.get("/healthz")
        assert health.status_code == 200
        assert (health.json()["status"], health.json()["catalog"]) == ("ok", "controls")
        for method, path in [("GET", "/v1/decisions"), ("GET", "/metrics"),
                             ("POST", "/v1/admit"), ("GET", "/openapi.json")]:  # fmt: skip
            response = anonymous.request(method, path)
            assert response.status_code == 401, path
            assert response.json() == {
                "error": "missing bearer token (Authorization: Bearer <token>)"
            }
            assert response.headers["www-authenticate"].startswith("Bearer")
    with acme.client(token=TOKEN + "x") as wrong:
        assert wrong.get("/v1/tenants/acme/quotas").json()["error"].startswith("wrong bearer")


def test_serve_refuses_to_start_without_a_token(tmp_path: Path) -> None:
    from test_controls import run

    result = run("serve", str(CATALOG), str(tmp_path / "none.jsonl"))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "ratecard: error: no bearer token: set RATECARD_SERVE_TOKEN or pass --token-file "
        "(every endpoint but /healthz needs it)"
    )


# ---------------------------------------------------------------- status endpoints


def test_quotas_known_answers(client: httpx.Client) -> None:
    answer = client.get("/v1/tenants/acme/quotas").json()
    assert answer["at"] == AT
    quotas = {q["id"]: q for q in answer["quotas"]}
    # 3 × 8 = 24 of 30 vCPU = 80 % → yellow; cell web 16 of 16 → red
    vcpu = quotas["acme-vcpu"]
    assert (vcpu["used"], vcpu["percent"], vcpu["level"], vcpu["reserved"]) == (
        "24",
        "80",
        "yellow",
        "0",
    )
    assert (quotas["web-vcpu"]["used"], quotas["web-vcpu"]["level"]) == ("16", "red")
    assert quotas["acme-ram"]["used"] == "40"  # (16384 + 16384 + 8192) MiBy / 1024
    missing = client.get("/v1/tenants/nobody/quotas")
    assert (missing.status_code, missing.json()) == (404, {"error": "unknown tenant 'nobody'"})


def test_budgets_and_decisions_known_answers(client: httpx.Client) -> None:
    (budget,) = client.get("/v1/tenants/acme/budgets").json()["budgets"]
    # 79.68 EUR spent of 210 = 37.94 %; forecast 177.6 (tests/test_controls.py)
    assert (budget["spent"], budget["percent"], budget["forecast"], budget["reserved"]) == (
        "79.68",
        "37.94",
        "177.6",
        "0",
    )
    decisions = {d["rule"]: d for d in client.get("/v1/decisions").json()["decisions"]}
    broke = decisions["no-servers-when-broke"]
    assert (broke["tenant"], broke["cell"], broke["action"], broke["decision"]) == (
        "acme",
        None,
        "create",
        "allow",
    )
    assert broke["trigger"] == {
        "kind": "budget",
        "id": "acme-compute",
        "atLeast": "100",
        "percent": "37.94",
    }
    # web's rule: acme-ram at 62.5 %, under its 95 % trigger
    ram = decisions["web-ram-full"]
    assert (ram["cell"], ram["decision"], ram["trigger"]["percent"]) == ("web", "allow", "62.5")
    assert client.get("/v1/decisions", params={"tenant": "nope"}).status_code == 404


# ---------------------------------------------------------------- admits and reservations


def test_admit_reserves_what_it_allows(client: httpx.Client) -> None:
    # 24 + 6 = 30: allowed, and reserved
    allowed = _admit(client, _request("batch", 6))
    assert allowed["decision"] == "allow"
    reservation = allowed["reservation"]
    assert reservation["state"] == "pending"
    try:
        # the 6 reserved: 24 + 6 + 1 = 31 > 30, denied by 1
        denied = _admit(client, _request("batch", 1))
        assert denied["decision"] == "deny" and denied["reservation"] is None
        assert [(d["id"], d["after"], d["excess"]) for d in denied["denials"]] == [
            ("acme-vcpu", "31", "1")
        ]
        quotas = {q["id"]: q for q in client.get("/v1/tenants/acme/quotas").json()["quotas"]}
        assert (quotas["acme-vcpu"]["used"], quotas["acme-vcpu"]["reserved"]) == ("30", "6")
        # the budget's forecast holds the reservation's cost: 177.6 + 24.48 = 202.08
        (budget,) = client.get("/v1/tenants/acme/budgets").json()["budgets"]
        assert (budget["forecast"], budget["reserved"]) == ("202.08", "24.48")
    finally:
        cancelled = client.delete(f"/v1/reservations/{reservation['id']}")
    assert cancelled.status_code == 200
    # released: 24 + 7 = 31 is denied by 1 again, 24 + 6 allowed again
    denied = _admit(client, _request("batch", 7))
    assert [(d["id"], d["excess"]) for d in denied["denials"]] == [("acme-vcpu", "1")]
    again = _admit(client, _request("batch", 6))
    assert again["decision"] == "allow"
    client.delete(f"/v1/reservations/{again['reservation']['id']}")


def test_confirm_and_cancel(client: httpx.Client) -> None:
    reservation = _admit(client, _request("batch", 2))["reservation"]
    path = f"/v1/reservations/{reservation['id']}"
    confirmed = client.post(f"{path}/confirm")
    assert confirmed.status_code == 200
    shown = confirmed.json()["reservation"]
    assert (shown["state"], shown["confirmedAt"], shown["expiresAt"]) == ("confirmed", AT, None)
    assert client.get("/healthz").json()["reservations"] == {"pending": 0, "confirmed": 1}
    assert client.delete(path).status_code == 200
    gone = client.delete(path)
    assert gone.status_code == 404
    assert "no reservation" in gone.json()["error"]
    assert client.post("/v1/reservations/nope/confirm").status_code == 404
    assert client.get("/healthz").json()["reservations"] == {"pending": 0, "confirmed": 0}


def test_two_concurrent_admits_that_fit_only_alone(acme: Server) -> None:
    # 24 + 4 = 28 fits; 24 + 4 + 4 = 32 does not: exactly one of the two is allowed
    barrier = threading.Barrier(2)
    answers: list[dict] = []

    def admit() -> None:
        with acme.client() as http:
            barrier.wait()
            answers.append(_admit(http, _request("batch", 4)))

    threads = [threading.Thread(target=admit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a["decision"] for a in answers) == ["allow", "deny"]
    (allowed,) = [a for a in answers if a["decision"] == "allow"]
    with acme.client() as http:
        assert http.delete(f"/v1/reservations/{allowed['reservation']['id']}").status_code == 200


def test_a_cell_request_is_denied_by_the_cell_quota(client: httpx.Client) -> None:
    denied = _admit(client, _request("web", 1))
    assert [(d["id"], d["excess"]) for d in denied["denials"]] == [("web-vcpu", "1")]


# ---------------------------------------------------------------- bad input: 4xx, never 500


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b"{not json", 400, "request body is not JSON: Expecting property name"),
        (b"", 400, "request body is empty: expected a JSON object"),
        (b'{"count": NaN}', 400, "request body is not JSON: NaN is not a JSON number"),
        (b"\xff\xfe\xfa", 400, "request body is not JSON"),
        (b"[" * 100_000 + b"]" * 100_000, 400, "request body is not JSON"),
        (b"[1]", 422, "request: a request is a JSON object, got list"),
        (json.dumps({"tenant": "acme", "resourceType": "nope"}).encode(), 422,
         "request: field resourceType: unknown resource type 'nope'"),
        (json.dumps(_request("web", 1, tenant="nobody")).encode(), 422,
         "request: field tenant: unknown tenant 'nobody'"),
        (json.dumps(_request("web", 1, count=0)).encode(), 422,
         "request: field count: expected a whole number from 1 to 1,000,000: 0"),
        (json.dumps(_request("web", 1, colour="red")).encode(), 422,
         "request: field colour: unknown field"),
        (json.dumps({"tenant": "acme", "resourceType": SERVER, "traits": {"vcpu": "x"}})
         .encode(), 422, "request: field traits."),
        (b" " * (1 << 20) + b"{}", 413, "request body over 1,048,576 bytes"),
    ],
)  # fmt: skip
def test_bad_admits_are_4xx_with_one_line(
    client: httpx.Client, body: bytes, status: int, message: str
) -> None:
    response = client.post("/v1/admit", content=body)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error.startswith(message) and "\n" not in error


def test_unknown_endpoints_and_methods_are_json(client: httpx.Client) -> None:
    missing = client.get("/v2/admit")
    assert (missing.status_code, missing.json()["error"]) == (
        404,
        "Not Found: GET /v2/admit (see /openapi.json)",
    )
    wrong = client.put("/v1/admit")
    assert (wrong.status_code, wrong.headers["allow"]) == (405, "POST")


def test_openapi_documents_every_route(client: httpx.Client) -> None:
    served = client.get("/openapi.json").json()
    assert served == document()
    assert set(served["paths"]) == {route.path for route in ROUTES}


def test_metrics_are_prometheus_text(client: httpx.Client) -> None:
    response = client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    lines = response.text.splitlines()
    assert 'ratecard_quota_used{quota="acme-vcpu",tenant="acme",cell="",unit="{vCPU}"} 24' in lines
    assert 'ratecard_quota_limit{quota="web-vcpu",tenant="acme",cell="web",unit="{vCPU}"} 16' in (
        lines
    )
    assert "# TYPE ratecard_admits_total counter" in lines
    assert "ratecard_reload_failed 0" in lines


# ---------------------------------------------------------------- load, expiry, reload


def _load_catalog(path: Path, limit: str, extra: str = "") -> None:
    """Tenant "load": one quota of ``limit`` vCPU (``extra``: more quotas)."""
    path.write_text(
        f"let C = {catalog_dir() / 'package.dhall'}\n"
        'in C.Catalog::{ name = "load", quotas = [ C.Quota::{\n'
        f'  id = "load-vcpu", tenant = "load", resourceType = "{SERVER}",\n'
        f'  measure = C.Quota.sum "vcpu" "{{vCPU}}", limit = {limit} }} {extra} ] }}\n'
    )


def _held_sample(rid: str, vcpu: int, time: str = "2026-10-01T00:00:00Z") -> str:
    record = {
        "time": time,
        "event": "create",
        "resource": {"id": rid, "type": SERVER},
        "scope": {"platformType": "OpenStack", "tenant": "load"},
        "traits": {"vcpu": vcpu, "ramMb": 1024, "state": "ACTIVE"},
    }
    return json.dumps(record) + "\n"


@pytest.fixture
def load_files(tmp_path: Path) -> tuple[Path, Path]:
    catalog, fleet = tmp_path / "catalog.dhall", tmp_path / "fleet.jsonl"
    _load_catalog(catalog, "100.0")
    fleet.write_text(_held_sample("vm-held", 10))
    return catalog, fleet


def test_a_thousand_concurrent_admits_allow_exactly_what_fits(
    load_files: tuple[Path, Path],
) -> None:
    # 100 vCPU quota, 10 held: of 1,000 concurrent 1-vCPU admits exactly 90 are allowed
    body = json.dumps(_request(None, 1, "load")).encode()
    with serving(*load_files, "--at", AT) as server:
        _, _, answers = asyncio.run(post_concurrently(server.url, "/v1/admit", body, 1000, 1000))
        assert {status for status, _ in answers} == {200}
        decisions = [json.loads(answer)["decision"] for _, answer in answers]
        assert (decisions.count("allow"), decisions.count("deny")) == (90, 910)
        with server.client() as http:
            (quota,) = http.get("/v1/tenants/load/quotas").json()["quotas"]
            assert (quota["used"], quota["reserved"], quota["level"]) == ("100", "90", "red")


def _until(check: Callable[[], bool], what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_expiry_reload_and_a_failing_catalog(load_files: tuple[Path, Path]) -> None:
    catalog, fleet = load_files
    options = ("--at", AT, "--reservation-ttl", "1s", "--reload-interval", "1s")
    with serving(catalog, fleet, *options) as server, server.client() as http:

        def health() -> dict:
            return http.get("/healthz").json()

        def vcpu() -> dict:
            return http.get("/v1/tenants/load/quotas").json()["quotas"][0]

        # expiry: 10 + 90 = 100 allowed; 1 more denied until the reservation expires (1 s)
        assert _admit(http, _request(None, 90, "load"))["decision"] == "allow"
        assert _admit(http, _request(None, 1, "load"))["decision"] == "deny"
        _until(lambda: health()["reservations"]["pending"] == 0, "the reservation to expire")
        assert vcpu()["used"] == "10"
        assert 'ratecard_reservation_events_total{event="expired"} 1' in http.get("/metrics").text

        # an edited catalog is reloaded
        _load_catalog(catalog, "120.0")
        _until(lambda: health()["generation"] == 2, "the edited catalog")
        assert vcpu()["limit"] == "120"

        # a catalog failing check (a cell quota above its tenant's) is not loaded
        cell = (
            f', C.Quota::{{ id = "web-vcpu", tenant = "load", cell = Some "web", '
            f'resourceType = "{SERVER}", measure = C.Quota.sum "vcpu" "{{vCPU}}", limit = 200.0 }}'
        )
        _load_catalog(catalog, "120.0", cell)
        _until(lambda: health()["reloadError"] is not None, "the failed reload")
        assert health()["status"] == "degraded" and health()["generation"] == 2
        assert "the catalog has 1 error(s)" in health()["reloadError"]
        assert vcpu()["limit"] == "120"
        assert "ratecard_reload_failed 1" in http.get("/metrics").text.splitlines()
        assert any("reload failed, the previous catalog stays in force" in line
                   for line in server.lines)  # fmt: skip

        # fixed: loaded again; a confirmed reservation holds until the samples show it
        _load_catalog(catalog, "100.0")
        _until(lambda: health()["generation"] == 3, "the fixed catalog")
        assert health()["reloadError"] is None
        reservation = _admit(http, _request(None, 5, "load"))["reservation"]
        assert http.post(f"/v1/reservations/{reservation['id']}/confirm").status_code == 200
        time.sleep(1.5)  # past the ttl: confirmed, it does not expire
        assert (vcpu()["used"], vcpu()["reserved"]) == ("15", "5")
        with fleet.open("a") as samples:  # the new server appears in the samples at AT
            samples.write(_held_sample("vm-new", 5, AT))
        _until(lambda: health()["generation"] == 4, "the new samples")
        assert health()["reservations"] == {"pending": 0, "confirmed": 0}
        assert (vcpu()["used"], vcpu()["reserved"], vcpu()["resources"]) == ("15", "0", 2)
