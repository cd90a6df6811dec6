"""How changes and requests come in: one router per resource (found by its URL), the dependencies
they share, form and frame parsing, middleware, origin checks and rate limits."""
