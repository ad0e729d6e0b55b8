"""Synthetic fleet generator: realistic, reproducible sample files for tests and benchmarks.

``plan_fleet`` draws a fleet from a seed, ``Fleet.batches`` expands it into
Arrow batches of samples, ``write_samples`` streams them to a file or stdout.
"""

from rating.generate.fleet import Fleet, plan_fleet, sample_schema
from rating.generate.write import format_of, json_lines, write_samples

__all__ = ["Fleet", "format_of", "json_lines", "plan_fleet", "sample_schema", "write_samples"]
