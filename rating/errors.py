"""Errors a user can cause.

Every such error is a :class:`RatecardError`: the CLI prints its message as one
line on stderr and exits with its ``exit_code``; it never shows a traceback.
Messages name the file, record or field at fault.
"""


class RatecardError(Exception):
    """A problem with the user's input or invocation (not a bug in ratecard)."""

    exit_code = 2

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


def first_line(error: BaseException) -> str:
    """The first line of a third-party error (Spark's and Java's run to pages)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
