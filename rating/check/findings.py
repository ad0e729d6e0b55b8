"""What a check reports: one :class:`Finding` per problem, with a stable code.

Codes are a public interface (CI pipelines filter on them), so they never
change meaning; messages may improve.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Finding:
    """One problem in a catalog, located as precisely as the loader allows."""

    file: str
    line: int | None
    severity: Severity
    code: str  # stable id, e.g. "unknown-resource-type"
    message: str
    subject: str | None = None  # product, discount or example id the finding is about

    def as_dict(self) -> dict[str, object]:
        return {
            "severity": str(self.severity),
            "code": self.code,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "subject": self.subject,
        }


def split_source(source: str | None, default_file: str) -> tuple[str, int | None]:
    """Split a loader ``"file:line"`` location; fall back to the part's file."""
    if not source:
        return default_file, None
    file, sep, line = source.rpartition(":")
    if sep and line.isdigit():
        return file, int(line)
    return source, None


class Collector:
    """Accumulates findings for one file context; rules call :meth:`error`/:meth:`warning`."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def add(
        self,
        severity: Severity,
        code: str,
        message: str,
        *,
        source: str | None = None,
        file: str = "",
        subject: str | None = None,
    ) -> None:
        path, line = split_source(source, file)
        self.findings.append(Finding(path, line, severity, code, message, subject))

    def error(self, code: str, message: str, **where: str | None) -> None:
        self.add(Severity.ERROR, code, message, **where)  # type: ignore[arg-type]

    def warning(self, code: str, message: str, **where: str | None) -> None:
        self.add(Severity.WARNING, code, message, **where)  # type: ignore[arg-type]
