"""Package data: the build maps this folder into the wheel as ``server.migrations`` (see pyproject.toml)."""
