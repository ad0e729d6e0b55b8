"""ratecard: Dhall product catalogs rated against sampled resource traits.

The package mirrors the pipeline: ``load`` (Dhall, traits, samples) → ``check``
(catalog validation) → ``rate`` (engine and reference rater) → ``report``
(tenant usage reports) → ``export`` (files, FOCUS, object storage).
"""

__version__ = "0.1.0"
