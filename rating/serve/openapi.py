"""``GET /openapi.json``: the service's OpenAPI 3.1 document, written by hand.

Written out rather than generated so that it says what the handlers in
:mod:`rating.serve.app` do — their errors, the reservation protocol — in one
place; ``tests/test_serve.py`` checks every route is in it.
"""

from __future__ import annotations

from typing import Any

from rating import __version__

_ERROR = {"$ref": "#/components/responses/Error"}
_TENANT = {"name": "tenant", "in": "path", "required": True, "schema": {"type": "string"}}
_RESERVATION = {
    "name": "reservation",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
}


def _ok(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    content = {"application/json": {"schema": schema or {"type": "object"}}}
    return {"description": description, "content": content}


def document() -> dict[str, Any]:
    """The document (a new dict each time: callers may change it)."""
    errors = {"401": _ERROR, "404": _ERROR, "422": _ERROR}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ratecard serve",
            "version": __version__,
            "description": "Admission decisions against quotas, budgets and throttling "
            "rules, with atomic reservations (docs/quotas.md). Every endpoint but "
            "/healthz needs `Authorization: Bearer <token>`. Errors are "
            '`{"error": "<one line>"}`.',
        },
        "security": [{"bearer": []}],
        "paths": {
            "/v1/admit": {
                "post": {
                    "summary": "Allow or deny a provisioning request; an allowed create is "
                    "reserved until confirmed, cancelled or expired.",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Request"}}
                        },
                    },
                    "responses": {
                        "200": _ok("The decision", {"$ref": "#/components/schemas/Decision"}),
                        "400": _ERROR,
                        "413": _ERROR,
                        **errors,
                    },
                }
            },
            "/v1/tenants/{tenant}/quotas": {
                "get": {
                    "summary": "Each quota of the tenant: used (with reservations), limit, "
                    "percent, level.",
                    "parameters": [_TENANT],
                    "responses": {"200": _ok("Quota status"), **errors},
                }
            },
            "/v1/tenants/{tenant}/budgets": {
                "get": {
                    "summary": "Each budget of the tenant: month-to-date spend, forecast "
                    "(with reservations), levels.",
                    "parameters": [_TENANT],
                    "responses": {"200": _ok("Budget status"), **errors},
                }
            },
            "/v1/decisions": {
                "get": {
                    "summary": "Every throttling rule's decision per tenant, cell, action "
                    "and resource type, for agents.",
                    "parameters": [{"name": "tenant", "in": "query", "schema": {"type": "string"}}],
                    "responses": {"200": _ok("Throttling decisions"), **errors},
                }
            },
            "/v1/reservations/{reservation}/confirm": {
                "post": {
                    "summary": "The resource was provisioned: hold the reservation until the "
                    "samples show it.",
                    "parameters": [_RESERVATION],
                    "responses": {"200": _ok("The reservation"), **errors},
                }
            },
            "/v1/reservations/{reservation}": {
                "delete": {
                    "summary": "Release a reservation.",
                    "parameters": [_RESERVATION],
                    "responses": {"200": _ok("The released reservation"), **errors},
                }
            },
            "/healthz": {
                "get": {
                    "summary": "Liveness, the catalog in force and the last reload's error.",
                    "security": [],
                    "responses": {"200": _ok("Health")},
                }
            },
            "/metrics": {
                "get": {
                    "summary": "Prometheus text format.",
                    "responses": {
                        "200": {"description": "Metrics", "content": {"text/plain": {}}},
                        "401": _ERROR,
                    },
                }
            },
            "/openapi.json": {
                "get": {"summary": "This document.", "responses": {"200": _ok("OpenAPI")}}
            },
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {
                "Error": {
                    "description": "What is wrong, in one line",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["error"],
                                "properties": {"error": {"type": "string"}},
                            }
                        }
                    },
                }
            },
            "schemas": {
                "Request": {
                    "type": "object",
                    "required": ["tenant", "resourceType"],
                    "additionalProperties": False,
                    "properties": {
                        "tenant": {"type": "string", "minLength": 1},
                        "cell": {"type": ["string", "null"]},
                        "resourceType": {"type": "string", "minLength": 1},
                        "traits": {"type": "object"},
                        "count": {"type": "integer", "minimum": 1, "maximum": 1000000},
                        "action": {"type": "string", "default": "create"},
                    },
                },
                "Decision": {
                    "type": "object",
                    "properties": {
                        "at": {"type": "string", "format": "date-time"},
                        "decision": {"enum": ["allow", "deny"]},
                        "request": {"$ref": "#/components/schemas/Request"},
                        "denials": {"type": "array", "items": {"type": "object"}},
                        "reservation": {"type": ["object", "null"]},
                    },
                },
            },
        },
    }
