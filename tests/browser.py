"""Headless Chromium as the browser tests and ``scripts/report_screenshot.py`` run it.

One command line for both: no network chatter, no sandbox (CI runs as root),
a throwaway profile, so a page is judged only by what it carries itself.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

HEADLESS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
)


def find_chromium() -> str | None:
    """Debian's ``chromium`` (or Ubuntu's ``chromium-browser``) on ``PATH``."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def run_headless(
    browser: str, profile: Path, *arguments: str, timeout: float = 90
) -> subprocess.CompletedProcess[str]:
    """Run ``browser`` headless with ``arguments`` and a fresh ``profile`` directory."""
    command = [browser, *HEADLESS, f"--user-data-dir={profile}", *arguments]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
