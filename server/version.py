"""piboard's version: the one place it is written (the package metadata, OpenAPI and /healthz read it)."""

__version__ = "0.2.0.dev0"
