"""Quotas, budgets and throttling: what tenants may provision, decided from their usage.

:mod:`.model` holds the catalog's declarations (loaded by
:mod:`rating.load.controls`), :mod:`.state` the resources a fleet holds at an
instant, :mod:`.measure` what one resource adds to a quota, :mod:`.quota` and
:mod:`.budget` utilization and spend with their :mod:`.levels`, and
:mod:`.admission` the allow/deny decision on a :mod:`.request` — pure, so the
CLI and a future HTTP service decide alike (docs/quotas.md).
"""
