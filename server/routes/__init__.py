"""The doors: one router per resource, found by its URL."""
