"""Package data: the build maps this folder into the wheel as ``server.static`` (see pyproject.toml)."""
