"""Package data: the build maps this folder into the wheel as ``server.templates`` (see pyproject.toml)."""
