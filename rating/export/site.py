"""The HTML showback site as an export: its pages published like a dataset, plus an entry page.

The pages (:func:`rating.report.output.html_pages`, the same bytes as
``ratecard report --format html --out DIR``) go through
:func:`rating.export.publish.publish`: under ``period=<P>/html/runs/<run-id>/``,
the manifest last and atomically, superseded runs collected afterwards. So a
reader never sees half a site, and a re-export of the same run changes nothing.

Links between pages are relative, so the site works wherever the run's
directory is served. Its stable address is ``period=<P>/html/index.html``
(:data:`ENTRY`): a small page that forwards to the current run's index,
replaced by one atomic PUT after the manifest, and pointing at the run the
manifest names once it is in place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from markupsafe import escape

from rating.errors import RatecardError
from rating.export.collect import ENTRY
from rating.export.manifest import MANIFEST, parse_manifest
from rating.export.publish import Publication, publish
from rating.export.sinks import Progress, Sink, SinkError
from rating.rate.result import Counts

NAME = "html"  # the dataset name in the key layout: period=<P>/html


@dataclass(frozen=True)
class Site:
    """The site's pages, (file name, HTML), as :func:`publish` takes a dataset."""

    period: str
    pages: tuple[tuple[str, str], ...]
    catalog_version: str | None = None
    counts: Counts | None = None

    name = NAME
    encoding = "html"

    @property
    def prefix(self) -> str:
        return f"period={self.period}/{self.name}"

    @property
    def columns(self) -> list[str]:
        return []  # pages, not a table

    def files(self) -> Iterator[tuple[str, int, bytes]]:
        """Each page as UTF-8; pages have no rows (the manifest counts 0)."""
        for name, page in self.pages:
            yield name, 0, page.encode("utf-8")


def publish_site(
    site: Site,
    sink: Sink,
    *,
    on_progress: Callable[[str, int], Progress | None] | None = None,
) -> Publication:
    """Publish the pages, then point the entry page at the run the manifest names."""
    done = publish(site, sink, on_progress=on_progress)
    manifest_key = f"{site.prefix}/{MANIFEST}"
    try:
        # Read back: a concurrent export may have replaced the manifest since ours.
        current = sink.get(manifest_key)
        keys = [f["key"] for f in parse_manifest(current)["files"]] if current else []
        index = next((key for key in keys if key.rsplit("/", 1)[-1] == "index.html"), None)
        if index is None:
            raise SinkError(f"{sink.url(manifest_key)}: names no index.html")
        sink.put(f"{site.prefix}/{ENTRY}", entry_page(site.period, index))
    except (SinkError, ValueError) as error:
        raise RatecardError(
            f"export published {done.manifest_url} (complete), but not its entry page "
            f"{sink.url(f'{site.prefix}/{ENTRY}')}: {error}"
        ) from error
    return done


def entry_url(publication: Publication) -> str:
    """Where people open the site: the entry page beside the manifest."""
    return publication.manifest_url.removesuffix(MANIFEST) + ENTRY


def entry_page(period: str, index: str) -> bytes:
    """A page forwarding to ``index`` (relative to it), with a link for when it does not."""
    target = escape(index)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'">\n'
        f'<meta http-equiv="refresh" content="0; url={target}">\n'
        f"<title>Showback {escape(period)}</title>\n</head>\n<body>\n"
        f'<p><a href="{target}">Showback {escape(period)}</a></p>\n</body>\n</html>\n'
    ).encode()
