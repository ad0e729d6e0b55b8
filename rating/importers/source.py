"""Reading an importer's input: a file or stdin holding one or more JSON documents.

``kubectl … -o json`` prints one document, ``cf curl`` one page per call;
several pages concatenated into one file (``for page …; do cf curl …; done``)
are several documents, so the input is read as a sequence of them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from rating.errors import RatecardError

_DECODER = json.JSONDecoder()


def read_text(path: str) -> str:
    """The whole input as text (``-`` = stdin); unreadable input is a one-line error."""
    try:
        if path == "-":
            return sys.stdin.buffer.read().decode("utf-8-sig")
        return Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise RatecardError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise RatecardError(f"{_name(path)}: cannot read: {error}") from None


def json_documents(path: str) -> list[Any]:
    """Every JSON document in the input, in order; an empty input is an error."""
    text = read_text(path)
    documents, position = [], 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position == len(text):
            break
        try:
            document, position = _DECODER.raw_decode(text, position)
        except json.JSONDecodeError as error:
            raise RatecardError(
                f"{_name(path)}:{error.lineno}:{error.colno}: not JSON: {error.msg}"
            ) from None
        except (ValueError, RecursionError) as error:  # a 5,000-digit number, [[[[…]]]]
            raise RatecardError(f"{_name(path)}: unusable JSON: {_problem(error)}") from None
        documents.append(document)
    if not documents:
        raise RatecardError(f"{_name(path)}: empty input: expected JSON")
    return documents


def _problem(error: Exception) -> str:
    return "nested too deeply" if isinstance(error, RecursionError) else str(error)


def _name(path: str) -> str:
    return "<stdin>" if path == "-" else path
