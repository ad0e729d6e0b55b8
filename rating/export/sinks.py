"""Where exported objects go: a local directory or S3-compatible object storage.

A sink stores, reads, deletes and lists objects under relative keys; storing one
object is atomic (an S3 PUT; a directory writes a temp file, fsyncs it and
renames it into place), which is what lets the publisher make a manifest appear
all at once. Failures become :class:`SinkError` (one readable line); the
publisher turns them into a :class:`~rating.errors.RatecardError`.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import socket
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, Protocol
from urllib.parse import urlparse

Progress = Callable[[int], None]

# A directory sink's temp files are named ``.tmp-<host>-<pid>-<random>`` so that clean-up
# can tell a crashed writer's leftovers from a file another process is writing right now.
TEMP_PREFIX = ".tmp-"
# The Content-Type S3 stores (and serves, e.g. to a browser viewing the HTML site) per
# key suffix; other keys get S3's default (binary/octet-stream).
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".jsonl": "application/x-ndjson",
    ".csv": "text/csv; charset=utf-8",
    ".parquet": "application/vnd.apache.parquet",
}


class SinkError(Exception):
    """One object could not be stored, read, deleted or listed; the message is one line."""


@dataclass(frozen=True)
class StoredObject:
    """A listed object: its key, size and last modification (the age clean-up judges by)."""

    key: str
    size: int
    modified: datetime


class Sink(Protocol):
    def url(self, key: str) -> str: ...
    def check(self) -> None: ...
    def put(self, key: str, data: bytes, progress: Progress | None = None) -> None: ...
    def get(self, key: str) -> bytes | None: ...
    def delete(self, key: str) -> None: ...
    def list(self, prefix: str) -> list[StoredObject]: ...


def temp_owner(name: str) -> tuple[str, int] | None:
    """(host, pid) of the process writing temp file ``name``; None when it is no temp file."""
    if not name.startswith(TEMP_PREFIX):
        return None
    host, _, rest = name.removeprefix(TEMP_PREFIX).rpartition("-")[0].rpartition("-")
    return (host, int(rest)) if host and rest.isdigit() else None


class DirectorySink:
    """Files under a root directory; each file is written to a temp name and renamed into place.

    Each file is fsynced before the rename and the directory after it, so a crash never
    leaves a manifest that names data the disk does not hold.
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def url(self, key: str) -> str:
        return str(self.root / key)

    def check(self) -> None:
        if self.root.exists() and not self.root.is_dir():
            raise SinkError(f"{self.root}: not a directory")

    def put(self, key: str, data: bytes, progress: Progress | None = None) -> None:
        """Write a temp file, report progress, fsync, rename: readers see all or nothing."""
        target = self.root / key
        owner = f"{TEMP_PREFIX}{socket.gethostname()}-{os.getpid()}-"
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(dir=target.parent, prefix=owner)
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                if progress:
                    progress(len(data))
                os.fsync(out.fileno())
            os.chmod(temp, 0o644)
            os.replace(temp, target)
            _fsync_directory(target.parent)
        except OSError as error:
            raise SinkError(f"{target}: {error.strerror or error}") from error

    def get(self, key: str) -> bytes | None:
        try:
            return (self.root / key).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise SinkError(f"{self.root / key}: {error.strerror or error}") from error

    def delete(self, key: str) -> None:
        """Remove a file, and its directory once empty (a collected run leaves nothing)."""
        path = self.root / key
        try:
            path.unlink(missing_ok=True)
        except OSError as error:
            raise SinkError(f"{path}: {error.strerror or error}") from error
        with contextlib.suppress(OSError):  # not empty: only the last file's delete removes it
            path.parent.rmdir()

    def list(self, prefix: str) -> list[StoredObject]:
        base = self.root / prefix
        if not base.is_dir():
            return []
        found = []
        for path in base.rglob("*"):
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue  # removed by a concurrent export between listing and stat
            if path.is_file():
                modified = datetime.fromtimestamp(stat.st_mtime, UTC)
                found.append(StoredObject(str(path.relative_to(self.root)), stat.st_size, modified))
        return sorted(found, key=lambda stored: stored.key)


def _fsync_directory(path: Path) -> None:
    """Make a rename durable: the directory entry is what a crash would otherwise lose."""
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


@dataclass(frozen=True)
class S3Options:
    """Connection and upload knobs; credentials and region come from the standard AWS chain."""

    endpoint_url: str | None = None
    region: str | None = None
    sse: str | None = None  # "AES256" or "aws:kms"
    sse_kms_key_id: str | None = None
    checksum_sha256: bool = False
    multipart_threshold: int = 64 * 1024 * 1024
    multipart_chunksize: int = 16 * 1024 * 1024
    max_attempts: int = 5
    connect_timeout: float = 10.0
    read_timeout: float = 60.0

    def __post_init__(self) -> None:
        # A key without KMS encryption would be dropped: objects stored unencrypted
        # (or with the bucket's default key) while the operator asked for theirs.
        if self.sse_kms_key_id is not None and self.sse != "aws:kms":
            raise SinkError("--sse-kms-key-id needs --sse aws:kms")


def parse_s3_url(url: str) -> tuple[str, str]:
    """``s3://bucket/prefix`` → (bucket, prefix without slashes at the ends)."""
    parsed = urlparse(url)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise SinkError(f"{url}: expected s3://bucket[/prefix]")
    return parsed.netloc, parsed.path.strip("/")


