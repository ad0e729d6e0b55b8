"""Exporters: line items as FOCUS 1.2 or plain tables, published to a directory or S3.

``to_focus`` maps line items to FOCUS columns; ``publish`` writes a
:class:`Dataset` to a sink (data first, manifest last, deterministic bytes).
"""

from rating.export.focus import FOCUS_SCHEMA, FOCUS_VERSION, to_focus
from rating.export.publish import Dataset, PublishedFile, manifest_bytes, publish
from rating.export.sinks import DirectorySink, S3Options, S3Sink, Sink, SinkError, open_sink

__all__ = [
    "FOCUS_SCHEMA",
    "FOCUS_VERSION",
    "Dataset",
    "DirectorySink",
    "PublishedFile",
    "S3Options",
    "S3Sink",
    "Sink",
    "SinkError",
    "manifest_bytes",
    "open_sink",
    "publish",
    "to_focus",
]
