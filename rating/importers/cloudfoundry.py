"""``cf curl /v3/apps`` and ``cf curl /v3/processes`` → ``cloudfoundry.app`` samples.

An app's memory and instances belong to its processes (``web``, ``worker``,
…), each scaled on its own, so there is one sample per process: the web
process shares the app's guid, the others are named ``APP (TYPE)``. The
tenant key is the app's space guid.

The v3 API pages its lists; every page must be in the input (several pages
may simply be concatenated). A page whose ``pagination.total_results`` says
more than the input holds is an error, not a smaller bill.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rating.errors import RatecardError
from rating.importers.outcome import Outcome
from rating.importers.scope import ScopeMap

PLATFORM_TYPE = "CloudFoundry"
APP = "cloudfoundry.app"


def resources(documents: list[Any], source: str) -> list[Any]:
    """The resources of every page, checked complete against ``total_results``."""
    found: list[Any] = []
    total = 0
    for number, page in enumerate(documents, 1):
        if not isinstance(page, dict) or not isinstance(page.get("resources"), list):
            raise RatecardError(
                f"{source}: document {number}: not a v3 list page (no 'resources' array)"
            )
        found.extend(page["resources"])
        pagination = page.get("pagination")
        if isinstance(pagination, dict) and isinstance(pagination.get("total_results"), int):
            total = max(total, pagination["total_results"])
    distinct = {r.get("guid") for r in found if isinstance(r, dict)}
    if total > len(distinct):
        raise RatecardError(
            f"{source}: holds {len(distinct)} of {total} resources: give every page "
            "(follow pagination.next, or ask for ?per_page=5000)"
        )
    return found


def import_apps(
    apps: list[Any], processes: list[Any], scope: ScopeMap, at: str, outcome: Outcome
) -> Iterator[dict[str, Any]]:
    """Samples at ``at``: one per process of every app (apps and processes are objects read)."""
    by_guid: dict[str, dict[str, Any]] = {}
    for app in apps:
        outcome.read += 1
        if not isinstance(app, dict) or not isinstance(app.get("guid"), str):
            outcome.skip("app without a guid", repr(app)[:40])
            continue
        by_guid[app["guid"]] = app
    used: set[str] = set()
    for process in processes:
        outcome.read += 1
        app_guid = _app_guid(process)
        app = by_guid.get(app_guid) if isinstance(app_guid, str) else None
        where = f"process {_path(process, 'guid')} of app {app_guid}"
        if app is None:
            outcome.skip("process of an app not in the apps input", where)
            continue
        if not isinstance(process.get("guid"), str):
            outcome.skip("process without a guid", where)
            continue
        used.add(app["guid"])
        yield _sample(app, process, scope, at, outcome)
    for guid, app in by_guid.items():
        if guid not in used:
            outcome.skip("app without a process in the processes input", f"app {app.get('name')}")


def _sample(
    app: dict[str, Any], process: dict[str, Any], scope: ScopeMap, at: str, outcome: Outcome
) -> dict[str, Any]:
    name = app.get("name") if isinstance(app.get("name"), str) else app["guid"]
    if process.get("type") not in (None, "web"):
        name = f"{name} ({process['type']})"
    space = _path(app, "relationships", "space", "data", "guid")
    traits: dict[str, Any] = {
        "appState": app.get("state"),
        "instances": process.get("instances"),
        "ramMb": process.get("memory_in_mb"),
    }
    if process.get("disk_in_mb") is not None:
        traits["size"] = process["disk_in_mb"]
    return {
        "time": at,
        "resource": {"id": process["guid"], "type": APP, "name": name},
        "scope": scope.scope(space if isinstance(space, str) else None, outcome, name),
        "traits": traits,
    }


def _app_guid(process: Any) -> str | None:
    """The process's app: ``relationships.app`` in newer APIs, else ``links.app.href``."""
    guid = _path(process, "relationships", "app", "data", "guid")
    if isinstance(guid, str):
        return guid
    href = _path(process, "links", "app", "href")
    return href.rstrip("/").rsplit("/", 1)[-1] if isinstance(href, str) else None


def _path(value: Any, *keys: str) -> Any:
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value
