"""The Starlette application: routes, bearer-token auth, JSON errors, the reload loop.

Every answer is JSON (``/metrics`` is Prometheus text). Whatever a client
sends is answered 4xx with ``{"error": "<one line>"}`` — malformed JSON 400, a
missing or wrong token 401, an unknown tenant or reservation 404, a body too
large 413, a request the catalog cannot take (unknown type, bad trait,
unknown tenant in an admit) 422 — never 500: that is left for bugs.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from http import HTTPStatus
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request as HttpRequest
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from rating.control.admission import require_known_tenant, rules_in_force
from rating.control.levels import decimal, plain
from rating.control.request import parse_request
from rating.errors import RatecardError, first_line
from rating.period import stamp
from rating.serve.metrics import metrics_text
from rating.serve.openapi import document
from rating.serve.reservations import Ledger
from rating.serve.state import Live, Snapshot, log

MAX_BODY = 1 << 20  # a request is a few hundred bytes; anything near this is not one
OPEN_PATHS = frozenset({"/healthz"})  # answered without a token


def create_app(live: Live, ledger: Ledger, token: str, reload_every: float = 2.0) -> Starlette:
    """The service over ``live`` (reloaded every ``reload_every`` seconds) and ``ledger``."""
    if not token:
        raise RatecardError("no bearer token: set RATECARD_SERVE_TOKEN or pass --token-file")
    live.on_reload = ledger.settle

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(_reload_loop(live, reload_every))
        try:
            yield
        finally:
            task.cancel()

    app = Starlette(
        routes=ROUTES,
        lifespan=lifespan,
        exception_handlers={
            HTTPException: _http_error,
            RatecardError: _user_error,
            Exception: _internal_error,
        },
    )
    app.state.live = live
    app.state.ledger = ledger
    app.add_middleware(_BearerAuth, token=token)
    return app


async def _reload_loop(live: Live, every: float) -> None:
    """Poll the watched files; loading runs in a thread so admits go on meanwhile."""
    while True:
        await asyncio.sleep(every)
        await asyncio.to_thread(live.poll)


class _BearerAuth:
    """``Authorization: Bearer <token>`` on every path but :data:`OPEN_PATHS` (constant time)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] not in OPEN_PATHS:
            scheme, _, credentials = Headers(scope=scope).get("authorization", "").partition(" ")
            if not (
                scheme.lower() == "bearer"
                and hmac.compare_digest(credentials.strip().encode(), self.token)
            ):
                problem = "wrong bearer token" if credentials else "missing bearer token"
                response = _error(401, f"{problem} (Authorization: Bearer <token>)")
                response.headers["WWW-Authenticate"] = 'Bearer realm="ratecard"'
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _http_error(request: HttpRequest, error: Exception) -> Response:
    """Starlette's own 404 and 405 say which endpoint was asked for; ours say what is wrong."""
    assert isinstance(error, HTTPException)
    message = error.detail
    if message == HTTPStatus(error.status_code).phrase:
        message = f"{message}: {request.method} {request.url.path} (see /openapi.json)"
    response = _error(error.status_code, message)
    response.headers.update(error.headers or {})
    return response


async def _user_error(_request: HttpRequest, error: Exception) -> Response:
    return _error(422, first_line(error))


async def _internal_error(_request: HttpRequest, error: Exception) -> Response:
    log.error("internal error: %s: %s", type(error).__name__, first_line(error))
    return _error(500, f"internal error: {type(error).__name__} (a bug in ratecard)")


