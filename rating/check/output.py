"""Render findings for people (grouped by file), machines (JSON) and CI annotations.

The JSON keys and GitHub/GitLab shapes are stable: pipelines parse them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Callable
from itertools import groupby
from pathlib import Path

from rating.check.findings import Finding, Severity

FORMATS = ("human", "json", "github", "gitlab")


def summary(findings: list[Finding]) -> dict[str, int]:
    errors = sum(1 for f in findings if f.severity is Severity.ERROR)
    return {"errors": errors, "warnings": len(findings) - errors}


def _location(finding: Finding, catalog_path: str = "") -> str:
    file = finding.file or catalog_path
    return f"{file}:{finding.line}" if finding.line else file


def one_line(finding: Finding, catalog_path: str) -> str:
    """``file:line: severity[code] message``, the file relative to the working directory."""
    file = _relative(finding.file or catalog_path)
    location = f"{file}:{finding.line}" if finding.line else file
    message = " ".join(finding.message.replace(str(Path.cwd()) + os.sep, "").split())
    return f"{location}: {finding.severity}[{finding.code}] {message}"


def human(findings: list[Finding], catalog_path: str) -> str:
    """``file:line: severity[code] message`` lines, one block per file, then a summary.

    Lines start with the location so editors and terminals can jump to it.
    """
    if not findings:
        return f"{catalog_path}: ok, no findings"
    blocks = [
        "\n".join(
            f"{_location(f, catalog_path)}: {f.severity}[{f.code}] {f.message}" for f in group
        )
        for _, group in groupby(findings, key=lambda f: f.file or catalog_path)
    ]
    counts = summary(findings)
    return "\n\n".join([*blocks, f"{counts['errors']} error(s), {counts['warnings']} warning(s)"])


def as_json(findings: list[Finding], catalog_path: str) -> str:
    document = {
        "catalog": catalog_path,
        "findings": [f.as_dict() for f in findings],
        "summary": summary(findings),
    }
    return json.dumps(document, indent=2, sort_keys=True)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github(findings: list[Finding], catalog_path: str) -> str:
    """GitHub Actions workflow commands: one ``::error``/``::warning`` annotation each."""
    lines = []
    for f in findings:
        props = [f"file={_escape_property(f.file or catalog_path)}"]
        if f.line:
            props.append(f"line={f.line}")
        props.append(f"title={_escape_property(f.code)}")
        lines.append(f"::{f.severity} {','.join(props)}::{_escape_data(f.message)}")
    counts = summary(findings)
    lines.append(f"{catalog_path}: {counts['errors']} error(s), {counts['warnings']} warning(s)")
    return "\n".join(lines)


def gitlab(findings: list[Finding], catalog_path: str) -> str:
    """GitLab Code Quality report (a JSON array of issues)."""
    issues = []
    for f in findings:
        path = f.file or catalog_path
        fingerprint = hashlib.sha256(f"{path}|{f.line}|{f.code}|{f.message}".encode()).hexdigest()
        issues.append(
            {
                "description": f.message,
                "check_name": f.code,
                "fingerprint": fingerprint,
                "severity": "major" if f.severity is Severity.ERROR else "minor",
                "location": {"path": path, "lines": {"begin": f.line or 1}},
            }
        )
    return json.dumps(issues, indent=2)


RENDERERS: dict[str, Callable[[list[Finding], str], str]] = {
    "human": human,
    "json": as_json,
    "github": github,
    "gitlab": gitlab,
}


def render(findings: list[Finding], catalog_path: str, fmt: str) -> str:
    """Findings in ``fmt``; paths under the working directory become relative.

    CI annotations must name files relative to the repository root, where the
    job runs; relative paths also keep human output short.
    """
    prefix = str(Path.cwd()) + os.sep
    shown = [
        dataclasses.replace(f, file=_relative(f.file), message=f.message.replace(prefix, ""))
        for f in findings
    ]
    return RENDERERS[fmt](shown, _relative(catalog_path))


def _relative(path: str) -> str:
    if not path or not os.path.isabs(path):
        return path
    cwd = Path.cwd()
    try:
        return str(Path(path).relative_to(cwd))
    except ValueError:
        return path
