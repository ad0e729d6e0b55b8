"""Importers: real platform output (kubectl, the OpenStack CLI, the Cloud Foundry v3 API,
CloudEvents) → sample records of the JSON Lines shape, with the trait names of ``traits/``.

Each platform module turns parsed documents into records and tells an
:class:`~rating.importers.outcome.Outcome` about every object it read: emitted,
skipped (with the reason) or emitted with a caveat (a note), so an operator sees
what did not become a sample and why. :mod:`.scope` holds what they share: the
mapping file (namespace or project → tenant) and the scope options.
"""
