"""Live sync with the teams' trackers (Jira, Azure DevOps): see docs/tracker-sync.md.

- :mod:`.issues` — a tracker's issue as the sync reads it, whatever the product (:class:`TrackedIssue`).
- :mod:`.errors` — what can go wrong talking to a tracker, one exception tree.
- :mod:`.jira`, :mod:`.azure` — the httpx clients, each written from its product's REST documentation.
"""
