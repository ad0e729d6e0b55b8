"""Delivering alerts to a webhook: one JSON POST per alert, retried with backoff.

The standard library's HTTP client (as for remote Dhall imports) with a
timeout per attempt. A connection error, a timeout, 408, 429 or a 5xx is
retried — at most ``attempts`` tries, waiting ``base_delay`` × 2ⁿ with full
jitter (capped), or what ``Retry-After`` asks (capped too); any other status
but 2xx is final at once (a 4xx will not heal, a redirect is not followed: the
body would go where the operator did not say). Credentials in the URL
(``https://user:secret@host/…``) become a Basic ``Authorization`` header and
never appear in a message: :attr:`Webhook.shown` is the URL without them and
without its query. With a secret, the body is signed:
``X-Ratecard-Signature: sha256=<hex HMAC-SHA256 of the body>``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from rating import __version__
from rating.errors import RatecardError

_RETRIED = {408, 425, 429}


class DeliveryError(Exception):
    """The webhook did not take an alert after every attempt (or refused it for good)."""


@dataclass(frozen=True)
class Webhook:
    url: str  # without credentials
    shown: str  # scheme://host[:port]/path: what messages say
    authorization: str | None = field(default=None, repr=False)
    secret: bytes | None = field(default=None, repr=False)
    attempts: int = 5
    timeout: float = 10.0  # seconds per attempt
    base_delay: float = 0.5
    max_delay: float = 30.0  # one wait, backoff or Retry-After

    @classmethod
    def parse(cls, url: str, secret: bytes | None = None, **options: float) -> Webhook:
        """Check ``url`` (http or https with a host); its credentials move to a header."""
        try:
            parts = urllib.parse.urlsplit(url)
            port = parts.port
        except ValueError as error:
            raise RatecardError(f"--webhook: not a URL: {error}") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise RatecardError("--webhook: expected an http:// or https:// URL with a host")
        host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
        netloc = host if port is None else f"{host}:{port}"
        authorization = None
        if parts.username is not None:
            user = urllib.parse.unquote(parts.username)
            password = urllib.parse.unquote(parts.password or "")
            token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
            authorization = f"Basic {token}"
        clean = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
        shown = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))
        return cls(clean, shown, authorization, secret, **options)

    def deliver(self, body: bytes, key: str, *, sleep: Callable[[float], None] = time.sleep) -> int:
        """POST ``body`` until a 2xx; the number of attempts it took.

        ``key`` goes in ``Idempotency-Key``, the same on every retry and every
        run, so a receiver can drop the duplicates at-least-once delivery may bring.
        """
        last = ""
        for attempt in range(1, self.attempts + 1):
            try:
                with _OPENER.open(self._request(body, key), timeout=self.timeout) as response:
                    response.read()
                return attempt
            except urllib.error.HTTPError as error:
                last = f"HTTP {error.code}"
                if not (error.code in _RETRIED or 500 <= error.code < 600):
                    raise DeliveryError(f"{last} (not retried)") from None
                wait = _retry_after(error.headers.get("Retry-After"))
            except (urllib.error.URLError, OSError) as error:
                reason = error.reason if isinstance(error, urllib.error.URLError) else error
                last = str(getattr(reason, "strerror", None) or reason)
                wait = None
            if attempt < self.attempts:
                sleep(min(self.max_delay, wait if wait is not None else self._backoff(attempt)))
        raise DeliveryError(f"{last} after {self.attempts} attempts")

    def _backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, base × 2^(attempt−1)] (retries of many runs spread)."""
        return random.uniform(0, self.base_delay * 2 ** (attempt - 1))

    def _request(self, body: bytes, key: str) -> urllib.request.Request:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"ratecard/{__version__}",
            "Idempotency-Key": key,
        }
        if self.authorization is not None:
            headers["Authorization"] = self.authorization
        if self.secret is not None:
            digest = hmac.new(self.secret, body, hashlib.sha256).hexdigest()
            headers["X-Ratecard-Signature"] = f"sha256={digest}"
        return urllib.request.Request(self.url, data=body, headers=headers, method="POST")


def _retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds (delta-seconds or an HTTP date); None when absent or bad."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an HTTP error here: the alert goes to the URL given or nowhere."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)