async def _json_body(request: HttpRequest) -> Any:
    """The body as JSON: 413 past :data:`MAX_BODY`, 400 when it is not JSON."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise HTTPException(413, f"request body over {MAX_BODY:,} bytes")
        chunks.append(chunk)
    if not size:
        raise HTTPException(400, "request body is empty: expected a JSON object")
    try:
        return json.loads(b"".join(chunks), parse_constant=_no_constant)
    except (ValueError, RecursionError) as error:
        raise HTTPException(400, f"request body is not JSON: {first_line(error)}") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _snapshot(request: HttpRequest) -> Snapshot:
    return request.app.state.live.snapshot


def _ledger(request: HttpRequest) -> Ledger:
    return request.app.state.ledger


async def _admit(request: HttpRequest) -> Response:
    body = await _json_body(request)
    snapshot = _snapshot(request)
    asked = parse_request(body, snapshot.resource_types, "request")
    require_known_tenant(asked, snapshot.tenants, "request")
    costs = snapshot.cached_costs(asked)
    if costs is None:  # a budget counts it: price it once per snapshot, off the event loop
        costs = await asyncio.to_thread(snapshot.request_costs, asked)
    decision, reservation = _ledger(request).admit(snapshot, asked, costs)
    shown = None if reservation is None else reservation.as_json()
    return JSONResponse({"at": stamp(snapshot.at), **decision.as_json(), "reservation": shown})


def _tenant(request: HttpRequest, snapshot: Snapshot) -> str:
    tenant = request.path_params["tenant"]
    if tenant not in snapshot.tenants:
        raise HTTPException(404, f"unknown tenant {tenant!r}")
    return tenant


async def _quotas(request: HttpRequest) -> Response:
    snapshot = _snapshot(request)
    tenant = _tenant(request, snapshot)
    reserved = _ledger(request).status(snapshot)
    quotas = [
        {**use.as_json(), "reserved": str(decimal(reserved.by_quota.get(use.quota.id, 0)))}
        for use in reserved.quotas
        if use.quota.tenant == tenant
    ]
    return JSONResponse({"at": stamp(snapshot.at), "tenant": tenant, "quotas": quotas})


async def _budgets(request: HttpRequest) -> Response:
    snapshot = _snapshot(request)
    tenant = _tenant(request, snapshot)
    reserved = _ledger(request).status(snapshot)
    budgets = [
        {
            **use.as_json(),
            "reserved": str(plain(reserved.by_budget.get(use.budget.id, Decimal(0)))),
        }
        for use in reserved.budgets
        if use.budget.tenant == tenant
    ]
    return JSONResponse({"at": stamp(snapshot.at), "tenant": tenant, "budgets": budgets})


async def _decisions(request: HttpRequest) -> Response:
    """Every throttling rule's verdict per tenant, cell and action, for agents to poll."""
    snapshot = _snapshot(request)
    wanted = request.query_params.get("tenant")
    if wanted is not None and wanted not in snapshot.tenants:
        raise HTTPException(404, f"unknown tenant {wanted!r}")
    reserved = _ledger(request).status(snapshot)
    controls = snapshot.ratecard.model.controls
    in_force = {rule.id for rule in rules_in_force(controls, reserved.quotas, reserved.budgets)}
    percents = {use.quota.id: use.percent for use in reserved.quotas}
    percents |= {use.budget.id: use.percent for use in reserved.budgets}
    decisions = [
        {
            "tenant": rule.tenant,
            "cell": rule.cell,
            "action": action.action,
            "resourceType": action.resource_type,
            "decision": "deny" if rule.id in in_force else "allow",
            "rule": rule.id,
            "trigger": {
                "kind": rule.when.subject.lower(),
                "id": rule.when.id,
                "atLeast": str(plain(rule.when.at_least)),
                "percent": _percent(percents.get(rule.when.id)),
            },
        }
        for rule in controls.throttling
        if wanted is None or rule.tenant == wanted
        for action in rule.deny
    ]
    return JSONResponse({"at": stamp(snapshot.at), "decisions": decisions})


def _percent(share: Any) -> str | None:
    return None if share is None else str(decimal(share, 2))


async def _reservation_reply(
    request: HttpRequest, act: Callable[[Ledger, str, Snapshot], Any], verb: str
) -> Response:
    reservation_id = request.path_params["reservation"]
    held = act(_ledger(request), reservation_id, _snapshot(request))
    if held is None:
        raise HTTPException(
            404, f"no reservation {reservation_id!r} to {verb} (unknown, expired or released)"
        )
    return JSONResponse({"reservation": held.as_json()})


async def _confirm(request: HttpRequest) -> Response:
    now = request.app.state.live.now()
    return await _reservation_reply(
        request, lambda ledger, rid, snap: ledger.confirm(rid, snap, now), "confirm"
    )


async def _cancel(request: HttpRequest) -> Response:
    return await _reservation_reply(
        request, lambda ledger, rid, snap: ledger.cancel(rid, snap), "cancel"
    )


async def _health(request: HttpRequest) -> Response:
    live: Live = request.app.state.live
    snapshot = live.snapshot
    held = _ledger(request).held(snapshot)
    return JSONResponse(
        {
            "status": "ok" if live.error is None else "degraded",
            "catalog": snapshot.ratecard.model.name,
            "version": snapshot.ratecard.model.version,
            "generation": snapshot.generation,
            "at": stamp(snapshot.at),
            "loadedAt": stamp(snapshot.loaded_at),
            "reloadError": live.error,
            "reservations": {"pending": held["pending"], "confirmed": held["confirmed"]},
        }
    )


async def _metrics(request: HttpRequest) -> Response:
    text = metrics_text(request.app.state.live, _ledger(request))
    return PlainTextResponse(text, media_type="text/plain; version=0.0.4; charset=utf-8")


async def _openapi(_request: HttpRequest) -> Response:
    return JSONResponse(document())


ROUTES = [
    Route("/v1/admit", _admit, methods=["POST"]),
    Route("/v1/tenants/{tenant}/quotas", _quotas, methods=["GET"]),
    Route("/v1/tenants/{tenant}/budgets", _budgets, methods=["GET"]),
    Route("/v1/decisions", _decisions, methods=["GET"]),
    Route("/v1/reservations/{reservation}/confirm", _confirm, methods=["POST"]),
    Route("/v1/reservations/{reservation}", _cancel, methods=["DELETE"]),
    Route("/healthz", _health, methods=["GET"]),
    Route("/metrics", _metrics, methods=["GET"]),
    Route("/openapi.json", _openapi, methods=["GET"]),
]
