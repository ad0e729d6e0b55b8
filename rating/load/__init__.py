"""Loading: Dhall evaluation, resource-trait schemas, catalogs and samples."""
