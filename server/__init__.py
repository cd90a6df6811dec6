"""piboard's web shell: settings, storage, the op path, the live hub, pages and doors."""
