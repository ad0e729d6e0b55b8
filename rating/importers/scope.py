"""The scope of imported samples: options and a small mapping file.

A platform knows its namespaces (Kubernetes), projects (OpenStack) or spaces
(Cloud Foundry), not the operator's tenants, locations or platform instances.
The mapping file says what the platform cannot, in JSON or YAML::

    platformInstance: k8s-prod
    location: eu-de-2
    tenants:              # namespace, project id or space guid → tenant
      shop-prod: team-blue
      shop-stage: team-blue

Command-line options win over the file. A key the ``tenants`` table does not
name is its own tenant (and the import notes it), so an empty mapping is valid.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rating.errors import RatecardError
from rating.importers.outcome import Outcome

_SCOPE_KEYS = ("platformInstance", "location", "tenants")


@dataclass(frozen=True)
class ScopeMap:
    """Scope fields common to one import, and the tenant table."""

    platform_type: str
    location: str | None = None
    platform_instance: str | None = None
    tenants: dict[str, str] = field(default_factory=dict)
    tenant: str | None = None  # for objects that name no namespace or project

    def scope(self, key: str | None, outcome: Outcome, example: str) -> dict[str, str]:
        """The sample scope of an object whose namespace, project or space is ``key``."""
        scope = {"platformType": self.platform_type}
        if self.location:
            scope["location"] = self.location
        if self.platform_instance:
            scope["platformInstance"] = self.platform_instance
        tenant = self.tenant if key is None else self.tenants.get(key)
        if tenant is None and key is not None:
            tenant = key
            if self.tenants:
                outcome.note("not in the mapping's tenants: its own key is the tenant", example)
        if tenant:
            scope["tenant"] = tenant
        else:
            outcome.note("names no namespace or project and no --tenant given: no tenant", example)
        return scope


def load_mapping(path: Path | None, extra: Iterable[str] = ()) -> dict[str, Any]:
    """The mapping file as a dict (empty without a file); unknown keys are errors.

    ``extra`` are further top-level keys a caller reads itself (the CloudEvents
    mapping's ``events``).
    """
    if path is None:
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RatecardError(f"{path}: cannot read the mapping file: {error}") from None
    data = _parse(path, text)
    if not isinstance(data, dict):
        raise RatecardError(f"{path}: the mapping must be an object (key: value)")
    allowed = (*_SCOPE_KEYS, *extra)
    for key in data:
        if key not in allowed:
            raise RatecardError(
                f"{path}: unknown key {key!r} (expected one of {', '.join(allowed)})"
            )
    for key in ("platformType", "platformInstance", "location"):
        _text(path, key, data.get(key), optional=True)
    tenants = data.get("tenants", {})
    if not isinstance(tenants, dict):
        raise RatecardError(f"{path}: tenants: expected an object (key: tenant)")
    for key, tenant in tenants.items():
        _text(path, f"tenants.{key}", tenant, optional=False)
    return data


def scope_map(
    platform_type: str,
    mapping: dict[str, Any],
    *,
    location: str | None,
    platform_instance: str | None,
    tenant: str | None,
) -> ScopeMap:
    """Options over the mapping file's values."""
    return ScopeMap(
        platform_type=platform_type,
        location=location or mapping.get("location"),
        platform_instance=platform_instance or mapping.get("platformInstance"),
        tenants={str(k): v for k, v in mapping.get("tenants", {}).items()},
        tenant=tenant,
    )


def _parse(path: Path, text: str) -> Any:
    """JSON (by suffix) or YAML; nesting deeper than Python's stack is one error too."""
    try:
        return _parse_text(path, text)
    except RecursionError:
        raise RatecardError(f"{path}: the mapping is nested too deeply") from None


def _parse_text(path: Path, text: str) -> Any:
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise RatecardError(
                f"{path}:{error.lineno}:{error.colno}: not JSON: {error.msg}"
            ) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or "invalid"
        raise RatecardError(f"{path}{where}: not YAML: {problem}") from None


def _text(path: Path, key: str, value: Any, *, optional: bool) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str) or not value:
        raise RatecardError(f"{path}: {key}: expected non-empty text, got {value!r}")
