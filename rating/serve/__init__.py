"""``ratecard serve``: admission decisions, quota and budget status over HTTP (docs/quotas.md).

:mod:`.state` loads the catalog and the fleet's holdings into a
:class:`~.state.Snapshot` and reloads it when a file changes (a catalog that
fails ``check`` is not loaded); :mod:`.reservations` decides admits under one
lock against the snapshot plus outstanding reservations, so concurrent admits
cannot oversubscribe; :mod:`.app` is the Starlette application (bearer-token
auth, JSON errors), :mod:`.metrics` and :mod:`.openapi` its documents. The
decisions themselves are :mod:`rating.control.admission`'s, as for ``ratecard admit``.
"""