class S3Sink:
    """Objects under ``s3://bucket/prefix`` via boto3, multipart above a threshold, with retries."""

    def __init__(self, url: str, options: S3Options | None = None) -> None:
        import boto3
        from boto3.s3.transfer import TransferConfig
        from botocore.config import Config

        self.bucket, self.prefix = parse_s3_url(url)
        self.options = options or S3Options()
        config = Config(
            retries={"mode": "standard", "max_attempts": self.options.max_attempts},
            connect_timeout=self.options.connect_timeout,
            read_timeout=self.options.read_timeout,
            # Only send checksums S3 requires (or we ask for): keeps third-party endpoints happy.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        session = boto3.session.Session(region_name=self.options.region)
        try:
            self.client = session.client(
                "s3", endpoint_url=self.options.endpoint_url, config=config
            )
        except ValueError as error:  # botocore: "Invalid endpoint: …", a bad region name
            raise SinkError(" ".join(str(error).split())) from None
        self.transfer = TransferConfig(
            multipart_threshold=self.options.multipart_threshold,
            multipart_chunksize=self.options.multipart_chunksize,
            max_concurrency=4,
            use_threads=True,
        )

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def url(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._key(key)}"

    def _extra_args(self) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        if self.options.sse:
            extra["ServerSideEncryption"] = self.options.sse
            if self.options.sse_kms_key_id:
                extra["SSEKMSKeyId"] = self.options.sse_kms_key_id
        if self.options.checksum_sha256:
            extra["ChecksumAlgorithm"] = "SHA256"
        return extra

    def check(self) -> None:
        """Fail fast (before touching anything) on a missing bucket or unusable credentials."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except Exception as error:
            raise SinkError(f"s3://{self.bucket}: {describe_s3_error(error)}") from error

    def put(self, key: str, data: bytes, progress: Progress | None = None) -> None:
        extra = self._extra_args()
        content_type = CONTENT_TYPES.get(PurePosixPath(key).suffix)
        if content_type is not None:
            extra["ContentType"] = content_type
        try:
            self.client.upload_fileobj(
                io.BytesIO(data),
                self.bucket,
                self._key(key),
                ExtraArgs=extra,
                Callback=progress,
                Config=self.transfer,
            )
        except Exception as error:
            raise SinkError(f"{self.url(key)}: {describe_s3_error(error)}") from error

    def get(self, key: str) -> bytes | None:
        from botocore.exceptions import ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise SinkError(f"{self.url(key)}: {describe_s3_error(error)}") from error
        except Exception as error:
            raise SinkError(f"{self.url(key)}: {describe_s3_error(error)}") from error

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        except Exception as error:
            raise SinkError(f"{self.url(key)}: {describe_s3_error(error)}") from error

    def list(self, prefix: str) -> list[StoredObject]:
        full = self._key(prefix).rstrip("/") + "/"
        strip = len(self.prefix) + 1 if self.prefix else 0
        found: list[StoredObject] = []
        try:
            paginator = self.client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=full):
                found.extend(
                    StoredObject(item["Key"][strip:], item["Size"], item["LastModified"])
                    for item in page.get("Contents", [])
                )
        except Exception as error:
            raise SinkError(f"s3://{self.bucket}/{full}: {describe_s3_error(error)}") from error
        return sorted(found, key=lambda stored: stored.key)


_HINTS = {
    "NoSuchBucket": "bucket does not exist",
    "404": "bucket does not exist (or is not visible with these credentials)",
    "403": "access denied (check credentials and bucket policy)",
    "InvalidAccessKeyId": "invalid access key id (check AWS credentials)",
    "SignatureDoesNotMatch": "signature mismatch (check the AWS secret key)",
    "AccessDenied": "access denied (check credentials and bucket policy)",
}


def describe_s3_error(error: BaseException) -> str:
    """One line for any boto3/botocore failure, with the S3 error code when there is one."""
    from boto3.exceptions import S3UploadFailedError
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    if isinstance(error, ClientError):
        info = error.response.get("Error", {})
        code = str(info.get("Code", "")) or "error"
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        hint = _HINTS.get(code) or info.get("Message") or ""
        return f"{code} (HTTP {status}): {hint}".rstrip(": ")
    if isinstance(error, NoCredentialsError):
        return "no AWS credentials found (environment, ~/.aws, or instance profile)"
    if isinstance(error, S3UploadFailedError):
        text = str(error)
        for code, hint in _HINTS.items():
            if code in text and not code.isdigit():
                return f"{code}: {hint}"
        return " ".join(text.split())
    if isinstance(error, BotoCoreError):
        return " ".join(str(error).split())
    return " ".join(f"{type(error).__name__}: {error}".split())


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def check_target(target: str) -> None:
    """Refuse a place that is neither a directory nor ``s3://bucket[/prefix]``, before any work.

    An empty name would publish into the working directory and ``ftp://host/x``
    into a local directory named ``ftp:``; neither is what the user meant.
    """
    if not target.strip():
        raise SinkError(f"{target!r}: expected a directory or s3://bucket/prefix")
    if target.startswith("s3://"):
        parse_s3_url(target)
    elif _SCHEME.match(target):
        raise SinkError(f"{target}: only s3:// URLs are supported (or give a directory)")


def open_sink(target: str, options: S3Options | None = None) -> Sink:
    """``s3://bucket/prefix`` → :class:`S3Sink`; anything else is a local directory."""
    check_target(target)
    if target.startswith("s3://"):
        return S3Sink(target, options)
    return DirectorySink(target)
