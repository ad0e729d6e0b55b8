"""Render the example fleet's showback site and save a screenshot of a tenant page.

The README shows ``docs/report-tenant.png``; this script makes it again after
the site's look changes::

    python scripts/report_screenshot.py            # writes docs/report-tenant.png

It runs the README's main example (``examples/catalogs/private-cloud`` with
``examples/samples/fleet-2026-10.jsonl``, period 2026-10) as ``ratecard report
--format html --out DIR`` does, then takes the picture with headless Chromium
(found on ``PATH`` as ``chromium`` or ``chromium-browser``, like the browser
tests; ``--chromium PATH`` to name one). The page is shown in the light scheme
at a fixed window size, so the picture only changes when the page does.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import rating

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from browser import find_chromium, run_headless  # noqa: E402 (the browser tests' command line)

CATALOG = ROOT / "examples" / "catalogs" / "private-cloud"
SAMPLES = ROOT / "examples" / "samples" / "fleet-2026-10.jsonl"
OUTPUT = ROOT / "docs" / "report-tenant.png"
TENANT = "proj-7"  # the tenant whose text report the README prints
WINDOW = "1480,1900"  # CSS pixels: header, totals, lines, discounts, breakdowns, chart
MAX_BYTES = 300_000  # keep the repository small


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUTPUT, help=f"PNG file (default {OUTPUT})")
    parser.add_argument("--tenant", default=TENANT, help=f"tenant page (default {TENANT})")
    parser.add_argument("--chromium", help="the browser (default: chromium on PATH)")
    arguments = parser.parse_args()
    browser = arguments.chromium or find_chromium()
    if browser is None:
        print("report_screenshot: needs Chromium (apt-get install chromium)", file=sys.stderr)
        return 2
    rated = rating.open_catalog(CATALOG).rate(SAMPLES, period="2026-10")
    with tempfile.TemporaryDirectory(prefix="ratecard-screenshot-") as scratch:
        site = Path(scratch) / "site"
        rated.reports().write(site, "html")
        page = site / f"{arguments.tenant}.html"
        if not page.is_file():
            print(f"report_screenshot: no tenant {arguments.tenant!r}", file=sys.stderr)
            return 2
        screenshot(browser, page, arguments.out.resolve(), Path(scratch) / "profile")
    size = arguments.out.stat().st_size
    print(f"wrote {arguments.out} ({size} bytes)")
    if size > MAX_BYTES:
        print(f"report_screenshot: over {MAX_BYTES} bytes, use a smaller window", file=sys.stderr)
        return 1
    return 0


def screenshot(browser: str, page: Path, out: Path, profile: Path) -> None:
    """One PNG of ``page`` as headless Chromium shows it (no network, a throwaway profile)."""
    done = run_headless(
        browser,
        profile,
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        "--blink-settings=preferredColorScheme=1",  # 1: light
        f"--window-size={WINDOW}",
        "--virtual-time-budget=2000",
        f"--screenshot={out}",
        page.as_uri(),
        timeout=120,
    )
    if done.returncode != 0 or not out.is_file():
        raise SystemExit(f"report_screenshot: Chromium failed: {done.stderr[-2000:]}")


if __name__ == "__main__":
    sys.exit(main())
