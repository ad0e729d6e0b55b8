"""The shape of every Dhall failure the loader reports, whichever evaluator found it.

``file:line:column: what`` on the first line (what the CLI prints, and what
editors jump to), then the source line and a caret under the column.
"""

from __future__ import annotations

from pathlib import Path


def located(file: Path, line: int, column: int, what: str, source: str | None) -> str:
    """The message for ``what`` at ``file:line:column``; ``source`` is the text if not a file."""
    snippet = source_line(file, line, source)
    message = f"{file}:{line}:{column}: {one_line(what)}"
    if snippet is None:
        return message
    return f"{message}\n    {snippet}\n    {' ' * (column - 1)}^"


def source_line(file: Path, line: int, source: str | None) -> str | None:
    """Line ``line`` (1-based) of ``source``, else of ``file``; ``None`` if there is none."""
    try:
        lines = (source if source is not None else file.read_text(encoding="utf-8")).splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    return lines[line - 1].rstrip() if 0 < line <= len(lines) else None


def one_line(text: str, limit: int = 400) -> str:
    """``text`` with its whitespace runs collapsed, cut to ``limit`` characters."""
    flat = " ".join(text.replace("\u240a", "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
