"""Report outputs by format: to one stream, or one file per tenant plus a chargeback file.

Formats: ``table`` (``.txt``), ``json`` (one pretty document per file; on a
stream one compact document per line, i.e. JSON Lines), ``csv`` and
``parquet`` (the flattened lines of :mod:`rating.report.lines`). Parquet is
binary and needs a directory; so does ``html``, a static site
(:mod:`rating.report.render_html`: ``<tenant>.html`` per tenant and ``index.html``,
with the run's :mod:`~rating.report.breakdowns` when given).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rating.errors import RatecardError
from rating.report.breakdowns import Breakdown
from rating.report.chargeback import chargeback_summary, group_chargeback
from rating.report.files import to_csv, write_parquet
from rating.report.gauges import SiteControls
from rating.report.lines import (
    CHARGEBACK_SCHEMA,
    chargeback_rows,
    chargeback_table,
    group_chargeback_rows,
    group_chargeback_schema,
    group_chargeback_table,
    report_lines,
    report_rows,
    run_by,
    run_schema,
)
from rating.report.model import TenantReport
from rating.report.render_json import (
    render_chargeback_json,
    render_group_chargeback_json,
    render_json,
)
from rating.report.render_table import (
    render_chargeback_table,
    render_group_chargeback_table,
    render_table,
)

if TYPE_CHECKING:
    from rating.report.chart import Trend

FORMATS = ("table", "json", "csv", "parquet", "html")
_EXTENSIONS = {"table": "txt", "json": "json", "csv": "csv", "parquet": "parquet", "html": "html"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
# File systems take 255 bytes per name; a longer tenant name keeps its start and a digest.
_LONGEST_STEM = 200


def render_stream(reports: list[TenantReport], fmt: str) -> str:
    """Everything for one stream (stdout): reports, then (table) the chargeback summary."""
    if fmt == "table":
        parts = [render_table(report) for report in reports]
        if len(reports) > 1 or run_by(reports):
            parts.append(_chargeback_text(reports))
        return "\n".join(parts)
    if fmt == "json":
        return "".join(render_json(report, indent=None) for report in reports)
    if fmt == "csv":
        return to_csv(report_rows(reports), run_schema(reports).names)
    if fmt == "html":
        _html_supported(reports)
        raise RatecardError("--format html: a site of several pages needs --out DIR")
    raise RatecardError(f"--format {fmt}: binary output needs --out DIR")


def write_directory(
    reports: list[TenantReport],
    fmt: str,
    out: Path,
    *,
    breakdowns: Sequence[Breakdown] = (),
    controls: SiteControls | None = None,
    trend: Trend = (),
) -> list[Path]:
    """Write ``<tenant>.<ext>`` per report and ``chargeback.<ext>``; returns the paths written.

    ``breakdowns`` (the same run by cell, service category, label) and ``controls`` (quota
    and budget gauges) are shown by ``html``, and ``trend`` (the reports of several months).
    """
    if fmt == "html":
        pages = html_pages(reports, str(out), breakdowns, controls, trend)
        out.mkdir(parents=True, exist_ok=True)
        for name, page in pages:
            (out / name).write_text(page, encoding="utf-8")
        return [out / name for name, _ in pages]
    names = _file_names(reports, fmt, str(out))
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for report, name in zip(reports, names, strict=True):
        written.append(_write(out / name, fmt, [report]))
    written.append(_write_chargeback(out / f"chargeback.{_EXTENSIONS[fmt]}", fmt, reports))
    return written


def html_pages(
    reports: list[TenantReport],
    where: str,
    breakdowns: Sequence[Breakdown] = (),
    controls: SiteControls | None = None,
    trend: Trend = (),
) -> list[tuple[str, str]]:
    """The HTML site as (file name, page): ``<tenant>.html`` per report, then ``index.html``;
    ``where`` (the directory or export target) names the site in errors."""
    names = _file_names(reports, "html", where)
    _html_supported(reports)
    from rating.report.render_html import site_pages  # Jinja2 only when needed

    return site_pages(reports, names, breakdowns, controls, trend)


def _file_names(reports: list[TenantReport], fmt: str, where: str) -> list[str]:
    """One safe file name per report; tenant names that clash (or take the summary's) fail."""
    extension = _EXTENSIONS[fmt]
    names = [f"{_file_stem(report.tenant)}.{extension}" for report in reports]
    summary = "index.html" if fmt == "html" else f"chargeback.{extension}"
    clashes = sorted({n for n in names if names.count(n) > 1 or n == summary})
    if clashes:
        raise RatecardError(
            f"{where}: tenant names give clashing file name(s): {', '.join(clashes)}"
        )
    return names


def _file_stem(tenant: str) -> str:
    """The tenant's name made safe (ASCII, one byte a character) and short enough for a file."""
    stem = _UNSAFE.sub("_", tenant)
    if len(stem) <= _LONGEST_STEM:
        return stem
    digest = hashlib.sha256(tenant.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{stem[: _LONGEST_STEM - len(digest) - 1]}-{digest}"


def _write(path: Path, fmt: str, reports: list[TenantReport]) -> Path:
    if fmt == "parquet":
        write_parquet(report_lines(reports), path)
    elif fmt == "json":
        path.write_text(render_json(reports[0]), encoding="utf-8")
    else:
        path.write_text(render_stream(reports, fmt), encoding="utf-8")
    return path


def _html_supported(reports: list[TenantReport]) -> None:
    """The site shows every one-dimension breakdown and the daily cost itself; a nested
    ``--by`` grouping or daily lines would be silently dropped, so they are refused."""
    if any(report.by or report.granularity != "month" for report in reports):
        raise RatecardError(
            "--format html: --by and --granularity day do not apply, the site shows cells, "
            "service categories, labels and daily cost itself; drop them"
        )


def _chargeback_text(reports: list[TenantReport]) -> str:
    by = run_by(reports)
    if by:
        return render_group_chargeback_table(by, group_chargeback(reports, by))
    return render_chargeback_table(chargeback_summary(reports))


def _write_chargeback(path: Path, fmt: str, reports: list[TenantReport]) -> Path:
    by = run_by(reports)
    if by:
        _write_group_chargeback(path, fmt, reports, by)
        return path
    rows = chargeback_summary(reports)
    if fmt == "parquet":
        write_parquet(chargeback_table(rows), path)
    elif fmt == "json":
        path.write_text(render_chargeback_json(rows), encoding="utf-8")
    elif fmt == "csv":
        path.write_text(to_csv(chargeback_rows(rows), CHARGEBACK_SCHEMA.names), encoding="utf-8")
    else:
        path.write_text(render_chargeback_table(rows), encoding="utf-8")
    return path


def _write_group_chargeback(
    path: Path, fmt: str, reports: list[TenantReport], by: tuple[str, ...]
) -> None:
    rows = group_chargeback(reports, by)
    if fmt == "parquet":
        write_parquet(group_chargeback_table(by, rows), path)
    elif fmt == "json":
        path.write_text(render_group_chargeback_json(by, rows), encoding="utf-8")
    elif fmt == "csv":
        text = to_csv(group_chargeback_rows(by, rows), group_chargeback_schema(by).names)
        path.write_text(text, encoding="utf-8")
    else:
        path.write_text(render_group_chargeback_table(by, rows), encoding="utf-8")
