"""Exporters: line items as FOCUS 1.2 or plain tables, published to a directory or S3.

``to_focus`` maps line items to FOCUS columns; ``publish`` writes a
:class:`Dataset` to a sink (each run's data under its own keys, the manifest
last and atomically); ``verify`` checks a published manifest against its objects.
"""

from rating.export.focus import FOCUS_SCHEMA, FOCUS_VERSION, to_focus
from rating.export.manifest import PublishedFile
from rating.export.publish import Dataset, Publication, publish
from rating.export.sinks import DirectorySink, S3Options, S3Sink, Sink, SinkError, open_sink
from rating.export.verify import Verified, verify

__all__ = [
    "FOCUS_SCHEMA",
    "FOCUS_VERSION",
    "Dataset",
    "DirectorySink",
    "Publication",
    "PublishedFile",
    "S3Options",
    "S3Sink",
    "Sink",
    "SinkError",
    "Verified",
    "open_sink",
    "publish",
    "to_focus",
    "verify",
]
